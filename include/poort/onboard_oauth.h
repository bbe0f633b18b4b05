/*
 * The letswifi-compatible onboarding API's OAuth 2.0 (RFC 6749
 * authorization code grant with PKCE S256, RFC 7636; native apps per RFC
 * 8252): request parsers and the code and token tables. No I/O; the caller
 * passes the time. Codes are single-use and live 60 s; access tokens carry
 * the one scope "eap-metadata" and live 5 minutes. Both are kept as SHA-256
 * hashes in bounded tables (the oldest entry gives way).
 */
#ifndef POORT_ONBOARD_OAUTH_H
#define POORT_ONBOARD_OAUTH_H

#include <stddef.h>
#include <time.h>

enum {
	OAUTH_EINVAL = -1301,    /* invalid_request: missing, repeated or malformed parameter */
	OAUTH_ECLIENT = -1302,   /* a redirect_uri we do not send codes to */
	OAUTH_EGRANT = -1303,    /* invalid_grant: unknown, used or expired code, wrong verifier */
	OAUTH_ESCOPE = -1304,    /* invalid_scope */
	OAUTH_ETYPE = -1305,     /* unsupported_response_type / unsupported_grant_type */
	OAUTH_ETOKEN = -1306,    /* no valid bearer token */
	OAUTH_ENOMEM = -1307,
};

#define OAUTH_SCOPE "eap-metadata"
#define OAUTH_CODE_TTL 60
#define OAUTH_TOKEN_TTL 300
#define OAUTH_SECRET_LEN 43 /* base64url of 32 random bytes */

struct oauth_authz {
	char client_id[128];
	char redirect_uri[512];
	char challenge[128]; /* base64url SHA-256 of the verifier */
	char state[512];
};

struct oauth_token_req {
	char client_id[128];
	char redirect_uri[512];
	char code[OAUTH_SECRET_LEN + 1];
	char verifier[129];
};

/*
 * Parses the query of an authorization request (response_type=code,
 * client_id, redirect_uri, code_challenge, code_challenge_method=S256,
 * scope containing eap-metadata, state optional); each parameter at most
 * once. 0, or an OAUTH_E* code with *why for the log.
 */
int oauth_authz_parse(const char *q, size_t len, struct oauth_authz *out, const char **why);
/* The same for the token request's form body (grant_type=authorization_code). */
int oauth_token_parse(const char *body, size_t len, struct oauth_token_req *out,
		      const char **why);
/* 1 if codes may be sent to uri: loopback http (RFC 8252 7.3) or a private-use scheme. */
int oauth_redirect_ok(const char *uri);

struct oauth;
struct oauth *oauth_new(unsigned max);
void oauth_free(struct oauth *o);
/* A new code for user, bound to a's client, redirect and challenge; code is NUL ended. */
/* upstream: a proxy-mode user (carried to the token). */
int oauth_code_new(struct oauth *o, const struct oauth_authz *a, const char *user, int upstream,
		   time_t now, char code[OAUTH_SECRET_LEN + 1]);
/*
 * Redeems a code (single use: gone even when the verifier is wrong) for an
 * access token; the user in user. 0 or OAUTH_EGRANT.
 */
int oauth_token_new(struct oauth *o, const struct oauth_token_req *t, time_t now,
		    char token[OAUTH_SECRET_LEN + 1], char *user, size_t userlen, int *upstream);
/* The user of a valid bearer token (the Authorization header's value), or OAUTH_ETOKEN. */
int oauth_token_check(struct oauth *o, const char *authorization, time_t now, char *user,
		      size_t userlen, int *upstream);

#endif
