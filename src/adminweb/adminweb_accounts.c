/*
 * Student accounts, /admin/accounts: search, add (a generated password,
 * shown once), one account's page (name, student number, affiliation,
 * enable/disable, expiry set or cleared, password reset with the new
 * password shown once; the account name stays: see aacc_edit_page), the
 * CSV import (a multipart upload,
 * a preview of every line's errors, then a confirm step that commits all
 * or nothing) and the CSV export. Every change writes an audit row;
 * helpdesk may reset and enable/disable students only (admin_may).
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/accounts.h"
#include "poort/affiliation.h"
#include "poort/config.h"
#include "poort/http_form.h"
#include "poort/log.h"

#define AACC_ROWS 200
#define AACC_CSV_MAX (1u << 20) /* an upload (the router reads at most 1 MiB) */

static const struct http_form_limits aacc_upload_limits = {
	.fields = 8, .name = 64, .value = AACC_CSV_MAX, .file = AACC_CSV_MAX};

/* The UI's text (catalogue id) for an accounts_* code. */
static const char *
aacc_msg(int code)
{
	switch (code) {
	case ACCOUNTS_EPW_SHORT:
		return N_("The password is too short.");
	case ACCOUNTS_EPW_LONG:
		return N_("The password is too long.");
	case ACCOUNTS_EPW_UTF8:
		return N_("The password is not valid text.");
	case ACCOUNTS_EUSERNAME:
		return N_("Not a valid account name: lower-case letters, digits, '.', '_', '-'.");
	case ACCOUNTS_EAFFILIATION:
		return N_("Unknown affiliation.");
	case ACCOUNTS_EDATE:
		return N_("Write a date as 2026-12-01, or never.");
	case ACCOUNTS_EFIELDS:
	case ACCOUNTS_ECSV:
		return N_("This line does not have the right fields.");
	case ACCOUNTS_ECONTROL:
		return N_("This line has a control character.");
	case ACCOUNTS_ENAME_EMPTY:
		return N_("Given name and surname must not be empty.");
	case ACCOUNTS_ENAME_LONG:
		return N_("The name is too long.");
	case ACCOUNTS_ENUMBER_LONG:
		return N_("The student number is too long.");
	case ACCOUNTS_EEXISTS:
		return N_("This account exists already.");
	case ACCOUNTS_EDUPLICATE:
		return N_("This name is also on an earlier line.");
	case ACCOUNTS_EEMPTY:
		return N_("The file has no accounts.");
	case ACCOUNTS_ETOOBIG:
		return N_("The file is too large.");
	case ACCOUNTS_ECOUNT:
		return N_("Between 1 and 500 guest accounts at a time.");
	case ACCOUNTS_EEXPIRY:
		return N_("The end date must be in the future.");
	default:
		return N_("Something went wrong. Try again.");
	}
}

static void
aacc_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* The account's values for a template item. */
static void
aacc_values(struct http_tv *it, const struct store_account *a)
{
	char d[32];

	http_tv_set(it, "username", a->username);
	http_tv_set(it, "given", a->given_name);
	http_tv_set(it, "surname", a->surname);
	http_tv_set(it, "number", a->student_number);
	http_tv_set(it, "affiliation", a->affiliation);
	if (a->enabled)
		http_tv_set(it, "enabled", "1");
	if (a->guest)
		http_tv_set(it, "guest", "1");
	aacc_date(a->expires, d, sizeof(d));
	http_tv_set(it, "expires", a->expires != 0 ? d : "");
	if (a->expires != 0 && a->expires < (int64_t)time(NULL))
		http_tv_set(it, "expired", "1");
}

struct aacc_search {
	struct http_tv *tv;
	const char *q;
	unsigned n;
};

