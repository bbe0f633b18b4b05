/* Onboarding pages and the letswifi API on the HTTPS front (see poort/onboard_web.h). */
#include "poort/onboard_web.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/devca.h"
#include "poort/http.h"
#include "poort/http_i18n.h"
#include "poort/http_tmpl.h"
#include "poort/log.h"
#include "poort/onboard_oauth.h"
#include "poort/onboard_profile.h"
#include "poort/password.h"
#include "poort/saml.h"
#include "poort/store_device.h"

#define OW_PASS_LEN 16

struct onboard_web {
	struct http_server *hs;
	struct saml_idp *idp;
	const struct config *cfg;
	struct store *st;
	struct devca *ca;
	struct onboard_server srv;
	struct onboard_signer sg; /* cert NULL: no mobileconfig */
	struct oauth *oauth;
	unsigned char key[32]; /* CSRF tokens */
	char base[256];        /* https://host[:port] */
};

enum ow_kind { OW_EAPCONFIG, OW_MOBILECONFIG, OW_P12 };

/* The page language: ?lang= (remembered), else as http_lang finds it. */
static const char *
ow_lang(struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req), *choice = NULL;

	if (strstr(uri, "lang=en") != NULL)
		choice = "en";
	else if (strstr(uri, "lang=nl") != NULL)
		choice = "nl";
	if (choice != NULL)
		http_lang_remember(req, choice);
	return http_lang(req, choice);
}

/* The student's platform from the User-Agent, for what the page puts first. */
static const char *
ow_platform(struct evhttp_request *req)
{
	const char *ua = evhttp_find_header(evhttp_request_get_input_headers(req), "User-Agent");

	if (ua == NULL)
		return "other";
	if (strstr(ua, "iPhone") != NULL || strstr(ua, "iPad") != NULL ||
	    strstr(ua, "Macintosh") != NULL)
		return "apple";
	if (strstr(ua, "Android") != NULL)
		return "android";
	if (strstr(ua, "Windows") != NULL)
		return "windows";
	if (strstr(ua, "Linux") != NULL || strstr(ua, "CrOS") != NULL)
		return "linux";
	return "other";
}

