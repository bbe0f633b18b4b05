/*
 * What the SSO front holds against abuse before anyone logs in: the
 * Redirect binding's parameters read once (saml_redirect_query), login
 * forms (and proxy round trips) bound to a cookie of the browser they were
 * shown to (login CSRF), guess limits per user and per source, and the
 * pending logins shared fairly between sources. Counters are poort/limit.h:
 * no key can reset or evict another's.
 */
#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/limit.h"
#include "poort/saml.h"
#include "saml_idp_int.h"

/*
 * Each login form is bound to a cookie of its own, LOGIN_COOKIE and the
 * first LOGIN_COOKIE_TAG hex digits of its ctx: a form posted from another
 * site (login CSRF) comes without it. __Host-: only this host can set it.
 * SameSite=Lax is enough: it is read only by our own form's POST (same
 * site), and is set in answer to the SP's cross-site POST to /saml/sso, a
 * top-level navigation, which may set it. One cookie per form, because
 * that cross-site POST never shows us a cookie set before: a single one
 * would be replaced by every login page and only the newest tab would work.
 */
#define LOGIN_COOKIE "__Host-poort_login_"
#define LOGIN_COOKIE_TAG 16
/*
 * Proxy mode: the round trip to the school's IdP is bound the same way, but
 * its answer comes back to /saml/acs as a cross-site POST, which carries
 * only SameSite=None cookies.
 */
#define PROXY_COOKIE "__Host-poort_proxy_"

void
saml_token_hash(const char *token, char out[SAML_TOKEN_HEX + 1])
{
	unsigned char md[32];
	unsigned len = 0;
	EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- pending logins ---- */

/*
 * Full: the source (address or IPv6 /64) holding the most waiting logins
 * loses its oldest one, so one flooding source only ever pushes out its
 * own forms; everyone else's stay until every source holds just one.
 */
static size_t
sguard_pending_victim(struct saml_idp *idp)
{
	size_t victim = 0, most = 0;

	for (size_t i = 0; i < SAML_PENDING_MAX; i++) {
		const struct saml_authn *p = idp->pending[i];
		size_t n = 0, oldest = i;
		for (size_t j = 0; j < SAML_PENDING_MAX; j++) {
			const struct saml_authn *q = idp->pending[j];
			if (strcmp(q->src, p->src) != 0)
				continue;
			n++;
			if (q->created < idp->pending[oldest]->created)
				oldest = j;
		}
		if (n > most) {
			most = n;
			victim = oldest;
		}
	}
	return victim;
}

void
saml_pending_put(struct saml_idp *idp, struct saml_authn *a, time_t now)
{
	size_t victim;
	unsigned suppressed;

	for (size_t i = 0; i < SAML_PENDING_MAX; i++) {
		struct saml_authn *p = idp->pending[i];
		if (p != NULL && now - p->created > SAML_PENDING_TTL) {
			saml_authn_free(p);
			idp->pending[i] = p = NULL;
		}
		if (p == NULL) {
			idp->pending[i] = a;
			return;
		}
	}
	/* a limiter of its own: a flood's evictions must not hide the refusals */
	static struct log_ratelimit rl = {.interval = 10, .burst = 2};

	victim = sguard_pending_victim(idp);
	if (log_ratelimit_allow(&rl, now, &suppressed))
		log_warning("saml pending logins full: dropping the oldest of addr=%s "
			    "suppressed=%u", idp->pending[victim]->src, suppressed);
	saml_authn_free(idp->pending[victim]);
	idp->pending[victim] = a;
}

struct saml_authn *
saml_pending_find(struct saml_idp *idp, const char *token, int take)
{
	if (token == NULL || strlen(token) != SAML_TOKEN_HEX)
		return NULL;
	for (size_t i = 0; i < SAML_PENDING_MAX; i++) {
		struct saml_authn *p = idp->pending[i];
		if (p != NULL && CRYPTO_memcmp(p->token, token, SAML_TOKEN_HEX) == 0) {
			if (take)
				idp->pending[i] = NULL;
			return p;
		}
	}
	return NULL;
}

/* ---- failure rate limit per user and per address ---- */

/*
 * Every attempt counts when it starts (attempts in flight on the worker
 * count too) and a right password takes its count back: what is left is
 * failures, per user and per source, each in its own counter that no other
 * name can reset (poort/limit.h). When the table is full, a user or source
 * without a counter is refused rather than let guess uncounted.
 */
static void
sguard_fail_keys(const char *user, const char *src, char ku[LIMIT_KEY_MAX],
	       char ka[LIMIT_KEY_MAX])
{
	snprintf(ku, LIMIT_KEY_MAX, "u:%s", user);
	snprintf(ka, LIMIT_KEY_MAX, "a:%s", src);
}

/* 0 and counted, or 1: blocked (nothing counted). */
int
saml_fail_begin(struct saml_idp *idp, const char *user, const char *src, time_t now)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX];
	long nu, na;

	sguard_fail_keys(user, src, ku, ka);
	nu = limit_peek(idp->fails, ku, now);
	na = limit_peek(idp->fails, ka, now);
	if (nu < 0 || na < 0 || (unsigned long)nu >= idp->sc->login_rate ||
	    (unsigned long)na >= 3ul * idp->sc->login_rate)
		return 1;
	if (limit_add(idp->fails, ku, now, 1) < 0)
		return 1;
	if (limit_add(idp->fails, ka, now, 1) < 0) {
		limit_add(idp->fails, ku, now, -1);
		return 1;
	}
	return 0;
}

