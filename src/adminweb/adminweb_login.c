/*
 * Logging in and one's own account: /admin/login (name, password, TOTP
 * code; the hash on the worker pool; the guess limits and the audit row
 * are admin_login_*'s), /admin/logout, /admin/password (the forced change
 * after a one-time password, or by choice with the current password) and
 * /admin/totp (enrolment with a QR code).
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adminweb_int.h"
#include "poort/config.h"
#include "poort/http_defer.h"
#include "poort/http_form.h"
#include "poort/log.h"
#include "poort/workq.h"

struct alogin_job {
	struct adminweb *aw;
	struct http_defer *d; /* the login's request: the browser may leave meanwhile */
	struct admin_login lg;
	char lang[4];
};

static void
alogin_page(struct adminweb *aw, struct evhttp_request *req, int code, const char *name,
	    const char *msg)
{
	struct adminweb_page p;
	struct http_sessions *ss = http_server_sessions(aw->hs);

	memset(&p, 0, sizeof(p));
	p.aw = aw;
	p.req = req;
	{
		char *choice = adminweb_query(req, "lang");

		p.lang = http_lang(req, choice);
		if (choice != NULL)
			http_lang_remember(req, p.lang);
		free(choice);
	}
	p.s = http_session_ensure(ss, req, time(NULL));
	if (p.s == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	if ((p.tv = http_tv_new()) == NULL) {
		evhttp_send_error(req, 503, NULL);
		return;
	}
	if (name != NULL)
		http_tv_set(p.tv, "user", name);
	if (msg != NULL)
		http_tv_set(p.tv, "msg", http_tr(p.lang, msg));
	adminweb_page_send(&p, code, "admin_login", N_("Log in to the box"));
}

static void
alogin_get(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct http_session *s = http_session_get(http_server_sessions(aw->hs), req, time(NULL));

	if (s != NULL && s->principal[0] != '\0') {
		adminweb_redirect(req, "/admin/");
		return;
	}
	alogin_page(aw, req, 200, NULL, NULL);
}

static void
alogin_work(void *arg)
{
	struct alogin_job *j = arg;

	admin_login_run(&j->lg);
}

static void
alogin_done(void *arg)
{
	struct alogin_job *j = arg;
	struct adminweb *aw = j->aw;
	struct evhttp_request *req = http_defer_take(j->d);
	struct http_sessions *ss = http_server_sessions(aw->hs);
	struct admin_session as;
	struct http_session *s;
	time_t now = time(NULL);
	char name[sizeof(j->lg.name)], src[sizeof(j->lg.source)];
	int rc;

	/* admin_login_end clears lg */
	snprintf(name, sizeof(name), "%s", j->lg.name);
	snprintf(src, sizeof(src), "%s", j->lg.source);
	/* the guess counters and the audit row, even if the browser left */
	rc = admin_login_end(aw->ad, &j->lg, now, &as);
	if (rc < 0) {
		log_notice("admin ui login refused name=%s addr=%s reason=%s", name, src,
			   admin_outcome(rc));
		if (req != NULL)
			alogin_page(aw, req, rc == ADMIN_ELIMITED ? 429 : 200, name,
				    adminweb_admin_msg(rc));
		goto done;
	}
	if (req == NULL) {
		log_notice("admin ui login dropped name=%s addr=%s reason=browser-left", name, src);
		goto done;
	}
	/* the session of the form: it may have timed out meanwhile */
	s = http_session_ensure(ss, req, now);
	if (s == NULL ||
	    http_session_login_req(ss, s, req, as.name, admin_role_name(as.role), now) < 0) {
		evhttp_send_error(req, 503, NULL);
		goto done;
	}
	log_notice("admin ui login name=%s role=%s addr=%s", as.name, admin_role_name(as.role),
		   src);
	adminweb_redirect(req, as.must_change ? "/admin/password"
				  : !as.totp_active ? "/admin/totp"
						    : "/admin/");
done:
	http_defer_free(j->d);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void
alogin_post(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct http_form f;
	struct alogin_job *j = NULL;
	const char *name, *pw, *code;
	char src[64];
	int rc;

	if ((rc = http_form_read(&f, req, &http_form_default)) < 0) {
		alogin_page(aw, req, 400, NULL, N_("The form could not be read. Try again."));
		return;
	}
	name = http_form_get(&f, "name");
	pw = http_form_get(&f, "password");
	code = http_form_get(&f, "code");
	if (name == NULL || pw == NULL || name[0] == '\0' || pw[0] == '\0') {
		alogin_page(aw, req, 200, name, N_("Fill in your name and password."));
		goto done;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		evhttp_send_error(req, 503, NULL);
		goto done;
	}
	j->aw = aw;
	http_peer_key(req, src, sizeof(src));
	rc = admin_login_begin(aw->ad, name, pw, code != NULL ? code : "", src, time(NULL),
			       &j->lg);
	if (rc < 0) {
		alogin_page(aw, req, rc == ADMIN_ELIMITED ? 429 : 200, name, adminweb_admin_msg(rc));
		goto done;
	}
	if ((j->d = http_defer_new(req)) == NULL ||
	    workq_submit(aw->wq, alogin_work, alogin_done, j) < 0) {
		/* never checked: the guess counters stay as they are */
		alogin_page(aw, req, 503, name, N_("The box is busy. Try again in a moment."));
		goto done;
	}
	j = NULL;
done:
	if (j != NULL) {
		http_defer_free(j->d);
		explicit_bzero(j, sizeof(*j));
		free(j);
	}
	http_form_free(&f);
}

static void
alogout(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct http_sessions *ss = http_server_sessions(aw->hs);
	struct http_session *s = http_session_get(ss, req, time(NULL));
	char src[64];

	if (s != NULL && s->principal[0] != '\0') {
		struct admin_who who = {.actor = s->principal,
					.source = http_peer_key(req, src, sizeof(src))};

		admin_audit(aw->st, &who, "admin.logout", s->principal, NULL, NULL);
	}
	if (s != NULL)
		http_session_end_req(ss, s, req);
	adminweb_redirect(req, "/admin/login");
}

/*
 * ---- one's own password: forced after a one-time password, or by choice
 * (then the current password is asked, checked like a login's on the
 * worker pool with its guess limits); either way the admin's other
 * sessions end ----
 */

static void
apassword_page(struct adminweb_page *p, const char *msg)
{
	if (!p->must_change)
		http_tv_set(p->tv, "voluntary", "1");
	if (msg != NULL)
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
	adminweb_page_send(p, 200, "admin_password",
			   p->must_change ? N_("Set a new password") : N_("Change your password"));
}

static void
apassword_get(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, -1, &p) < 0)
		return;
	if (!p.must_change && !admin_may(p.role, ADMIN_ACT_SELF)) {
		adminweb_error(arg, req, &p, 403, N_("Your role may not open this page."));
		return;
	}
	apassword_page(&p, NULL);
}