static void
ow_csrf(const struct onboard_web *ow, const char *user, char out[33])
{
	unsigned char mac[32];
	unsigned int len = sizeof(mac);

	HMAC(EVP_sha256(), ow->key, sizeof(ow->key), (const unsigned char *)user, strlen(user), mac,
	     &len);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static void
ow_text(struct evhttp_request *req, int code, const char *msg)
{
	http_reply(req, code, "text/plain; charset=utf-8", msg, strlen(msg), NULL);
}

static void
ow_json(struct evhttp_request *req, int code, json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	if (s == NULL)
		ow_text(req, 500, "out of memory");
	else
		http_reply(req, code, "application/json", s, strlen(s), NULL);
	free(s);
	json_decref(j);
}

static void
ow_oauth_error(struct evhttp_request *req, int code, const char *error, const char *why)
{
	ow_json(req, code, json_pack("{s:s, s:s}", "error", error, "error_description", why));
}

/* ---- issuing ---- */

/*
 * A new device of user and its document of kind (malloc'ed, in *out), with
 * the passphrase in pass. Logged. 0, or < 0 with a message for the student.
 */
static int
ow_issue(struct onboard_web *ow, const char *user, int upstream, const char *label,
	 enum ow_kind kind, int rsa, const char *via, unsigned char **out, size_t *outlen, char pass[OW_PASS_LEN + 1],
	 struct store_device *dev, const char **msg)
{
	const struct config_onboard *ob = &ow->cfg->onboard;
	struct devca_request rq = {.user = user, .realm = ow->cfg->realms[0], .label = label,
				   .rsa = rsa, .limit = ob->device_limit, .upstream = upstream};
	struct devca_issued is;
	struct onboard_profile p;
	unsigned char *p12 = NULL, *doc = NULL;
	size_t p12len = 0, doclen = 0;
	int rc;

	*out = NULL;
	rq.now = (int64_t)time(NULL);
	rq.expires = ob->validity_days > 0 ? rq.now + (int64_t)ob->validity_days * 86400
					   : devca_school_year_end(rq.now);
	if (kind == OW_MOBILECONFIG && ow->sg.cert == NULL) {
		*msg = "no signing key";
		return -1;
	}
	rc = devca_device_issue(ow->ca, ow->st, &rq, &is);
	if (rc < 0) {
		*msg = rc == DEVCA_ELIMIT ? "device-limit" : "cannot-issue";
		log_info("onboard issue result=refused user=%s via=%s reason=%s", user, via, *msg);
		return rc;
	}
	*dev = is.dev;
	rc = -1;
	*msg = "cannot-issue";
	for (int i = 0; i < 3; i++) /* a passphrase of letters and digits a student can type */
		if (password_generate(pass, OW_PASS_LEN) == 0) {
			rc = 0;
			break;
		}
	if (rc < 0 || devca_pkcs12(ow->ca, &is, pass, &p12, &p12len) < 0)
		goto fail;
	if (kind == OW_P12) {
		if ((*out = malloc(p12len)) == NULL)
			goto fail;
		memcpy(*out, p12, p12len);
		*outlen = p12len;
	} else {
		onboard_profile_init(&p, ow->cfg, &ow->srv);
		p.p12 = p12;
		p.p12_len = p12len;
		p.p12_pass = pass;
		p.valid_until = is.dev.expires;
		if (RAND_bytes(p.seed, sizeof(p.seed)) != 1)
			goto fail;
		if (kind == OW_EAPCONFIG) {
			if (onboard_eapconfig(&p, out, outlen) < 0)
				goto fail;
		} else {
			if (onboard_mobileconfig(&p, &doc, &doclen) < 0 ||
			    onboard_cms_sign(ow->sg.cert, ow->sg.key, ow->sg.chain, doc, doclen, out,
					     outlen) < 0)
				goto fail;
			/* OPENSSL_malloc'ed: copy so the caller frees with free() */
			unsigned char *c = malloc(*outlen);
			if (c != NULL)
				memcpy(c, *out, *outlen);
			OPENSSL_free(*out);
			if ((*out = c) == NULL)
				goto fail;
		}
	}
	log_info("onboard issue result=ok user=%s serial=%s via=%s kind=%s", user, is.dev.serial,
		 via, kind == OW_EAPCONFIG ? "eap-config" : kind == OW_P12 ? "pkcs12" : "mobileconfig");
	rc = 0;
	goto done;
fail:
	store_device_revoke(ow->st, is.dev.serial, rq.now);
	free(*out);
	*out = NULL;
	rc = -1;
done:
	if (doc != NULL)
		OPENSSL_cleanse(doc, doclen);
	free(doc);
	if (p12 != NULL)
		OPENSSL_cleanse(p12, p12len);
	OPENSSL_free(p12);
	devca_issued_free(&is);
	return rc;
}

/* ---- the student's page ---- */

#define OW_ROWS_MAX 100

struct ow_list {
	struct http_tv *tv;
	const char *csrf, *lang;
	int n, oom;
};

static int
ow_list_row(const struct store_device *d, void *arg)
{
	struct ow_list *l = arg;
	struct http_tv *row;
	char made[16], until[16];
	time_t t;
	struct tm tm;

	if (d->revoked != 0)
		return 0;
	t = (time_t)d->created;
	strftime(made, sizeof(made), "%Y-%m-%d", gmtime_r(&t, &tm));
	t = (time_t)d->expires;
	strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&t, &tm));
	if ((row = http_tv_add(l->tv, "devices")) == NULL ||
	    http_tv_set(row, "label", d->label[0] ? d->label : "-") < 0 ||
	    http_tv_set(row, "since", made) < 0 || http_tv_set(row, "until", until) < 0 ||
	    http_tv_set(row, "serial", d->serial) < 0)
		l->oom = 1;
	return l->oom || ++l->n >= OW_ROWS_MAX;
}

