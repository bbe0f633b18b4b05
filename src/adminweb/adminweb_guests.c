/*
 * Guest access (eduroam gastgebruik), /admin/guests: a batch of
 * time-limited guest accounts for an event (accounts_guest_new, their
 * passwords hashed on the worker pool, then accounts_guest_write), shown
 * once as printable vouchers on the POST's answer; the list of guest
 * accounts by batch, and ending a batch early (its expiry set to now).
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/accounts.h"
#include "poort/config.h"
#include "poort/http_form.h"

#define AGUEST_ROWS 500

static void
aguest_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

struct aguest_list {
	struct http_tv *tv;
	unsigned n;
	int64_t now;
};

static int
aguest_row(const struct store_account *a, void *arg)
{
	struct aguest_list *l = arg;
	struct http_tv *it;
	char d[40];

	if (!a->guest)
		return 0;
	if (++l->n > AGUEST_ROWS)
		return 1;
	it = http_tv_add(l->tv, "rows");
	http_tv_set(it, "username", a->username);
	http_tv_set(it, "batch", a->batch);
	http_tv_set(it, "created_by", a->created_by);
	aguest_date(a->expires, d, sizeof(d));
	http_tv_set(it, "expires", d);
	if (a->expires <= l->now)
		http_tv_set(it, "expired", "1");
	return 0;
}

static void
aguest_page(struct adminweb_page *p, const char *msg)
{
	struct aguest_list l = {.tv = p->tv, .now = (int64_t)time(NULL)};

	if (msg != NULL)
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
	if (store_account_foreach(p->aw->st, aguest_row, &l) < 0)
		http_tv_set(p->tv, "msg", http_tr(p->lang, N_("The accounts cannot be read.")));
	adminweb_page_send(p, 200, "admin_guests", N_("Guest access"));
}

static void
aguest_list(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_GUEST, &p) < 0)
		return;
	aguest_page(&p, NULL);
}

struct aguest_vouchers {
	struct http_tv *tv;
	const char *realm, *until;
};

static void
aguest_voucher(const char *username, const char *password, void *arg)
{
	struct aguest_vouchers *v = arg;
	struct http_tv *it = http_tv_add(v->tv, "vouchers");

	http_tv_setf(it, "username", "%s@%s", username, v->realm);
	http_tv_set(it, "password", password);
	http_tv_set(it, "until", v->until);
}

/* A guest batch whose passwords are hashed on the worker pool. */
struct aguest_job {
	struct accounts_guest *g;
	unsigned cost;
	unsigned long n;
	char until[16];
	int64_t expires;
	struct accounts_error err;
};

/* Passwords per worker job: an admin login waits behind one slice at most. */
#define AGUEST_HASH_SLICE 4

static int
aguest_slice(void *arg)
{
	struct aguest_job *job = arg;

	return accounts_guest_hash(job->g, job->cost, AGUEST_HASH_SLICE, &job->err);
}

/* On the loop: all hashed (rc 0), write the batch and show the vouchers once. */
static void
aguest_answer(struct adminweb_page *p, int rc, void *arg)
{
	struct aguest_job *job = arg;
	struct adminweb *aw;
	struct aguest_vouchers v;
	char batch[33] = "", when[40], detail[80];

	if (p == NULL)
		goto done; /* nobody to give the vouchers to: nothing written */
	aw = p->aw;
	aguest_date(job->expires, when, sizeof(when));
	v.tv = p->tv;
	v.realm = aw->cfg->nrealms > 0 ? aw->cfg->realms[0] : "";
	v.until = when;
	if (rc == 0)
		rc = accounts_guest_write(job->g, aw->st, batch, aguest_voucher, &v, &job->err);
	else if (rc > 0)
		job->err.code = ACCOUNTS_ESTORE; /* the pool was busy */
	snprintf(detail, sizeof(detail), "count=%lu until=%s", job->n, job->until);
	admin_audit(aw->st, &p->who, "guest.add", rc != 0 ? NULL : batch,
		    rc != 0 ? (rc > 0 ? "busy" : accounts_error_key(job->err.code)) : NULL, detail);
	if (rc != 0) {
		aguest_page(p, rc > 0 ? N_("The box is busy. Try again in a moment.")
				      : N_("Something went wrong. Try again."));
		goto done;
	}
	http_tv_set(p->tv, "batch", batch);
	http_tv_setf(p->tv, "count", "%lu", job->n);
	adminweb_page_send(p, 200, "admin_vouchers", N_("Guest vouchers"));
done:
	accounts_guest_free(job->g);
	explicit_bzero(job, sizeof(*job));
	free(job);
}

