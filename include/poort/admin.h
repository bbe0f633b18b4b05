/*
 * Admins of the box's web UI, as a library for the UI and poortctl: admin
 * accounts (apart from student accounts: store table `admins`), roles and
 * what each may do, the login check (password, then a TOTP code, RFC 6238),
 * TOTP enrolment with its otpauth:// URI and QR code, and the audit log
 * (store table `audit_log`) every change and login is written to.
 *
 * Nothing here prints or logs a secret: passwords, TOTP secrets and codes
 * never reach an audit row, a log line or an error detail. Results are 0
 * or a negative ADMIN_E* code; admin_error_key() names the UI catalogue's
 * message and admin_error_text() gives poortctl's English sentence.
 */
#ifndef POORT_ADMIN_H
#define POORT_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "poort/password.h"
#include "poort/store.h"
#include "poort/store_admin.h"

enum admin_code {
	ADMIN_OK = 0,
	ADMIN_ECREDENTIALS = -1701, /* unknown name or wrong password: one answer for both */
	ADMIN_EDISABLED = -1702,    /* right password, but the admin is disabled */
	ADMIN_ETOTP = -1703,        /* TOTP code missing or wrong */
	ADMIN_EREPLAY = -1704,      /* TOTP code right but used already in its time step */
	ADMIN_ELIMITED = -1705,     /* too many failures for this name or address: wait */
	ADMIN_ENAME = -1706,        /* not a valid admin name ([a-z0-9._-], not "poortctl") */
	ADMIN_EROLE = -1707,        /* not "admin" or "helpdesk" */
	ADMIN_EEXISTS = -1708,      /* an admin of that name exists */
	ADMIN_ENOTFOUND = -1709,    /* no admin of that name */
	ADMIN_EPASSWORD = -1710,    /* password policy: ADMIN_PW_MIN..PASSWORD_MAX, UTF-8 */
	ADMIN_ELAST = -1711,        /* would leave no enabled admin of role admin */
	ADMIN_ENOPENDING = -1712,   /* TOTP confirm without an enrolment begun */
	ADMIN_ESTORE = -1713,       /* the store failed */
	ADMIN_ECRYPTO = -1714,      /* hashing, randomness or liboath failed */
	ADMIN_ENOMEM = -1715,
};

#define ADMIN_PW_MIN 12           /* admins' passwords: longer than students' */
#define ADMIN_PW_GENERATED_LEN 16 /* one-time passwords from admin_add/_reset */
#define ADMIN_TOTP_DIGITS 6
#define ADMIN_TOTP_STEP 30        /* seconds */
#define ADMIN_TOTP_WINDOW 1       /* steps of clock skew accepted either way */
#define ADMIN_TOTP_URI_MAX 512
#define ADMIN_ACTOR_POORTCTL "poortctl" /* reserved: poortctl's actors are "poortctl:<user>" */

/* Message key for the UI catalogue, e.g. "admin.login.failed". */
const char *admin_error_key(int code);
/* The English sentence (poortctl's wording). */
const char *admin_error_text(int code);

/* ---- roles ---- */

enum admin_role {
	ADMIN_ROLE_NONE = 0,
	ADMIN_ROLE_ADMIN = 1,    /* everything */
	ADMIN_ROLE_HELPDESK = 2, /* logs, student passwords and enabling, guests; no settings */
};

/* What a page or command does; admin_may() is the one home of who may. */
enum admin_action {
	ADMIN_ACT_DASHBOARD,        /* view the dashboard (read only) */
	ADMIN_ACT_LOG_SEARCH,       /* "why can't X log in", online now, test login */
	ADMIN_ACT_ACCOUNT_VIEW,     /* search and view student accounts */
	ADMIN_ACT_ACCOUNT_PASSWORD, /* reset a student's password */
	ADMIN_ACT_ACCOUNT_ENABLE,   /* enable or disable a student */
	ADMIN_ACT_GUEST,            /* guest accounts and vouchers */
	ADMIN_ACT_ACCOUNT_EDIT,     /* add, edit, delete, expiry, CSV import and export */
	ADMIN_ACT_CLIENTS,          /* access points (RADIUS clients) */
	ADMIN_ACT_SSO,              /* SPs, release rules, the release log */
	ADMIN_ACT_SETTINGS,         /* reply attributes and other settings */
	ADMIN_ACT_ADMINS,           /* admin accounts and their roles */
	ADMIN_ACT_AUDIT,            /* read the audit log */
	ADMIN_ACT_BACKUP,           /* backup and restore */
	ADMIN_ACT_SELF,             /* one's own password and TOTP */
	ADMIN_ACT_COUNT
};

