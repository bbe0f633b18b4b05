/*
 * The browser side of SSO: /saml/metadata, /saml/sso (Redirect and POST),
 * the login page (plain HTML and CSS, Dutch and English), the password
 * check on the worker pool, and the SSO session cookie.
 *
 * Sessions and pending logins live in memory, bounded; a restart logs
 * everyone out, which is the safe direction.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poort/http.h"
#include "poort/limit.h"
#include "poort/password.h"
#include "poort/saml.h"
#include "poort/store.h"
#include "poort/workq.h"
#include "saml_idp_int.h"

#define PENDING_TTL 900
#define FAIL_WINDOW 300
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

struct sweb_job {
	struct saml_idp *idp;
	struct evhttp_request *req;
	char token[SAML_TOKEN_HEX + 1];
	char user[STORE_USERNAME_MAX + 1];
	char addr[48];
	char src[SAML_SRC_MAX];
	char pw[PASSWORD_MAX + 1];
	size_t pwlen;
	char hash[PASSWORD_HASH_MAX];
	int en;
	int verified;
};

static const char *const sweb_css =
	"body{font-family:sans-serif;max-width:26em;margin:2em auto;padding:0 1em;color:#222}"
	"h1{font-size:1.4em}label{display:block;margin-top:1em}"
	"input{width:100%;padding:.6em;font-size:1em;box-sizing:border-box}"
	"button{margin-top:1.2em;padding:.7em 1.5em;font-size:1em}"
	".err{background:#fdd;border:1px solid #c00;padding:.6em}.sp{color:#555;font-size:.9em}";

static int
sweb_lang_en(struct evhttp_request *req, const char *form_lang)
{
	const char *al;
	if (form_lang != NULL)
		return strcmp(form_lang, "en") == 0;
	al = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Language");
	return al != NULL && strncasecmp(al, "nl", 2) != 0 && strncasecmp(al, "en", 2) == 0;
}

void
sweb_page(struct evhttp_request *req, int code, const char *title, const char *body_html)
{
	char *p = NULL;
	int n = asprintf(&p,
			 "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
			 "<title>%s</title><style>%s</style></head><body>%s</body></html>",
			 title, sweb_css, body_html);
	if (n < 0) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	http_reply(req, code, "text/html; charset=utf-8", p, (size_t)n, NULL);
	free(p);
}

void
sweb_error(struct saml_idp *idp, struct evhttp_request *req, int code, int err, const char *why)
{
	char addr[48], esc[256], body[1024];
	unsigned suppressed;

	http_peer(req, addr, sizeof(addr));
	if (log_ratelimit_allow(&idp->rl_log, time(NULL), &suppressed))
		log_warning("saml request refused addr=%s error=\"%s\" detail=%s suppressed=%u", addr,
			    saml_strerror(err), log_escape(esc, sizeof(esc), why, strlen(why)),
			    suppressed);
	snprintf(body, sizeof(body),
		 "<h1>Inloggen niet mogelijk / Login not possible</h1>"
		 "<p class=\"err\">%s</p>"
		 "<p>De dienst stuurde een verzoek dat niet klopt. Ga terug naar de dienst en "
		 "probeer opnieuw, of vraag de school om hulp.</p>"
		 "<p>The service sent a request that could not be accepted. Go back to the service "
		 "and try again, or ask the school for help.</p>",
		 saml_strerror(err));
	sweb_page(req, code, "Poort", body);
}

static void
sweb_login_page(struct saml_idp *idp, struct evhttp_request *req, const struct saml_authn *a,
		int en, const char *user, const char *msg)
{
	char body[4096];
	size_t n;
	(void)idp;

	n = (size_t)snprintf(body, sizeof(body), "<h1>%s</h1><p class=\"sp\">%s ",
			     en ? "Log in" : "Inloggen", en ? "to" : "bij");
	n = http_html_escape(body, sizeof(body), n, a->sp);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "</p>");
	if (msg != NULL)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "<p class=\"err\" role=\"alert\">%s</p>",
				      msg);
	n += (size_t)snprintf(body + n, sizeof(body) - n,
			      "<form method=\"post\" action=\"/saml/login\">"
			      "<input type=\"hidden\" name=\"ctx\" value=\"%s\">"
			      "<input type=\"hidden\" name=\"lang\" value=\"%s\">"
			      "<label for=\"u\">%s</label>"
			      "<input id=\"u\" name=\"username\" autocomplete=\"username\" "
			      "autocapitalize=\"none\" required value=\"",
			      a->token, en ? "en" : "nl", en ? "User name" : "Gebruikersnaam");
	n = http_html_escape(body, sizeof(body), n, user != NULL ? user : "");
	snprintf(body + n, sizeof(body) - n,
		 "\"><label for=\"p\">%s</label>"
		 "<input id=\"p\" name=\"password\" type=\"password\" "
		 "autocomplete=\"current-password\" required>"
		 "<button type=\"submit\">%s</button></form>"
		 "<p><a href=\"/saml/login?ctx=%s&amp;lang=%s\">%s</a></p>",
		 en ? "Password" : "Wachtwoord", en ? "Log in" : "Inloggen", a->token,
		 en ? "nl" : "en", en ? "Nederlands" : "English");
	sweb_page(req, 200, en ? "Log in" : "Inloggen", body);
}

/* ---- sessions ---- */

