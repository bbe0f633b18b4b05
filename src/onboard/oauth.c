/* OAuth 2.0 with PKCE for the onboarding API (see poort/onboard_oauth.h). */
#include "poort/onboard_oauth.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"

enum { OAUTH_CODE, OAUTH_TOKEN };

struct oauth_entry {
	unsigned char hash[SHA256_DIGEST_LENGTH]; /* of the code or token */
	int kind;                                 /* OAUTH_CODE, OAUTH_TOKEN; -1 free */
	time_t expires;
	char user[80];
	char client_id[128];
	char redirect_uri[512];
	char challenge[128];
	int upstream;
};

struct oauth {
	struct oauth_entry *e;
	unsigned max;
};

/* Copies the decoded value of p into out; 0, or -1 if absent (when required), bad or long. */
static int
oauth_param(const struct http_param *p, char *out, size_t outlen, int required)
{
	char *v;
	int rc = -1;

	out[0] = '\0';
	if (p->raw == NULL)
		return required ? -1 : 0;
	if ((v = http_param_decode(p->raw, p->rawlen, 1)) == NULL)
		return -1;
	if (strlen(v) < outlen && (v[0] != '\0' || !required)) {
		memcpy(out, v, strlen(v) + 1);
		rc = 0;
	}
	free(v);
	return rc;
}

/* RFC 7636 4.1: 43 to 128 of [A-Za-z0-9-._~] (a challenge of S256 is 43 of them). */
static int
oauth_unreserved(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("-._~", s[i]) == NULL)
			return 0;
	return 1;
}

static int
oauth_client_id_ok(const char *s)
{
	if (s[0] == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-._:", *s) == NULL)
			return 0;
	return 1;
}

int
oauth_redirect_ok(const char *uri)
{
	static const char *const loop[] = {"http://127.0.0.1:", "http://127.0.0.1/",
					   "http://[::1]:", "http://[::1]/", "http://localhost:",
					   "http://localhost/"};
	const char *colon;

	for (const char *p = uri; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\' ||
		    *p == '#')
			return 0;
	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++)
		if (strncmp(uri, loop[i], strlen(loop[i])) == 0)
			return 1;
	/* a private-use scheme (reverse domain name, with a dot): app.eduroam.geteduroam:/ */
	colon = strchr(uri, ':');
	if (colon == NULL || colon == uri || memchr(uri, '.', (size_t)(colon - uri)) == NULL ||
	    strncmp(colon, "://", 3) == 0)
		return 0;
	for (const char *p = uri; p < colon; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '.' &&
		    *p != '-' && *p != '+')
			return 0;
	return 1;
}