void
saml_fail_forget(struct saml_idp *idp, const char *user, const char *src, time_t now)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX];

	sguard_fail_keys(user, src, ku, ka);
	limit_add(idp->fails, ku, now, -1);
	limit_add(idp->fails, ka, now, -1);
}

/* ---- the login cookie (login CSRF) ---- */

static void
sguard_cookie_name(const struct saml_authn *a, int proxy, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%.*s", proxy ? PROXY_COOKIE : LOGIN_COOKIE, LOGIN_COOKIE_TAG,
		 a->token);
}

/* Binds a to a new cookie of its own, set on req's answer (proxy: SameSite=None). */
void
saml_form_bind(struct evhttp_request *req, struct saml_authn *a, int proxy)
{
	char name[64], tok[SAML_TOKEN_HEX + 1], cookie[192];

	sguard_cookie_name(a, proxy, name, sizeof(name));
	saml_random_hex(tok, SAML_TOKEN_HEX / 2);
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%d; Secure; HttpOnly; SameSite=%s",
		 name, tok, SAML_PENDING_TTL, proxy ? "None" : "Lax");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
	saml_token_hash(tok, a->bind);
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(cookie, sizeof(cookie));
}

/* 1 if req carries the login cookie a was bound to (compared in constant time). */
int
saml_form_bound(struct evhttp_request *req, const struct saml_authn *a, int proxy)
{
	char name[64], tok[SAML_TOKEN_HEX + 2], hash[SAML_TOKEN_HEX + 1];
	int ok;

	sguard_cookie_name(a, proxy, name, sizeof(name));
	if (a->bind[0] == '\0' || http_cookie_get(req, name, tok, sizeof(tok)) < 0 ||
	    strlen(tok) != SAML_TOKEN_HEX)
		return 0;
	saml_token_hash(tok, hash);
	ok = CRYPTO_memcmp(hash, a->bind, SAML_TOKEN_HEX) == 0;
	explicit_bzero(tok, sizeof(tok));
	return ok;
}

/* The form is used: its cookie goes. */
void
saml_form_unbind(struct evhttp_request *req, const struct saml_authn *a, int proxy)
{
	char name[64], cookie[160];

	sguard_cookie_name(a, proxy, name, sizeof(name));
	snprintf(cookie, sizeof(cookie), "%s=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=%s",
		 name, proxy ? "None" : "Lax");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
}

/* An Origin other than ours or "null" (our pages send no referrer) is another site. */
int
saml_origin_ok(struct saml_idp *idp, struct evhttp_request *req)
{
	return http_origin_ok(req, idp->sc->base_url); /* one rule for every form: http.c */
}

enum { RQ_REQUEST, RQ_RESPONSE, RQ_RELAY, RQ_SIGALG, RQ_SIGNATURE, RQ_NPARAMS };

int
saml_redirect_query(const char *in, size_t inlen, const char **msg, char **query, char *why,
		    size_t whylen)
{
	struct http_param p[RQ_NPARAMS] = {{.name = "SAMLRequest"}, {.name = "SAMLResponse"},
					   {.name = "RelayState"},  {.name = "SigAlg"},
					   {.name = "Signature"}};
	size_t qlen = 0;
	const char *dup;
	char *o;

	*query = NULL;
	if (http_query_scan(in, inlen, p, RQ_NPARAMS, &dup) < 0) {
		snprintf(why, whylen, "parameter %s sent more than once", dup);
		return -1;
	}
	if ((p[RQ_REQUEST].raw == NULL) == (p[RQ_RESPONSE].raw == NULL)) {
		snprintf(why, whylen, "not one SAMLRequest or SAMLResponse");
		return -1;
	}
	if ((p[RQ_SIGALG].raw == NULL) != (p[RQ_SIGNATURE].raw == NULL)) {
		snprintf(why, whylen, "SigAlg without Signature or the other way round");
		return -1;
	}
	*msg = p[RQ_REQUEST].raw != NULL ? p[RQ_REQUEST].name : p[RQ_RESPONSE].name;
	for (size_t i = 0; i < RQ_NPARAMS; i++) {
		if (p[i].raw != NULL && memchr(p[i].raw, ';', p[i].rawlen) != NULL) {
			snprintf(why, whylen, "';' in parameter %s", p[i].name);
			return -1;
		}
		qlen += p[i].raw != NULL ? strlen(p[i].name) + 2 + p[i].rawlen : 0;
	}
	if ((*query = o = malloc(qlen + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < RQ_NPARAMS; i++) {
		if (p[i].raw == NULL)
			continue;
		o += sprintf(o, "%s%s=", o == *query ? "" : "&", p[i].name);
		memcpy(o, p[i].raw, p[i].rawlen);
		o += p[i].rawlen;
	}
	*o = '\0';
	return 0;
}
