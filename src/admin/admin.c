/*
 * Admin accounts, roles and the audit log (see poort/admin.h). The TOTP
 * code is in admin_totp.c, the login check in admin_login.c.
 */
#include "poort/admin.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"
#include "poort/accounts.h"
#include "poort/password.h"

static const struct {
	int code;
	const char *key, *text;
} admin_errors[] = {
	{ADMIN_ECREDENTIALS, "admin.login.failed", "wrong name or password"},
	{ADMIN_EDISABLED, "admin.login.disabled", "this admin account is disabled"},
	{ADMIN_ETOTP, "admin.login.totp", "wrong or missing authenticator code"},
	{ADMIN_EREPLAY, "admin.login.totp_replay",
	 "this authenticator code was used already; wait for the next one"},
	{ADMIN_ELIMITED, "admin.login.limited", "too many failed logins; try again later"},
	{ADMIN_ENAME, "admin.name.invalid",
	 "not a valid admin name (a-z, 0-9, . _ -, starting with a letter or digit; not"
	 " \"poortctl\")"},
	{ADMIN_EROLE, "admin.role.invalid", "the role must be admin or helpdesk"},
	{ADMIN_EEXISTS, "admin.exists", "an admin of that name exists already"},
	{ADMIN_ENOTFOUND, "admin.notfound", "no such admin"},
	{ADMIN_EPASSWORD, "admin.password.policy",
	 "an admin password needs at least 12 characters (at most 128 bytes, UTF-8)"},
	{ADMIN_ELAST, "admin.last",
	 "that would leave no enabled admin with role admin; add another first"},
	{ADMIN_ENOPENDING, "admin.totp.nopending", "no authenticator enrolment was begun"},
	{ADMIN_ESTORE, "admin.store", "the store failed; try again"},
	{ADMIN_ECRYPTO, "admin.crypto", "a cryptographic operation failed"},
	{ADMIN_ENOMEM, "admin.nomem", "out of memory"},
};

const char *
admin_error_key(int code)
{
	for (size_t i = 0; i < sizeof(admin_errors) / sizeof(admin_errors[0]); i++)
		if (admin_errors[i].code == code)
			return admin_errors[i].key;
	return code == 0 ? "admin.ok" : "admin.error";
}

const char *
admin_error_text(int code)
{
	for (size_t i = 0; i < sizeof(admin_errors) / sizeof(admin_errors[0]); i++)
		if (admin_errors[i].code == code)
			return admin_errors[i].text;
	return code == 0 ? "done" : "unexpected error";
}

const char *
admin_outcome(int code)
{
	switch (code) {
	case 0:
		return "ok";
	case ADMIN_ECREDENTIALS:
		return "bad-credentials";
	case ADMIN_EDISABLED:
		return "disabled";
	case ADMIN_ETOTP:
		return "totp-wrong";
	case ADMIN_EREPLAY:
		return "totp-replay";
	case ADMIN_ELIMITED:
		return "limited";
	case ADMIN_ENAME:
	case ADMIN_EROLE:
	case ADMIN_EPASSWORD:
		return "invalid";
	case ADMIN_EEXISTS:
		return "exists";
	case ADMIN_ENOTFOUND:
		return "not-found";
	case ADMIN_ELAST:
		return "last-admin";
	case ADMIN_ENOPENDING:
		return "no-enrolment";
	default:
		return "error";
	}
}

/* ---- roles ---- */

int
admin_role_parse(const char *s)
{
	if (s != NULL && strcmp(s, "admin") == 0)
		return ADMIN_ROLE_ADMIN;
	if (s != NULL && strcmp(s, "helpdesk") == 0)
		return ADMIN_ROLE_HELPDESK;
	return ADMIN_EROLE;
}

const char *
admin_role_name(int role)
{
	switch (role) {
	case ADMIN_ROLE_ADMIN:
		return "admin";
	case ADMIN_ROLE_HELPDESK:
		return "helpdesk";
	default:
		return "-";
	}
}

int
admin_may(int role, int action)
{
	if (action < 0 || action >= ADMIN_ACT_COUNT)
		return 0;
	if (role == ADMIN_ROLE_ADMIN)
		return 1;
	if (role != ADMIN_ROLE_HELPDESK)
		return 0;
	switch (action) {
	case ADMIN_ACT_DASHBOARD:
	case ADMIN_ACT_LOG_SEARCH:
	case ADMIN_ACT_ACCOUNT_VIEW:
	case ADMIN_ACT_ACCOUNT_PASSWORD:
	case ADMIN_ACT_ACCOUNT_ENABLE:
	case ADMIN_ACT_GUEST:
	case ADMIN_ACT_SELF:
		return 1;
	default:
		return 0;
	}
}

