/* Internal to src/saml: the IdP object shared by saml_idp.c and saml_web.c. */
#ifndef POORT_SAML_IDP_INT_H
#define POORT_SAML_IDP_INT_H

#include <lasso/lasso.h>
#include <stdint.h>
#include <time.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/log.h"
#include "saml_int.h"

#define SAML_ID_MAX 128
#define SAML_RELAY_MAX 80 /* RelayState: SAML says 80 bytes at most */
#define SAML_TOKEN_HEX 64 /* 32 random bytes */
#define SAML_PENDING_MAX 256
#define SAML_SESSIONS_MAX 4096
#define SAML_SESSION_SPS_MAX 64 /* SPs remembered per session for single logout */
#define SAML_FAIL_KEYS 8192 /* users and sources with failed logins counted at once */
#define SAML_FAIL_WINDOW 300 /* seconds a failed login counts */
#define SAML_PENDING_TTL 900 /* seconds a login form (or proxy round trip) stays open */
#define SAML_SRC_MAX 48      /* a source as http_peer_key writes it */
#define SAML_KV_MAX 1024
#define SAML_REPLAY_MAX 65536 /* unexpired AuthnRequest IDs held; more are refused */
/* IDs one source (address or IPv6 /64), and one SP, may add per window (saml_replay.h) */
#define SAML_REPLAY_PER_SRC (SAML_REPLAY_MAX / 32)
#define SAML_REPLAY_PER_SP (SAML_REPLAY_MAX / 2)

/* A checked AuthnRequest waiting for the user to log in. */
struct saml_authn {
	char token[SAML_TOKEN_HEX + 1]; /* the login form's hidden ctx */
	char id[SAML_ID_MAX];
	char sp[256];
	char acs[512];
	char relay[SAML_RELAY_MAX + 1];
	int force, passive;
	int local; /* a login for the box's own pages: acs is the path to return to */
	char up_id[SAML_ID_MAX]; /* proxy mode: our request to the upstream IdP */
	char src[SAML_SRC_MAX];  /* the browser's source (http_peer_key), for fair shares */
	char bind[SAML_TOKEN_HEX + 1]; /* SHA-256 of the browser's login cookie, hex */
	time_t created;
	LassoLogin *login;
};

struct saml_session {
	char token_hash[SAML_TOKEN_HEX + 1]; /* SHA-256 of the cookie, hex; "" = free */
	char user[80];
	time_t authn_instant;
	time_t expires;
	char kv[SAML_KV_MAX]; /* proxy mode: attributes from the upstream IdP */
	LassoSession *lasso_session; /* which SPs got assertions (for SLO); kept as an
				      * object, parsing a dump per login cost more than RSA */
	LassoLogout *logout; /* single logout going round the other SPs (saml_slo.c) */
	char **sps;          /* entityIDs that got an assertion, in order, for logout */
	size_t nsps, slo_next; /* slo_next: the next of sps a logout asks */
	int slo_from_sp;       /* the logout came from an SP, which gets the last answer */
};

/* One metadata source: a file or a URL, refreshed on a timer. */
struct saml_msrc {
	char *name; /* path or URL; a copy: the config may be reloaded */
	int is_url;
	time_t last_ok;
	struct evhttp_connection *evcon; /* fetch in flight */
	void *fetch;                     /* its callback argument */
	struct evhttp_connection *spent; /* a finished fetch's, freed by reap */
	struct event *reap;              /* next loop turn: free spent */
};

struct saml_idp {
	struct event_base *base;
	struct http_server *hs; /* pages: templates (saml_web_init) */
	const struct config *cfg; /* held (config_hold); reload swaps it */
	const struct config_saml *sc;
	struct store *st;
	struct store_saml *ss;
	struct store_logger *lg;     /* release log and replay rows, written in batches */
	struct saml_replay *replay;  /* AuthnRequest IDs seen, checked in memory */
	struct workq *wq;
	struct auth *auth; /* may this account log in (src/auth), with the dummy hash */
	LassoServer *server;
	LassoKey *lasso_key; /* our signing key, parsed once; see saml_idp_provider_key */
	struct saml_meta *metas; /* parallel to srcs */
	struct saml_msrc *srcs;
	size_t nmetas;
	struct event *refresh_ev;
	struct ssl_ctx_st *client_ssl;
	char *fed_cert; /* NULL when only metadata_pin says what to trust */
	size_t fedlen;
	struct saml_trust trust; /* fed_cert and the config's pins */
	char *metadata_signed; /* our metadata, as served */
	void *sign_key;        /* parsed once; saml_xml_sign */
	struct saml_signer *signer; /* assertions we sign ourselves; saml_sign.c */
	char *cert_body, *next_body; /* base64 certificates for our metadata */
	time_t metadata_built;
	unsigned char pairwise_key[32];
	struct saml_authn *pending[SAML_PENDING_MAX];
	struct saml_session *sessions;
	struct limit *fails; /* login attempts per user and per source, 5 min */
	struct config_saml_sp *rules; /* release rules from the store (saml_rules.c) */
	size_t nrules;
	int64_t rules_gen;
	struct log_ratelimit rl_log;
};

/* saml_idp.c */
/*
 * Gives provider p our signing key parsed once: without it lasso re-reads
 * and re-decodes the PEM for every signature it makes toward p.
 */
int saml_idp_provider_key(struct saml_idp *idp, LassoProvider *p);
/*
 * Checks an AuthnRequest and hands lasso the same one. saml_request is the
 * decoded SAMLRequest; for the Redirect binding query is exactly
 * "SAMLRequest=..[&RelayState=..][&SigAlg=..&Signature=..]" as sent, each
 * once (the caller refuses duplicates), and saml_request is its decoding.
 * src is the browser's source (its share of the replay set).
 */