static int
aacc_search_row(const struct store_account *a, void *arg)
{
	struct aacc_search *s = arg;

	if (s->q != NULL && s->q[0] != '\0' && strstr(a->username, s->q) == NULL &&
	    strcasestr(a->given_name, s->q) == NULL && strcasestr(a->surname, s->q) == NULL &&
	    strstr(a->student_number, s->q) == NULL)
		return 0;
	if (++s->n > AACC_ROWS) {
		http_tv_set(s->tv, "more", "1");
		return 1;
	}
	aacc_values(http_tv_add(s->tv, "rows"), a);
	return 0;
}

/* The affiliations the store knows, as choices ("affs"), current selected. */
static void
aacc_affs(struct http_tv *tv, const char *current)
{
	for (size_t i = 0; affiliation_at(i) != NULL; i++) {
		struct http_tv *it = http_tv_add(tv, "affs");

		http_tv_set(it, "value", affiliation_at(i));
		if (strcmp(affiliation_at(i), current) == 0)
			http_tv_set(it, "selected", "1");
	}
}

/* The list page, with msg (catalogue id or NULL) and any one-time values set already. */
static void
aacc_list_page(struct adminweb_page *p, int code, const char *msg)
{
	char *q = adminweb_query(p->req, "q");
	struct aacc_search s = {.tv = p->tv, .q = q};

	if (msg != NULL)
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
	http_tv_set(p->tv, "q", q != NULL ? q : "");
	if (admin_may(p->role, ADMIN_ACT_ACCOUNT_EDIT))
		http_tv_set(p->tv, "may_edit", "1");
	aacc_affs(p->tv, "student");
	if (store_account_foreach(p->aw->st, aacc_search_row, &s) < 0)
		http_tv_set(p->tv, "msg", http_tr(p->lang, N_("The accounts cannot be read.")));
	free(q);
	adminweb_page_send(p, code, "admin_accounts", N_("Accounts"));
}

static void
aacc_list(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_ACCOUNT_VIEW, &p) < 0)
		return;
	aacc_list_page(&p, 200, NULL);
}

/* A new password for username into pw (ACCOUNTS_GENERATED_LEN + 1), stored. */
static int
aacc_new_password(struct adminweb *aw, const char *username, char *pw, int add,
		  const struct store_account *a)
{
	char hash[PASSWORD_HASH_MAX];
	uint8_t nt[16];
	int rc;

	if (accounts_password_generate(pw) < 0 ||
	    accounts_password_hash(pw, aw->cfg->password.cost, hash, nt) < 0)
		return ACCOUNTS_EHASH;
	if (add) {
		struct store_account na = *a;

		snprintf(na.pw_hash, sizeof(na.pw_hash), "%s", hash);
		rc = store_account_add(aw->st, &na, nt);
		explicit_bzero(&na, sizeof(na));
	} else
		rc = store_account_set_password(aw->st, username, hash, nt);
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(nt, sizeof(nt));
	return rc < 0 ? ACCOUNTS_ESTORE : 0;
}

/* A form field, "" when absent. */
static const char *
aacc_get(const struct http_form *f, const char *name)
{
	const char *v = http_form_get(f, name);

	return v != NULL ? v : "";
}

