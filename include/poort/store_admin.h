/*
 * Admin accounts of the web UI and the audit log, in the store (tables
 * admins and audit_log, migration 6). Admins are not student accounts: a
 * table of their own, never seen by RADIUS or SSO. The rules (password
 * policy, TOTP, roles, login limits) live in src/admin (poort/admin.h);
 * this is only the rows.
 */
#ifndef POORT_STORE_ADMIN_H
#define POORT_STORE_ADMIN_H

#include <stdint.h>

#include "poort/password.h"
#include "poort/store.h"

#define STORE_TOTP_SECRET_MAX 64 /* base32 text of the TOTP key */

struct store_admin {
	char name[STORE_USERNAME_MAX + 1];
	char pw_hash[PASSWORD_HASH_MAX];
	char role[16]; /* "admin" | "helpdesk" */
	int enabled;
	int must_change; /* the password is a one-time one: change it at login */
	char totp_secret[STORE_TOTP_SECRET_MAX + 1];  /* active; empty: not enrolled */
	char totp_pending[STORE_TOTP_SECRET_MAX + 1]; /* enrolment begun, not confirmed */
	int64_t totp_last; /* last time step a code was accepted in; -1: none */
	int64_t created, last_login;
};

/* STORE_EEXIST if the name is taken; STORE_EINVAL for a bad name or role. */
int store_admin_add(struct store *st, const struct store_admin *a);
/* STORE_ENOTFOUND if there is none. The caller clears out's secrets. */
int store_admin_get(struct store *st, const char *name, struct store_admin *out);
int store_admin_delete(struct store *st, const char *name);
int store_admin_set_enabled(struct store *st, const char *name, int enabled);
/* role: "admin" | "helpdesk" (else STORE_EINVAL). */
int store_admin_set_role(struct store *st, const char *name, const char *role);
int store_admin_set_password(struct store *st, const char *name, const char *hash,
			     int must_change);
/* The pending TOTP secret (enrolment begun; "" drops it). */
int store_admin_set_totp_pending(struct store *st, const char *name, const char *secret);
/*
 * Makes the pending secret the active one (a first code matched in step),
 * only if it is still the one given: STORE_ENOTFOUND otherwise.
 */
int store_admin_totp_activate(struct store *st, const char *name, const char *pending,
			      int64_t step);
/* Drops both TOTP secrets (the admin enrols again). */
int store_admin_totp_clear(struct store *st, const char *name);
/*
 * Records that a code of time step `step` was used: 0 if step is later than
 * any used before, STORE_EEXIST if it (or a later one) was used already —
 * a replay. Atomic: of two logins with one code, one wins.
 */
int store_admin_totp_use(struct store *st, const char *name, int64_t step);
int store_admin_set_last_login(struct store *st, const char *name, int64_t when);
/* In name order; cb returning non-zero stops. Secrets are not filled in. */
typedef int (*store_admin_cb)(const struct store_admin *a, void *arg);
int store_admin_foreach(struct store *st, store_admin_cb cb, void *arg);
/* Admins with role "admin" that are enabled; < 0 on error. */
int store_admin_count_enabled(struct store *st, const char *role);

/* ---- audit log ---- */

#define STORE_AUDIT_FIELD_MAX 128

/* One admin change or login. Never a password, secret or TOTP code. */
struct store_audit {
	int64_t id;   /* filled in by store_audit_foreach */
	int64_t time; /* UTC seconds */
	char actor[STORE_AUDIT_FIELD_MAX];  /* admin name, or "poortctl:<unix user>" */
	char action[64];                    /* e.g. "admin.login", "account.passwd" */
	char object[STORE_AUDIT_FIELD_MAX]; /* what it concerned (a name), or "" */
	char source[64];                    /* from where: address, or "local" */
	char outcome[32];                   /* "ok" or a reason word */
	char detail[STORE_AUDIT_FIELD_MAX]; /* e.g. "role=helpdesk"; may be "" */
};

int store_audit_add(struct store *st, const struct store_audit *r);

struct store_audit_filter {
	/* exact actor, or its prefix before ':' ("poortctl" finds every
	 * "poortctl:<user>"); NULL: anyone */
	const char *actor;
	const char *object; /* exact, or NULL */
	int64_t since, until; /* inclusive, 0 = unbounded */
	unsigned limit;       /* 0: 100 */
};
typedef int (*store_audit_cb)(const struct store_audit *r, void *arg);
/* Newest first; cb returning non-zero stops. */
int store_audit_foreach(struct store *st, const struct store_audit_filter *f, store_audit_cb cb,
			void *arg);

#endif