static void
aguest_create(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct accounts_guest_req gr = {0};
	struct aguest_job *job = NULL;
	const char *count, *until, *event;
	char detail[80];
	char *end = NULL;
	unsigned long n;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_GUEST, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	count = http_form_get(&f, "count");
	until = http_form_get(&f, "until");
	event = http_form_get(&f, "event");
	n = count != NULL ? strtoul(count, &end, 10) : 0;
	if (count == NULL || end == count || *end != '\0' || n < 1 || n > ACCOUNTS_GUEST_MAX) {
		aguest_page(&p, N_("Between 1 and 500 guest accounts at a time."));
		goto done;
	}
	if (until == NULL || until[0] == '\0' || accounts_date_parse(until, &gr.expires) < 0 ||
	    gr.expires == 0) {
		aguest_page(&p, N_("Write a date as 2026-12-01, or never."));
		goto done;
	}
	gr.prefix = "guest";
	gr.count = (unsigned)n;
	gr.batch = event != NULL && event[0] != '\0' ? event : NULL;
	gr.created_by = p.name;
	snprintf(detail, sizeof(detail), "count=%lu until=%s", n, until);
	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->g = accounts_guest_new(aw->st, &gr, &job->err)) == NULL) {
		int code = job != NULL ? job->err.code : ACCOUNTS_ENOMEM;

		admin_audit(aw->st, &p.who, "guest.add", gr.batch, accounts_error_key(code), detail);
		aguest_page(&p, code == ACCOUNTS_EEXPIRY ? N_("The end date must be in the future.")
							 : N_("Something went wrong. Try again."));
		goto done;
	}
	job->cost = aw->cfg->password.cost;
	job->n = n;
	job->expires = gr.expires;
	snprintf(job->until, sizeof(job->until), "%s", until);
	/* the hashes on the worker pool; aguest_answer writes and answers */
	if (adminweb_work(aw, req, ADMIN_ACT_GUEST, aguest_slice, aguest_answer, job) == 0) {
		job = NULL;
		adminweb_page_end(&p);
		goto done;
	}
	admin_audit(aw->st, &p.who, "guest.add", gr.batch, "busy", detail);
	aguest_page(&p, N_("The box is busy. Try again in a moment."));
done:
	if (job != NULL) {
		accounts_guest_free(job->g);
		free(job);
	}
	http_form_free(&f);
}

struct aguest_expire {
	struct store *st;
	const char *batch;
	int64_t now;
	char (*names)[STORE_USERNAME_MAX + 1];
	size_t n, cap;
};

static int
aguest_collect(const struct store_account *a, void *arg)
{
	struct aguest_expire *e = arg;

	if (!a->guest || strcmp(a->batch, e->batch) != 0 || (a->expires && a->expires <= e->now))
		return 0;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		void *nv = realloc(e->names, cap * sizeof(*e->names));

		if (nv == NULL)
			return -1;
		e->names = nv;
		e->cap = cap;
	}
	memcpy(e->names[e->n++], a->username, sizeof(e->names[0]));
	return 0;
}

static void
aguest_expire(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct aguest_expire e = {.st = aw->st, .now = (int64_t)time(NULL)};
	char detail[32];
	int rc = 0;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_GUEST, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	e.batch = http_form_get(&f, "batch");
	if (e.batch == NULL || e.batch[0] == '\0' ||
	    store_account_foreach(aw->st, aguest_collect, &e) < 0) {
		aguest_page(&p, N_("Something went wrong. Try again."));
		goto done;
	}
	if ((rc = store_begin(aw->st)) == 0) {
		for (size_t i = 0; i < e.n && rc == 0; i++)
			rc = store_account_set_expiry(aw->st, e.names[i], e.now - 1);
		if (rc == 0)
			rc = store_commit(aw->st);
		else
			store_rollback(aw->st);
	}
	snprintf(detail, sizeof(detail), "count=%zu", e.n);
	admin_audit(aw->st, &p.who, "guest.expire", e.batch, rc < 0 ? "store" : NULL, detail);
	aguest_page(&p, rc < 0 ? N_("Something went wrong. Try again.")
			       : N_("The guest accounts of this event have ended."));
done:
	free(e.names);
	http_form_free(&f);
}

#define R_POST (HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION)

static const struct http_route_def aguest_routes[] = {
	{EVHTTP_REQ_GET, "/admin/guests", HTTP_R_ADMIN, aguest_list},
	{EVHTTP_REQ_POST, "/admin/guests/create", R_POST, aguest_create},
	{EVHTTP_REQ_POST, "/admin/guests/expire", R_POST, aguest_expire},
};

int
adminweb_guests_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, aguest_routes,
				  sizeof(aguest_routes) / sizeof(aguest_routes[0]), aw);
}
