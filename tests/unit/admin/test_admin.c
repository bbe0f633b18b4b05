/*
 * Admins: TOTP against RFC 6238 appendix B, replay and skew, the login
 * (unknown and wrong password one answer, the dummy hash path, disabled,
 * limits), enrolment, the role matrix, and the audit rows (no secrets).
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "poort/admin.h"
#include "test.h"

static char dir[] = "/tmp/poort-admin-XXXXXX";
static char path[300];
static const struct admin_who tester = {"poortctl:test", "local"};

/* "12345678901234567890" in base32 (the RFC 6238 SHA-1 key) */
#define RFC_KEY "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_rfc6238(void)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
		 {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
	char out[9];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_INT(admin_totp_code(RFC_KEY, v[i].t, 8, out), 0);
		CHECK_STR(out, v[i].code);
	}
	/* 6 digits are the last 6 of the 8 (same truncation, mod 10^6) */
	CHECK_INT(admin_totp_code(RFC_KEY, 59, 6, out), 0);
	CHECK_STR(out, "287082");
	CHECK(admin_totp_code("not base32!", 59, 6, out) < 0);
}

static void
test_totp_check(void)
{
	char code[8], prev[8], next[8], far[8];
	time_t now = 1700000015; /* inside a step */
	int64_t step = 0;

	admin_totp_code(RFC_KEY, now, 6, code);
	admin_totp_code(RFC_KEY, now - 30, 6, prev);
	admin_totp_code(RFC_KEY, now + 30, 6, next);
	admin_totp_code(RFC_KEY, now - 90, 6, far);
	CHECK_INT(admin_totp_check(RFC_KEY, code, now, &step), 0);
	CHECK_INT(step, now / 30);
	/* one step of skew either way, and which step it was */
	CHECK_INT(admin_totp_check(RFC_KEY, prev, now, &step), 0);
	CHECK_INT(step, now / 30 - 1);
	CHECK_INT(admin_totp_check(RFC_KEY, next, now, &step), 0);
	CHECK_INT(step, now / 30 + 1);
	/* three steps off: refused */
	CHECK_INT(admin_totp_check(RFC_KEY, far, now, &step), ADMIN_ETOTP);
	/* spaces are ignored, anything else is wrong */
	char spaced[9] = {code[0], code[1], code[2], ' ', code[3], code[4], code[5], 0};
	CHECK_INT(admin_totp_check(RFC_KEY, spaced, now, &step), 0);
	CHECK_INT(admin_totp_check(RFC_KEY, "", now, &step), ADMIN_ETOTP);
	CHECK_INT(admin_totp_check(RFC_KEY, NULL, now, &step), ADMIN_ETOTP);
	CHECK_INT(admin_totp_check(RFC_KEY, "12345", now, &step), ADMIN_ETOTP);
	CHECK_INT(admin_totp_check(RFC_KEY, "1234567", now, &step), ADMIN_ETOTP);
	CHECK_INT(admin_totp_check(RFC_KEY, "12a456", now, &step), ADMIN_ETOTP);
}

static void
test_uri_qr(void)
{
	char uri[ADMIN_TOTP_URI_MAX], small[20];
	char *svg, *txt;

	CHECK_INT(admin_totp_uri("School A", "anna", RFC_KEY, uri, sizeof(uri)), 0);
	CHECK_STR(uri, "otpauth://totp/School%20A:anna?secret=" RFC_KEY
		       "&issuer=School%20A&algorithm=SHA1&digits=6&period=30");
	CHECK(admin_totp_uri("School A", "anna", RFC_KEY, small, sizeof(small)) < 0);
	CHECK_STR(small, "");
	svg = admin_qr_svg(uri);
	CHECK(svg != NULL && strncmp(svg, "<svg ", 5) == 0 && strstr(svg, "</svg>") != NULL);
	free(svg);
	txt = admin_qr_text(uri);
	CHECK(txt != NULL && strstr(txt, "\u2588") != NULL && strchr(txt, '\n') != NULL);
	free(txt);
}

