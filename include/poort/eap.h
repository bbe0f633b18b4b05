/*
 * The EAP server (RFC 3748): a state machine with no I/O. The RADIUS layer
 * hands it the reassembled EAP-Message, the State attribute and the time;
 * it returns the EAP packet to send and what to do (challenge, accept,
 * reject). Conversations are kept in a bounded table keyed by State.
 * Methods: EAP-TLS, EAP-TTLS (PAP, MSCHAPv2, EAP-MSCHAPv2), PEAPv0 with
 * EAP-MSCHAPv2; see src/eap/eap_int.h for the method table.
 */
#ifndef POORT_EAP_H
#define POORT_EAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "poort/config.h"

enum {
	EAP_EINVAL = -301, /* malformed or unexpected packet */
	EAP_ENOMEM = -302,
	EAP_EFULL = -303,  /* conversation table at its bound */
	EAP_ETLS = -304,   /* TLS setup or handshake failure */
	EAP_ESTATE = -305, /* unknown or expired State */
	EAP_EBUSY = -306,  /* the conversation waits for a password check */
};

#define EAP_STATE_LEN 16
#define EAP_MSK_LEN 64
#define EAP_NAME_MAX 253
#define EAP_PEER_MAX 128

/*
 * What the server needs from the account store (the RADIUS layer fills it
 * through src/auth; no password hash and no NT hash come in here).
 */
struct eap_account {
	char user[65]; /* local part, lower case */
	char affiliation[33];
};

struct eap_backend {
	void *arg;
	/* 0 if the account may log in (filled into out), else an AUTH_E* code. */
	int (*account)(void *arg, const char *user, struct eap_account *out);
	/*
	 * 1 if a recent successful check of pw for this account is remembered
	 * (cheap); 0 means "unknown": the slow check is then handed back to the
	 * caller as EAP_ACT_VERIFY.
	 */
	int (*password_cached)(void *arg, const struct eap_account *a, const char *pw, size_t len);
	/*
	 * MS-CHAPv2 (RFC 2759) for the account, checked by the backend: 0 with
	 * authresp ("S=" and 40 hex digits, NUL ended) if nt_resp is right for
	 * the challenges and name, else an AUTH_E* code.
	 */
	int (*mschapv2)(void *arg, const struct eap_account *a, const uint8_t auth_chal[16],
	                const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name,
	                size_t namelen, char authresp[43]);
	/*
	 * A certificate from the onboarding client CA: serial (lower-case hex)
	 * and subject CN. 0 if it is a known, unrevoked device of an account that
	 * may log in (filled into out), else an AUTH_E* code. NULL: no devices.
	 */
	int (*device)(void *arg, const char *serial, const char *pseudonym, struct eap_account *out);
};

enum eap_action {
	EAP_ACT_CHALLENGE, /* send msg in an Access-Challenge with state */
	EAP_ACT_ACCEPT,    /* send msg (EAP-Success) with the MSK */
	EAP_ACT_REJECT,    /* send msg (EAP-Failure) */
	/*
	 * Nothing to send yet: check verify_pw against the account's hash off
	 * the event loop, then call eap_server_resume with the state.
	 */
	EAP_ACT_VERIFY,
};

struct eap_result {
	enum eap_action action;
	const uint8_t *msg; /* lent until the next call into the server */
	size_t msglen;
	uint8_t state[EAP_STATE_LEN];
	uint8_t msk[EAP_MSK_LEN];              /* valid on accept; the caller clears it */
	const char *reason;                    /* why, for the log ("-" on accept) */
	const char *method;                    /* name of the method in use or "-" */
	char inner_identity[EAP_NAME_MAX + 1]; /* raw, unescaped */
	char user[65];                         /* local account, or "" */
	char affiliation[33];
	unsigned rounds;
	int resumed;
	char verify_pw[129]; /* EAP_ACT_VERIFY only; the caller clears it */
	size_t verify_pwlen;
	/* the conversation came from another FLR than the last step (failover) */
	int peer_moved;
	char peer_before[EAP_PEER_MAX];
};

struct eap_input {
	const char *outer; /* RADIUS User-Name, may be NULL */
	size_t outerlen;
	const uint8_t *state; /* RADIUS State, may be NULL */
	size_t statelen;
	const uint8_t *msg; /* the EAP packet */
	size_t msglen;
	/*
	 * Who sent it: the RADIUS client and transport, as a string the caller
	 * makes (NULL = ""). A conversation is continued only by the peer it
	 * was started by; when both are federation clients (FLRs) it may move
	 * between them (failover), and the result says so.
	 */
	const char *peer;
	int federation;
	/* for the log of a conversation the device abandons (eap_expired): the
	 * RADIUS client's name and the Calling-Station-Id, NULL = "" */
	const char *client;
	const char *station;
};

struct eap_server;

/* Loads certificates and keys; NULL with a message in err on failure. */
struct eap_server *eap_server_new(const struct config_eap *cfg, const struct eap_backend *be,
                                  char *err, size_t errlen);
void eap_server_free(struct eap_server *es);
/*
 * Takes new settings (certificate rotation without a restart): TLS contexts
 * are rebuilt first and swapped in only if all of them load; conversations
 * in progress finish on the old ones. -1 with err on failure (nothing changed).
 */
int eap_server_reload(struct eap_server *es, const struct config_eap *cfg, char *err,
                      size_t errlen);
/* Only checks that cfg's certificates, key, CA and CRL load; for poortd -n. */
int eap_config_check(const struct config_eap *cfg, char *err, size_t errlen);
/* Runs one step. 0 with out filled, or < 0 (then nothing is sent). */
int eap_server_step(struct eap_server *es, const struct config *cfg, const struct eap_input *in,
                    time_t now, struct eap_result *out);
/* Continues a conversation after EAP_ACT_VERIFY: verified is 1 (match), 0
 * (no match) or an AUTH_E* code (refused account, or the check could not
 * run; its auth_reason() is logged). Same results as a step. */
int eap_server_resume(struct eap_server *es, const uint8_t state[EAP_STATE_LEN], int verified,
                      time_t now, struct eap_result *out);
/* Frees conversations idle for longer than the timeout; calls cb for each. */
struct eap_expired {
	const char *outer, *inner; /* inner: "" until known */
	const char *method;        /* "-" before one was chosen */
	const char *client, *station;
	unsigned rounds;
	/* the device went silent in a TLS method before the tunnel carried an
	 * identity: most often it does not trust our certificate or name */
	int in_handshake;
};
typedef void (*eap_expire_cb)(void *arg, const struct eap_expired *e);
unsigned eap_server_expire(struct eap_server *es, time_t now, eap_expire_cb cb, void *arg);
unsigned eap_server_count(const struct eap_server *es);

#endif
