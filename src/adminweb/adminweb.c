/*
 * The admin UI's core: its context, the page frame every group uses (the
 * session and role checks, the navigation, the language switch) and the one
 * place the page groups are registered (adminweb_new).
 */
#include "poort/adminweb.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/log.h"
#include "poort/store_saml.h"
#include "poort/workq.h"

/* The navigation: shown to a role only where admin_may says so. */
static const struct {
	const char *href, *label;
	int action;
} adminweb_nav[] = {
	{"/admin/", N_("Dashboard"), ADMIN_ACT_DASHBOARD},
	{"/admin/accounts", N_("Accounts"), ADMIN_ACT_ACCOUNT_VIEW},
	{"/admin/guests", N_("Guest access"), ADMIN_ACT_GUEST},
	{"/admin/aps", N_("Access points"), ADMIN_ACT_CLIENTS},
	{"/admin/why", N_("Why can't someone log in?"), ADMIN_ACT_LOG_SEARCH},
	{"/admin/online", N_("Online now"), ADMIN_ACT_LOG_SEARCH},
	{"/admin/sso", N_("SSO"), ADMIN_ACT_SSO},
	{"/admin/audit", N_("Audit log"), ADMIN_ACT_AUDIT},
	{"/admin/backup", N_("Backup and restore"), ADMIN_ACT_BACKUP},
	{"/admin/admins", N_("Admins"), ADMIN_ACT_ADMINS},
	{"/admin/totp", N_("Two-step login"), ADMIN_ACT_SELF},
	{"/admin/password", N_("Change password"), ADMIN_ACT_SELF},
};

/* The page groups: each registers its own route table. */
static int (*const adminweb_groups[])(struct adminweb *) = {
	adminweb_login_init,
	adminweb_dash_init,
	adminweb_audit_init,
	adminweb_accounts_init,
	adminweb_aps_init,
	adminweb_guests_init,
	adminweb_why_init,
	adminweb_online_init,
	adminweb_sso_init,
	adminweb_backup_init,
	adminweb_testlogin_init,
	adminweb_admins_init,
};

void
adminweb_redirect(struct evhttp_request *req, const char *path)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", path);
	http_reply(req, 303, "text/plain; charset=utf-8", "", 0, NULL);
}

char *
adminweb_query(struct evhttp_request *req, const char *name)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct http_param p = {.name = name};
	const char *dup;

	if (q == NULL || http_query_scan(q, strlen(q), &p, 1, &dup) < 0 || p.raw == NULL)
		return NULL;
	return http_param_decode(p.raw, p.rawlen, 1);
}

const char *
adminweb_admin_msg(int code)
{
	switch (code) {
	case ADMIN_OK:
		return N_("Done.");
	case ADMIN_ECREDENTIALS:
	case ADMIN_EDISABLED: /* the same answer: a disabled name is not confirmed */
		return N_("Wrong name or password.");
	case ADMIN_ETOTP:
		return N_("Wrong or missing code from the authenticator app.");
	case ADMIN_EREPLAY:
		return N_("That code was used already. Wait for the next one.");
	case ADMIN_ELIMITED:
		return N_("Too many attempts. Wait five minutes and try again.");
	case ADMIN_EPASSWORD:
		return N_("The password must be 12 to 128 characters long.");
	case ADMIN_ENOPENDING:
		return N_("Start the enrolment again.");
	default:
		return N_("Something went wrong. Try again.");
	}
}

/* Values every page has: language, switch, navigation, who is logged in. */
static void
adminweb_frame(struct adminweb_page *p)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(p->req));
	const char *other = http_lang_other(p->lang);

	http_tv_set(p->tv, "lang", p->lang);
	http_tv_set(p->tv, "other_lang", other);
	http_tv_set(p->tv, "other_lang_name", http_lang_name(other));
	http_tv_setf(p->tv, "lang_href", "%s?lang=%s", path != NULL ? path : "/admin/", other);
	if (p->s != NULL)
		http_tv_set(p->tv, "csrf", p->s->csrf);
	if (p->name[0] == '\0')
		return;
	http_tv_set(p->tv, "principal", p->name);
	http_tv_set(p->tv, "role", http_tr(p->lang, p->role == ADMIN_ROLE_ADMIN ? N_("admin")
								       : N_("helpdesk")));
	for (size_t i = 0; i < sizeof(adminweb_nav) / sizeof(adminweb_nav[0]); i++) {
		struct http_tv *it;

		if (!admin_may(p->role, adminweb_nav[i].action))
			continue;
		it = http_tv_add(p->tv, "nav");
		http_tv_set(it, "href", adminweb_nav[i].href);
		http_tv_set(it, "label", http_tr(p->lang, adminweb_nav[i].label));
		if (path != NULL && strcmp(path, adminweb_nav[i].href) == 0)
			http_tv_set(it, "current", "1");
	}
}

static void
adminweb_page_init(struct adminweb *aw, struct evhttp_request *req, struct adminweb_page *p)
{
	char *choice = adminweb_query(req, "lang");

	memset(p, 0, sizeof(*p));
	p->aw = aw;
	p->req = req;
	p->lang = http_lang(req, choice);
	if (choice != NULL)
		http_lang_remember(req, p->lang);
	free(choice);
	http_peer_key(req, p->src, sizeof(p->src));
	p->who.actor = p->name;
	p->who.source = p->src;
	p->tv = http_tv_new();
}