static int
oauth_scope_ok(const char *scope)
{
	const char *p = scope;
	size_t n = strlen(OAUTH_SCOPE);

	while ((p = strstr(p, OAUTH_SCOPE)) != NULL) {
		if ((p == scope || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

int
oauth_authz_parse(const char *q, size_t len, struct oauth_authz *out, const char **why)
{
	struct http_param p[7] = {{.name = "response_type"}, {.name = "client_id"},
				  {.name = "redirect_uri"},  {.name = "code_challenge"},
				  {.name = "code_challenge_method"}, {.name = "scope"},
				  {.name = "state"}};
	char rt[16], method[16], scope[256];
	const char *dup;

	memset(out, 0, sizeof(*out));
	if (http_query_scan(q, len, p, 7, &dup) < 0) {
		*why = "a parameter sent more than once";
		return OAUTH_EINVAL;
	}
	if (oauth_param(&p[0], rt, sizeof(rt), 1) < 0 ||
	    oauth_param(&p[1], out->client_id, sizeof(out->client_id), 1) < 0 ||
	    oauth_param(&p[2], out->redirect_uri, sizeof(out->redirect_uri), 1) < 0 ||
	    oauth_param(&p[3], out->challenge, sizeof(out->challenge), 1) < 0 ||
	    oauth_param(&p[4], method, sizeof(method), 1) < 0 ||
	    oauth_param(&p[5], scope, sizeof(scope), 1) < 0 ||
	    oauth_param(&p[6], out->state, sizeof(out->state), 0) < 0) {
		*why = "a parameter missing, malformed or too long";
		return OAUTH_EINVAL;
	}
	if (!oauth_client_id_ok(out->client_id)) {
		*why = "bad client_id";
		return OAUTH_EINVAL;
	}
	if (!oauth_redirect_ok(out->redirect_uri)) {
		*why = "redirect_uri is not loopback or a private-use scheme";
		return OAUTH_ECLIENT;
	}
	if (strcmp(rt, "code") != 0) {
		*why = "response_type is not code";
		return OAUTH_ETYPE;
	}
	if (strcmp(method, "S256") != 0 || !oauth_unreserved(out->challenge, 43, 43)) {
		*why = "PKCE with S256 is required";
		return OAUTH_EINVAL;
	}
	if (!oauth_scope_ok(scope)) {
		*why = "scope eap-metadata is required";
		return OAUTH_ESCOPE;
	}
	return 0;
}

int
oauth_token_parse(const char *body, size_t len, struct oauth_token_req *out, const char **why)
{
	struct http_param p[5] = {{.name = "grant_type"}, {.name = "code"},
				  {.name = "redirect_uri"}, {.name = "client_id"},
				  {.name = "code_verifier"}};
	char gt[32];
	const char *dup;

	memset(out, 0, sizeof(*out));
	if (http_query_scan(body, len, p, 5, &dup) < 0) {
		*why = "a parameter sent more than once";
		return OAUTH_EINVAL;
	}
	if (oauth_param(&p[0], gt, sizeof(gt), 1) < 0 ||
	    oauth_param(&p[1], out->code, sizeof(out->code), 1) < 0 ||
	    oauth_param(&p[2], out->redirect_uri, sizeof(out->redirect_uri), 1) < 0 ||
	    oauth_param(&p[3], out->client_id, sizeof(out->client_id), 1) < 0 ||
	    oauth_param(&p[4], out->verifier, sizeof(out->verifier), 1) < 0) {
		*why = "a parameter missing, malformed or too long";
		return OAUTH_EINVAL;
	}
	if (strcmp(gt, "authorization_code") != 0) {
		*why = "grant_type is not authorization_code";
		return OAUTH_ETYPE;
	}
	if (!oauth_unreserved(out->verifier, 43, 128)) {
		*why = "code_verifier is not 43-128 unreserved characters";
		return OAUTH_EINVAL;
	}
	return 0;
}

struct oauth *
oauth_new(unsigned max)
{
	struct oauth *o = calloc(1, sizeof(*o));

	if (o == NULL || (o->e = calloc(max, sizeof(*o->e))) == NULL) {
		free(o);
		return NULL;
	}
	o->max = max;
	for (unsigned i = 0; i < max; i++)
		o->e[i].kind = -1;
	return o;
}

void
oauth_free(struct oauth *o)
{
	if (o == NULL)
		return;
	OPENSSL_cleanse(o->e, o->max * sizeof(*o->e));
	free(o->e);
	free(o);
}

/* base64url without padding */
static void
oauth_b64url(const unsigned char *in, size_t len, char *out)
{
	unsigned char tmp[64];
	int n = EVP_EncodeBlock(tmp, in, (int)len);
	int o = 0;

	for (int i = 0; i < n; i++) {
		if (tmp[i] == '=')
			break;
		out[o++] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : (char)tmp[i];
	}
	out[o] = '\0';
}

static struct oauth_entry *
oauth_slot(struct oauth *o, time_t now)
{
	struct oauth_entry *best = &o->e[0];

	for (unsigned i = 0; i < o->max; i++) {
		if (o->e[i].kind < 0 || o->e[i].expires <= now)
			return &o->e[i];
		if (o->e[i].expires < best->expires)
			best = &o->e[i];
	}
	return best;
}

static int
oauth_secret_new(struct oauth_entry *e, int kind, time_t expires, char out[OAUTH_SECRET_LEN + 1])
{
	unsigned char raw[32];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return OAUTH_ENOMEM;
	oauth_b64url(raw, sizeof(raw), out);
	SHA256((const unsigned char *)out, strlen(out), e->hash);
	OPENSSL_cleanse(raw, sizeof(raw));
	e->kind = kind;
	e->expires = expires;
	return 0;
}

static struct oauth_entry *
oauth_find(struct oauth *o, int kind, const char *secret, time_t now)
{
	unsigned char h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)secret, strlen(secret), h);
	for (unsigned i = 0; i < o->max; i++)
		if (o->e[i].kind == kind && CRYPTO_memcmp(o->e[i].hash, h, sizeof(h)) == 0)
			return o->e[i].expires > now ? &o->e[i] : NULL;
	return NULL;
}

int
oauth_code_new(struct oauth *o, const struct oauth_authz *a, const char *user, int upstream,
	       time_t now, char code[OAUTH_SECRET_LEN + 1])
{
	struct oauth_entry *e = oauth_slot(o, now);

	memset(e, 0, sizeof(*e));
	e->upstream = upstream;
	snprintf(e->user, sizeof(e->user), "%s", user);
	snprintf(e->client_id, sizeof(e->client_id), "%s", a->client_id);
	snprintf(e->redirect_uri, sizeof(e->redirect_uri), "%s", a->redirect_uri);
	snprintf(e->challenge, sizeof(e->challenge), "%s", a->challenge);
	return oauth_secret_new(e, OAUTH_CODE, now + OAUTH_CODE_TTL, code);
}

int
oauth_token_new(struct oauth *o, const struct oauth_token_req *t, time_t now,
		char token[OAUTH_SECRET_LEN + 1], char *user, size_t userlen, int *upstream)
{
	struct oauth_entry *e = oauth_find(o, OAUTH_CODE, t->code, now), *te;
	unsigned char h[SHA256_DIGEST_LENGTH];
	char want[OAUTH_SECRET_LEN + 1], who[80];
	int ok, up;

	if (e == NULL)
		return OAUTH_EGRANT;
	up = e->upstream;
	SHA256((const unsigned char *)t->verifier, strlen(t->verifier), h);
	oauth_b64url(h, sizeof(h), want);
	ok = strlen(want) == strlen(e->challenge) &&
	     CRYPTO_memcmp(want, e->challenge, strlen(want)) == 0 &&
	     strcmp(e->client_id, t->client_id) == 0 && strcmp(e->redirect_uri, t->redirect_uri) == 0;
	snprintf(who, sizeof(who), "%s", e->user);
	/* single use, whatever the outcome: a guessed verifier gets one try */
	memset(e, 0, sizeof(*e));
	e->kind = -1;
	if (!ok)
		return OAUTH_EGRANT;
	te = oauth_slot(o, now);
	memset(te, 0, sizeof(*te));
	snprintf(te->user, sizeof(te->user), "%s", who);
	te->upstream = up;
	*upstream = up;
	snprintf(user, userlen, "%s", who);
	return oauth_secret_new(te, OAUTH_TOKEN, now + OAUTH_TOKEN_TTL, token);
}

int
oauth_token_check(struct oauth *o, const char *authorization, time_t now, char *user,
		  size_t userlen, int *upstream)
{
	struct oauth_entry *e;

	if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0 ||
	    strlen(authorization + 7) != OAUTH_SECRET_LEN)
		return OAUTH_ETOKEN;
	if ((e = oauth_find(o, OAUTH_TOKEN, authorization + 7, now)) == NULL)
		return OAUTH_ETOKEN;
	snprintf(user, userlen, "%s", e->user);
	*upstream = e->upstream;
	return 0;
}