/* What the page says first, by platform (message ids of the catalogue). */
static const struct ow_advice {
	const char *platform, *text;
} ow_advice_by[] = {
	{"apple", N_("On iPhone, iPad and Mac: download the profile and install it in Settings.")},
	{"android",
	 N_("On Android: install the geteduroam app and open the eap-config file with it.")},
	{"windows",
	 N_("On Windows: install the geteduroam app and open the eap-config file with it.")},
	{"linux", N_("On Linux and Chromebooks: use the eap-config file with the geteduroam app, "
		     "or set up EAP-TLS by hand with the files below.")},
	{"other", N_("Download the file for your device below.")},
};

/* notice: a message id of the catalogue, or NULL. */
static void
ow_page(struct onboard_web *ow, struct evhttp_request *req, const char *user, const char *lang,
	const char *notice)
{
	const char *plat = ow_platform(req), *advice = ow_advice_by[4].text; /* "other" */
	struct http_tv *tv = http_tv_new();
	struct ow_list l = {.tv = tv, .lang = lang};
	char csrf[33];

	for (size_t i = 0; i < sizeof(ow_advice_by) / sizeof(ow_advice_by[0]); i++)
		if (strcmp(ow_advice_by[i].platform, plat) == 0)
			advice = ow_advice_by[i].text;
	ow_csrf(ow, user, csrf);
	if (tv == NULL || http_tv_set(tv, "lang", lang) < 0 ||
	    http_tv_set(tv, "title", http_tr(lang, "Connect your device to eduroam")) < 0 ||
	    http_tv_set(tv, "school", ow->cfg->onboard.display_name) < 0 ||
	    http_tv_set(tv, "user", user) < 0 ||
	    http_tv_set(tv, "notice", notice != NULL ? http_tr(lang, notice) : NULL) < 0 ||
	    http_tv_set(tv, "platform", plat) < 0 ||
	    http_tv_set(tv, "advice", http_tr(lang, advice)) < 0 ||
	    http_tv_set(tv, "csrf", csrf) < 0 || http_tv_set(tv, "server", ow->srv.name) < 0 ||
	    http_tv_set(tv, "other_lang", http_lang_other(lang)) < 0 ||
	    http_tv_set(tv, "other_lang_name", http_lang_name(http_lang_other(lang))) < 0) {
		ow_text(req, 500, "out of memory");
		goto done;
	}
	store_device_foreach(ow->st, user, ow_list_row, &l);
	if (l.oom)
		ow_text(req, 500, "out of memory");
	else
		http_page(ow->hs, req, 200, "onboard", tv, lang, NULL);
done:
	http_tv_free(tv);
}

/*
 * The logged-in user: 0 a local account, 1 a proxy-mode user of the
 * upstream IdP; -1 with the login already sent.
 */
static int
ow_user(struct onboard_web *ow, struct evhttp_request *req, const char *back, char *user,
	size_t userlen, const char *lang)
{
	int rc = saml_idp_session_user(ow->idp, req, user, userlen);

	if (rc < 0)
		saml_idp_login_local(ow->idp, req, back, lang);
	return rc;
}

static void
ow_onboard(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	char user[80], back[32];
	const char *lang = ow_lang(req);

	snprintf(back, sizeof(back), "/saml/onboard?lang=%s", lang);
	if (ow_user(ow, req, back, user, sizeof(user), lang) < 0)
		return;
	ow_page(ow, req, user, lang, NULL);
}

/* The form fields of a POST, each at most once; 0 or -1. */
static int
ow_form(struct evhttp_request *req, struct http_param *p, size_t n, char **body)
{
	size_t len = 0;
	const char *dup;

	*body = NULL;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    (*body = http_body_copy(req, &len)) == NULL || http_query_scan(*body, len, p, n, &dup) < 0)
		return -1;
	return 0;
}

