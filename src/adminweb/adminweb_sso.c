/*
 * SSO, /admin/sso (admin only: admin_may ADMIN_ACT_SSO): the metadata
 * sources with their last refresh and validUntil, the SPs' release rules
 * over the known attribute set (default deny: an unticked box is not
 * released; a save is in the store at once and the web child's SAML side
 * reloads its rules at the next assertion) and the release log per user
 * and per SP (names only, never values).
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/config_saml.h"
#include "poort/http_form.h"
#include "poort/store_saml.h"
#include "poort/store_sp.h"

#define ASSO_LOG_ROWS 200

static void
asso_when(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, outlen, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

static int
asso_meta(const struct store_meta_status *s, void *arg)
{
	struct http_tv *it = http_tv_add(arg, "sources");
	char buf[32];

	if (it == NULL)
		return 1;
	http_tv_set(it, "source", s->source);
	asso_when(s->last_ok, buf, sizeof(buf));
	http_tv_set(it, "last_ok", buf);
	asso_when(s->last_try, buf, sizeof(buf));
	http_tv_set(it, "last_try", buf);
	asso_when(s->valid_until, buf, sizeof(buf));
	http_tv_set(it, "valid_until", buf);
	if (s->valid_until != 0 && s->valid_until < (int64_t)time(NULL))
		http_tv_set(it, "expired", "1");
	http_tv_setf(it, "sps", "%u", s->sps);
	http_tv_set(it, "error", s->error);
	return 0;
}

static int
asso_rule(const struct store_sp_rule *r, void *arg)
{
	struct http_tv *it = http_tv_add(arg, "rules");
	const char *name;

	if (it == NULL)
		return 1;
	http_tv_set(it, "entity", r->entity);
	http_tv_set(it, "nameid", store_sp_nameid_name(r->nameid));
	http_tv_set(it, "profile", store_sp_profile_name(r->profile));
	if (r->from_config)
		http_tv_set(it, "from_config", "1");
	if (r->edited)
		http_tv_set(it, "edited", "1");
	for (size_t i = 0; (name = config_saml_attr_name(i)) != NULL; i++) {
		struct http_tv *a = http_tv_add(it, "attrs");
		if (a == NULL)
			return 1;
		http_tv_set(a, "name", name);
		for (size_t j = 0; j < r->nrelease; j++)
			if (strcmp(r->release[j], name) == 0)
				http_tv_set(a, "on", "1");
	}
	if (r->nrelease == 0)
		http_tv_set(it, "none", "1");
	return 0;
}

static int
asso_release(const struct store_release_rec *r, void *arg)
{
	struct http_tv *it = http_tv_add(arg, "log");
	char buf[32];

	if (it == NULL)
		return 1;
	asso_when(r->time, buf, sizeof(buf));
	http_tv_set(it, "when", buf);
	http_tv_set(it, "sp", r->sp);
	http_tv_set(it, "user", r->user);
	http_tv_set(it, "attrs", r->attrs);
	http_tv_set(it, "nameid", r->nameid_format);
	return 0;
}

static void
asso(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct store_release_filter f = {.limit = ASSO_LOG_ROWS};
	char *user, *sp, *saved;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_SSO, &p) < 0)
		return;
	user = adminweb_query(req, "user");
	sp = adminweb_query(req, "sp");
	saved = adminweb_query(req, "saved");
	http_tv_set(p.tv, "user", user != NULL ? user : "");
	http_tv_set(p.tv, "sp", sp != NULL ? sp : "");
	if (saved != NULL)
		http_tv_set(p.tv, "saved", "1");
	if (store_sp_foreach(aw->st, asso_rule, p.tv) < 0)
		http_tv_set(p.tv, "msg", http_tr(p.lang, N_("The release rules cannot be read.")));
	if (aw->ss == NULL) {
		http_tv_set(p.tv, "no_saml", "1");
	} else {
		store_saml_meta_status_foreach(aw->ss, asso_meta, p.tv);
		f.user = user != NULL && user[0] != '\0' ? user : NULL;
		f.sp = sp != NULL && sp[0] != '\0' ? sp : NULL;
		if (store_saml_release_find(aw->ss, &f, asso_release, p.tv) < 0)
			http_tv_set(p.tv, "msg", http_tr(p.lang, N_("The log cannot be read.")));
	}
	free(user);
	free(sp);
	free(saved);
	adminweb_page_send(&p, 200, "admin_sso", N_("SSO"));
}

/* "a,b" + ",c": a list of names for the audit row. */
static void
asso_append(char *list, size_t size, const char *name)
{
	size_t n = strlen(list);

	snprintf(list + n, size - n, "%s%s", n > 0 ? "," : "", name);
}

/* POST /admin/sso/release: sp, a_NAME for each ticked attribute. */
static void
asso_save(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct store_sp_rule r;
	const char *entity, *name;
	char added[256] = "", removed[256] = "", detail[600];
	int rc, failed = 0;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_SSO, &p) < 0)
		return;
	if ((rc = http_form_read(&f, req, &http_form_default)) < 0) {
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	entity = http_form_get(&f, "sp");
	if (entity == NULL || store_sp_get(aw->st, entity, &r) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 404, N_("No release rule for this service."));
		return;
	}
	for (size_t i = 0; (name = config_saml_attr_name(i)) != NULL; i++) {
		char field[64];
		int want, has = 0;

		snprintf(field, sizeof(field), "a_%s", name);
		want = http_form_get(&f, field) != NULL;
		for (size_t j = 0; j < r.nrelease; j++)
			if (strcmp(r.release[j], name) == 0)
				has = 1;
		if (want == has)
			continue;
		rc = store_sp_release(aw->st, entity, name, want);
		if (rc < 0) {
			failed = 1;
			break;
		}
		asso_append(want ? added : removed, sizeof(added), name);
	}
	if (added[0] != '\0' || removed[0] != '\0' || failed) {
		snprintf(detail, sizeof(detail), "%s%s%s%s%s", added[0] ? "add " : "", added,
			 added[0] && removed[0] ? " " : "", removed[0] ? "remove " : "", removed);
		admin_audit(aw->st, &p.who, "sp.release", entity, failed ? "failed" : NULL,
			    detail);
	}
	http_form_free(&f);
	if (failed) {
		adminweb_error(aw, req, &p, 500, N_("The release rule could not be saved."));
		return;
	}
	adminweb_page_end(&p);
	adminweb_redirect(req, "/admin/sso?saved=1");
}

static const struct http_route_def asso_routes[] = {
	{EVHTTP_REQ_GET, "/admin/sso", HTTP_R_ADMIN, asso},
	{EVHTTP_REQ_POST, "/admin/sso/release", HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION,
	 asso_save},
};

int
adminweb_sso_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, asso_routes,
				  sizeof(asso_routes) / sizeof(asso_routes[0]), aw);
}
