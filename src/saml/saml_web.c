/*
 * The browser side of SSO: /saml/metadata, /saml/sso (Redirect and POST),
 * the login page (plain HTML and CSS, Dutch and English), the password
 * check on the worker pool, and the SSO session cookie.
 *
 * Sessions and pending logins live in memory, bounded; a restart logs
 * everyone out, which is the safe direction. What guards the pages against
 * abuse (parameters read once, login CSRF, guess limits, fair shares of the
 * pending logins) is in saml_guard.c.
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

#include "poort/auth.h"
#include "poort/http.h"
#include "poort/http_defer.h"
#include "poort/http_i18n.h"
#include "poort/http_tmpl.h"
#include "poort/limit.h"
#include "poort/password.h"
#include "poort/saml.h"
#include "poort/store.h"
#include "poort/workq.h"
#include "saml_idp_int.h"

struct sweb_job {
	struct saml_idp *idp;
	struct http_defer *d; /* the login's request: the browser may leave meanwhile */
	char token[SAML_TOKEN_HEX + 1];
	char user[STORE_USERNAME_MAX + 1];
	char addr[48];
	struct auth_pw pw; /* the account rule and the password: src/auth */
	char src[SAML_SRC_MAX];
	char lang[3];
};

void
sweb_notice(struct saml_idp *idp, struct evhttp_request *req, int code, const char *title,
	    const char *text, const char *err)
{
	const char *lang = http_lang(req, NULL);
	struct http_tv *tv = http_tv_new();

	if (tv == NULL || http_tv_set(tv, "lang", lang) < 0 ||
	    http_tv_set(tv, "title", http_tr(lang, title)) < 0 ||
	    http_tv_set(tv, "text", text != NULL ? http_tr(lang, text) : NULL) < 0 ||
	    http_tv_set(tv, "err", err) < 0)
		evhttp_send_error(req, 500, NULL);
	else
		http_page(idp->hs, req, code, "sso_message", tv, lang, NULL);
	http_tv_free(tv);
}

void
sweb_error(struct saml_idp *idp, struct evhttp_request *req, int code, int err, const char *why)
{
	char addr[48], esc[256];
	unsigned suppressed;

	http_peer(req, addr, sizeof(addr));
	if (log_ratelimit_allow(&idp->rl_log, time(NULL), &suppressed))
		log_warning("saml request refused addr=%s error=\"%s\" detail=%s suppressed=%u", addr,
			    saml_strerror(err), log_escape(esc, sizeof(esc), why, strlen(why)),
			    suppressed);
	sweb_notice(idp, req, code, N_("Login not possible"),
		    N_("The service sent a request that could not be accepted. Go back to the "
		       "service and try again, or ask the school for help."),
		    saml_strerror(err));
}

/* msg: a message id of the catalogue, or NULL. */
static void
sweb_login_page(struct saml_idp *idp, struct evhttp_request *req, const struct saml_authn *a,
		const char *lang, const char *user, const char *msg)
{
	const struct saml_sp *sp = saml_meta_find(idp->metas, idp->nmetas, a->sp);
	int en = strcmp(lang, "en") == 0;
	struct http_tv *tv = http_tv_new();

	/* which service, by the name its metadata gives; which school */
	if (tv == NULL || http_tv_set(tv, "lang", lang) < 0 ||
	    http_tv_set(tv, "title", http_tr(lang, "Log in")) < 0 ||
	    http_tv_set(tv, "sp", sp != NULL ? saml_sp_display_name(sp, en) : a->sp) < 0 ||
	    http_tv_set(tv, "school", idp->sc->organization) < 0 ||
	    http_tv_set(tv, "msg", msg != NULL ? http_tr(lang, msg) : NULL) < 0 ||
	    http_tv_set(tv, "ctx", a->token) < 0 || http_tv_set(tv, "user", user) < 0 ||
	    http_tv_set(tv, "other_lang", http_lang_other(lang)) < 0 ||
	    http_tv_set(tv, "other_lang_name", http_lang_name(http_lang_other(lang))) < 0)
		evhttp_send_error(req, 500, NULL);
	else
		http_page(idp->hs, req, 200, "sso_login", tv, lang, NULL);
	http_tv_free(tv);
}

/* ---- sessions ---- */

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
	saml_token_hash(tok, hash);
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
	saml_token_hash(tok, hash);
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

/* ---- handlers ---- */

static void
sweb_respond(struct saml_idp *idp, struct evhttp_request *req, struct saml_authn *a,
	     struct saml_session *s, time_t authn_instant)
{
	char nonce[33], *html = NULL;
	int rc;