/* ---- audit ---- */

int
admin_audit(struct store *st, const struct admin_who *who, const char *action,
	    const char *object, const char *outcome, const char *detail)
{
	struct store_audit r;

	memset(&r, 0, sizeof(r));
	r.time = (int64_t)time(NULL);
	snprintf(r.actor, sizeof(r.actor), "%s",
		 who != NULL && who->actor != NULL && who->actor[0] != '\0' ? who->actor : "-");
	snprintf(r.action, sizeof(r.action), "%s", action);
	snprintf(r.object, sizeof(r.object), "%s", object != NULL ? object : "");
	snprintf(r.source, sizeof(r.source), "%s",
		 who != NULL && who->source != NULL ? who->source : "");
	snprintf(r.outcome, sizeof(r.outcome), "%s", outcome != NULL ? outcome : "ok");
	snprintf(r.detail, sizeof(r.detail), "%s", detail != NULL ? detail : "");
	return store_audit_add(st, &r) < 0 ? ADMIN_ESTORE : 0;
}

/* Audits rc's outcome for a change and passes rc on. */
static int
admin_done(struct store *st, const struct admin_who *who, const char *action, const char *name,
	   int rc, const char *detail)
{
	admin_audit(st, who, action, name, admin_outcome(rc), detail);
	return rc;
}

int
admin_store_rc(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case STORE_ENOTFOUND:
		return ADMIN_ENOTFOUND;
	case STORE_EEXIST:
		return ADMIN_EEXISTS;
	case STORE_EINVAL:
		return ADMIN_ENAME;
	default:
		return ADMIN_ESTORE;
	}
}

int
admin_name_valid(const char *name)
{
	return name != NULL && store_username_valid(name) &&
	       strcmp(name, ADMIN_ACTOR_POORTCTL) != 0;
}

static int
admin_password_ok(const char *pw)
{
	return accounts_password_check(pw) == 0 && strlen(pw) >= ADMIN_PW_MIN;
}

/* Hashes pw (or a new one-time password into onetime) into hash. */
static int
admin_hash(unsigned cost, const char *pw, char *onetime, char hash[PASSWORD_HASH_MAX])
{
	if (pw == NULL) {
		if (password_generate(onetime, ADMIN_PW_GENERATED_LEN) < 0)
			return ADMIN_ECRYPTO;
		pw = onetime;
	} else if (!admin_password_ok(pw)) {
		return ADMIN_EPASSWORD;
	}
	return password_hash(pw, cost, hash) < 0 ? ADMIN_ECRYPTO : 0;
}

int
admin_add(struct store *st, unsigned cost, const struct admin_who *who, const char *name,
	  int role, const char *password, char *onetime)
{
	struct store_admin a;
	char detail[32];
	int rc;

	memset(&a, 0, sizeof(a));
	snprintf(detail, sizeof(detail), "role=%s", admin_role_name(role));
	if (!admin_name_valid(name))
		return admin_done(st, who, "admin.add", NULL, ADMIN_ENAME, NULL);
	if (role != ADMIN_ROLE_ADMIN && role != ADMIN_ROLE_HELPDESK)
		return admin_done(st, who, "admin.add", name, ADMIN_EROLE, NULL);
	if (password == NULL && onetime == NULL)
		return ADMIN_EPASSWORD;
	snprintf(a.name, sizeof(a.name), "%s", name);
	snprintf(a.role, sizeof(a.role), "%s", admin_role_name(role));
	a.enabled = 1;
	a.must_change = password == NULL;
	a.created = (int64_t)time(NULL);
	if ((rc = admin_hash(cost, password, onetime, a.pw_hash)) == 0)
		rc = admin_store_rc(store_admin_add(st, &a));
	explicit_bzero(&a, sizeof(a));
	if (rc < 0 && onetime != NULL)
		explicit_bzero(onetime, ADMIN_PW_GENERATED_LEN + 1);
	return admin_done(st, who, "admin.add", name, rc, detail);
}

int
admin_password_reset(struct store *st, unsigned cost, const struct admin_who *who,
		     const char *name, char onetime[ADMIN_PW_GENERATED_LEN + 1])
{
	char hash[PASSWORD_HASH_MAX];
	int rc = admin_hash(cost, NULL, onetime, hash);

	if (rc == 0)
		rc = admin_store_rc(store_admin_set_password(st, name, hash, 1));
	explicit_bzero(hash, sizeof(hash));
	if (rc < 0)
		explicit_bzero(onetime, ADMIN_PW_GENERATED_LEN + 1);
	return admin_done(st, who, "admin.reset", name, rc, NULL);
}

