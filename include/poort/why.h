/*
 * "Why can't X log in?" and "who is online now", for the helpdesk: the
 * library under `poortctl why|online|test-login` and the admin UI.
 *
 * Every outcome poortd logs (the auth log's result and reason word) maps to
 * one why_reason: a stable id and, in English and Dutch, a title, an
 * explanation and what to do. The texts are one table (src/why/why_reason.c)
 * with stable ids, ready to become a gettext catalogue: msgctxt
 * "why:<id>:title|explain|action", msgid the English text. Callers choose on
 * the enum, never on the words; the words are for the log only.
 */
#ifndef POORT_WHY_H
#define POORT_WHY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "poort/store.h"
#include "poort/store_session.h"

/* Stable: values and ids are kept when reasons are added (at the end). */
enum why_reason {
	WHY_UNKNOWN = 0,          /* "unknown": a reason word this table does not know */
	WHY_OK,                   /* "ok": accepted here */
	WHY_OK_HOME,              /* "ok-home": a visitor, accepted by their home institution */
	WHY_WRONG_PASSWORD,       /* "wrong-password" */
	WHY_UNKNOWN_ACCOUNT,      /* "unknown-account" */
	WHY_ACCOUNT_DISABLED,     /* "account-disabled" */
	WHY_ACCOUNT_EXPIRED,      /* "account-expired" */
	WHY_NO_NT_HASH,           /* "no-mschapv2-hash": PEAP/MSCHAPv2 impossible for it */
	WHY_DEVICE_REVOKED,       /* "device-revoked" */
	WHY_DEVICE_UNKNOWN,       /* "device-unknown": a certificate the box did not issue */
	WHY_DEVICE_EXPIRED,       /* "device-expired" (or not yet valid) */
	WHY_DEVICE_NO_CERT,       /* "device-no-certificate": EAP-TLS without a certificate */
	WHY_CRL_PROBLEM,          /* "crl-problem": the box's revocation list is stale */
	WHY_REALM_TYPO,           /* "realm-typo": our realm, misspelled */
	WHY_REALM_MALFORMED,      /* "realm-malformed": no realm, two '@', spaces... */
	WHY_REALM_UNKNOWN,        /* "realm-unknown": not ours and nowhere to send it */
	WHY_MOBILE_REALM,         /* "mobile-realm": the phone tried SIM login (3gppnetwork.org) */
	WHY_INNER_REALM_MISMATCH, /* "inner-outer-mismatch": anonymous identity's realm differs */
	WHY_UPSTREAM_UNREACHABLE, /* "upstream-unreachable": no FLR answered (timeout) */
	WHY_UPSTREAM_REJECT,      /* "upstream-reject": the home institution (or FLR) said no */
	WHY_UPSTREAM_BUSY,        /* "upstream-busy": too many requests in flight */
	WHY_EAP_METHOD,           /* "eap-method-not-allowed" */
	WHY_SERVER_CERT_REJECTED, /* "server-cert-rejected": the device aborted the handshake */
	WHY_TLS_TOO_OLD,          /* "tls-too-old": no common TLS version or cipher */
	WHY_EAP_ABANDONED_TLS,    /* "eap-abandoned-tls": the device went silent in the handshake */
	WHY_EAP_ABANDONED,        /* "eap-abandoned": the device went silent later on */
	WHY_EAP_STATE,            /* "eap-state-lost": a step for a conversation we no longer have */
	WHY_PROTOCOL,             /* "protocol-error": the device or AP sent something unusable */
	WHY_SERVER_BUSY,          /* "server-busy" */
	WHY_SERVER_ERROR,         /* "server-error": a fault on the box */
	WHY_CLIENT_UNKNOWN,       /* "ap-unknown": RADIUS from an address that is no client */
	WHY_CLIENT_SECRET,        /* "ap-secret": the access point's shared secret is wrong */
	WHY_TEST_NO_ANSWER,       /* "no-answer": test login: the server did not answer */
	WHY_REASON_COUNT
};

enum why_lang { WHY_LANG_EN = 0, WHY_LANG_NL = 1 };

/* Who can fix it: for the UI to sort and colour. */
enum why_actor {
	WHY_ACTOR_NONE = 0, /* nothing wrong */
	WHY_ACTOR_USER,     /* the person: password, device settings */
	WHY_ACTOR_HELPDESK, /* the school's helpdesk: the account, the device certificate */
	WHY_ACTOR_ADMIN,    /* the box's administrator: APs, certificates, upstreams */
	WHY_ACTOR_REMOTE,   /* someone elsewhere: the visitor's home institution, the FLR */
};

