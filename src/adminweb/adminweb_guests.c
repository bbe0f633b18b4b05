/*
 * Guest access (eduroam gastgebruik), /admin/guests: a batch of
 * time-limited guest accounts for an event (accounts_guest_batch), shown
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

static void
aguest_create(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct accounts_guest_req gr = {0};
	struct accounts_error err = {0};
	struct aguest_vouchers v;
	const char *count, *until, *event;
	char batch[33] = "", when[40], detail[80];
	char *end = NULL;
	unsigned long n;
	int rc;

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
	aguest_date(gr.expires, when, sizeof(when));
	v.tv = p.tv;
	v.realm = aw->cfg->nrealms > 0 ? aw->cfg->realms[0] : "";
	v.until = when;
	rc = accounts_guest_batch(aw->st, &gr, aw->cfg->password.cost, batch, aguest_voucher, &v,
				  &err);
	snprintf(detail, sizeof(detail), "count=%lu until=%s", n, until);
	admin_audit(aw->st, &p.who, "guest.add", rc < 0 ? gr.batch : batch,
		    rc < 0 ? accounts_error_key(err.code) : NULL, detail);
	if (rc < 0) {
		aguest_page(&p, err.code == ACCOUNTS_EEXPIRY ? N_("The end date must be in the future.")
			    : N_("Something went wrong. Try again."));
		goto done;
	}
	http_tv_set(p.tv, "batch", batch);
	http_tv_set(p.tv, "count", count);
	adminweb_page_send(&p, 200, "admin_vouchers", N_("Guest vouchers"));
done:
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