/* Sets the new password, ends the admin's other sessions, answers. */
static void
apassword_set(struct adminweb *aw, struct evhttp_request *req, struct adminweb_page *p,
	      const char *pw)
{
	size_t ended;
	char n[32];
	/* hashing a new password once: short enough for the loop */
	int rc = admin_password_set(aw->st, aw->cfg->password.cost, &p->who, p->name, pw);

	if (rc < 0) {
		apassword_page(p, adminweb_admin_msg(rc));
		return;
	}
	ended = http_sessions_end_principal(http_server_sessions(aw->hs), p->name, p->s);
	if (ended > 0) {
		snprintf(n, sizeof(n), "%zu", ended);
		admin_audit(aw->st, &p->who, "admin.sessions.end", p->name, NULL, n);
	}
	if (p->must_change) {
		adminweb_page_end(p);
		adminweb_redirect(req, "/admin/");
		return;
	}
	http_tv_set(p->tv, "done", "1");
	apassword_page(p, N_("Your password was changed. Your other sessions were logged out."));
}

struct apassword_job {
	struct adminweb *aw;
	struct evhttp_request *req;
	struct admin_login lg;
	char pw[PASSWORD_MAX + 1];
};

static void
apassword_work(void *arg)
{
	struct apassword_job *j = arg;

	admin_login_run(&j->lg);
}

