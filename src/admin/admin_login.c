/*
 * The admin login (see poort/admin.h): guess limits per name and per
 * address (poort/limit.h, as the SSO login counts them), the password
 * against the admin's yescrypt hash or, for a name that is no admin, a
 * dummy hash of the same cost (one answer and one duration for both), then
 * the TOTP code, accepted once per time step. Every attempt is audited.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "poort/admin.h"
#include "poort/limit.h"
#include "poort/log.h"

struct admin {
	struct store *st;
	struct limit *fails;
	unsigned per_name, per_source;
	char dummy[PASSWORD_HASH_MAX];
};

struct admin *
admin_new(struct store *st, unsigned cost, const struct admin_limits *lim)
{
	struct admin *ad = calloc(1, sizeof(*ad));
	struct admin_limits l = {0};
	char pw[33];

	if (ad == NULL)
		return NULL;
	if (lim != NULL)
		l = *lim;
	ad->st = st;
	ad->per_name = l.per_name != 0 ? l.per_name : 5;
	ad->per_source = l.per_source != 0 ? l.per_source : 20;
	if ((ad->fails = limit_new(l.keys != 0 ? l.keys : 4096, l.window != 0 ? l.window : 300)) ==
	    NULL)
		goto fail;
	/* a hash of a random password nobody knows, at the admins' cost */
	if (password_generate(pw, sizeof(pw) - 1) < 0 || password_hash(pw, cost, ad->dummy) < 0 ||
	    admin_oath_init() < 0)
		goto fail;
	explicit_bzero(pw, sizeof(pw));
	return ad;
fail:
	explicit_bzero(pw, sizeof(pw));
	admin_free(ad);
	return NULL;
}

void
admin_free(struct admin *ad)
{
	if (ad == NULL)
		return;
	limit_free(ad->fails);
	explicit_bzero(ad, sizeof(*ad));
	free(ad);
}

const char *
admin_dummy_hash(const struct admin *ad)
{
	return ad->dummy;
}

static void
admin_fail_keys(const struct admin_login *lg, char ku[LIMIT_KEY_MAX], char ka[LIMIT_KEY_MAX])
{
	snprintf(ku, LIMIT_KEY_MAX, "u:%s", lg->name);
	snprintf(ka, LIMIT_KEY_MAX, "a:%s", lg->source);
}

static void
admin_login_clear(struct admin_login *lg)
{
	explicit_bzero(lg, sizeof(*lg));
}

/* The audit row of a login; the actor is the name tried (when it is a valid one). */
static void
admin_login_audit(struct admin *ad, const struct admin_login *lg, int rc, const char *detail)
{
	struct admin_who who = {lg->name[0] != '\0' ? lg->name : "-", lg->source};

	if (admin_audit(ad->st, &who, "admin.login", lg->name, admin_outcome(rc), detail) < 0)
		log_warning("admin login audit row not written user=%s addr=%s", who.actor,
			    lg->source);
}

int
admin_login_begin(struct admin *ad, const char *name, const char *password, const char *code,
		  const char *from, time_t now, struct admin_login *lg)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX];
	long nu, na;
	size_t len;

	memset(lg, 0, sizeof(*lg));
	/* names compare without case (the table's COLLATE NOCASE): count them so too */
	for (size_t i = 0; name != NULL && name[i] != '\0' && i < STORE_USERNAME_MAX; i++)
		lg->name[i] = (char)tolower((unsigned char)name[i]);
	if (name == NULL || strlen(name) > STORE_USERNAME_MAX || !admin_name_valid(lg->name))
		explicit_bzero(lg->name, sizeof(lg->name));
	snprintf(lg->source, sizeof(lg->source), "%s", from != NULL ? from : "");
	admin_fail_keys(lg, ku, ka);
	/*
	 * Each attempt counts when it starts and a full success takes it back:
	 * what is left is failures, per name and per address. No room to
	 * count: refused, never let guess uncounted.
	 */
	nu = limit_peek(ad->fails, ku, (int64_t)now);
	na = limit_peek(ad->fails, ka, (int64_t)now);
	if (nu < 0 || na < 0 || (unsigned long)nu >= ad->per_name ||
	    (unsigned long)na >= ad->per_source || limit_add(ad->fails, ku, (int64_t)now, 1) < 0)
		goto limited;
	if (limit_add(ad->fails, ka, (int64_t)now, 1) < 0) {
		limit_add(ad->fails, ku, (int64_t)now, -1);
		goto limited;
	}
	if (lg->name[0] != '\0' && store_admin_get(ad->st, lg->name, &lg->row) == 0) {
		lg->known = 1;
		snprintf(lg->hash, sizeof(lg->hash), "%s", lg->row.pw_hash);
	} else {
		explicit_bzero(&lg->row, sizeof(lg->row));
		snprintf(lg->hash, sizeof(lg->hash), "%s", ad->dummy);
	}
	len = password != NULL ? strlen(password) : 0;
	/* too long: checked anyway (cut), so it takes as long, and refused in _end */
	lg->pwlen = len > PASSWORD_MAX ? PASSWORD_MAX : len;
	memcpy(lg->pw, password != NULL ? password : "", lg->pwlen);
	if (len > PASSWORD_MAX || len == 0)
		lg->known = 0;
	snprintf(lg->code, sizeof(lg->code), "%s", code != NULL ? code : "");
	return 0;
