/*
 * The admin UI's own accounts, /admin/admins, admin role only: the list
 * (role, enabled, TOTP, last login), add (a one-time password shown once
 * on the POST's answer), and per admin: enable or disable, a new one-time
 * password, a TOTP reset, the role, delete. Nobody disables, demotes or
 * deletes themselves here, and the library keeps one enabled admin of
 * role admin (ADMIN_ELAST). Disabling, deleting, a password or TOTP reset
 * end the admin's sessions at once (not only at their next request).
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/config.h"
#include "poort/http_form.h"
#include "poort/store_admin.h"

static const char *
aadm_msg(int rc)
{
	switch (rc) {
	case ADMIN_ENAME:
		return N_("Use a-z, 0-9, dot, underscore or dash for the name (not \"poortctl\").");
	case ADMIN_EROLE:
		return N_("The role must be admin or helpdesk.");
	case ADMIN_EEXISTS:
		return N_("There is an admin with that name already.");
	case ADMIN_ENOTFOUND:
		return N_("There is no such admin.");
	case ADMIN_ELAST:
		return N_("There must always be an enabled admin with role admin: add another one "
			  "first.");
	default:
		return adminweb_admin_msg(rc);
	}
}

static void
aadm_when(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	out[0] = '\0';
	if (t > 0 && gmtime_r(&tt, &tm) != NULL)
		strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm);
}

static const char *
aadm_role_text(int role)
{
	return role == ADMIN_ROLE_ADMIN ? N_("admin") : N_("helpdesk");
}

/* The role names for the forms' options ("helpdesk" is Dutch too: no {{_ }}). */
static void
aadm_role_labels(struct adminweb_page *p)
{
	http_tv_set(p->tv, "l_admin", http_tr(p->lang, aadm_role_text(ADMIN_ROLE_ADMIN)));
	http_tv_set(p->tv, "l_helpdesk", http_tr(p->lang, aadm_role_text(ADMIN_ROLE_HELPDESK)));
}

static int
aadm_row(const struct admin_info *a, void *arg)
{
	struct adminweb_page *p = arg;
	struct http_tv *it = http_tv_add(p->tv, "rows");
	char when[40];

	http_tv_set(it, "name", a->name);
	http_tv_set(it, "role", http_tr(p->lang, aadm_role_text(a->role)));
	if (a->enabled)
		http_tv_set(it, "enabled", "1");
	if (a->totp == 2)
		http_tv_set(it, "totp", "1");
	if (strcmp(a->name, p->name) == 0)
		http_tv_set(it, "self", "1");
	aadm_when(a->last_login, when, sizeof(when));
	if (when[0] != '\0')
		http_tv_set(it, "last_login", when);
	return 0;
}

static void
aadm_list_page(struct adminweb_page *p, const char *msg, int ok)
{
	if (msg != NULL) {
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
		if (ok)
			http_tv_set(p->tv, "msg_ok", "1");
	}
	aadm_role_labels(p);
	if (admin_foreach(p->aw->st, aadm_row, p) < 0)
		http_tv_set(p->tv, "msg", http_tr(p->lang, N_("The admins cannot be read.")));
	adminweb_page_send(p, 200, "admin_admins", N_("Admins"));
}

static void
aadm_list(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_ADMINS, &p) < 0)
		return;
	aadm_list_page(&p, NULL, 0);
}

/* One admin's page (name known to exist, else the list with an error). */
static void
aadm_edit_page(struct adminweb_page *p, const char *name, const char *msg, int ok)
{
	struct admin_info ai;
	char when[40];

	if (name == NULL || admin_get(p->aw->st, name, &ai) < 0) {
		aadm_list_page(p, aadm_msg(ADMIN_ENOTFOUND), 0);
		return;
	}
	if (msg != NULL) {
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
		if (ok)
			http_tv_set(p->tv, "msg_ok", "1");
	}
	aadm_role_labels(p);
	http_tv_set(p->tv, "name", ai.name);
	http_tv_set(p->tv, "role_text", http_tr(p->lang, aadm_role_text(ai.role)));
	http_tv_set(p->tv, ai.role == ADMIN_ROLE_ADMIN ? "is_admin" : "is_helpdesk", "1");
	if (ai.enabled)
		http_tv_set(p->tv, "enabled", "1");
	if (ai.totp == 2)
		http_tv_set(p->tv, "totp", "1");
	if (ai.must_change)
		http_tv_set(p->tv, "must_change", "1");
	if (strcmp(ai.name, p->name) == 0)
		http_tv_set(p->tv, "self", "1");
	aadm_when(ai.created, when, sizeof(when));
	http_tv_set(p->tv, "created", when);
	aadm_when(ai.last_login, when, sizeof(when));
	if (when[0] != '\0')
		http_tv_set(p->tv, "last_login", when);
	adminweb_page_send(p, 200, "admin_admin", N_("Admin"));
}