static char *
ow_value(const struct http_param *p)
{
	return p->raw != NULL ? http_param_decode(p->raw, p->rawlen, 1) : NULL;
}

static int
ow_csrf_ok(struct onboard_web *ow, const char *user, const char *got)
{
	char want[33];

	ow_csrf(ow, user, want);
	return got != NULL && strlen(got) == 32 && CRYPTO_memcmp(want, got, 32) == 0;
}

/* The PKCS#12 file, its passphrase and what to set by hand, on one page. */
static void
ow_p12_page(struct onboard_web *ow, struct evhttp_request *req, const char *lang,
	    const unsigned char *doc, size_t len, const char *pass)
{
	char *b64 = malloc(4 * ((len + 2) / 3) + 1);
	struct http_tv *tv = http_tv_new();

	if (b64 != NULL)
		EVP_EncodeBlock((unsigned char *)b64, doc, (int)len);
	if (b64 == NULL || tv == NULL || http_tv_set(tv, "lang", lang) < 0 ||
	    http_tv_set(tv, "title", http_tr(lang, "Set up eduroam by hand")) < 0 ||
	    http_tv_set(tv, "p12", b64) < 0 || http_tv_set(tv, "passphrase", pass) < 0 ||
	    http_tv_set(tv, "server", ow->srv.name) < 0 ||
	    http_tv_set(tv, "outer", ow->srv.outer) < 0)
		ow_text(req, 500, "out of memory");
	else
		http_page(ow->hs, req, 200, "onboard_p12", tv, lang, NULL);
	/* the passphrase and the key: cleared (http_tv_free frees its copies) */
	if (b64 != NULL)
		OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	http_tv_free(tv);
}

static void
ow_download(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	struct http_param p[5] = {{.name = "csrf"}, {.name = "kind"}, {.name = "label"},
				  {.name = "lang"}, {.name = "key"}};
	char *body = NULL, *csrf = NULL, *kind = NULL, *label = NULL, *lang = NULL, *key = NULL;
	char user[80];
	char pass[OW_PASS_LEN + 1] = "", disp[128];
	unsigned char *doc = NULL;
	size_t len = 0;
	struct store_device dev;
	const char *msg, *lg;
	enum ow_kind k;
	int up, rsa = ow->cfg->onboard.rsa;

	if (ow_form(req, p, 5, &body) < 0) {
		ow_text(req, 400, "bad form");
		goto done;
	}
	csrf = ow_value(&p[0]);
	kind = ow_value(&p[1]);
	label = ow_value(&p[2]);
	lang = ow_value(&p[3]);
	key = ow_value(&p[4]);
	lg = http_lang(req, lang);
	if ((up = saml_idp_session_user(ow->idp, req, user, sizeof(user))) < 0) {
		ow_text(req, 403, http_tr(lg, "Log in first."));
		goto done;
	}
	if (!ow_csrf_ok(ow, user, csrf) || kind == NULL) {
		ow_text(req, 403, "bad form token");
		goto done;
	}
	if (strcmp(kind, "eap-config") == 0)
		k = OW_EAPCONFIG;
	else if (strcmp(kind, "mobileconfig") == 0)
		k = OW_MOBILECONFIG;
	else if (strcmp(kind, "pkcs12") == 0)
		k = OW_P12;
	else {
		ow_text(req, 400, "bad kind");
		goto done;
	}
	/* an old device asks for RSA-2048 (key=rsa); none: the box's key_type */
	if (key != NULL && strcmp(key, "rsa") == 0)
		rsa = 1;
	else if (key != NULL && strcmp(key, "ec") == 0)
		rsa = 0;
	else if (key != NULL) {
		ow_text(req, 400, "bad key type (ec or rsa)");
		goto done;
	}
	if (label != NULL && strlen(label) > STORE_LABEL_MAX)
		label[STORE_LABEL_MAX] = '\0';
	if (ow_issue(ow, user, up, label, k, rsa, "web", &doc, &len, pass, &dev, &msg) < 0) {
		ow_page(ow, req, user, lg,
			strcmp(msg, "device-limit") == 0
			    ? N_("You have as many devices as allowed: revoke one first.")
			    : N_("No certificate could be made; ask the school."));
		goto done;
	}
	if (k == OW_P12) {
		ow_p12_page(ow, req, lg, doc, len, pass);
		goto done;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"eduroam.%s\"",
		 k == OW_EAPCONFIG ? "eap-config" : "mobileconfig");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Disposition", disp);
	http_reply(req, 200,
		   k == OW_EAPCONFIG ? "application/eap-config" : "application/x-apple-aspen-config",
		   (const char *)doc, len, NULL);
done:
	if (doc != NULL)
		OPENSSL_cleanse(doc, len);
	OPENSSL_cleanse(pass, sizeof(pass));
	free(doc);
	free(body);
	free(csrf);
	free(kind);
	free(label);
	free(lang);
	free(key);
}