/* ADMIN_ROLE_ADMIN/HELPDESK for "admin"/"helpdesk", else ADMIN_EROLE. */
int admin_role_parse(const char *s);
/* "admin", "helpdesk", or "-". */
const char *admin_role_name(int role);
/* 1 if role may do action, else 0 (an unknown role or action: 0). */
int admin_may(int role, int action);

/* ---- the audit log ---- */

/* Who makes a change and from where, for its audit row. */
struct admin_who {
	const char *actor;  /* the admin's name, or "poortctl:<unix user>" */
	const char *source; /* the client address (http_peer_key), or "local" */
};

/*
 * One audit row: action (e.g. "account.passwd"), object (a name, or NULL),
 * outcome (NULL: "ok"; else a reason word), detail (NULL or a short note;
 * never a secret). 0 or ADMIN_ESTORE.
 */
int admin_audit(struct store *st, const struct admin_who *who, const char *action,
		const char *object, const char *outcome, const char *detail);
/* The outcome word for an admin_* result: "ok", "bad-credentials", ... */
const char *admin_outcome(int code);

/* ---- admin accounts (each change writes an audit row) ---- */

/* What the UI may show of an admin: no hash, no secret. */
struct admin_info {
	char name[STORE_USERNAME_MAX + 1];
	int role;        /* enum admin_role */
	int enabled;
	int must_change; /* logging in with a one-time password: must set a new one */
	int totp;        /* 0 not enrolled, 1 enrolment begun (not yet confirmed), 2 active */
	int64_t created, last_login;
};

/*
 * Adds an admin. password NULL: a one-time password is generated into
 * onetime (ADMIN_PW_GENERATED_LEN + 1 bytes), to be shown once, and must
 * be changed at the first login; else password must meet the policy (and
 * onetime may be NULL). cost: the yescrypt cost (poortd.conf's).
 */
int admin_add(struct store *st, unsigned cost, const struct admin_who *who, const char *name,
	      int role, const char *password, char *onetime);
/* A new one-time password into onetime (shown once; must be changed at login). */
int admin_password_reset(struct store *st, unsigned cost, const struct admin_who *who,
			 const char *name, char onetime[ADMIN_PW_GENERATED_LEN + 1]);
/* The admin's own new password (policy checked); clears must_change. */
int admin_password_set(struct store *st, unsigned cost, const struct admin_who *who,
		       const char *name, const char *password);
/* ADMIN_ELAST when it would disable the last enabled admin of role admin. */
int admin_set_enabled(struct store *st, const struct admin_who *who, const char *name,
		      int enabled);
/*
 * A new role (enum admin_role); ADMIN_ELAST when it would demote the last
 * enabled admin of role admin.
 */
int admin_set_role(struct store *st, const struct admin_who *who, const char *name, int role);
/* ADMIN_ELAST when it would delete the last enabled admin of role admin. */
int admin_delete(struct store *st, const struct admin_who *who, const char *name);
int admin_get(struct store *st, const char *name, struct admin_info *out);
typedef int (*admin_info_cb)(const struct admin_info *a, void *arg);
/* In name order; cb returning non-zero stops. */
int admin_foreach(struct store *st, admin_info_cb cb, void *arg);
/*
 * For a session on every request: 0 with the admin's current role if name
 * still exists and is enabled, else ADMIN_ENOTFOUND or ADMIN_EDISABLED.
 */
int admin_current(struct store *st, const char *name, int *role);

/* ---- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps, via liboath) ---- */

/*
 * Begins (or restarts) enrolment: a new random secret, kept pending, and
 * its otpauth:// URI into uri for the authenticator app (issuer: the name
 * the app shows, e.g. the school's realm). An active secret stays active
 * until admin_totp_confirm replaces it.
 */
int admin_totp_begin(struct store *st, const struct admin_who *who, const char *name,
		     const char *issuer, char uri[ADMIN_TOTP_URI_MAX]);
/*
 * Confirms enrolment with the first code from the app: the pending secret
 * becomes active (and that code is used up). ADMIN_ENOPENDING without an
 * enrolment begun, ADMIN_ETOTP for a wrong code (the secret stays pending).
 */