static void
sweb_token_hash(const char *token, char out[SAML_TOKEN_HEX + 1])
{
	unsigned char md[32];
	unsigned len = 0;
	EVP_Digest(token, strlen(token), md, &len, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static struct saml_session *
sweb_session_slot(struct saml_idp *idp, const char *hash)
{
	unsigned long idx = strtoul(((char[9]){hash[0], hash[1], hash[2], hash[3], hash[4],
						 hash[5], hash[6], hash[7], 0}),
				    NULL, 16);
	return &idp->sessions[idx % SAML_SESSIONS_MAX];
}

struct saml_session *
sweb_session_find(struct saml_idp *idp, struct evhttp_request *req, time_t now)
{
	char tok[SAML_TOKEN_HEX + 2], hash[SAML_TOKEN_HEX + 1];
	struct saml_session *s;

	if (http_cookie_get(req, COOKIE_NAME, tok, sizeof(tok)) < 0 ||
	    strlen(tok) != SAML_TOKEN_HEX)
		return NULL;
	sweb_token_hash(tok, hash);
	s = sweb_session_slot(idp, hash);
	if (CRYPTO_memcmp(s->token_hash, hash, SAML_TOKEN_HEX) != 0 || s->expires <= now)
		return NULL;
	return s;
}

/* Remembers that sp got an assertion in this session (once), for logout. */
static void
sweb_session_add_sp(struct saml_session *s, const char *sp)
{
	char **more;

	for (size_t i = 0; i < s->nsps; i++)
		if (strcmp(s->sps[i], sp) == 0)
			return;
	if (s->nsps >= SAML_SESSION_SPS_MAX ||
	    (more = realloc(s->sps, (s->nsps + 1) * sizeof(*more))) == NULL)
		return; /* not asked at logout; its own session lapses */
	s->sps = more;
	if ((s->sps[s->nsps] = strdup(sp)) != NULL)
		s->nsps++;
}

/* A session to sign in with: single logout ends that at once. */
static struct saml_session *
sweb_session_get(struct saml_idp *idp, struct evhttp_request *req, time_t now)
{
	struct saml_session *s = sweb_session_find(idp, req, now);
	return s != NULL && s->logout == NULL ? s : NULL;
}

void
sweb_session_clear(struct saml_session *s)
{
	if (s->logout != NULL)
		lasso_logout_destroy(s->logout);
	for (size_t i = 0; i < s->nsps; i++)
		free(s->sps[i]);
	free(s->sps);
	if (s->lasso_session != NULL)
		g_object_unref(s->lasso_session);
	explicit_bzero(s, sizeof(*s));
}

static struct saml_session *
sweb_session_new(struct saml_idp *idp, struct evhttp_request *req, const char *user,
		 const char *kv, time_t now)
{
	char tok[SAML_TOKEN_HEX + 1], hash[SAML_TOKEN_HEX + 1], cookie[256];
	struct saml_session *s;

	saml_random_hex(tok, SAML_TOKEN_HEX / 2);
	sweb_token_hash(tok, hash);
	s = sweb_session_slot(idp, hash);
	sweb_session_clear(s); /* a collision evicts: bounded memory */
	memcpy(s->token_hash, hash, sizeof(s->token_hash));
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->kv, sizeof(s->kv), "%s", kv != NULL ? kv : "");
	s->authn_instant = now;
	s->expires = now + (time_t)idp->sc->session_lifetime;
	snprintf(cookie, sizeof(cookie),
		 COOKIE_NAME "=%s; Path=/saml/; Max-Age=%u; Secure; HttpOnly; SameSite=None", tok,
		 idp->sc->session_lifetime);
	/* SameSite=None: the SP's POST-binding request is cross-site by nature */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
	explicit_bzero(tok, sizeof(tok));
	return s;
}

/* ---- pending logins ---- */

/*
 * Full: the source (address or IPv6 /64) holding the most waiting logins
 * loses its oldest one, so one flooding source only ever pushes out its
 * own forms; everyone else's stay until every source holds just one.
 */
static size_t
sweb_pending_victim(struct saml_idp *idp)
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

static void
sweb_pending_put(struct saml_idp *idp, struct saml_authn *a, time_t now)
{
	size_t victim;
	unsigned suppressed;

	for (size_t i = 0; i < SAML_PENDING_MAX; i++) {
		struct saml_authn *p = idp->pending[i];
		if (p != NULL && now - p->created > PENDING_TTL) {
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

	victim = sweb_pending_victim(idp);
	if (log_ratelimit_allow(&rl, now, &suppressed))
		log_warning("saml pending logins full: dropping the oldest of addr=%s "
			    "suppressed=%u", idp->pending[victim]->src, suppressed);
	saml_authn_free(idp->pending[victim]);
	idp->pending[victim] = a;
}

static struct saml_authn *
sweb_pending_find(struct saml_idp *idp, const char *token, int take)
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
sweb_fail_keys(const char *user, const char *src, char ku[LIMIT_KEY_MAX],
	       char ka[LIMIT_KEY_MAX])
{
	snprintf(ku, LIMIT_KEY_MAX, "u:%s", user);
	snprintf(ka, LIMIT_KEY_MAX, "a:%s", src);
}

/* 0 and counted, or 1: blocked (nothing counted). */
static int
sweb_fail_begin(struct saml_idp *idp, const char *user, const char *src, time_t now)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX];
	long nu, na;

	sweb_fail_keys(user, src, ku, ka);
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

static void
sweb_fail_forget(struct saml_idp *idp, const char *user, const char *src, time_t now)
{
	char ku[LIMIT_KEY_MAX], ka[LIMIT_KEY_MAX];

	sweb_fail_keys(user, src, ku, ka);
	limit_add(idp->fails, ku, now, -1);
	limit_add(idp->fails, ka, now, -1);
}

/* ---- the login cookie (login CSRF) ---- */

static void
sweb_login_cookie_name(const struct saml_authn *a, int proxy, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%.*s", proxy ? PROXY_COOKIE : LOGIN_COOKIE, LOGIN_COOKIE_TAG,
		 a->token);
}

/* Binds a to a new cookie of its own, set on req's answer (proxy: SameSite=None). */
static void
sweb_login_bind(struct evhttp_request *req, struct saml_authn *a, int proxy)
{
	char name[64], tok[SAML_TOKEN_HEX + 1], cookie[192];

	sweb_login_cookie_name(a, proxy, name, sizeof(name));
	saml_random_hex(tok, SAML_TOKEN_HEX / 2);
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%d; Secure; HttpOnly; SameSite=%s",
		 name, tok, PENDING_TTL, proxy ? "None" : "Lax");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
	sweb_token_hash(tok, a->bind);
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(cookie, sizeof(cookie));
}

