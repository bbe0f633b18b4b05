/*
 * The SAML 2.0 IdP toward Entree and other SPs (lasso underneath): SP
 * metadata, AuthnRequest checks, the login page and SSO session, assertions
 * with per-SP attribute release, and the release log.
 */
#ifndef POORT_SAML_H
#define POORT_SAML_H

#include <stddef.h>

enum {
	SAML_ENOMEM = -501,
	SAML_EMALFORMED = -502, /* not XML, not base64, not SAML */
	SAML_ETOOBIG = -503,    /* over a size cap (compressed or not) */
	SAML_EBADSIG = -504,
	SAML_ENOSIG = -505,     /* unsigned where a signature is required */
	SAML_ESHA1 = -506,      /* a SHA-1 (or weaker) signature or digest */
	SAML_EEXPIRED = -507,   /* metadata past validUntil, request too old */
	SAML_EUNKNOWN = -508,   /* unknown SP */
	SAML_EACS = -509,       /* ACS URL not in the SP's metadata */
	SAML_EREPLAY = -510,
	SAML_ECONFIG = -511,
	SAML_EIO = -512,
	SAML_EFULL = -513,      /* replay set or log writer queue at its bound */
	SAML_ENOATTR = -514,    /* the account lacks an attribute the SP must get */
	SAML_ESCOPE = -515,     /* proxy mode: a user id outside the upstream scope */
	SAML_EDEST = -516,      /* Destination names another endpoint */
};

const char *saml_strerror(int err);

struct config;
struct event_base;
struct store;
struct http_server;
struct saml_idp;

/* Scrubs LASSO_FLAG and initialises lasso; once, before anything else. */
int saml_global_init(void);
void saml_global_free(void);

/*
 * Loads keys and metadata and registers the /saml/ pages on hs. Release
 * log and replay rows go through the log writer lg.
 */
struct store_logger;
struct saml_idp *saml_idp_new(struct event_base *base, const struct config *cfg,
			      struct store *st, struct store_logger *lg, const char *store_path,
			      struct http_server *hs, char *err, size_t errlen);
/* Takes the new config's release rules; keys and metadata stay until restart. */
void saml_idp_reload(struct saml_idp *idp, const struct config *cfg);
void saml_idp_free(struct saml_idp *idp);

/*
 * For the box's own pages under /saml/ (onboarding), where the SSO session
 * cookie is sent: the account of the browser's session in user. 0 for a
 * local account that may still log in, 1 for a proxy-mode user (from the
 * upstream IdP, no account here), -1 without a usable session.
 */
struct evhttp_request;
int saml_idp_session_user(struct saml_idp *idp, struct evhttp_request *req, char *user,
			  size_t userlen);
/*
 * Answers req with the SSO login (the login page, or the upstream IdP in
 * proxy mode); after it the browser is sent to path (on this box, starting
 * with "/saml/") with a session. lang: "nl" or "en" (http_i18n.h).
 */
void saml_idp_login_local(struct saml_idp *idp, struct evhttp_request *req, const char *path,
			  const char *lang);

#endif