struct why_text {
	const char *title;   /* a few words */
	const char *explain; /* what happened, for a helpdesk person */
	const char *action;  /* what to do */
};

/* "wrong-password" etc. (the comments above); "unknown" out of range. */
const char *why_reason_id(enum why_reason r);
/* The reason with that id, or WHY_UNKNOWN. */
enum why_reason why_reason_by_id(const char *id);
const struct why_text *why_reason_text(enum why_reason r, enum why_lang lang);
enum why_actor why_reason_actor(enum why_reason r);
/* "en" or "nl" (also "nl_NL", "nl-NL"...); anything else: English. */
enum why_lang why_lang_parse(const char *s);

/*
 * Writes the table as a gettext PO file to f: one entry per reason and
 * field, msgctxt "why:<id>:<field>", msgid the English text, msgstr the
 * Dutch one (for the web front's catalogue; poortctl why-catalogue).
 */
int why_catalogue_write(FILE *f);

/* The reason for one log word (the reason column), without context. */
enum why_reason why_reason_from_word(const char *word);

/*
 * Edit distance (Damerau-Levenshtein, optimal string alignment) between two
 * realms, ignoring case; a number above max stands for "more than max".
 */
unsigned why_realm_distance(const char *a, const char *b, unsigned max);
/*
 * One of ours (realms[0..n)) that realm is a likely typo of (distance 1 or
 * 2, or 3 for long realms), or NULL. Our own realms themselves are no typo.
 */
const char *why_realm_near(const char *realm, const char *const *realms, size_t n);

/* What the search returns for each logged outcome. */
struct why_outcome {
	const struct store_auth_rec *rec; /* the raw row, lent for the callback */
	enum why_reason reason;
	int accepted;           /* result was accept */
	char realm[128];        /* realm of the outer identity, "" if none */
	const char *near_realm; /* WHY_REALM_TYPO: the realm meant (lent), else NULL */
};

/*
 * A row in context: the result, the word, the realm against ours (a reject
 * for a realm one or two letters from ours is a typo, whoever rejected it).
 */
void why_classify(const struct store_auth_rec *rec, const char *const *realms, size_t nrealms,
		  struct why_outcome *out);

enum why_kind { WHY_BY_AUTO = 0, WHY_BY_ACCOUNT, WHY_BY_MAC, WHY_BY_CUI };

struct why_query {
	const char *subject; /* "anna", "anna@school.example", a MAC, a CUI */
	enum why_kind kind;  /* WHY_BY_AUTO: see why_kind_guess */
	int64_t since, until; /* UTC seconds, 0 = unbounded */
	unsigned limit;       /* 0: 50 */
	const char *const *realms; /* ours (the config's realm lines) */
	size_t nrealms;
};

/* '@' -> account; a whole MAC in any notation -> MAC; 13+ hex digits -> CUI; else account. */
enum why_kind why_kind_guess(const char *subject);

typedef int (*why_cb)(const struct why_outcome *o, void *arg);
/* Calls cb for each outcome, newest first; non-zero stops. 0 or a STORE_E* code. */
int why_search(struct store *st, const struct why_query *q, why_cb cb, void *arg);

/*
 * Online now. An accounting session counts as online from its Start (or
 * first Interim-Update) until a Stop, an Accounting-On/Off from its access
 * point, or a timeout: no update for 2.5 x its interim interval (the time
 * between its last two updates: the Acct-Interim-Interval the AP uses), or
 * for default_timeout while it has had only one update. 0: WHY_ONLINE_TIMEOUT.
 */
#define WHY_ONLINE_TIMEOUT 1800 /* 2.5 x a 12-minute interim interval */
#define WHY_ONLINE_MAX_TIMEOUT (2 * 86400)

struct why_online_query {
	int64_t now;
	unsigned default_timeout; /* s; 0: WHY_ONLINE_TIMEOUT */
	const char *account;      /* NULL: everyone */
	const char *mac;
	unsigned limit; /* 0: 1000 */
};

/* The timeout that applies to s (see above), in seconds. */
unsigned why_session_timeout(const struct store_session *s, unsigned default_timeout);
/* 1 if s counts as online at now. */
int why_session_online(const struct store_session *s, int64_t now, unsigned default_timeout);

typedef int (*why_session_cb)(const struct store_session *s, void *arg);
/* Online sessions, most recently updated first. 0 or a STORE_E* code. */
int why_online(struct store *st, const struct why_online_query *q, why_session_cb cb, void *arg);

#endif