static void
ow_revoke(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	struct http_param p[3] = {{.name = "csrf"}, {.name = "serial"}, {.name = "lang"}};
	char *body = NULL, *csrf = NULL, *serial = NULL, *lang = NULL, user[80], err[256];
	struct store_device d;
	const char *lg;

	if (ow_form(req, p, 3, &body) < 0) {
		ow_text(req, 400, "bad form");
		goto done;
	}
	csrf = ow_value(&p[0]);
	serial = ow_value(&p[1]);
	lang = ow_value(&p[2]);
	lg = http_lang(req, lang);
	if (saml_idp_session_user(ow->idp, req, user, sizeof(user)) < 0 ||
	    !ow_csrf_ok(ow, user, csrf)) {
		ow_text(req, 403, "bad form token");
		goto done;
	}
	/* only the student's own devices */
	if (serial == NULL || store_device_get(ow->st, serial, &d) < 0 ||
	    strcmp(d.username, user) != 0 || store_device_revoke(ow->st, serial, time(NULL)) < 0) {
		ow_page(ow, req, user, lg, N_("No such device."));
		goto done;
	}
	log_info("onboard revoke user=%s serial=%s via=web", user, serial);
	if (devca_crl_write(ow->ca, ow->st, (int64_t)time(NULL), err, sizeof(err)) < 0)
		log_error("onboarding: %s", err);
	ow_page(ow, req, user, lg, N_("The device was revoked."));
done:
	free(body);
	free(csrf);
	free(serial);
	free(lang);
}

/* ---- public files ---- */

static void
ow_ca(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	const unsigned char *p = ow->srv.ca_der;
	X509 *x = d2i_X509(NULL, &p, (long)ow->srv.ca_len);
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long n;

	if (x == NULL || b == NULL || PEM_write_bio_X509(b, x) != 1 ||
	    (n = BIO_get_mem_data(b, &pem)) <= 0)
		ow_text(req, 500, "no CA");
	else
		http_reply(req, 200, "application/x-pem-file", pem, (size_t)n, NULL);
	BIO_free(b);
	X509_free(x);
}

static void
ow_crl(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	unsigned char *der = NULL;
	size_t len = 0;

	/* made from the store on each request: always the current revocations */
	if (devca_crl(ow->ca, ow->st, (int64_t)time(NULL), &der, &len) < 0)
		ow_text(req, 500, "no CRL");
	else
		http_reply(req, 200, "application/pkix-crl", (const char *)der, len, NULL);
	OPENSSL_free(der);
}

/* ---- letswifi API ---- */