static void
aadm_edit(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;
	char *name;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_ADMINS, &p) < 0)
		return;
	name = adminweb_query(req, "name");
	aadm_edit_page(&p, name, NULL, 0);
	free(name);
}

/* Starts a POST: the page, the form. 0, or -1 when an answer was sent. */
static int
aadm_post_begin(struct adminweb *aw, struct evhttp_request *req, struct adminweb_page *p,
		struct http_form *f)
{
	if (adminweb_page_begin(aw, req, ADMIN_ACT_ADMINS, p) < 0)
		return -1;
	if (http_form_read(f, req, &http_form_default) < 0) {
		http_form_free(f);
		adminweb_error(aw, req, p, 400, N_("The form could not be read. Try again."));
		return -1;
	}
	return 0;
}

/*
 * Starts a POST on one admin, the form's "name": the page and the form, and
 * the answer when the name is missing. The name, or NULL when an answer was
 * sent (the form freed).
 */
static const char *
aadm_target_begin(struct adminweb *aw, struct evhttp_request *req, struct adminweb_page *p,
                  struct http_form *f)
{
	const char *name;

	if (aadm_post_begin(aw, req, p, f) < 0)
		return NULL;
	name = http_form_get(f, "name");
	if (name == NULL) {
		aadm_list_page(p, aadm_msg(ADMIN_ENOTFOUND), 0);
		http_form_free(f);
	}
	return name;
}

/* Ends name's sessions (all of them: it is never the actor's own account). */
static void
aadm_end_sessions(struct adminweb_page *p, const char *name)
{
	size_t n = http_sessions_end_principal(http_server_sessions(p->aw->hs), name, NULL);
	char detail[32];

	if (n > 0) {
		snprintf(detail, sizeof(detail), "%zu", n);
		admin_audit(p->aw->st, &p->who, "admin.sessions.end", name, NULL, detail);
	}
}

/*
 * The guard rail the library does not know: the actor's own account. A
 * message (catalogue id) when action on name must not happen, audited as
 * refused; NULL when it may go on.
 */
static const char *
aadm_not_self(struct adminweb_page *p, const char *name, const char *action, const char *msg)
{
	struct admin_info ai;
	int n;

	if (strcmp(name, p->name) != 0)
		return NULL;
	/* say why plainly: the last admin hears that rule rather than "yourself" */
	n = store_admin_count_enabled(p->aw->st, "admin");
	if (admin_get(p->aw->st, name, &ai) == 0 && ai.enabled && ai.role == ADMIN_ROLE_ADMIN &&
	    n >= 0 && n <= 1 && strcmp(action, "admin.reset") != 0 &&
	    strcmp(action, "admin.totp.clear") != 0) {
		admin_audit(p->aw->st, &p->who, action, name, "last-admin", NULL);
		return aadm_msg(ADMIN_ELAST);
	}
	admin_audit(p->aw->st, &p->who, action, name, "self", NULL);
	return msg;
}

/* aadm_not_self, answered: 1 when refused (the edit page says why). */
static int
aadm_refused(struct adminweb_page *p, const char *name, const char *action, const char *msg)
{
	const char *why = aadm_not_self(p, name, action, msg);

	if (why == NULL)
		return 0;
	aadm_edit_page(p, name, why, 0);
	return 1;
}

static void
aadm_add(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	char onetime[ADMIN_PW_GENERATED_LEN + 1];
	const char *name;
	int role, rc;

	if (aadm_post_begin(aw, req, &p, &f) < 0)
		return;
	memset(onetime, 0, sizeof(onetime));
	name = http_form_get(&f, "name");
	role = admin_role_parse(http_form_get(&f, "role"));
	/* hashing one password: short enough for the loop (as /admin/password) */
	rc = admin_add(aw->st, aw->cfg->password.cost, &p.who, name != NULL ? name : "", role,
		       NULL, onetime);
	if (rc < 0) {
		aadm_list_page(&p, aadm_msg(rc), 0);
		goto done;
	}
	/* the one-time password: on this answer only */
	http_tv_set(p.tv, "new_name", name);
	http_tv_set(p.tv, "new_password", onetime);
	aadm_list_page(&p, N_("The admin was added. Give them this one-time password: it is not "
			      "shown again. At their first login they set their own password "
			      "and enrol an authenticator app."), 1);
done:
	explicit_bzero(onetime, sizeof(onetime));
	http_form_free(&f);
}