/* 1 if req carries the login cookie a was bound to (compared in constant time). */
static int
sweb_login_bound(struct evhttp_request *req, const struct saml_authn *a, int proxy)
{
	char name[64], tok[SAML_TOKEN_HEX + 2], hash[SAML_TOKEN_HEX + 1];
	int ok;

	sweb_login_cookie_name(a, proxy, name, sizeof(name));
	if (a->bind[0] == '\0' || http_cookie_get(req, name, tok, sizeof(tok)) < 0 ||
	    strlen(tok) != SAML_TOKEN_HEX)
		return 0;
	sweb_token_hash(tok, hash);
	ok = CRYPTO_memcmp(hash, a->bind, SAML_TOKEN_HEX) == 0;
	explicit_bzero(tok, sizeof(tok));
	return ok;
}

/* The form is used: its cookie goes. */
static void
sweb_login_unbind(struct evhttp_request *req, const struct saml_authn *a, int proxy)
{
	char name[64], cookie[160];

	sweb_login_cookie_name(a, proxy, name, sizeof(name));
	snprintf(cookie, sizeof(cookie), "%s=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=%s",
		 name, proxy ? "None" : "Lax");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
}

/* An Origin other than ours or "null" (our pages send no referrer) is another site. */
static int
sweb_origin_ok(struct saml_idp *idp, struct evhttp_request *req)
{
	const char *o = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
	return o == NULL || strcmp(o, "null") == 0 || strcmp(o, idp->sc->base_url) == 0;
}