static void
apassword_done(void *arg)
{
	struct apassword_job *j = arg;
	struct adminweb_page p;
	int rc = admin_change_end(j->aw->ad, &j->lg, time(NULL));

	/* the session again: it may have ended meanwhile */
	if (adminweb_page_begin(j->aw, j->req, -1, &p) < 0)
		goto done;
	if (rc < 0)
		apassword_page(&p, rc == ADMIN_ECRYPTO ? adminweb_admin_msg(rc)
						      : N_("The current password is wrong."));
	else
		apassword_set(j->aw, j->req, &p, j->pw);
done:
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void
apassword_post(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct apassword_job *j;
	const char *pw, *pw2, *cur;
	int rc;

	if (adminweb_page_begin(aw, req, -1, &p) < 0)
		return;
	if (!p.must_change && !admin_may(p.role, ADMIN_ACT_SELF)) {
		adminweb_error(aw, req, &p, 403, N_("Your role may not open this page."));
		return;
	}
	if ((rc = http_form_read(&f, req, &http_form_default)) < 0) {
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	pw = http_form_get(&f, "password");
	pw2 = http_form_get(&f, "password2");
	cur = http_form_get(&f, "current");
	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0) {
		apassword_page(&p, N_("The two passwords differ."));
		goto done;
	}
	if (p.must_change) {
		apassword_set(aw, req, &p, pw);
		goto done;
	}
	if (cur == NULL || cur[0] == '\0') {
		apassword_page(&p, N_("Fill in your current password."));
		goto done;
	}
	if (strlen(pw) > PASSWORD_MAX) {
		apassword_page(&p, adminweb_admin_msg(ADMIN_EPASSWORD));
		goto done;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		adminweb_error(aw, req, &p, 503, N_("Something went wrong. Try again."));
		goto done;
	}
	j->aw = aw;
	j->req = req;
	memcpy(j->pw, pw, strlen(pw) + 1);
	rc = admin_change_begin(aw->ad, p.name, cur, p.src, time(NULL), &j->lg);
	if (rc == 0 && workq_submit(aw->wq, apassword_work, apassword_done, j) == 0) {
		/* apassword_done answers (and ends a page of its own) */
		adminweb_page_end(&p);
		goto done;
	}
	apassword_page(&p, rc < 0 ? adminweb_admin_msg(rc)
				  : N_("The box is busy. Try again in a moment."));
	explicit_bzero(j, sizeof(*j));
	free(j);
done:
	http_form_free(&f);
}

/* ---- TOTP enrolment ---- */

/* The secret of an otpauth:// URI, for typing it in by hand. */
static void
atotp_secret(const char *uri, char *out, size_t outlen)
{
	const char *s = strstr(uri, "secret=");
	size_t n = 0;

	out[0] = '\0';
	if (s == NULL)
		return;
	for (s += 7; *s != '\0' && *s != '&' && n + 1 < outlen; s++)
		out[n++] = *s;
	out[n] = '\0';
}

static void
atotp_page(struct adminweb_page *p, const char *msg)
{
	struct adminweb *aw = p->aw;
	char uri[ADMIN_TOTP_URI_MAX], secret[128];
	const char *issuer = aw->cfg->nrealms > 0 ? aw->cfg->realms[0] : "poort";
	char *svg = NULL;
	int rc;

	rc = admin_totp_begin(aw->st, &p->who, p->name, issuer, uri);
	if (rc < 0 || (svg = admin_qr_svg(uri)) == NULL) {
		adminweb_error(aw, p->req, p, 500, adminweb_admin_msg(rc < 0 ? rc : ADMIN_ECRYPTO));
		return;
	}
	atotp_secret(uri, secret, sizeof(secret));
	/* the SVG is ours (libqrencode's modules), not the user's text */
	http_tv_set(p->tv, "qr", strncmp(svg, "<?xml", 5) == 0 && strchr(svg, '>') != NULL
				     ? strchr(svg, '>') + 1
				     : svg);
	http_tv_set(p->tv, "secret", secret);
	if (msg != NULL)
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
	explicit_bzero(uri, sizeof(uri));
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(svg, strlen(svg));
	free(svg);
	adminweb_page_send(p, 200, "admin_totp", N_("Two-step login"));
}

static void
atotp_get(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_SELF, &p) < 0)
		return;
	atotp_page(&p, NULL);
}

static void
atotp_post(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *code;
	int rc;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_SELF, &p) < 0)
		return;
	if ((rc = http_form_read(&f, req, &http_form_default)) < 0) {
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	code = http_form_get(&f, "code");
	rc = admin_totp_confirm(aw->st, &p.who, p.name, code != NULL ? code : "", time(NULL));
	if (rc < 0) {
		/* a new secret: the old QR code is gone with the page */
		atotp_page(&p, adminweb_admin_msg(rc));
		goto done;
	}
	adminweb_page_end(&p);
	adminweb_redirect(req, "/admin/");
done:
	http_form_free(&f);
}

#define R_ADMIN HTTP_R_ADMIN
#define R_POST (HTTP_R_ADMIN | HTTP_R_CSRF)

/*
 * GETs check the session themselves (adminweb_page_begin): an expired one
 * lands on the login page rather than the router's 403. POSTs need the
 * session's CSRF token (the router's 403 without it).
 */
static const struct http_route_def alogin_routes[] = {
	{EVHTTP_REQ_GET, "/admin/login", R_ADMIN, alogin_get},
	{EVHTTP_REQ_POST, "/admin/login", R_POST, alogin_post},
	{EVHTTP_REQ_POST, "/admin/logout", R_POST, alogout},
	{EVHTTP_REQ_GET, "/admin/password", R_ADMIN, apassword_get},
	{EVHTTP_REQ_POST, "/admin/password", R_POST | HTTP_R_SESSION, apassword_post},
	{EVHTTP_REQ_GET, "/admin/totp", R_ADMIN, atotp_get},
	{EVHTTP_REQ_POST, "/admin/totp", R_POST | HTTP_R_SESSION, atotp_post},
};

int
adminweb_login_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, alogin_routes, sizeof(alogin_routes) / sizeof(alogin_routes[0]),
				  aw);
}
