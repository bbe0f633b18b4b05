/*
 * What every page group of the admin UI shares (src/adminweb/README.md):
 * the context (store, config, login checker, worker pool) and one request's
 * page state (session, principal, role, language, template values).
 */
#ifndef POORT_ADMINWEB_INT_H
#define POORT_ADMINWEB_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "poort/admin.h"
#include "poort/http.h"
#include "poort/http_i18n.h"
#include "poort/http_session.h"
#include "poort/http_tmpl.h"

struct config;
struct event_base;
struct store;
struct store_saml;
struct workq;

#define ADMINWEB_CERTS_MAX 8

/* A certificate the dashboard shows, read at start (before the privilege drop). */
struct adminweb_cert {
	const char *what; /* "EAP", "RadSec", "HTTPS", "SAML" (catalogue ids) */
	char path[256];
	long long not_after; /* UTC seconds; 0: unreadable */
};

struct adminweb {
	struct event_base *base;
	struct http_server *hs;
	const struct config *cfg;
	struct store *st;
	struct admin *ad;  /* logins: password, TOTP, guess limits, audit */
	struct workq *wq;  /* the password hash runs here, off the loop */
	struct store_saml *ss; /* SAML metadata status (dashboard), or NULL */
	struct adminweb_tl *tl; /* the test login's link (adminweb_testlogin.c), or NULL */
	char store_path[512];
	struct adminweb_cert certs[ADMINWEB_CERTS_MAX];
	size_t ncerts;
	time_t started;
};

/* One request of a logged-in admin (adminweb_page_begin). */
struct adminweb_page {
	struct adminweb *aw;
	struct evhttp_request *req;
	struct http_session *s; /* lent: valid until the next session call */
	const char *lang;       /* "nl" or "en" */
	int role;               /* enum admin_role, from the store on this request */
	int must_change;        /* logged in with a one-time password (action -1 only) */
	char name[HTTP_PRINCIPAL_MAX];
	char src[64];           /* the client's address key */
	struct admin_who who;   /* for admin_audit(): name and src */
	struct http_tv *tv;     /* lang, csrf, nav, principal, ... set already */
};

/*
 * Starts an admin page for action (enum admin_action): checks the session
 * (none or timed out: 303 to /admin/login), re-reads the admin from the
 * store (disabled or gone: logged out; one-time password: 303 to
 * /admin/password; no TOTP yet: 303 to /admin/totp, unless action is
 * ADMIN_ACT_SELF) and admin_may(role, action) (else a 403 page). 0 with p
 * filled (free it with adminweb_page_end), or -1 when an answer was sent.
 */
int adminweb_page_begin(struct adminweb *aw, struct evhttp_request *req, int action,
			struct adminweb_page *p);
/* Renders template name (its title: the catalogue id title) and frees p. */
void adminweb_page_send(struct adminweb_page *p, int code, const char *name, const char *title);
void adminweb_page_end(struct adminweb_page *p);
/* A 403/404/... page with a message (catalogue id); frees p when not NULL. */
void adminweb_error(struct adminweb *aw, struct evhttp_request *req, struct adminweb_page *p,
		    int code, const char *msg);
/* 303 See Other to path. */
void adminweb_redirect(struct evhttp_request *req, const char *path);
/* The query parameter name of req (decoded, malloc'd), or NULL. */
char *adminweb_query(struct evhttp_request *req, const char *name);
/*
 * A filter's date, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (UTC), in seconds; with
 * end, the last second of that day or minute. 0 for empty, -1 when malformed.
 */
int64_t adminweb_time(const char *s, int end);
/* The UI's text (catalogue id) for an admin_* result. */
const char *adminweb_admin_msg(int code);

/*
 * Slow work for a page (adminweb_work.c): slice runs on a worker, again and
 * again while it returns > 0 (work left), each time behind the jobs queued
 * meanwhile; then answer runs on the loop with p from adminweb_page_begin
 * for action, or p NULL when there is nobody to answer (the browser left,
 * or adminweb_page_begin answered already). rc: slice's last result, > 0
 * when the pool was too busy to go on. answer always runs and owns arg.
 * 0, or -1 (busy: nothing started, arg still the caller's).
 */
typedef int (*adminweb_slice_fn)(void *arg);
typedef void (*adminweb_answer_fn)(struct adminweb_page *p, int rc, void *arg);
int adminweb_work(struct adminweb *aw, struct evhttp_request *req, int action,
		  adminweb_slice_fn slice, adminweb_answer_fn answer, void *arg);

/* ---- page groups: each registers its routes (adminweb.c calls them) ---- */
int adminweb_login_init(struct adminweb *aw);
int adminweb_dash_init(struct adminweb *aw);
int adminweb_audit_init(struct adminweb *aw);
int adminweb_accounts_init(struct adminweb *aw);
/* Drops the CSV files waiting for their confirm step. */
void adminweb_accounts_free(void);
int adminweb_aps_init(struct adminweb *aw);
int adminweb_guests_init(struct adminweb *aw);
int adminweb_why_init(struct adminweb *aw);
int adminweb_online_init(struct adminweb *aw);
int adminweb_sso_init(struct adminweb *aw);
int adminweb_backup_init(struct adminweb *aw);
/* Drops the verified upload waiting for its confirm step. */
void adminweb_backup_free(void);
/* The last restore's outcome (STATE_DIR/restore.json) for the partial
 * admin_restore_status, to admins who may restore; max_age: seconds after
 * which it is no longer shown (0: always). */
void adminweb_restore_status(struct adminweb_page *p, int64_t max_age);
int adminweb_testlogin_init(struct adminweb *aw);
/* Ends the test login's work: tests running are waited for, none answered. */
void adminweb_testlogin_free(struct adminweb *aw);
int adminweb_admins_init(struct adminweb *aw);

#endif