int admin_totp_confirm(struct store *st, const struct admin_who *who, const char *name,
		       const char *code, time_t now);
/* Drops the admin's TOTP (lost phone); the next login asks to enrol again. */
int admin_totp_clear(struct store *st, const struct admin_who *who, const char *name);

/* otpauth://totp/ISSUER:NAME?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30 */
int admin_totp_uri(const char *issuer, const char *name, const char *secret_b32, char *out,
		   size_t outlen);
/* The code for secret (base32) at time t with digits digits (6-8); out: digits + 1. */
int admin_totp_code(const char *secret_b32, time_t t, unsigned digits, char *out);
/*
 * 0 if code (6 digits; spaces ignored) is right for secret at now within
 * ADMIN_TOTP_WINDOW steps either way, with its time step in *step; else
 * ADMIN_ETOTP (ADMIN_ECRYPTO if liboath fails). Checks no replay: that is
 * the store's (store_admin_totp_use), done by the login.
 */
int admin_totp_check(const char *secret_b32, const char *code, time_t now, int64_t *step);

/* The QR code of text as an SVG document (malloc'd; NULL on failure). */
char *admin_qr_svg(const char *text);
/* ... or as UTF-8 half blocks for a terminal, lines ending '\n' (malloc'd). */
char *admin_qr_text(const char *text);

/* ---- logging in ---- */

/* Guess limits (like the SSO login's): failures per name and per address. */
struct admin_limits {
	unsigned per_name;   /* failures per name in window; 0: 5 */
	unsigned per_source; /* failures per address in window; 0: 20 */
	unsigned window;     /* seconds; 0: 300 */
	size_t keys;         /* names and addresses counted at once; 0: 4096 */
};

struct admin;

/* st is lent for the object's life. lim NULL: the defaults. NULL on failure. */
struct admin *admin_new(struct store *st, unsigned cost, const struct admin_limits *lim);
void admin_free(struct admin *ad);
/* The hash an unknown name's password is checked against (for tests). */
const char *admin_dummy_hash(const struct admin *ad);

/* What a successful login hands the session. */
struct admin_session {
	char name[STORE_USERNAME_MAX + 1];
	int role;        /* enum admin_role */
	int must_change; /* one-time password: show "set a new password" before anything */
	int totp_active; /* 0: no second factor yet: show enrolment before anything */
};

/*
 * One login, split so the slow hash can run off the event loop:
 * admin_login_begin (on the loop) returns 0 (then admin_login_run on a
 * worker, touching nothing but lg, then admin_login_end on the loop) or a
 * final ADMIN_E* code (ADMIN_ELIMITED; audited already; lg needs nothing
 * more). from: the client's address key (http_peer_key). admin_login_end
 * returns 0 with out filled, or the ADMIN_E* code; it writes the audit row
 * and clears every secret in lg.
 */
struct admin_login {
	char name[STORE_USERNAME_MAX + 1];
	char source[64];
	char pw[PASSWORD_MAX + 1];
	size_t pwlen;
	char code[16];
	char hash[PASSWORD_HASH_MAX]; /* the admin's, or the dummy */
	struct store_admin row;       /* known: the admin's row (with secrets) */
	int known;
	int verified; /* admin_login_run: 1 match, 0 no, < 0 error */
};
int admin_login_begin(struct admin *ad, const char *name, const char *password,
		      const char *code, const char *from, time_t now, struct admin_login *lg);
void admin_login_run(struct admin_login *lg);
int admin_login_end(struct admin *ad, struct admin_login *lg, time_t now,
		    struct admin_session *out);
/*
 * A logged-in admin changing their own password: the current one is
 * checked like a login's (the same guess limits per name and address;
 * admin_change_begin on the loop, admin_login_run on a worker,
 * admin_change_end on the loop) but without a TOTP code (the session had
 * it). admin_change_end returns 0 when the current password was right,
 * else ADMIN_ECREDENTIALS (or ADMIN_EDISABLED), audited as "admin.passwd"
 * refused; it clears lg. Then admin_password_set sets the new one.
 */
int admin_change_begin(struct admin *ad, const char *name, const char *current,
		       const char *from, time_t now, struct admin_login *lg);
int admin_change_end(struct admin *ad, struct admin_login *lg, time_t now);
/* The three in one, on the caller's thread. */
int admin_verify(struct admin *ad, const char *name, const char *password, const char *code,
		 const char *from, time_t now, struct admin_session *out);

#endif