static void
ow_discovery(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	char a[400], t[400], e[400];

	snprintf(a, sizeof(a), "%s/saml/onboard/authorize", ow->base);
	snprintf(t, sizeof(t), "%s/onboard/token", ow->base);
	snprintf(e, sizeof(e), "%s/onboard/api/eap-config", ow->base);
	ow_json(req, 200,
		json_pack("{s:{s:i, s:s, s:s, s:s}}", "http://letswifi.app/api#v2", "apiVersion", 2,
			  "authorization_endpoint", a, "token_endpoint", t, "eapconfig_endpoint",
			  e));
}

static void
ow_authorize(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	const char *uri = evhttp_request_get_uri(req), *q = strchr(uri, '?'), *why = "";
	struct oauth_authz a;
	char user[80], code[OAUTH_SECRET_LEN + 1], *loc = NULL, *st = NULL;
	size_t loclen;
	int rc, up;

	rc = q != NULL ? oauth_authz_parse(q + 1, strlen(q + 1), &a, &why) : OAUTH_EINVAL;
	if (rc < 0) {
		/* never redirect on a bad request: the redirect_uri itself may be the problem */
		log_info("onboard authorize result=refused reason=\"%s\"", why);
		ow_text(req, 400, why[0] ? why : "no query");
		return;
	}
	if ((up = ow_user(ow, req, uri, user, sizeof(user), ow_lang(req))) < 0)
		return;
	if (oauth_code_new(ow->oauth, &a, user, up, time(NULL), code) < 0) {
		ow_text(req, 500, "out of memory");
		return;
	}
	st = evhttp_encode_uri(a.state);
	loclen = strlen(a.redirect_uri) + strlen(code) + (st != NULL ? strlen(st) : 0) + 16;
	if (st != NULL && (loc = malloc(loclen)) != NULL) {
		snprintf(loc, loclen, "%s%scode=%s%s%s", a.redirect_uri,
			 strchr(a.redirect_uri, '?') != NULL ? "&" : "?", code,
			 a.state[0] ? "&state=" : "", a.state[0] ? st : "");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Location", loc);
		http_reply(req, 302, "text/plain; charset=utf-8", "", 0, NULL);
		log_info("onboard authorize result=ok user=%s client=%s", user, a.client_id);
	} else {
		ow_text(req, 500, "out of memory");
	}
	OPENSSL_cleanse(code, sizeof(code));
	free(loc);
	free(st);
}

static void
ow_token(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	struct oauth_token_req t;
	char *body = NULL, token[OAUTH_SECRET_LEN + 1], user[80];
	const char *why = "";
	size_t len = 0;
	int rc, up;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    (body = http_body_copy(req, &len)) == NULL) {
		ow_oauth_error(req, 400, "invalid_request", "POST a form");
		return;
	}
	rc = oauth_token_parse(body, len, &t, &why);
	free(body);
	if (rc == OAUTH_ETYPE) {
		ow_oauth_error(req, 400, "unsupported_grant_type", why);
		goto done;
	}
	if (rc < 0) {
		ow_oauth_error(req, 400, "invalid_request", why);
		goto done;
	}
	if (oauth_token_new(ow->oauth, &t, time(NULL), token, user, sizeof(user), &up) < 0) {
		log_info("onboard token result=refused client=%s reason=invalid-grant", t.client_id);
		ow_oauth_error(req, 400, "invalid_grant", "unknown, used or expired code, or wrong"
							  " verifier");
		goto done;
	}
	log_info("onboard token result=ok user=%s client=%s", user, t.client_id);
	ow_json(req, 200,
		json_pack("{s:s, s:s, s:i, s:s}", "access_token", token, "token_type", "Bearer",
			  "expires_in", OAUTH_TOKEN_TTL, "scope", OAUTH_SCOPE));
	OPENSSL_cleanse(token, sizeof(token));
done:
	OPENSSL_cleanse(&t, sizeof(t));
}

