/*
 * May this account log in: the one home of that rule, used by every path
 * (RADIUS PAP, the EAP methods through the RADIUS layer's EAP backend,
 * EAP-TLS certificates, SSO logins and every SSO assertion).
 *
 * An account may log in when it exists, is enabled and has not expired
 * (expires == 0, or expires > now: an account with expires <= now is
 * expired, everywhere). Password checks run against its yescrypt hash; a
 * refused or unknown account is checked against a dummy hash of the same
 * cost, so the answer takes as long either way. MS-CHAPv2 is checked here
 * too: the NT hash is read from the store and never leaves this module.
 *
 * Results are 0 or a negative AUTH_E* code; auth_reason() turns a code into
 * the reason string of the logs. Callers decide on codes, never on strings.
 */
#ifndef POORT_AUTH_H
#define POORT_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "poort/password.h"
#include "poort/store.h"

enum {
	AUTH_EUNKNOWN = -701,  /* no such account (never was, or deleted), or not a valid name */
	AUTH_EDISABLED = -702, /* switched off (poortctl disable) */
	AUTH_EEXPIRED = -703,  /* expires <= now */
	AUTH_EPASSWORD = -704, /* wrong password or MS-CHAPv2 response */
	AUTH_ENONTHASH = -705, /* no NT hash kept for the account: no MS-CHAPv2 */
	AUTH_ESTORE = -706,    /* the store lookup failed */
	AUTH_EHASH = -707,     /* the stored password hash is unusable */
	AUTH_ECRYPTO = -708,   /* a hash or cipher failed */
	AUTH_EBUSY = -709,     /* no worker free for the password check */
	AUTH_EDEVICE = -710,   /* a client certificate the box never issued (or not this one) */
	AUTH_EREVOKED = -711,  /* a device certificate that was revoked */
};

#define AUTH_MSCHAPV2_AUTHRESP_LEN 42 /* "S=" and 40 hex digits */

/* The reason for the log: "-" for 0, a fixed word for each code. */
const char *auth_reason(int code);

/* 0 if the stored account a may log in at now, else AUTH_EDISABLED or AUTH_EEXPIRED. */
int auth_account_usable(const struct store_account *a, time_t now);

struct auth;

/*
 * st is lent for the object's lifetime. cost is the configured yescrypt
 * cost (the dummy hash is made at it); cache entries of cache_ttl seconds
 * remember successful password checks (0 entries: none). NULL on failure.
 */
struct auth *auth_new(struct store *st, unsigned cost, unsigned cache, unsigned cache_ttl);
void auth_free(struct auth *au);
/* The dummy hash refused accounts are checked against (for tests). */
const char *auth_dummy_hash(const struct auth *au);

/*
 * Looks user (the local part, lower case) up: 0 if it may log in at now,
 * with its full record in out (NULL: not wanted), else an AUTH_E* code
 * (out zeroed). The caller clears out->pw_hash when done.
 */
int auth_account_get(struct auth *au, const char *user, time_t now, struct store_account *out);

/*
 * A per-device certificate from the box's client CA (EAP-TLS): serial (hex,
 * lower case) must be a certificate the store knows, issued with subject
 * pseudonym, not revoked, and its account may log in at now (a device of a
 * proxy-mode user has no account here: then no local account may hold the
 * name, and out carries only the name, affiliation "affiliate"). 0 with the
 * account in out (NULL: not wanted), else AUTH_EDEVICE, AUTH_EREVOKED or the
 * account's code (out zeroed). The caller clears out->pw_hash when done.
 */
int auth_device_get(struct auth *au, const char *serial, const char *pseudonym, time_t now,
		    struct store_account *out);

/*
 * One password check: begun on the event loop, the slow hash run on a
 * worker (auth_pw_run touches nothing but chk), ended on the loop.
 */
struct auth_pw {
	char user[STORE_USERNAME_MAX + 1];
	char affiliation[33];         /* of the account, when it may log in */
	char hash[PASSWORD_HASH_MAX]; /* the account's, or the dummy */
	char pw[PASSWORD_MAX + 1];
	size_t pwlen;
	int account;  /* 0, or why the account may not log in */
	int verified; /* 1 match, 0 no match, < 0 error (auth_pw_run) */
	int cached;   /* verified by the credential cache, which renewed the entry */
};

/*
 * Fills chk for user and pw. Returns 1 if the answer is known already (a
 * recent successful check is remembered, or pw can never match): call
 * auth_pw_end at once. 0: run auth_pw_run off the loop first.
 */
int auth_pw_begin(struct auth *au, const char *user, const char *pw, size_t pwlen, time_t now,
                  struct auth_pw *chk);
/*
 * auth_pw_begin for an account the caller looked up a moment ago with
 * auth_account_get(au, user, now, a): account is what that returned (a is
 * read only when it is 0). For a caller that needs the record and the
 * check in one step (EAP-TTLS/PAP: the inner identity, then its password).
 */
int auth_pw_begin_account(struct auth *au, const char *user, int account,
                          const struct store_account *a, const char *pw, size_t pwlen,
                          time_t now, struct auth_pw *chk);
void auth_pw_run(struct auth_pw *chk);
/* The outcome: 0 (may log in) or an AUTH_E* code. Clears the password. */
int auth_pw_end(struct auth *au, struct auth_pw *chk, time_t now);
/* Drops a check that will not be ended (clears the password). */
void auth_pw_clear(struct auth_pw *chk);

/*
 * MS-CHAPv2 (RFC 2759) for user: the account must still be allowed to log
 * in, and nt_resp must be right for the challenges and name (the name the
 * peer sent, any "DOMAIN\" skipped). 0 with authresp ("S=...", NUL ended),
 * else an AUTH_E* code.
 */
int auth_mschapv2(struct auth *au, const char *user, time_t now, const uint8_t auth_chal[16],
                  const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name,
                  size_t namelen, char authresp[AUTH_MSCHAPV2_AUTHRESP_LEN + 1]);

#endif