static void
aadm_enable(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *name, *value;
	int on, rc;

	if ((name = aadm_target_begin(aw, req, &p, &f)) == NULL)
		return;
	value = http_form_get(&f, "value");
	on = value != NULL && strcmp(value, "1") == 0;
	if (!on && aadm_refused(&p, name, "admin.disable",
	                        N_("You cannot disable your own account: ask another "
	                           "admin.")))
		goto done;
	rc = admin_set_enabled(aw->st, &p.who, name, on);
	if (rc == 0 && !on)
		aadm_end_sessions(&p, name);
	aadm_edit_page(&p, name,
		       rc < 0 ? aadm_msg(rc)
		       : on   ? N_("The admin is enabled.")
			      : N_("The admin is disabled and logged out."),
		       rc == 0);
done:
	http_form_free(&f);
}

static void
aadm_password(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	char onetime[ADMIN_PW_GENERATED_LEN + 1];
	const char *name;
	int rc;

	if ((name = aadm_target_begin(aw, req, &p, &f)) == NULL)
		return;
	memset(onetime, 0, sizeof(onetime));
	if (aadm_refused(&p, name, "admin.reset",
	                 N_("Change your own password under Change password.")))
		goto done;
	rc = admin_password_reset(aw->st, aw->cfg->password.cost, &p.who, name, onetime);
	if (rc < 0) {
		aadm_edit_page(&p, name, aadm_msg(rc), 0);
		goto done;
	}
	aadm_end_sessions(&p, name);
	http_tv_set(p.tv, "new_password", onetime);
	aadm_edit_page(&p, name, N_("A new one-time password: give it to the admin, it is not "
				    "shown again. Their sessions were logged out; at the next "
				    "login they set their own password."), 1);
done:
	explicit_bzero(onetime, sizeof(onetime));
	http_form_free(&f);
}

static void
aadm_totp(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *name;
	int rc;

	if ((name = aadm_target_begin(aw, req, &p, &f)) == NULL)
		return;
	if (aadm_refused(&p, name, "admin.totp.clear",
	                 N_("Enrol your own authenticator app again under Two-step "
	                    "login.")))
		goto done;
	rc = admin_totp_clear(aw->st, &p.who, name);
	if (rc == 0)
		aadm_end_sessions(&p, name);
	aadm_edit_page(&p, name,
		       rc < 0 ? aadm_msg(rc)
			      : N_("Two-step login was reset: the admin enrols an authenticator app "
				   "again at the next login. Their sessions were logged out."),
		       rc == 0);
done:
	http_form_free(&f);
}

static void
aadm_role(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *name;
	int role, rc;

	if ((name = aadm_target_begin(aw, req, &p, &f)) == NULL)
		return;
	role = admin_role_parse(http_form_get(&f, "role"));
	if (role != ADMIN_ROLE_ADMIN &&
	    aadm_refused(&p, name, "admin.role",
	                 N_("You cannot change your own role: ask another admin.")))
		goto done;
	/* the new role counts from the admin's next request (adminweb_page_begin) */
	rc = admin_set_role(aw->st, &p.who, name, role);
	aadm_edit_page(&p, name, rc < 0 ? aadm_msg(rc) : N_("The role was changed."), rc == 0);
done:
	http_form_free(&f);
}

static void
aadm_delete(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *name;
	int rc;

	if ((name = aadm_target_begin(aw, req, &p, &f)) == NULL)
		return;
	if (aadm_refused(&p, name, "admin.delete",
	                 N_("You cannot delete your own account: ask another admin.")))
		goto done;
	rc = admin_delete(aw->st, &p.who, name);
	if (rc < 0) {
		aadm_edit_page(&p, name, aadm_msg(rc), 0);
		goto done;
	}
	aadm_end_sessions(&p, name);
	aadm_list_page(&p, N_("The admin was deleted and logged out."), 1);
done:
	http_form_free(&f);
}

#define R_POST (HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION)

static const struct http_route_def aadm_routes[] = {
	{EVHTTP_REQ_GET, "/admin/admins", HTTP_R_ADMIN, aadm_list},
	{EVHTTP_REQ_GET, "/admin/admins/edit", HTTP_R_ADMIN, aadm_edit},
	{EVHTTP_REQ_POST, "/admin/admins/add", R_POST, aadm_add},
	{EVHTTP_REQ_POST, "/admin/admins/enable", R_POST, aadm_enable},
	{EVHTTP_REQ_POST, "/admin/admins/password", R_POST, aadm_password},
	{EVHTTP_REQ_POST, "/admin/admins/totp", R_POST, aadm_totp},
	{EVHTTP_REQ_POST, "/admin/admins/role", R_POST, aadm_role},
	{EVHTTP_REQ_POST, "/admin/admins/delete", R_POST, aadm_delete},
};

int
adminweb_admins_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, aadm_routes, sizeof(aadm_routes) / sizeof(aadm_routes[0]),
				  aw);
}