/* ---- handlers ---- */

static void
sweb_respond(struct saml_idp *idp, struct evhttp_request *req, struct saml_authn *a,
	     struct saml_session *s, time_t authn_instant)
{
	char nonce[33], *html = NULL;
	int rc;

	saml_random_hex(nonce, 16);
	rc = saml_authn_respond(idp, a, s != NULL ? s->user : NULL,
				s != NULL && s->kv[0] ? s->kv : NULL, authn_instant, nonce,
				s != NULL ? &s->lasso_session : NULL, &html);
	if (rc < 0) {
		sweb_error(idp, req, 500, rc, "building the response failed");
	} else {
		if (s != NULL)
			sweb_session_add_sp(s, a->sp);
		http_reply(req, 200, "text/html; charset=utf-8", html, strlen(html), nonce);
	}
	free(html);
	saml_authn_free(a);
}

/* Proxy mode: park the request and send the browser to the school's IdP. */
static void
sweb_proxy_redirect(struct saml_idp *idp, struct evhttp_request *req, struct saml_authn *a,
		    time_t now)
{
	char *url = NULL;
	int rc = saml_proxy_begin(idp, a, &url);

	if (rc < 0) {
		sweb_error(idp, req, 500, rc, "cannot build the request to the upstream IdP");
		saml_authn_free(a);
		return;
	}
	sweb_login_bind(req, a, 1);
	sweb_pending_put(idp, a, now);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", url);
	http_reply(req, 302, "text/plain; charset=utf-8", "", 0, NULL);
	free(url);
}

/* Proxy mode: the school's IdP answers here. */
static void
sweb_acs(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	struct evkeyvalq kv = {0};
	struct http_param p[2] = {{.name = "SAMLResponse"}, {.name = "RelayState"}};
	const char *resp, *relay, *dup;
	char *body = NULL, why[256], user[STORE_USERNAME_MAX + 1], attrs[SAML_KV_MAX];
	struct saml_authn *a;
	time_t now = time(NULL);
	size_t blen = 0;
	int rc;

	TAILQ_INIT(&kv);
	if (idp->sc->upstream == NULL || evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    (body = http_body_copy(req, &blen)) == NULL || evhttp_parse_query_str(body, &kv) < 0 ||
	    (resp = evhttp_find_header(&kv, "SAMLResponse")) == NULL) {
		sweb_error(idp, req, 400, SAML_EMALFORMED, "no SAMLResponse");
		goto done;
	}
	if (http_query_scan(body, blen, p, 2, &dup) < 0) {
		snprintf(why, sizeof(why), "parameter %s sent more than once", dup);
		sweb_error(idp, req, 400, SAML_EMALFORMED, why);
		goto done;
	}
	relay = evhttp_find_header(&kv, "RelayState");
	if ((a = sweb_pending_find(idp, relay, 1)) == NULL) {
		sweb_error(idp, req, 400, SAML_EEXPIRED, "unsolicited or expired upstream response");
		goto done;
	}
	/* login CSRF: the answer must come to the browser that went upstream */
	if (!sweb_login_bound(req, a, 1)) {
		sweb_error(idp, req, 403, SAML_EEXPIRED,
			   "upstream response posted without its browser's proxy cookie");
		saml_authn_free(a);
		goto done;
	}
	sweb_login_unbind(req, a, 1);
	rc = saml_proxy_finish(idp, a, resp, user, sizeof(user), attrs, sizeof(attrs), why,
			       sizeof(why));
	if (rc < 0) {
		sweb_error(idp, req, 400, rc, why);
		saml_authn_free(a);
		goto done;
	}
	log_info("saml login result=accept user=%s source=upstream sp=%s", user, a->sp);
	sweb_respond(idp, req, a, sweb_session_new(idp, req, user, attrs, now), now);
	explicit_bzero(attrs, sizeof(attrs));
done:
	evhttp_clear_headers(&kv);
	free(body);
}