static void
ow_api_eapconfig(struct evhttp_request *req, void *arg)
{
	struct onboard_web *ow = arg;
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Authorization");
	char user[80], pass[OW_PASS_LEN + 1];
	unsigned char *doc = NULL;
	size_t len = 0;
	struct store_device dev;
	const char *msg;
	int up;

	if (oauth_token_check(ow->oauth, auth, time(NULL), user, sizeof(user), &up) < 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer error=\"invalid_token\"");
		ow_oauth_error(req, 401, "invalid_token", "no valid access token");
		return;
	}
	if (ow_issue(ow, user, up, "geteduroam", OW_EAPCONFIG, ow->cfg->onboard.rsa, "api", &doc, &len, pass, &dev,
		     &msg) < 0) {
		ow_oauth_error(req, strcmp(msg, "device-limit") == 0 ? 403 : 500,
			       strcmp(msg, "device-limit") == 0 ? "device_limit" : "server_error",
			       msg);
		return;
	}
	http_reply(req, 200, "application/eap-config", (const char *)doc, len, NULL);
	OPENSSL_cleanse(doc, len);
	OPENSSL_cleanse(pass, sizeof(pass));
	free(doc);
}

/*
 * The onboarding pages and the letswifi API. The student's forms carry a
 * token of their own (ow_csrf, tied to the SSO session's user); the API
 * is OAuth with PKCE.
 */
static const struct http_route_def ow_routes[] = {
	{EVHTTP_REQ_GET, "/saml/onboard", 0, ow_onboard},
	{EVHTTP_REQ_POST, "/saml/onboard/download", 0, ow_download},
	{EVHTTP_REQ_POST, "/saml/onboard/revoke", 0, ow_revoke},
	{EVHTTP_REQ_GET, "/saml/onboard/authorize", 0, ow_authorize},
	{EVHTTP_REQ_POST, "/onboard/token", 0, ow_token},
	{EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/onboard/api/eap-config", 0, ow_api_eapconfig},
	{EVHTTP_REQ_GET, "/onboard/ca.pem", 0, ow_ca},
	{EVHTTP_REQ_GET, "/onboard/crl", 0, ow_crl},
	{EVHTTP_REQ_GET, "/.well-known/letswifi.json", 0, ow_discovery},
};

struct onboard_web *
onboard_web_new(struct http_server *hs, struct saml_idp *idp, const struct config *cfg,
		struct store *st, struct devca *ca, char *err, size_t errlen)
{
	struct onboard_web *ow = calloc(1, sizeof(*ow));

	if (ow == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ow->idp = idp;
	/* kept across reloads until freed: the pages use the config they started with */
	ow->cfg = config_hold(cfg);
	ow->st = st;
	ow->ca = ca;
	if (onboard_server_load(cfg, &ow->srv, err, errlen) < 0)
		goto fail;
	if (cfg->http != NULL &&
	    onboard_signer_load(cfg->http->cert, cfg->http->key, &ow->sg, err, errlen) < 0)
		goto fail;
	snprintf(ow->base, sizeof(ow->base), "%s", cfg->saml != NULL ? cfg->saml->base_url : "");
	if ((ow->oauth = oauth_new(256)) == NULL || RAND_bytes(ow->key, sizeof(ow->key)) != 1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ow->hs = hs;
	if (http_server_routes(hs, ow_routes, sizeof(ow_routes) / sizeof(ow_routes[0]), ow) < 0) {
		snprintf(err, errlen, "cannot add the onboarding routes");
		goto fail;
	}
	return ow;
fail:
	onboard_web_free(ow);
	return NULL;
}

void
onboard_web_free(struct onboard_web *ow)
{
	if (ow == NULL)
		return;
	if (ow->cfg != NULL)
		config_put(ow->cfg);
	onboard_server_free(&ow->srv);
	onboard_signer_free(&ow->sg);
	oauth_free(ow->oauth);
	OPENSSL_cleanse(ow->key, sizeof(ow->key));
	free(ow);
}