int
admin_password_set(struct store *st, unsigned cost, const struct admin_who *who,
		   const char *name, const char *password)
{
	char hash[PASSWORD_HASH_MAX];
	int rc = admin_hash(cost, password, NULL, hash);

	if (rc == 0)
		rc = admin_store_rc(store_admin_set_password(st, name, hash, 0));
	explicit_bzero(hash, sizeof(hash));
	return admin_done(st, who, "admin.passwd", name, rc, NULL);
}

/*
 * ADMIN_ELAST if taking name away would leave no enabled admin of role
 * admin (a box nobody can administer but from the shell).
 */
static int
admin_check_last(struct store *st, const char *name)
{
	struct store_admin a;
	int n, rc = store_admin_get(st, name, &a);

	if (rc < 0)
		return admin_store_rc(rc);
	rc = 0;
	if (a.enabled && strcmp(a.role, "admin") == 0) {
		n = store_admin_count_enabled(st, "admin");
		rc = n < 0 ? ADMIN_ESTORE : n <= 1 ? ADMIN_ELAST : 0;
	}
	explicit_bzero(&a, sizeof(a));
	return rc;
}

int
admin_set_enabled(struct store *st, const struct admin_who *who, const char *name, int enabled)
{
	int rc = 0;

	if (!enabled)
		rc = admin_check_last(st, name);
	if (rc == 0)
		rc = admin_store_rc(store_admin_set_enabled(st, name, enabled));
	return admin_done(st, who, enabled ? "admin.enable" : "admin.disable", name, rc, NULL);
}

int
admin_set_role(struct store *st, const struct admin_who *who, const char *name, int role)
{
	char detail[32];
	int rc = 0;

	snprintf(detail, sizeof(detail), "role=%s", admin_role_name(role));
	if (role != ADMIN_ROLE_ADMIN && role != ADMIN_ROLE_HELPDESK)
		return admin_done(st, who, "admin.role", name, ADMIN_EROLE, NULL);
	if (role != ADMIN_ROLE_ADMIN)
		rc = admin_check_last(st, name);
	if (rc == 0)
		rc = admin_store_rc(store_admin_set_role(st, name, admin_role_name(role)));
	return admin_done(st, who, "admin.role", name, rc, detail);
}

int
admin_delete(struct store *st, const struct admin_who *who, const char *name)
{
	int rc = admin_check_last(st, name);

	if (rc == 0)
		rc = admin_store_rc(store_admin_delete(st, name));
	return admin_done(st, who, "admin.delete", name, rc, NULL);
}

static void
admin_info_from(const struct store_admin *a, struct admin_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", a->name);
	out->role = admin_role_parse(a->role);
	if (out->role < 0)
		out->role = ADMIN_ROLE_NONE;
	out->enabled = a->enabled;
	out->must_change = a->must_change;
	out->totp = a->totp_secret[0] != '\0' ? 2 : a->totp_pending[0] != '\0' ? 1 : 0;
	out->created = a->created;
	out->last_login = a->last_login;
}

int
admin_get(struct store *st, const char *name, struct admin_info *out)
{
	struct store_admin a;
	int rc = store_admin_get(st, name, &a);

	memset(out, 0, sizeof(*out));
	if (rc == 0)
		admin_info_from(&a, out);
	explicit_bzero(&a, sizeof(a));
	return admin_store_rc(rc);
}

int
admin_current(struct store *st, const char *name, int *role)
{
	struct admin_info ai;
	int rc = admin_get(st, name, &ai);

	*role = ADMIN_ROLE_NONE;
	if (rc < 0)
		return rc;
	if (!ai.enabled)
		return ADMIN_EDISABLED;
	*role = ai.role;
	return ai.role == ADMIN_ROLE_NONE ? ADMIN_EROLE : 0;
}

struct admin_each {
	admin_info_cb cb;
	void *arg;
};

static int
admin_each_cb(const struct store_admin *a, void *arg)
{
	struct admin_each *e = arg;
	struct admin_info ai;

	admin_info_from(a, &ai);
	return e->cb(&ai, e->arg);
}

int
admin_foreach(struct store *st, admin_info_cb cb, void *arg)
{
	struct admin_each e = {cb, arg};

	return store_admin_foreach(st, admin_each_cb, &e) < 0 ? ADMIN_ESTORE : 0;
}