static void
test_roles(void)
{
	static const int helpdesk_may[ADMIN_ACT_COUNT] = {
		[ADMIN_ACT_DASHBOARD] = 1,	  [ADMIN_ACT_LOG_SEARCH] = 1,
		[ADMIN_ACT_ACCOUNT_VIEW] = 1,	  [ADMIN_ACT_ACCOUNT_PASSWORD] = 1,
		[ADMIN_ACT_ACCOUNT_ENABLE] = 1, [ADMIN_ACT_GUEST] = 1,
		[ADMIN_ACT_SELF] = 1,
	};

	for (int a = 0; a < ADMIN_ACT_COUNT; a++) {
		CHECK_INT(admin_may(ADMIN_ROLE_ADMIN, a), 1);
		CHECK_INT(admin_may(ADMIN_ROLE_HELPDESK, a), helpdesk_may[a]);
		CHECK_INT(admin_may(ADMIN_ROLE_NONE, a), 0);
		CHECK_INT(admin_may(7, a), 0);
	}
	/* no settings for the helpdesk, explicitly */
	CHECK_INT(admin_may(ADMIN_ROLE_HELPDESK, ADMIN_ACT_SETTINGS), 0);
	CHECK_INT(admin_may(ADMIN_ROLE_HELPDESK, ADMIN_ACT_ADMINS), 0);
	CHECK_INT(admin_may(ADMIN_ROLE_HELPDESK, ADMIN_ACT_CLIENTS), 0);
	CHECK_INT(admin_may(ADMIN_ROLE_ADMIN, ADMIN_ACT_COUNT), 0);
	CHECK_INT(admin_may(ADMIN_ROLE_ADMIN, -1), 0);
	CHECK_INT(admin_role_parse("admin"), ADMIN_ROLE_ADMIN);
	CHECK_INT(admin_role_parse("helpdesk"), ADMIN_ROLE_HELPDESK);
	CHECK_INT(admin_role_parse("root"), ADMIN_EROLE);
	CHECK_INT(admin_role_parse(NULL), ADMIN_EROLE);
	CHECK_STR(admin_error_key(ADMIN_ECREDENTIALS), "admin.login.failed");
}

struct audit_scan {
	int rows, leaked;
	const char *secrets[4];
	char last_outcome[32], last_action[64];
};

static int
audit_cb(const struct store_audit *r, void *arg)
{
	struct audit_scan *s = arg;
	const char *fields[] = {r->actor, r->action, r->object, r->source, r->outcome, r->detail};

	if (s->rows == 0) {
		snprintf(s->last_outcome, sizeof(s->last_outcome), "%s", r->outcome);
		snprintf(s->last_action, sizeof(s->last_action), "%s", r->action);
	}
	s->rows++;
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < 4; j++)
			if (s->secrets[j] != NULL && s->secrets[j][0] != '\0' &&
			    strstr(fields[i], s->secrets[j]) != NULL)
				s->leaked++;
	return 0;
}

/* The newest audit row's action and outcome, and the number of rows for filter f. */
static int
audit_last(struct store *st, const struct store_audit_filter *f, struct audit_scan *s)
{
	s->rows = 0;
	s->leaked = 0;
	CHECK_INT(store_audit_foreach(st, f, audit_cb, s), 0);
	return s->rows;
}

struct outcome_count {
	const char *outcome;
	int n;
};

static int
outcome_cb(const struct store_audit *r, void *arg)
{
	struct outcome_count *c = arg;
	if (strcmp(r->outcome, c->outcome) == 0)
		c->n++;
	return 0;
}

/* The pending secret of name, read from the store (what the app would scan). */
static void
pending_secret(struct store *st, const char *name, char out[STORE_TOTP_SECRET_MAX + 1])
{
	struct store_admin a;
	CHECK_INT(store_admin_get(st, name, &a), 0);
	snprintf(out, STORE_TOTP_SECRET_MAX + 1, "%s", a.totp_pending);
}