	if (a->local) {
		/* a login for the box's own pages: back to where it started */
		evhttp_add_header(evhttp_request_get_output_headers(req), "Location", a->acs);
		http_reply(req, 303, "text/plain; charset=utf-8", "", 0, NULL);
		saml_authn_free(a);
		return;
	}
	saml_random_hex(nonce, 16);
	rc = saml_authn_respond(idp, a, s != NULL ? s->user : NULL,
				s != NULL && s->kv[0] ? s->kv : NULL, authn_instant, nonce,
				s != NULL ? &s->lasso_session : NULL, &html);
	if (rc == SAML_ENOATTR) {
		/* the student can do nothing about it here; the school can */
		sweb_notice(idp, req, 403, N_("Login not possible"),
			    N_("Your account has no student or staff number (employeeNumber). "
			       "Entree cannot be used without it. Ask the school to add it to your "
			       "account."),
			    NULL);
	} else if (rc < 0) {
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
	saml_form_bind(req, a, 1);
	saml_pending_put(idp, a, now);
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
	if ((a = saml_pending_find(idp, relay, 1)) == NULL) {
		sweb_error(idp, req, 400, SAML_EEXPIRED, "unsolicited or expired upstream response");
		goto done;
	}
	/* login CSRF: the answer must come to the browser that went upstream */
	if (!saml_form_bound(req, a, 1)) {
		sweb_error(idp, req, 403, SAML_EEXPIRED,
			   "upstream response posted without its browser's proxy cookie");
		saml_authn_free(a);
		goto done;
	}
	saml_form_unbind(req, a, 1);
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

/*
 * SAMLRequest and RelayState of a Redirect query or POST form, each at most
 * once; for the Redirect binding also *query, all lasso gets (see
 * saml_redirect_query). SAMLRequest is decoded as lasso decodes it ('+'
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
		if (saml_redirect_query(in, inlen, &msg, query, why, whylen) < 0)
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
	if (s != NULL && s->kv[0] == '\0' &&
	    (rc = auth_account_get(idp->auth, s->user, now, NULL)) < 0) {
		/* disabled, expired or deleted since it logged in: the session ends */
		log_info("saml sso result=reject user=%s sp=%s reason=%s session=ended", s->user,
			 a->sp, auth_reason(rc));
		sweb_session_clear(s);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", COOKIE_CLEAR);
		s = NULL;
	}
	if (s != NULL && !a->force) {
		sweb_respond(idp, req, a, s, s->authn_instant);
	} else if (a->passive) {
		sweb_respond(idp, req, a, NULL, 0);
	} else if (idp->sc->upstream != NULL) {
		sweb_proxy_redirect(idp, req, a, now);
	} else {
		saml_form_bind(req, a, 0);
		sweb_login_page(idp, req, a, http_lang(req, NULL), NULL, NULL);
		saml_pending_put(idp, a, now);
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
	auth_pw_run(&j->pw);
}

static void
sweb_verify_done(void *arg)
{
	struct sweb_job *j = arg;
	struct saml_idp *idp = j->idp;
	struct evhttp_request *req = http_defer_take(j->d);
	struct saml_authn *a;
	time_t now = time(NULL);
	int rc = auth_pw_end(idp->auth, &j->pw, now); /* counted even if the browser left */

	if (rc == 0)
		saml_fail_forget(idp, j->user, j->src, now);
	if (req == NULL) {
		/* the form stays pending: the browser may post it again */
		log_info("saml login result=%s user=%s addr=%s reason=browser-left",
			 rc == 0 ? "dropped" : "reject", j->user, j->addr);
		goto done;
	}
	a = saml_pending_find(idp, j->token, rc == 0);
	if (a == NULL) {
		sweb_error(idp, req, 400, SAML_EEXPIRED, "login form expired");
	} else if (rc == 0) {
		log_info("saml login result=accept user=%s addr=%s sp=%s", j->user, j->addr, a->sp);
		saml_form_unbind(req, a, 0);
		sweb_respond(idp, req, a, sweb_session_new(idp, req, j->user, NULL, now), now);
	} else {
		log_info("saml login result=reject user=%s addr=%s reason=%s", j->user, j->addr,
			 auth_reason(rc));
		sweb_login_page(idp, req, a, j->lang, j->user,
				N_("User name or password is wrong."));
	}
done:
	http_defer_free(j->d);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void
sweb_login(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	struct evkeyvalq kv = {0};
	const char *ctx, *user, *pw, *lang;
	struct sweb_job *j = NULL;
	struct saml_authn *a;
	char *body = NULL, addr[48], src[SAML_SRC_MAX];
	time_t now = time(NULL);
	size_t blen = 0;

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
	lang = http_lang(req, evhttp_find_header(&kv, "lang"));
	if ((a = saml_pending_find(idp, ctx, 0)) == NULL) {
		sweb_error(idp, req, 400, SAML_EEXPIRED, "login form expired or unknown");
		goto done;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		http_lang_remember(req, lang); /* language switch */
		sweb_login_page(idp, req, a, lang, NULL, NULL);
		goto done;
	}
	/* login CSRF: the form must come from this browser's own login page */
	if (!saml_form_bound(req, a, 0) || !saml_origin_ok(idp, req)) {
		sweb_error(idp, req, 403, SAML_EEXPIRED,
			   "login form posted without its browser's login cookie or from another"
			   " site");
		goto done;
	}
	user = evhttp_find_header(&kv, "username");
	pw = evhttp_find_header(&kv, "password");
	if (user == NULL || pw == NULL || !store_username_valid(user) || strlen(pw) > PASSWORD_MAX) {
		sweb_login_page(idp, req, a, lang, NULL, N_("Fill in your user name and password."));
		goto done;
	}
	if (saml_fail_begin(idp, user, src, now)) {
		log_warning("saml login result=reject user=%s addr=%s reason=rate-limited", user, addr);
		sweb_login_page(idp, req, a, lang, user,
				N_("Too many attempts. Wait five minutes and try again."));
		goto done;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		evhttp_send_error(req, 503, NULL);
		goto done;
	}
	j->idp = idp;
	if ((j->d = http_defer_new(req)) == NULL) {
		free(j);
		saml_fail_forget(idp, user, src, now); /* never checked: not a guess */
		evhttp_send_error(req, 503, NULL);
		goto done;
	}
	snprintf(j->lang, sizeof(j->lang), "%s", lang);
	snprintf(j->token, sizeof(j->token), "%s", ctx);
	snprintf(j->user, sizeof(j->user), "%s", user);
	snprintf(j->addr, sizeof(j->addr), "%s", addr);
	snprintf(j->src, sizeof(j->src), "%s", src);
	/* a refused or unknown account is hashed against the dummy: same time */
	auth_pw_begin(idp->auth, user, pw, strlen(pw), now, &j->pw);
	if (workq_submit(idp->wq, sweb_verify_work, sweb_verify_done, j) < 0) {
		saml_fail_forget(idp, user, src, now); /* never checked: not a guess */
		log_warning("saml login busy: worker queue full user=%s", user);
		sweb_notice(idp, req, 503, N_("Please wait"),
			    N_("The box is busy. Try again in a moment."), NULL);
		http_defer_free(j->d);
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
	sweb_notice(idp, req, 200, N_("Logged out"), NULL, NULL);
}

/*
 * The SSO pages. No router CSRF flag: a login form is bound to a cookie of
 * its own (saml_guard.c), the SP's requests are signed or checked against
 * its metadata; SameSite=None sessions because the SP's POST is cross-site.
 */
static const struct http_route_def sweb_routes[] = {
	{EVHTTP_REQ_GET, "/saml/metadata", 0, sweb_metadata},
	{EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/saml/sso", 0, sweb_sso},
	{EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/saml/login", 0, sweb_login},
	{EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/saml/logout", 0, sweb_logout},
	{EVHTTP_REQ_POST, "/saml/acs", 0, sweb_acs},
	{EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/saml/slo", 0, saml_slo},
};

int
saml_web_init(struct saml_idp *idp, struct http_server *hs)
{
	idp->sessions = calloc(SAML_SESSIONS_MAX, sizeof(*idp->sessions));
	idp->fails = limit_new(SAML_FAIL_KEYS, SAML_FAIL_WINDOW);
	idp->wq = workq_new(idp->base, 1, 64);
	idp->auth = auth_new(idp->st, idp->cfg->password.cost, 0, 0);
	if (idp->sessions == NULL || idp->fails == NULL || idp->wq == NULL || idp->auth == NULL)
		return SAML_ENOMEM;
	idp->hs = hs;
	if (http_server_routes(hs, sweb_routes, sizeof(sweb_routes) / sizeof(sweb_routes[0]), idp) <
	    0)
		return SAML_ECONFIG;
	return 0;
}

int
saml_idp_session_user(struct saml_idp *idp, struct evhttp_request *req, char *user,
		      size_t userlen)
{
	time_t now = time(NULL);
	struct saml_session *s = sweb_session_get(idp, req, now);

	int upstream = idp->sc->upstream != NULL; /* proxy mode: every login is upstream */

	if (s == NULL)
		return -1;
	/* the same rule as SSO: disabled, expired or deleted since login ends it */
	if (!upstream && auth_account_get(idp->auth, s->user, now, NULL) < 0)
		return -1;
	snprintf(user, userlen, "%s", s->user);
	return upstream;
}

void
saml_idp_login_local(struct saml_idp *idp, struct evhttp_request *req, const char *path,
		     const char *lang)
{
	struct saml_authn *a = calloc(1, sizeof(*a));
	time_t now = time(NULL);

	if (a == NULL || strncmp(path, "/saml/", 6) != 0 || strlen(path) >= sizeof(a->acs)) {
		free(a);
		sweb_error(idp, req, 400, SAML_EMALFORMED, "bad return path");
		return;
	}
	a->local = 1;
	a->created = now;
	snprintf(a->sp, sizeof(a->sp), "%s", http_tr(lang, "eduroam Wi-Fi"));
	snprintf(a->acs, sizeof(a->acs), "%s", path);
	saml_random_hex(a->token, SAML_TOKEN_HEX / 2);
	http_peer_key(req, a->src, sizeof(a->src));
	if (idp->sc->upstream != NULL) {
		sweb_proxy_redirect(idp, req, a, now);
	} else {
		saml_form_bind(req, a, 0);
		sweb_login_page(idp, req, a, lang, NULL, NULL);
		saml_pending_put(idp, a, now);
	}
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
	auth_free(idp->auth);
	idp->auth = NULL;
	idp->sessions = NULL;
	idp->fails = NULL;
}