limited:
	admin_login_audit(ad, lg, ADMIN_ELIMITED, NULL);
	admin_login_clear(lg);
	return ADMIN_ELIMITED;
}

void
admin_login_run(struct admin_login *lg)
{
	lg->verified = password_verify(lg->pw, lg->pwlen, lg->hash);
	explicit_bzero(lg->pw, sizeof(lg->pw));
}

int
admin_login_end(struct admin *ad, struct admin_login *lg, time_t now, struct admin_session *out)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX], detail[32] = "";
	int64_t step = 0;
	int rc = 0, role;

	memset(out, 0, sizeof(*out));
	role = admin_role_parse(lg->row.role);
	if (!lg->known || lg->verified != 1)
		rc = lg->verified < 0 && lg->known ? ADMIN_ECRYPTO : ADMIN_ECREDENTIALS;
	else if (!lg->row.enabled)
		rc = ADMIN_EDISABLED;
	else if (role < 0)
		rc = ADMIN_EROLE;
	else if (lg->row.totp_secret[0] != '\0') {
		rc = admin_totp_check(lg->row.totp_secret, lg->code, now, &step);
		if (rc == 0 && store_admin_totp_use(ad->st, lg->name, step) < 0)
			rc = ADMIN_EREPLAY;
	}
	if (rc == 0) {
		admin_fail_keys(lg, ku, ka);
		limit_add(ad->fails, ku, (int64_t)now, -1);
		limit_add(ad->fails, ka, (int64_t)now, -1);
		store_admin_set_last_login(ad->st, lg->name, (int64_t)now);
		snprintf(out->name, sizeof(out->name), "%s", lg->row.name);
		out->role = role;
		out->must_change = lg->row.must_change;
		out->totp_active = lg->row.totp_secret[0] != '\0';
		snprintf(detail, sizeof(detail), "role=%s%s", admin_role_name(role),
			 out->totp_active ? "" : " totp=none");
	}
	admin_login_audit(ad, lg, rc, detail);
	admin_login_clear(lg);
	return rc;
}

int
admin_verify(struct admin *ad, const char *name, const char *password, const char *code,
	     const char *from, time_t now, struct admin_session *out)
{
	struct admin_login lg;
	int rc = admin_login_begin(ad, name, password, code, from, now, &lg);

	memset(out, 0, sizeof(*out));
	if (rc < 0)
		return rc;
	admin_login_run(&lg);
	return admin_login_end(ad, &lg, now, out);
}

int
admin_change_begin(struct admin *ad, const char *name, const char *current, const char *from,
		   time_t now, struct admin_login *lg)
{
	return admin_login_begin(ad, name, current, "", from, now, lg);
}

int
admin_change_end(struct admin *ad, struct admin_login *lg, time_t now)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX];
	struct admin_who who = {lg->name[0] != '\0' ? lg->name : "-", lg->source};
	int rc = 0;

	if (!lg->known || lg->verified != 1)
		rc = lg->verified < 0 && lg->known ? ADMIN_ECRYPTO : ADMIN_ECREDENTIALS;
	else if (!lg->row.enabled)
		rc = ADMIN_EDISABLED;
	if (rc == 0) {
		admin_fail_keys(lg, ku, ka);
		limit_add(ad->fails, ku, (int64_t)now, -1);
		limit_add(ad->fails, ka, (int64_t)now, -1);
	} else if (admin_audit(ad->st, &who, "admin.passwd", lg->name, admin_outcome(rc),
			       "current password") < 0)
		log_warning("admin audit row not written user=%s addr=%s", who.actor, lg->source);
	admin_login_clear(lg);
	return rc;
}