static void
test_accounts_and_login(struct store *st)
{
	char otp[ADMIN_PW_GENERATED_LEN + 1], otp2[ADMIN_PW_GENERATED_LEN + 1];
	char uri[ADMIN_TOTP_URI_MAX], secret[STORE_TOTP_SECRET_MAX + 1], code[8];
	struct admin_session s;
	struct admin_info ai;
	struct admin_login lg;
	struct admin *ad = admin_new(st, 1, &(struct admin_limits){.per_name = 50, .per_source = 50});
	struct admin *lim = admin_new(st, 1, &(struct admin_limits){.per_name = 4, .per_source = 6});
	struct audit_scan scan = {0};
	struct store_audit_filter f = {.limit = 1000};
	time_t now = time(NULL);
	int role;

	CHECK(ad != NULL);
	/* adding: names, roles, policy */
	CHECK_INT(admin_add(st, 1, &tester, "boss", ADMIN_ROLE_ADMIN, NULL, otp), 0);
	CHECK_INT(strlen(otp), ADMIN_PW_GENERATED_LEN);
	CHECK_INT(admin_add(st, 1, &tester, "boss", ADMIN_ROLE_ADMIN, NULL, otp2), ADMIN_EEXISTS);
	/* names are lower case (a login's name is folded) */
	CHECK_INT(admin_add(st, 1, &tester, "BOSS", ADMIN_ROLE_HELPDESK, "Long-enough-pw1", NULL),
		  ADMIN_ENAME);
	CHECK_INT(admin_add(st, 1, &tester, "poortctl", ADMIN_ROLE_ADMIN, NULL, otp2), ADMIN_ENAME);
	CHECK_INT(admin_add(st, 1, &tester, "a:b", ADMIN_ROLE_ADMIN, NULL, otp2), ADMIN_ENAME);
	CHECK_INT(admin_add(st, 1, &tester, "desk", 9, NULL, otp2), ADMIN_EROLE);
	CHECK_INT(admin_add(st, 1, &tester, "desk", ADMIN_ROLE_HELPDESK, "short1", NULL),
		  ADMIN_EPASSWORD);
	CHECK_INT(admin_add(st, 1, &tester, "desk", ADMIN_ROLE_HELPDESK, "Helpdesk-pass-1", NULL), 0);
	CHECK_INT(admin_get(st, "boss", &ai), 0);
	CHECK_INT(ai.role, ADMIN_ROLE_ADMIN);
	CHECK_INT(ai.must_change, 1);
	CHECK_INT(ai.totp, 0);
	CHECK_INT(admin_get(st, "desk", &ai), 0);
	CHECK_INT(ai.must_change, 0);

	/* one-time password: logs in, and the session is told to change it and enrol */
	CHECK_INT(admin_verify(ad, "boss", otp, NULL, "192.0.2.1", now, &s), 0);
	CHECK_STR(s.name, "boss");
	CHECK_INT(s.role, ADMIN_ROLE_ADMIN);
	CHECK_INT(s.must_change, 1);
	CHECK_INT(s.totp_active, 0);
	CHECK_INT(admin_password_set(st, 1, &tester, "boss", "short"), ADMIN_EPASSWORD);
	CHECK_INT(admin_password_set(st, 1, &tester, "boss", "Boss-password-1"), 0);
	CHECK_INT(admin_verify(ad, "boss", otp, NULL, "192.0.2.1", now, &s), ADMIN_ECREDENTIALS);
	CHECK_INT(admin_verify(ad, "Boss", "Boss-password-1", NULL, "192.0.2.1", now, &s), 0);
	CHECK_INT(s.must_change, 0);

	/* unknown and wrong: one answer; the unknown name goes through the dummy hash */
	CHECK_INT(admin_verify(ad, "nobody", "Boss-password-1", NULL, "192.0.2.2", now, &s),
		  ADMIN_ECREDENTIALS);
	CHECK_INT(admin_verify(ad, "desk", "Boss-password-1", NULL, "192.0.2.2", now, &s),
		  ADMIN_ECREDENTIALS);
	CHECK_INT(admin_login_begin(ad, "nobody", "x-password-123", NULL, "192.0.2.3", now, &lg), 0);
	CHECK_STR(lg.hash, admin_dummy_hash(ad));
	CHECK_INT(lg.known, 0);
	admin_login_run(&lg);
	CHECK_INT(lg.verified, 0); /* the hash really ran (a real check, no match) */
	CHECK_STR(lg.pw, "");      /* and the password was cleared */
	CHECK_INT(admin_login_end(ad, &lg, now, &s), ADMIN_ECREDENTIALS);
	CHECK_INT(admin_login_begin(ad, "desk", "x-password-123", NULL, "192.0.2.3", now, &lg), 0);
	CHECK(strcmp(lg.hash, admin_dummy_hash(ad)) != 0 && strncmp(lg.hash, "$y$", 3) == 0);
	admin_login_run(&lg);
	CHECK_INT(admin_login_end(ad, &lg, now, &s), ADMIN_ECREDENTIALS);

	/* enrolment: pending until confirmed with a first code */
	CHECK_INT(admin_totp_confirm(st, &tester, "boss", "123456", now), ADMIN_ENOPENDING);
	CHECK_INT(admin_totp_begin(st, &tester, "boss", "School A", uri), 0);
	CHECK(strncmp(uri, "otpauth://totp/School%20A:boss?secret=", 38) == 0);
	pending_secret(st, "boss", secret);
	CHECK(strstr(uri, secret) != NULL);
	CHECK_INT(admin_get(st, "boss", &ai), 0);
	CHECK_INT(ai.totp, 1);
	/* not active yet: a password alone still logs in */
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", NULL, "192.0.2.1", now, &s), 0);
	CHECK_INT(s.totp_active, 0);
	CHECK_INT(admin_totp_confirm(st, &tester, "boss", "000000", now), ADMIN_ETOTP);
	admin_totp_code(secret, now, 6, code);
	if (strcmp(code, "000000") != 0) {
		CHECK_INT(admin_get(st, "boss", &ai), 0);
		CHECK_INT(ai.totp, 1);
	}
	CHECK_INT(admin_totp_confirm(st, &tester, "boss", code, now), 0);
	CHECK_INT(admin_get(st, "boss", &ai), 0);
	CHECK_INT(ai.totp, 2);
	/* the confirming code is used up */
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", code, "192.0.2.1", now, &s),
		  ADMIN_EREPLAY);
	/* now a code is needed; a wrong one is refused */
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", NULL, "192.0.2.1", now, &s),
		  ADMIN_ETOTP);
	/* the next step's code (skew +1) works once, then is a replay, and so is an older step */
	admin_totp_code(secret, now + 30, 6, code);
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", code, "192.0.2.1", now, &s), 0);
	CHECK_INT(s.totp_active, 1);
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", code, "192.0.2.4", now + 30, &s),
		  ADMIN_EREPLAY);
	admin_totp_code(secret, now, 6, code);
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", code, "192.0.2.4", now + 30, &s),
		  ADMIN_EREPLAY);
	/* a later step's code is fine; a wrong password with a right code is ECREDENTIALS */
	admin_totp_code(secret, now + 60, 6, code);
	CHECK_INT(admin_verify(ad, "boss", "wrong-password-9", code, "192.0.2.4", now + 60, &s),
		  ADMIN_ECREDENTIALS);
	CHECK_INT(admin_verify(ad, "boss", "Boss-password-1", code, "192.0.2.4", now + 60, &s), 0);

	/* disabled: told only with the right password */
	CHECK_INT(admin_set_enabled(st, &tester, "desk", 0), 0);
	CHECK_INT(admin_verify(ad, "desk", "Helpdesk-pass-1", NULL, "192.0.2.5", now, &s),
		  ADMIN_EDISABLED);
	CHECK_INT(admin_verify(ad, "desk", "wrong-password-9", NULL, "192.0.2.5", now, &s),
		  ADMIN_ECREDENTIALS);
	CHECK_INT(admin_current(st, "desk", &role), ADMIN_EDISABLED);
	CHECK_INT(admin_set_enabled(st, &tester, "desk", 1), 0);
	CHECK_INT(admin_current(st, "desk", &role), 0);
	CHECK_INT(role, ADMIN_ROLE_HELPDESK);
	CHECK_INT(admin_current(st, "nobody", &role), ADMIN_ENOTFOUND);

	/* the last enabled admin cannot go; helpdesks can */
	CHECK_INT(admin_set_enabled(st, &tester, "boss", 0), ADMIN_ELAST);
	CHECK_INT(admin_delete(st, &tester, "boss"), ADMIN_ELAST);
	CHECK_INT(admin_add(st, 1, &tester, "boss2", ADMIN_ROLE_ADMIN, "Second-admin-pw1", NULL), 0);
	CHECK_INT(admin_set_enabled(st, &tester, "boss2", 0), 0);
	CHECK_INT(admin_set_enabled(st, &tester, "boss", 0), ADMIN_ELAST);
	CHECK_INT(admin_delete(st, &tester, "boss2"), 0);
	CHECK_INT(admin_delete(st, &tester, "boss2"), ADMIN_ENOTFOUND);
	/* a role change: the last admin cannot be demoted; a helpdesk can be promoted */
	CHECK_INT(admin_set_role(st, &tester, "boss", ADMIN_ROLE_HELPDESK), ADMIN_ELAST);
	CHECK_INT(admin_set_role(st, &tester, "desk", 7), ADMIN_EROLE);
	CHECK_INT(admin_set_role(st, &tester, "nobody", ADMIN_ROLE_ADMIN), ADMIN_ENOTFOUND);
	CHECK_INT(admin_set_role(st, &tester, "desk", ADMIN_ROLE_ADMIN), 0);
	CHECK_INT(admin_current(st, "desk", &role), 0);
	CHECK_INT(role, ADMIN_ROLE_ADMIN);
	CHECK_INT(admin_set_role(st, &tester, "boss", ADMIN_ROLE_HELPDESK), 0);
	CHECK_INT(admin_set_role(st, &tester, "desk", ADMIN_ROLE_HELPDESK), ADMIN_ELAST);
	CHECK_INT(admin_set_role(st, &tester, "boss", ADMIN_ROLE_ADMIN), 0);
	CHECK_INT(admin_set_role(st, &tester, "desk", ADMIN_ROLE_HELPDESK), 0);
	CHECK_INT(admin_current(st, "boss", &role), 0);
	CHECK_INT(role, ADMIN_ROLE_ADMIN);

	/* reset: a new one-time password; TOTP stays */
	CHECK_INT(admin_password_reset(st, 1, &tester, "desk", otp2), 0);
	CHECK_INT(admin_verify(ad, "desk", otp2, NULL, "192.0.2.6", now, &s), 0);
	CHECK_INT(s.must_change, 1);
	CHECK_INT(admin_password_reset(st, 1, &tester, "nobody", otp), ADMIN_ENOTFOUND);
	CHECK_STR(otp, ""); /* nothing to show for a failed reset */

	/* guess limits: per name, then per address; a success takes its count back */
	for (int i = 0; i < 4; i++)
		CHECK_INT(admin_verify(lim, "desk", "wrong-password-9", NULL, "198.51.100.1", now, &s),
			  ADMIN_ECREDENTIALS);
	CHECK_INT(admin_verify(lim, "desk", otp2, NULL, "198.51.100.2", now, &s), ADMIN_ELIMITED);
	CHECK_INT(admin_verify(lim, "DESK", otp2, NULL, "198.51.100.2", now, &s), ADMIN_ELIMITED);
	/* after the window it works again */
	CHECK_INT(admin_verify(lim, "desk", otp2, NULL, "198.51.100.2", now + 301, &s), 0);
	for (int i = 0; i < 6; i++) {
		char nx[8];
		snprintf(nx, sizeof(nx), "nx-%d", i);
		CHECK_INT(admin_verify(lim, nx, "wrong-password-9", NULL, "203.0.113.9", now + 400,
				       &s),
			  ADMIN_ECREDENTIALS);
	}
	CHECK_INT(admin_verify(lim, "desk", otp2, NULL, "203.0.113.9", now + 400, &s),
		  ADMIN_ELIMITED);
	CHECK_INT(admin_verify(lim, "desk", otp2, NULL, "203.0.113.10", now + 400, &s), 0);

	/* audit rows: every change and login, none with a secret in it */
	scan.secrets[0] = "Helpdesk-pass-1";
	scan.secrets[1] = otp2;
	scan.secrets[2] = secret;
	scan.secrets[3] = "Boss-password-1";
	CHECK(audit_last(st, &f, &scan) > 30);
	CHECK_INT(scan.leaked, 0);
	f.actor = "desk";
	f.limit = 1;
	audit_last(st, &f, &scan);
	CHECK_STR(scan.last_action, "admin.login");
	CHECK_STR(scan.last_outcome, "ok");
	f.actor = "poortctl";
	f.limit = 1000;
	int by_tool = audit_last(st, &f, &scan);
	CHECK(by_tool >= 15);
	f.actor = "poortctl:test";
	CHECK_INT(audit_last(st, &f, &scan), by_tool);
	f.actor = "poortct";
	CHECK_INT(audit_last(st, &f, &scan), 0);
	f.actor = "boss";
	f.object = NULL;
	f.since = now + 60;
	f.until = now + 60;
	/* rows carry the time of writing (now-ish), so a window in the future finds none */
	CHECK_INT(audit_last(st, &f, &scan), 0);
	f.since = now - 5;
	f.until = 0;
	f.object = "boss";
	CHECK(audit_last(st, &f, &scan) > 5);
	/* the replayed codes and the limited logins were audited as such */
	struct outcome_count oc = {"totp-replay", 0};
	struct store_audit_filter fr = {.actor = "boss", .limit = 1000};
	CHECK_INT(store_audit_foreach(st, &fr, outcome_cb, &oc), 0);
	CHECK_INT(oc.n, 3);
	oc = (struct outcome_count){"limited", 0};
	fr.actor = "desk";
	CHECK_INT(store_audit_foreach(st, &fr, outcome_cb, &oc), 0);
	CHECK_INT(oc.n, 3);
	admin_free(lim);
	admin_free(ad);
}