int saml_authn_check(struct saml_idp *idp, int redirect, const char *saml_request,
		     const char *query, const char *relay, const char *src, time_t now,
		     struct saml_authn **out, char *why, size_t whylen);
void saml_authn_free(struct saml_authn *a);
/*
 * Builds the signed (and, if the SP has a key, encrypted) response for
 * user, logs the release, and returns the auto-POST page in *html.
 * user NULL answers a passive request that could not be met.
 */
int saml_authn_respond(struct saml_idp *idp, struct saml_authn *a, const char *user,
		       const char *kv, time_t authn_instant, const char *nonce, LassoSession **session,
		       char **html);
/* 1 if the Redirect binding query signs with RSA-SHA256 or RSA-SHA512. */
int saml_query_sigalg_ok(const char *query);
void saml_random_hex(char *out, size_t nbytes);

/* Re-signs our metadata when it is a day old (its validUntil is a week). */
void saml_idp_metadata_refresh(struct saml_idp *idp, time_t now);

/* saml_proxy.c: kv holds "name=value\n" lines of our attribute names */
int saml_proxy_init(struct saml_idp *idp, char *err, size_t errlen);
int saml_proxy_begin(struct saml_idp *idp, struct saml_authn *a, char **url);
/* LOCAL@scope (scope as configured, any case) to LOCAL in user; else an error. */
int saml_proxy_user_map(const char *uid, const char *scope, char *user, size_t userlen);
int saml_proxy_finish(struct saml_idp *idp, struct saml_authn *a, const char *saml_response,
		      char *user, size_t userlen, char *kv, size_t kvlen, char *why, size_t whylen);

/* saml_web.c, for saml_slo.c */
struct evhttp_request;
#define COOKIE_NAME "poort_sso"
#define COOKIE_CLEAR COOKIE_NAME "=; Path=/saml/; Max-Age=0; Secure; HttpOnly; SameSite=None"
/*
 * A page of the SSO front with a heading (title), an explanation (text)
 * and an alert (err), all message ids of the catalogue but err (a detail
 * shown as it is); text and err may be NULL. In the request's language.
 */
void sweb_notice(struct saml_idp *idp, struct evhttp_request *req, int code, const char *title,
		 const char *text, const char *err);
void sweb_error(struct saml_idp *idp, struct evhttp_request *req, int code, int err,
		const char *why);
/* The session of the request's cookie, also one in the middle of logging out. */
struct saml_session *sweb_session_find(struct saml_idp *idp, struct evhttp_request *req,
				       time_t now);
void sweb_session_clear(struct saml_session *s);
/* saml_slo.c: GET /saml/slo, LogoutRequests from SPs and their LogoutResponses */
void saml_slo(struct evhttp_request *req, void *arg);
/* Logout started here (/saml/logout): answers req, sending the browser round the
 * session's SPs; -1 (nothing sent) when the session has none to ask. */
int saml_slo_start(struct saml_idp *idp, struct evhttp_request *req, struct saml_session *s);

/* saml_guard.c */
/*
 * The HTTP-Redirect binding's parameters: one SAMLRequest or SAMLResponse
 * (*msg says which), RelayState, SigAlg and Signature, each at most once
 * (a second copy is how our checks and lasso were shown different ones).
 * *query, rebuilt from exactly the bytes sent in the order the signature
 * covers, is all lasso may read (caller frees); ';', a separator to lasso,
 * is refused. 0, or -1 with why.
 */
int saml_redirect_query(const char *in, size_t inlen, const char **msg, char **query, char *why,
			size_t whylen);
/* Parks a waiting login; when full, the source holding most loses its oldest. */
void saml_pending_put(struct saml_idp *idp, struct saml_authn *a, time_t now);
/* The waiting login of token (taken out of the table if take), or NULL. */
struct saml_authn *saml_pending_find(struct saml_idp *idp, const char *token, int take);
/* Counts a login attempt of user from src: 0, or 1 if either is blocked. */
int saml_fail_begin(struct saml_idp *idp, const char *user, const char *src, time_t now);
/* A right password: its attempt does not count. */
void saml_fail_forget(struct saml_idp *idp, const char *user, const char *src, time_t now);
/* Binds a to a new cookie of its own on req's answer (proxy: the upstream round trip). */
void saml_form_bind(struct evhttp_request *req, struct saml_authn *a, int proxy);
/* 1 if req carries the cookie a was bound to. */
int saml_form_bound(struct evhttp_request *req, const struct saml_authn *a, int proxy);
/* a's cookie is cleared on req's answer. */
void saml_form_unbind(struct evhttp_request *req, const struct saml_authn *a, int proxy);
/* 0 if req's Origin is another site's (ours or "null" are fine). */
int saml_origin_ok(struct saml_idp *idp, struct evhttp_request *req);
/* SHA-256 of a cookie token, hex: what is kept of session and form cookies. */
void saml_token_hash(const char *token, char out[SAML_TOKEN_HEX + 1]);

/* saml_rules.c: the store's per-SP release rules (poort/store_sp.h) */
/* The rule for an SP (reloaded first if the store's changed), or NULL: release nothing. */
const struct config_saml_sp *saml_rules_find(struct saml_idp *idp, const char *entity);
/* Imports cfg's sp blocks into the store (start, reload) and loads the rules. */
void saml_rules_sync(struct saml_idp *idp, const struct config *cfg);
void saml_rules_free(struct saml_idp *idp);

/* saml_refresh.c */
int saml_refresh_start(struct saml_idp *idp);
void saml_refresh_stop(struct saml_idp *idp);

/* saml_web.c */
int saml_web_init(struct saml_idp *idp, struct http_server *hs);
void saml_web_free(struct saml_idp *idp);

#endif