static void
sweb_metadata(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	http_reply(req, 200, "application/samlmetadata+xml", idp->metadata_signed,
		   strlen(idp->metadata_signed), NULL);
}

enum { RQ_REQUEST, RQ_RESPONSE, RQ_RELAY, RQ_SIGALG, RQ_SIGNATURE, RQ_NPARAMS };

int
sweb_redirect_query(const char *in, size_t inlen, const char **msg, char **query, char *why,
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

/*
 * SAMLRequest and RelayState of a Redirect query or POST form, each at most
 * once; for the Redirect binding also *query, all lasso gets (see
 * sweb_redirect_query). SAMLRequest is decoded as lasso decodes it ('+'
 * stays '+') in a query, as a form value in a body; RelayState as a form
 * value. 0, or -1 with why set.
 */
static int
sweb_sso_params(int redirect, const char *in, size_t inlen, char **sreq, char **relay,
		char **query, char *why, size_t whylen)
{
	struct http_param p[2] = {{.name = "SAMLRequest"}, {.name = "RelayState"}};
	const char *dup, *msg = NULL;

	*sreq = *relay = *query = NULL;
	if (redirect) {
		if (sweb_redirect_query(in, inlen, &msg, query, why, whylen) < 0)
			return -1;
		in = *query; /* from here on, only what lasso will read */
		inlen = strlen(*query);
	}
	if (http_query_scan(in, inlen, p, 2, &dup) < 0) {
		snprintf(why, whylen, "parameter %s sent more than once", dup);
		return -1;
	}
	if (p[0].raw == NULL) {
		snprintf(why, whylen, "no SAMLRequest");
		return -1;
	}
	*sreq = http_param_decode(p[0].raw, p[0].rawlen, !redirect);
	if (p[1].raw != NULL)
		*relay = http_param_decode(p[1].raw, p[1].rawlen, 1);
	if (*sreq == NULL || (p[1].raw != NULL && *relay == NULL)) {
		snprintf(why, whylen, "bad percent-encoding");
		return -1;
	}
	return 0;
}

static void
sweb_sso(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	const char *uri = evhttp_request_get_uri(req), *q = strchr(uri, '?');
	char *body = NULL, why[256], src[SAML_SRC_MAX], *sreq = NULL, *relay = NULL, *query = NULL;
	struct saml_authn *a = NULL;
	struct saml_session *s;
	time_t now = time(NULL);
	size_t blen = 0;
	int redirect = evhttp_request_get_command(req) != EVHTTP_REQ_POST, rc;

	if (redirect && q == NULL) {
		sweb_error(idp, req, 400, SAML_EMALFORMED, "no query string");
		goto done;
	}
	if (!redirect && (body = http_body_copy(req, &blen)) == NULL) {
		sweb_error(idp, req, 400, SAML_EMALFORMED, "bad form body");
		goto done;
	}
	if (sweb_sso_params(redirect, redirect ? q + 1 : body, redirect ? strlen(q + 1) : blen,
			    &sreq, &relay, &query, why, sizeof(why)) < 0) {
		sweb_error(idp, req, 400, SAML_EMALFORMED, why);
		goto done;
	}
	http_peer_key(req, src, sizeof(src));
	rc = saml_authn_check(idp, redirect, sreq, query, relay, src, now, &a, why, sizeof(why));
	if (rc < 0) {
		sweb_error(idp, req, rc == SAML_ETOOBIG ? 413 : 400, rc, why);
		goto done;
	}
	s = sweb_session_get(idp, req, now);
	if (s != NULL && !a->force) {
		sweb_respond(idp, req, a, s, s->authn_instant);
	} else if (a->passive) {
		sweb_respond(idp, req, a, NULL, 0);
	} else if (idp->sc->upstream != NULL) {
		sweb_proxy_redirect(idp, req, a, now);
	} else {
		sweb_login_bind(req, a, 0);
		sweb_login_page(idp, req, a, sweb_lang_en(req, NULL), NULL, NULL);
		sweb_pending_put(idp, a, now);
	}
done:
	free(sreq);
	free(relay);
	free(query);
	free(body);
}

static void
sweb_verify_work(void *arg)
{
	struct sweb_job *j = arg;
	j->verified = password_verify(j->pw, j->pwlen, j->hash);
}

static void
sweb_verify_done(void *arg)
{
	struct sweb_job *j = arg;
	struct saml_idp *idp = j->idp;
	struct saml_authn *a;
	time_t now = time(NULL);

	a = sweb_pending_find(idp, j->token, j->verified == 1);
	if (j->verified == 1)
		sweb_fail_forget(idp, j->user, j->src, now);
	if (a == NULL) {
		sweb_error(idp, j->req, 400, SAML_EEXPIRED, "login form expired");
	} else if (j->verified == 1) {
		log_info("saml login result=accept user=%s addr=%s sp=%s", j->user, j->addr, a->sp);
		sweb_login_unbind(j->req, a, 0);
		sweb_respond(idp, j->req, a, sweb_session_new(idp, j->req, j->user, NULL, now), now);
	} else {
		log_info("saml login result=reject user=%s addr=%s reason=wrong-password", j->user,
			 j->addr);
		sweb_login_page(idp, j->req, a, j->en, j->user,
				j->en ? "User name or password is wrong."
				      : "Gebruikersnaam of wachtwoord klopt niet.");
	}
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void
sweb_login(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	struct evkeyvalq kv = {0};
	const char *ctx, *user, *pw, *lang;
	struct store_account acct;
	struct sweb_job *j = NULL;
	struct saml_authn *a;
	char *body = NULL, addr[48], src[SAML_SRC_MAX];
	time_t now = time(NULL);
	size_t blen = 0;
	int en;

	TAILQ_INIT(&kv);
	http_peer(req, addr, sizeof(addr));
	http_peer_key(req, src, sizeof(src));
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST)
		body = http_body_copy(req, &blen);
	else if (strchr(evhttp_request_get_uri(req), '?') != NULL)
		body = strdup(strchr(evhttp_request_get_uri(req), '?') + 1);
	if (body == NULL || evhttp_parse_query_str(body, &kv) < 0) {
		sweb_error(idp, req, 400, SAML_EMALFORMED, "bad login form");
		goto done;
	}
	ctx = evhttp_find_header(&kv, "ctx");
	lang = evhttp_find_header(&kv, "lang");
	en = sweb_lang_en(req, lang);
	if ((a = sweb_pending_find(idp, ctx, 0)) == NULL) {
		sweb_error(idp, req, 400, SAML_EEXPIRED, "login form expired or unknown");
		goto done;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		sweb_login_page(idp, req, a, en, NULL, NULL); /* language switch */
		goto done;
	}
	/* login CSRF: the form must come from this browser's own login page */
	if (!sweb_login_bound(req, a, 0) || !sweb_origin_ok(idp, req)) {
		sweb_error(idp, req, 403, SAML_EEXPIRED,
			   "login form posted without its browser's login cookie or from another"
			   " site");
		goto done;
	}
	user = evhttp_find_header(&kv, "username");
	pw = evhttp_find_header(&kv, "password");
	if (user == NULL || pw == NULL || !store_username_valid(user) || strlen(pw) > PASSWORD_MAX) {
		sweb_login_page(idp, req, a, en, NULL,
				en ? "Fill in your user name and password."
				   : "Vul je gebruikersnaam en wachtwoord in.");
		goto done;
	}
	if (sweb_fail_begin(idp, user, src, now)) {
		log_warning("saml login result=reject user=%s addr=%s reason=rate-limited", user, addr);
		sweb_login_page(idp, req, a, en, user,
				en ? "Too many attempts. Wait five minutes and try again."
				   : "Te veel pogingen. Wacht vijf minuten en probeer het opnieuw.");
		goto done;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		evhttp_send_error(req, 503, NULL);
		goto done;
	}
	j->idp = idp;
	j->req = req;
	j->en = en;
	snprintf(j->token, sizeof(j->token), "%s", ctx);
	snprintf(j->user, sizeof(j->user), "%s", user);
	snprintf(j->addr, sizeof(j->addr), "%s", addr);
	snprintf(j->src, sizeof(j->src), "%s", src);
	j->pwlen = strlen(pw);
	memcpy(j->pw, pw, j->pwlen);
	if (store_account_get(idp->st, user, &acct) < 0 || !acct.enabled ||
	    (acct.expires != 0 && acct.expires < now)) {
		/* still hash something: a missing user must not answer faster */
		snprintf(j->hash, sizeof(j->hash), "%s", "$y$j9T$poortpoortpoort$");
	} else {
		snprintf(j->hash, sizeof(j->hash), "%s", acct.pw_hash);
	}
	explicit_bzero(&acct, sizeof(acct));
	if (workq_submit(idp->wq, sweb_verify_work, sweb_verify_done, j) < 0) {
		sweb_fail_forget(idp, user, src, now); /* never checked: not a guess */
		log_warning("saml login busy: worker queue full user=%s", user);
		sweb_page(req, 503, "Poort",
			  "<h1>Even geduld / Please wait</h1><p>Het is druk. Probeer het zo opnieuw. "
			  "/ The box is busy. Try again in a moment.</p>");
		explicit_bzero(j, sizeof(*j));
		free(j);
	}
done:
	evhttp_clear_headers(&kv);
	if (body != NULL) {
		explicit_bzero(body, blen); /* it held the password */
		free(body);
	}
}

/* The user logs out here: every SP of the session is asked too (saml_slo.c). */
static void
sweb_logout(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	struct saml_session *s = sweb_session_get(idp, req, time(NULL));

	if (s != NULL) {
		log_info("saml logout user=%s", s->user);
		if (saml_slo_start(idp, req, s) == 0)
			return;
		sweb_session_clear(s);
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", COOKIE_CLEAR);
	sweb_page(req, 200, "Poort", "<h1>Uitgelogd / Logged out</h1>");
}

int
saml_web_init(struct saml_idp *idp, struct http_server *hs)
{
	idp->sessions = calloc(SAML_SESSIONS_MAX, sizeof(*idp->sessions));
	idp->fails = limit_new(SAML_FAIL_KEYS, FAIL_WINDOW);
	idp->wq = workq_new(idp->base, 1, 64);
	if (idp->sessions == NULL || idp->fails == NULL || idp->wq == NULL)
		return SAML_ENOMEM;
	if (http_server_route(hs, "/saml/metadata", sweb_metadata, idp) < 0 ||
	    http_server_route(hs, "/saml/sso", sweb_sso, idp) < 0 ||
	    http_server_route(hs, "/saml/login", sweb_login, idp) < 0 ||
	    http_server_route(hs, "/saml/logout", sweb_logout, idp) < 0 ||
	    http_server_route(hs, "/saml/acs", sweb_acs, idp) < 0 ||
	    http_server_route(hs, "/saml/slo", saml_slo, idp) < 0)
		return SAML_ECONFIG;
	return 0;
}

void
saml_web_free(struct saml_idp *idp)
{
	if (idp->wq != NULL)
		workq_free(idp->wq);
	idp->wq = NULL;
	for (size_t i = 0; i < SAML_PENDING_MAX; i++) {
		saml_authn_free(idp->pending[i]);
		idp->pending[i] = NULL;
	}
	for (size_t i = 0; idp->sessions != NULL && i < SAML_SESSIONS_MAX; i++)
		sweb_session_clear(&idp->sessions[i]);
	free(idp->sessions);
	limit_free(idp->fails);
	idp->sessions = NULL;
	idp->fails = NULL;
}