/* One's own password change: the current one checked like a login's, with its limits. */
static int
change(struct admin *ad, const char *name, const char *cur, time_t now)
{
	struct admin_login lg;
	int rc = admin_change_begin(ad, name, cur, "192.0.2.9", now, &lg);

	if (rc < 0)
		return rc;
	admin_login_run(&lg);
	rc = admin_change_end(ad, &lg, now);
	CHECK(lg.pw[0] == '\0' && lg.hash[0] == '\0'); /* cleared */
	return rc;
}

static void
test_change(struct store *st)
{
	struct admin *ad = admin_new(st, 1, &(struct admin_limits){.per_name = 3, .per_source = 50});
	time_t now = time(NULL);

	CHECK_INT(admin_add(st, 1, &tester, "chg", ADMIN_ROLE_HELPDESK, "Change-pass-01", NULL), 0);
	CHECK_INT(change(ad, "chg", "Change-pass-01", now), 0);
	CHECK_INT(change(ad, "chg", "wrong-pass-001", now), ADMIN_ECREDENTIALS);
	CHECK_INT(change(ad, "nobody", "Change-pass-01", now), ADMIN_ECREDENTIALS);
	/* a success takes its attempt back: two failures so far for chg */
	CHECK_INT(change(ad, "chg", "Change-pass-01", now), 0);
	CHECK_INT(change(ad, "chg", "wrong-pass-002", now), ADMIN_ECREDENTIALS);
	CHECK_INT(change(ad, "chg", "wrong-pass-003", now), ADMIN_ECREDENTIALS);
	CHECK_INT(change(ad, "chg", "Change-pass-01", now), ADMIN_ELIMITED);
	CHECK_INT(admin_set_enabled(st, &tester, "chg", 0), 0);
	CHECK_INT(change(ad, "chg", "Change-pass-01", now + 301), ADMIN_EDISABLED);
	admin_free(ad);
}

int
main(void)
{
	char err[256];
	struct store *st;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	if (st == NULL)
		TEST_DONE();
	test_rfc6238();
	test_totp_check();
	test_uri_qr();
	test_roles();
	test_accounts_and_login(st);
	test_change(st);
	store_close(st);
	unlink(path);
	rmdir(dir);
	TEST_DONE();
}