void
adminweb_page_end(struct adminweb_page *p)
{
	http_tv_free(p->tv);
	p->tv = NULL;
}

void
adminweb_page_send(struct adminweb_page *p, int code, const char *name, const char *title)
{
	if (p->tv == NULL) {
		evhttp_send_error(p->req, 503, NULL);
		return;
	}
	adminweb_frame(p);
	http_tv_set(p->tv, "title", http_tr(p->lang, title));
	http_page(p->aw->hs, p->req, code, name, p->tv, p->lang, NULL);
	adminweb_page_end(p);
}

void
adminweb_error(struct adminweb *aw, struct evhttp_request *req, struct adminweb_page *p,
	       int code, const char *msg)
{
	struct adminweb_page own;

	if (p == NULL) {
		adminweb_page_init(aw, req, &own);
		p = &own;
	} else {
		adminweb_page_end(p);
		p->tv = http_tv_new();
	}
	if (p->tv != NULL)
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
	adminweb_page_send(p, code, "admin_error",
			   code == 403 ? N_("Not allowed") : N_("Something went wrong"));
}

int
adminweb_page_begin(struct adminweb *aw, struct evhttp_request *req, int action,
		    struct adminweb_page *p)
{
	struct http_sessions *ss = http_server_sessions(aw->hs);
	struct admin_info ai;

	adminweb_page_init(aw, req, p);
	p->s = http_session_get(ss, req, time(NULL));
	if (p->s == NULL || p->s->principal[0] == '\0') {
		/* none, or timed out: log in (again) */
		adminweb_page_end(p);
		adminweb_redirect(req, "/admin/login");
		return -1;
	}
	snprintf(p->name, sizeof(p->name), "%s", p->s->principal);
	if (admin_get(aw->st, p->name, &ai) < 0 || !ai.enabled) {
		/* deleted or disabled since the login: the session ends now */
		http_session_end_req(ss, p->s, req);
		adminweb_page_end(p);
		adminweb_redirect(req, "/admin/login");
		return -1;
	}
	p->role = ai.role;
	p->must_change = ai.must_change;
	snprintf(p->s->role, sizeof(p->s->role), "%s", admin_role_name(ai.role));
	if (ai.must_change && action != -1) {
		adminweb_page_end(p);
		adminweb_redirect(req, "/admin/password");
		return -1;
	}
	if (ai.totp != 2 && action != ADMIN_ACT_SELF && action != -1) {
		adminweb_page_end(p);
		adminweb_redirect(req, "/admin/totp");
		return -1;
	}
	if (action >= 0 && !admin_may(p->role, action)) {
		log_notice("admin ui: %s (%s) refused %s", p->name, admin_role_name(p->role),
			   evhttp_request_get_uri(req));
		adminweb_error(aw, req, p, 403, N_("Your role may not open this page."));
		return -1;
	}
	if (p->tv == NULL) {
		evhttp_send_error(req, 503, NULL);
		return -1;
	}
	return 0;
}

struct adminweb *
adminweb_new(struct event_base *base, struct http_server *hs, const struct config *cfg,
	     struct store *st, const char *store_path, char *err, size_t errlen)
{
	struct adminweb *aw = calloc(1, sizeof(*aw));

	if (aw == NULL) {
		snprintf(err, errlen, "admin ui: out of memory");
		return NULL;
	}
	aw->base = base;
	aw->hs = hs;
	aw->cfg = cfg;
	aw->st = st;
	aw->started = time(NULL);
	snprintf(aw->store_path, sizeof(aw->store_path), "%s", store_path);
	aw->ad = admin_new(st, cfg->password.cost, NULL);
	aw->wq = workq_new(base, 1, 16);
	if (aw->ad == NULL || aw->wq == NULL) {
		snprintf(err, errlen, "admin ui: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(adminweb_groups) / sizeof(adminweb_groups[0]); i++)
		if (adminweb_groups[i](aw) < 0) {
			snprintf(err, errlen, "admin ui: cannot add its pages");
			goto fail;
		}
	return aw;
fail:
	adminweb_free(aw);
	return NULL;
}

void
adminweb_reload(struct adminweb *aw, const struct config *cfg)
{
	if (aw != NULL)
		aw->cfg = cfg;
}

void
adminweb_free(struct adminweb *aw)
{
	if (aw == NULL)
		return;
	adminweb_testlogin_free(aw);
	workq_free(aw->wq);
	admin_free(aw->ad);
	adminweb_accounts_free();
	adminweb_backup_free();
	store_saml_close(aw->ss);
	free(aw);
}

int64_t
adminweb_time(const char *s, int end)
{
	struct tm tm;
	const char *rest;

	if (s == NULL || s[0] == '\0')
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((rest = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL) {
		memset(&tm, 0, sizeof(tm));
		if ((rest = strptime(s, "%Y-%m-%d", &tm)) == NULL)
			return -1;
		if (end) {
			tm.tm_hour = 23;
			tm.tm_min = 59;
			tm.tm_sec = 59;
		}
	} else if (end)
		tm.tm_sec = 59;
	if (*rest != '\0')
		return -1;
	return (int64_t)timegm(&tm);
}