static void
aacc_add(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct store_account a, old;
	const char *v;
	char pw[ACCOUNTS_GENERATED_LEN + 1];
	int rc, field;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_ACCOUNT_EDIT, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	memset(&a, 0, sizeof(a));
	a.enabled = 1;
	a.created = (int64_t)time(NULL);
	if (strlen(p.name) < sizeof(a.created_by))
		memcpy(a.created_by, p.name, strlen(p.name) + 1);
#define AACC_FIELD(name, dst) \
	snprintf(dst, sizeof(dst), "%s", (v = http_form_get(&f, name)) != NULL ? v : "")
	AACC_FIELD("username", a.username);
	AACC_FIELD("given", a.given_name);
	AACC_FIELD("surname", a.surname);
	AACC_FIELD("number", a.student_number);
	AACC_FIELD("affiliation", a.affiliation);
#undef AACC_FIELD
	v = http_form_get(&f, "expires");
	/* the details' rule on the form's values, before anything was cut to fit */
	if (!store_username_valid(a.username))
		rc = ACCOUNTS_EUSERNAME;
	else
		rc = accounts_details_check(aacc_get(&f, "given"), aacc_get(&f, "surname"),
					    aacc_get(&f, "number"), a.affiliation, &field);
	if (rc == 0 && v != NULL && v[0] != '\0' && accounts_date_parse(v, &a.expires) < 0)
		rc = ACCOUNTS_EDATE;
	else if (rc == 0 && store_account_get(aw->st, a.username, &old) == 0)
		rc = ACCOUNTS_EEXISTS;
	if (rc == 0)
		rc = aacc_new_password(aw, a.username, pw, 1, &a);
	admin_audit(aw->st, &p.who, "account.add", a.username, rc < 0 ? "refused" : NULL,
		    rc < 0 ? accounts_error_key(rc) : a.affiliation);
	http_form_free(&f);
	if (rc < 0) {
		aacc_list_page(&p, 200, aacc_msg(rc));
		return;
	}
	/* the password: on this answer only */
	http_tv_set(p.tv, "new_user", a.username);
	http_tv_set(p.tv, "new_password", pw);
	explicit_bzero(pw, sizeof(pw));
	aacc_list_page(&p, 200, N_("The account was added. Give its password to the student now:"
				   " it is not shown again."));
}

/* The account named by the query (GET) or the form (POST), or NULL with an answer sent. */
static int
aacc_account(struct adminweb_page *p, const char *name, struct store_account *a, int action)
{
	if (name == NULL || store_account_get(p->aw->st, name, a) < 0) {
		adminweb_error(p->aw, p->req, p, 404, N_("There is no such account."));
		return -1;
	}
	/* helpdesk: students only (admin_may's "reset a student's password") */
	if (p->role != ADMIN_ROLE_ADMIN && action != ADMIN_ACT_ACCOUNT_VIEW &&
	    strcmp(a->affiliation, "student") != 0) {
		adminweb_error(p->aw, p->req, p, 403, N_("Your role may change students only."));
		return -1;
	}
	return 0;
}

static void
aacc_edit_page(struct adminweb_page *p, const struct store_account *a, const char *msg)
{
	aacc_values(p->tv, a);
	if (msg != NULL)
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
	if (admin_may(p->role, ADMIN_ACT_ACCOUNT_EDIT))
		http_tv_set(p->tv, "may_edit", "1");
	if (p->role == ADMIN_ROLE_ADMIN || strcmp(a->affiliation, "student") == 0)
		http_tv_set(p->tv, "may_change", "1");
	/*
	 * No renaming: the account name is what the student's devices (their
	 * eduroam identity and per-device certificates), the pairwise SSO
	 * pseudonyms and the CUI are derived from and what the logs know them
	 * by; a new name would be a new person to every SP and break every
	 * configured device. A new account is the honest way (the page says so).
	 */
	aacc_affs(p->tv, a->affiliation);
	adminweb_page_send(p, 200, "admin_account", N_("Account"));
}

/* The account page; msg: a catalogue id (an error when err), or NULL. */
static void
aacc_edit_page_as(struct adminweb_page *p, const struct store_account *a, const char *msg,
		  int err)
{
	if (err)
		http_tv_set(p->tv, "msg_err", "1");
	aacc_edit_page(p, a, msg);
}

static void
aacc_edit(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;
	struct store_account a;
	char *u;
	int rc;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_ACCOUNT_VIEW, &p) < 0)
		return;
	u = adminweb_query(req, "u");
	rc = aacc_account(&p, u, &a, ADMIN_ACT_ACCOUNT_VIEW);
	free(u);
	if (rc == 0)
		aacc_edit_page(&p, &a, NULL);
}

