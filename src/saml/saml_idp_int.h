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
#define SAML_FAIL_SLOTS 1024
#define SAML_KV_MAX 1024
#define SAML_REPLAY_MAX 65536 /* unexpired AuthnRequest IDs held; more are refused */

/* A checked AuthnRequest waiting for the user to log in. */
struct saml_authn {
	char token[SAML_TOKEN_HEX + 1]; /* the login form's hidden ctx */
	char id[SAML_ID_MAX];
	char sp[256];
	char acs[512];
	char relay[SAML_RELAY_MAX + 1];
	int force, passive;
	char up_id[SAML_ID_MAX]; /* proxy mode: our request to the upstream IdP */
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

struct saml_fail {
	char key[96];
	time_t window;
	unsigned count;
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
	struct saml_fail *fails;
	struct log_ratelimit rl_log;
};

/* saml_idp.c */
/*
 * Gives provider p our signing key parsed once: without it lasso re-reads
 * and re-decodes the PEM for every signature it makes toward p.
 */
int saml_idp_provider_key(struct saml_idp *idp, LassoProvider *p);
int saml_authn_check(struct saml_idp *idp, int redirect, const char *saml_request,
		     const char *query, const char *relay, time_t now, struct saml_authn **out,
		     char *why, size_t whylen);
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
void sweb_page(struct evhttp_request *req, int code, const char *title, const char *body_html);
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

/* saml_refresh.c */
int saml_refresh_start(struct saml_idp *idp);
void saml_refresh_stop(struct saml_idp *idp);

/* saml_web.c */
int saml_web_init(struct saml_idp *idp, struct http_server *hs);
void saml_web_free(struct saml_idp *idp);

#endif
