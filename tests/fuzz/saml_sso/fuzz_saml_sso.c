/*
 * The SSO request path past the pre-checks, through the HTTP front as a
 * browser reaches it: /saml/sso (Redirect, optionally signed by the SP, or
 * POST, optionally with an enveloped signature) with a request that passes
 * the age, replay and ACS checks, then what follows: lasso's processing,
 * the session cookie, the login page, /saml/login with the password checked
 * against the store on the worker, the signed (and for one SP encrypted)
 * response with the released attributes and NameID, a second request in
 * the same session, and logout.
 *
 * Input: flags (1), RelayState length (1), RelayState, AuthnRequest XML in
 * which @NOW@ becomes the time and @ID@ a fresh ID (see fz_web_expand).
 * Flags: bit 0 Redirect (else POST), bit 1 signed, bit 2 log in at the
 * login page, bit 3 a wrong password first, bit 4 the same request again
 * (fresh ID) with the session cookie, bit 5 log out, bit 6 English.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	F_REDIRECT = 0x01,
	F_SIGN = 0x02,
	F_LOGIN = 0x04,
	F_WRONG = 0x08,
	F_AGAIN = 0x10,
	F_LOGOUT = 0x20,
	F_EN = 0x40,
};

static void
sso(struct fz_web *w, uint8_t flags, const char *xml, const char *relay)
{
	const char *cookie = fz_jar;
	char *enc = NULL, *q = NULL, *uri = NULL, *signed_xml = NULL, *rs = NULL, hdr[1400];

	snprintf(hdr, sizeof(hdr), "Accept-Language: %s\n%s%s%s", (flags & F_EN) ? "en" : "nl",
	         cookie[0] ? "Cookie: " : "", cookie, cookie[0] ? "\n" : "");
	rs = relay != NULL ? fz_urlencode(relay) : NULL;
	if (flags & F_REDIRECT) {
		char *b = fz_deflate_b64(xml, strlen(xml));
		enc = fz_urlencode(b);
		free(b);
		if (asprintf(&q, "SAMLRequest=%s%s%s", enc, rs ? "&RelayState=" : "",
		             rs ? rs : "") < 0)
			abort();
		if (flags & F_SIGN) {
			char *s = fz_query_sign(w, q);
			free(q);
			q = s;
		}
		if (asprintf(&uri, "/saml/sso?%s", q) < 0)
			abort();
		fz_web_request(w, EVHTTP_REQ_GET, uri, hdr, NULL, 0);
	} else {
		char *b;
		if ((flags & F_SIGN) && (signed_xml = fz_xml_sign(w, xml)) != NULL)
			xml = signed_xml;
		b = fz_b64((const unsigned char *)xml, strlen(xml));
		enc = fz_urlencode(b);
		free(b);
		if (asprintf(&q, "SAMLRequest=%s%s%s", enc, rs ? "&RelayState=" : "",
		             rs ? rs : "") < 0)
			abort();
		strcat(hdr, "Content-Type: application/x-www-form-urlencoded\n");
		fz_web_request(w, EVHTTP_REQ_POST, "/saml/sso", hdr, q, strlen(q));
	}
	free(rs);
	free(enc);
	free(q);
	free(uri);
	free(signed_xml);
}

/* Posts the login form back as a browser would: its hidden fields, our cookies, our origin. */
static void
login(struct fz_web *w, const char *form, const char *password)
{
	char *body = NULL, hdr[1200];

	if (asprintf(&body, "%s&username=" FZ_WEB_USER "&password=%s", form, password) < 0)
		abort();
	snprintf(hdr, sizeof(hdr),
	         "Content-Type: application/x-www-form-urlencoded\nOrigin: " FZ_IDP_ORIGIN
	         "\n%s%s%s",
	         fz_jar[0] ? "Cookie: " : "", fz_jar, fz_jar[0] ? "\n" : "");
	fz_web_request(w, EVHTTP_REQ_POST, "/saml/login", hdr, body, strlen(body));
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_web *w = fz_web_get();
	char *raw, *xml, *relay = NULL, form[1024];
	size_t rlen;
	uint8_t flags;

	if (size < 2 || size > 30000)
		return 0;
	flags = data[0];
	rlen = data[1];
	if (rlen > size - 2)
		return 0;
	fz_web_reset(w);
	if (rlen > 0)
		relay = strndup((const char *)data + 2, rlen);
	raw = strndup((const char *)data + 2 + rlen, size - 2 - rlen);
	xml = fz_web_expand(raw, strlen(raw));
	sso(w, flags, xml, relay);
	if ((flags & F_LOGIN) && fz_reply_form(form, sizeof(form)) != NULL) {
		if (flags & F_WRONG)
			login(w, form, "wrong+horse");
		login(w, form, "correct+horse");
	}
	if (flags & F_AGAIN) {
		free(xml);
		xml = fz_web_expand(raw, strlen(raw));
		sso(w, flags, xml, relay);
	}
	if ((flags & F_LOGOUT) && fz_jar[0] != '\0') {
		char hdr[1100];
		snprintf(hdr, sizeof(hdr), "Cookie: %s\n", fz_jar);
		fz_web_request(w, EVHTTP_REQ_GET, "/saml/logout", hdr, NULL, 0);
	}
	free(raw);
	free(xml);
	free(relay);
	return 0;
}