/* POST /admin/accounts/{enable,password,expiry}: what = which. */
static void
aacc_change(struct evhttp_request *req, struct adminweb *aw, int action)
{
	struct adminweb_page p;
	struct http_form f;
	struct store_account a;
	const char *v, *msg = N_("Done.");
	char pw[ACCOUNTS_GENERATED_LEN + 1] = "";
	int64_t t = 0;
	int rc;

	if (adminweb_page_begin(aw, req, action, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	if (aacc_account(&p, http_form_get(&f, "u"), &a, action) < 0)
		goto done;
	v = http_form_get(&f, "value");
	switch (action) {
	case ADMIN_ACT_ACCOUNT_ENABLE: {
		int on = v != NULL && strcmp(v, "1") == 0;

		rc = store_account_set_enabled(aw->st, a.username, on);
		admin_audit(aw->st, &p.who, on ? "account.enable" : "account.disable", a.username,
			    rc < 0 ? "store" : NULL, NULL);
		msg = on ? N_("The account is enabled.") : N_("The account is disabled.");
		break;
	}
	case ADMIN_ACT_ACCOUNT_PASSWORD:
		rc = aacc_new_password(aw, a.username, pw, 0, NULL);
		admin_audit(aw->st, &p.who, "account.passwd", a.username, rc < 0 ? "store" : NULL,
			    "generated");
		msg = N_("A new password was set. Give it to the student now: it is not shown again.");
		break;
	default: /* ADMIN_ACT_ACCOUNT_EDIT: the expiry */
		if (v == NULL || accounts_date_parse(v[0] != '\0' ? v : "never", &t) < 0) {
			rc = ACCOUNTS_EDATE;
			msg = aacc_msg(rc);
			break;
		}
		rc = store_account_set_expiry(aw->st, a.username, t);
		admin_audit(aw->st, &p.who, "account.expire", a.username, rc < 0 ? "store" : NULL,
			    v[0] != '\0' ? v : "never");
		msg = N_("The expiry date was changed.");
		break;
	}
	if (rc < 0 && rc != ACCOUNTS_EDATE)
		msg = N_("Something went wrong. Try again.");
	store_account_get(aw->st, a.username, &a);
	if (pw[0] != '\0' && rc == 0)
		http_tv_set(p.tv, "new_password", pw);
	explicit_bzero(pw, sizeof(pw));
	aacc_edit_page_as(&p, &a, msg, rc < 0);
done:
	http_form_free(&f);
}

static void
aacc_enable(struct evhttp_request *req, void *arg)
{
	aacc_change(req, arg, ADMIN_ACT_ACCOUNT_ENABLE);
}

static void
aacc_password(struct evhttp_request *req, void *arg)
{
	aacc_change(req, arg, ADMIN_ACT_ACCOUNT_PASSWORD);
}

static void
aacc_expiry(struct evhttp_request *req, void *arg)
{
	aacc_change(req, arg, ADMIN_ACT_ACCOUNT_EDIT);
}

/* POST /admin/accounts/details: given name, surname, student number, affiliation. */
static void
aacc_details(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct store_account a;
	const char *given, *surname, *number, *aff;
	char detail[160];
	int rc, field;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_ACCOUNT_EDIT, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	if (aacc_account(&p, http_form_get(&f, "u"), &a, ADMIN_ACT_ACCOUNT_EDIT) < 0)
		goto done;
	given = http_form_get(&f, "given");
	surname = http_form_get(&f, "surname");
	number = http_form_get(&f, "number");
	aff = http_form_get(&f, "affiliation");
	if (given == NULL || surname == NULL || number == NULL || aff == NULL) {
		aacc_edit_page_as(&p, &a, N_("This line does not have the right fields."), 1);
		goto done;
	}
	if ((rc = accounts_details_check(given, surname, number, aff, &field)) < 0) {
		admin_audit(aw->st, &p.who, "account.edit", a.username, "refused",
			    accounts_error_key(rc));
		aacc_edit_page_as(&p, &a, aacc_msg(rc), 1);
		goto done;
	}
	/* which fields changed (the names themselves stay out of the audit row) */
	snprintf(detail, sizeof(detail), "%s%s%s%s%s", strcmp(given, a.given_name) ? " given" : "",
		 strcmp(surname, a.surname) ? " surname" : "",
		 strcmp(number, a.student_number) ? " number" : "",
		 strcmp(aff, a.affiliation) ? " affiliation=" : "",
		 strcmp(aff, a.affiliation) ? aff : "");
	rc = store_account_set_details(aw->st, a.username, given, surname, number, aff);
	admin_audit(aw->st, &p.who, "account.edit", a.username, rc < 0 ? "store" : NULL,
		    detail[0] != '\0' ? detail + 1 : "unchanged");
	store_account_get(aw->st, a.username, &a);
	aacc_edit_page_as(&p, &a,
			  rc < 0 ? N_("Something went wrong. Try again.") : N_("The account was saved."),
			  rc < 0);
done:
	http_form_free(&f);
}

static void
aacc_cred(const char *username, const char *password, void *arg)
{
	struct http_tv *it = http_tv_add(arg, "generated");

	http_tv_set(it, "username", username);
	http_tv_set(it, "password", password);
}

/*
 * A checked CSV file waiting for its confirm step, kept here per session
 * (its CSRF token is the key) rather than sent back through the page: no
 * size limit of a form field, and passwords in the file never go back out.
 */
#define AACC_PENDING 4
#define AACC_PENDING_TTL 900

static struct {
	char key[HTTP_CSRF_HEX + 1];
	char *text;
	size_t len;
	time_t at;
} aacc_pending[AACC_PENDING];

static void
aacc_pending_clear(size_t i)
{
	if (aacc_pending[i].text != NULL) {
		explicit_bzero(aacc_pending[i].text, aacc_pending[i].len);
		free(aacc_pending[i].text);
	}
	memset(&aacc_pending[i], 0, sizeof(aacc_pending[i]));
}

/* Keeps a copy of text for key (replacing key's, else an expired or the oldest). */
static int
aacc_pending_put(const char *key, const char *text, size_t len)
{
	size_t pick = 0;

	for (size_t i = 0; i < AACC_PENDING; i++) {
		if (strcmp(aacc_pending[i].key, key) == 0) {
			pick = i;
			break;
		}
		if (aacc_pending[i].at < aacc_pending[pick].at)
			pick = i;
	}
	aacc_pending_clear(pick);
	if ((aacc_pending[pick].text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(aacc_pending[pick].text, text, len);
	aacc_pending[pick].text[len] = '\0';
	aacc_pending[pick].len = len;
	aacc_pending[pick].at = time(NULL);
	snprintf(aacc_pending[pick].key, sizeof(aacc_pending[pick].key), "%s", key);
	return 0;
}

/* key's text (the caller clears and frees it), or NULL (none, or too old). */
static char *
aacc_pending_take(const char *key, size_t *len)
{
	for (size_t i = 0; i < AACC_PENDING; i++) {
		char *t;

		if (aacc_pending[i].text == NULL || strcmp(aacc_pending[i].key, key) != 0)
			continue;
		if (time(NULL) - aacc_pending[i].at > AACC_PENDING_TTL) {
			aacc_pending_clear(i);
			return NULL;
		}
		t = aacc_pending[i].text;
		*len = aacc_pending[i].len;
		aacc_pending[i].text = NULL;
		aacc_pending_clear(i);
		return t;
	}
	return NULL;
}

void
adminweb_accounts_free(void)
{
	for (size_t i = 0; i < AACC_PENDING; i++)
		aacc_pending_clear(i);
}

/* A checked import whose passwords are hashed on the worker pool. */
struct aacc_import_job {
	struct accounts_import *im;
	unsigned cost;
	struct accounts_error err;
};

/* Passwords per worker job: an admin login waits behind one slice at most. */
#define AACC_HASH_SLICE 4

static int
aacc_import_slice(void *arg)
{
	struct aacc_import_job *job = arg;

	return accounts_import_hash(job->im, job->cost, AACC_HASH_SLICE, &job->err);
}

/* On the loop: all hashed (rc 0), write all or nothing and answer. */
static void
aacc_import_answer(struct adminweb_page *p, int rc, void *arg)
{
	struct aacc_import_job *job = arg;
	struct adminweb *aw;
	char cnt[32];

	if (p == NULL)
		goto done; /* nobody to show the passwords to: nothing written */
	aw = p->aw;
	snprintf(cnt, sizeof(cnt), "%zu", accounts_import_count(job->im));
	if (rc > 0) {
		admin_audit(aw->st, &p->who, "account.import", NULL, "refused", "busy");
		aacc_list_page(p, 503, N_("The box is busy. Try again in a moment."));
		goto done;
	}
	if (rc < 0 || accounts_import_write(job->im, aw->st, &job->err) < 0) {
		admin_audit(aw->st, &p->who, "account.import", NULL, "refused",
			    accounts_error_key(job->err.code));
		aacc_list_page(p, 200, aacc_msg(job->err.code));
		goto done;
	}
	admin_audit(aw->st, &p->who, "account.import", NULL, NULL, cnt);
	http_tv_set(p->tv, "count", cnt);
	http_tv_set(p->tv, "done", "1");
	accounts_import_generated(job->im, aacc_cred, p->tv);
	adminweb_page_send(p, 200, "admin_import", N_("Import accounts"));
done:
	accounts_import_free(job->im);
	free(job);
}

/*
 * POST /admin/accounts/import: a file part "file" is checked (the preview:
 * nothing written; a good file is kept for the session); "confirm" checks
 * the kept file again, hashes its passwords on the worker pool and then
 * commits it, all or nothing (aacc_import_answer).
 */
static void
aacc_import(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const struct http_field *file;
	struct accounts_import *im = NULL;
	struct aacc_import_job *job;
	const char *text;
	char *kept = NULL;
	size_t len = 0;
	int n, confirm;
	char cnt[32];

	if (adminweb_page_begin(aw, req, ADMIN_ACT_ACCOUNT_EDIT, &p) < 0)
		return;
	if (http_form_read(&f, req, &aacc_upload_limits) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	confirm = http_form_get(&f, "confirm") != NULL;
	file = http_form_field(&f, "file");
	if (confirm) {
		text = kept = aacc_pending_take(p.s->csrf, &len);
		if (kept == NULL) {
			aacc_list_page(&p, 200, N_("Upload the file again: it was not checked in this"
						   " session, or too long ago."));
			goto done;
		}
	} else {
		text = file != NULL ? file->value : NULL;
		len = file != NULL ? file->len : 0;
	}
	if (text == NULL || len == 0) {
		aacc_list_page(&p, 200, N_("Choose a CSV file first."));
		goto done;
	}
	if ((im = accounts_import_new()) == NULL ||
	    (n = accounts_import_check(im, aw->st, text, len)) < 0) {
		adminweb_error(aw, req, &p, 503, N_("Something went wrong. Try again."));
		goto done;
	}
	for (size_t i = 0; i < accounts_import_nerrors(im); i++) {
		const struct accounts_error *e = accounts_import_error(im, i);
		struct http_tv *it = http_tv_add(p.tv, "errors");

		http_tv_setf(it, "line", "%d", e->line);
		http_tv_set(it, "msg", http_tr(p.lang, aacc_msg(e->code)));
		http_tv_set(it, "detail", e->detail);
	}
	snprintf(cnt, sizeof(cnt), "%zu", accounts_import_count(im));
	http_tv_set(p.tv, "count", cnt);
	if (n > 0 || !confirm) {
		if (n == 0 && aacc_pending_put(p.s->csrf, text, len) == 0)
			http_tv_set(p.tv, "ready", "1");
		admin_audit(aw->st, &p.who, "account.import.check", NULL, n > 0 ? "errors" : NULL,
			    cnt);
		adminweb_page_send(&p, 200, "admin_import", N_("Import accounts"));
		goto done;
	}
	/* the hashes on the worker pool; aacc_import_answer writes and answers */
	if ((job = calloc(1, sizeof(*job))) != NULL) {
		job->im = im;
		job->cost = aw->cfg->password.cost;
		if (adminweb_work(aw, req, ADMIN_ACT_ACCOUNT_EDIT, aacc_import_slice,
				  aacc_import_answer, job) == 0) {
			im = NULL;
			adminweb_page_end(&p);
			goto done;
		}
		free(job);
	}
	aacc_pending_put(p.s->csrf, text, len); /* kept again for a second try */
	admin_audit(aw->st, &p.who, "account.import", NULL, "refused", "busy");
	aacc_list_page(&p, 503, N_("The box is busy. Try again in a moment."));
done:
	if (kept != NULL) {
		explicit_bzero(kept, len);
		free(kept);
	}
	accounts_import_free(im);
	http_form_free(&f);
}

/* A CSV field: quoted, quotes doubled, a leading =+-@ defused for spreadsheets. */
static void
aacc_csv_field(struct evbuffer *b, const char *s, int last)
{
	evbuffer_add(b, "\"", 1);
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
		evbuffer_add(b, "'", 1);
	for (; *s != '\0'; s++)
		evbuffer_add(b, s, 1 + (*s == '"'));
	evbuffer_add(b, last ? "\"\r\n" : "\";", last ? 3 : 2);
}

static int
aacc_export_row(const struct store_account *a, void *arg)
{
	char d[32];

	aacc_date(a->expires, d, sizeof(d));
	aacc_csv_field(arg, a->username, 0);
	aacc_csv_field(arg, a->given_name, 0);
	aacc_csv_field(arg, a->surname, 0);
	aacc_csv_field(arg, a->student_number, 0);
	aacc_csv_field(arg, a->affiliation, 0);
	aacc_csv_field(arg, a->enabled ? "yes" : "no", 0);
	aacc_csv_field(arg, d, 1);
	return 0;
}

static void
aacc_export(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct evbuffer *b;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (adminweb_page_begin(aw, req, ADMIN_ACT_ACCOUNT_EDIT, &p) < 0)
		return;
	if ((b = evbuffer_new()) == NULL) {
		adminweb_error(aw, req, &p, 503, N_("Something went wrong. Try again."));
		return;
	}
	evbuffer_add_printf(b, "username;given;surname;number;affiliation;enabled;expires\r\n");
	if (store_account_foreach(aw->st, aacc_export_row, b) < 0) {
		evbuffer_free(b);
		adminweb_error(aw, req, &p, 503, N_("The accounts cannot be read."));
		return;
	}
	admin_audit(aw->st, &p.who, "account.export", NULL, NULL, NULL);
	adminweb_page_end(&p);
	evhttp_add_header(h, "Content-Disposition", "attachment; filename=\"accounts.csv\"");
	evhttp_add_header(h, "Content-Type", "text/csv; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

#define R_POST (HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION)

static const struct http_route_def aacc_routes[] = {
	{EVHTTP_REQ_GET, "/admin/accounts", HTTP_R_ADMIN, aacc_list},
	{EVHTTP_REQ_GET, "/admin/accounts/edit", HTTP_R_ADMIN, aacc_edit},
	{EVHTTP_REQ_GET, "/admin/accounts/export", HTTP_R_ADMIN, aacc_export},
	{EVHTTP_REQ_POST, "/admin/accounts/add", R_POST, aacc_add},
	{EVHTTP_REQ_POST, "/admin/accounts/enable", R_POST, aacc_enable},
	{EVHTTP_REQ_POST, "/admin/accounts/password", R_POST, aacc_password},
	{EVHTTP_REQ_POST, "/admin/accounts/expiry", R_POST, aacc_expiry},
	{EVHTTP_REQ_POST, "/admin/accounts/details", R_POST, aacc_details},
	{EVHTTP_REQ_POST, "/admin/accounts/import", R_POST, aacc_import},
};

int
adminweb_accounts_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, aacc_routes, sizeof(aacc_routes) / sizeof(aacc_routes[0]),
				  aw);
}
