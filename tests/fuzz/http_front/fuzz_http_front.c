/*
 * The HTTP request front as the handlers see it: a request (method, URI,
 * headers, body) parsed the way libevent hands it over, through the
 * router's rate limit and path match, into every route of the SSO pages:
 * query strings and form bodies (evhttp_parse_query_str), cookies
 * (http_cookie_get and the session lookup), Accept-Language, the login
 * form, /saml/acs, /saml/slo, /saml/logout, /saml/metadata.
 *
 * Input: flags (1), then requests as text ("METHOD URI", header lines, an
 * empty line, the body), separated by a line "#". In a request, @CTX@ is
 * the ctx of a login form waiting for a password (flag bit 0 makes one if
 * the requests use @CTX@, @FORM@ or @COOKIE@),
 * @FORM@ its hidden fields ("ctx=...&lang=..."), @COOKIE@ the cookies the
 * replies set so far, with a session (flag bit 1 logs in first),
 * @SAMLREQ@ a valid Redirect-binding SAMLRequest value and @SAMLPOST@ a
 * valid POST-binding one (both for the unsigned test SP, fresh ID and time).
 * @ADMIN@ is the cookie of a logged-in admin session (http_session.h) and
 * @CSRF@ its token, for /fz/admin: a route with the router's session, role
 * and CSRF flags whose handler reads the form (urlencoded or multipart).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_web.h"
#include "poort/http.h"
#include "poort/http_form.h"
#include "poort/http_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct subst {
	char admin[HTTP_SID_HEX + 32], csrf[HTTP_CSRF_HEX + 1];
	char ctx[80];
	char form[1024];
	char *samlreq, *samlpost;
};

/* A pending login (the ctx of its form), and if asked the session of a login. */
static void
prepare(struct fz_web *w, uint8_t flags, struct subst *s)
{
	char *xml = fz_authn_request(0), *b = fz_deflate_b64(xml, strlen(xml)), *q = NULL, *uri;

	s->samlreq = fz_urlencode(b);
	free(b);
	b = fz_b64((const unsigned char *)xml, strlen(xml));
	s->samlpost = fz_urlencode(b);
	free(b);
	free(xml);
	if (!(flags & 3))
		return;
	xml = fz_authn_request(0);
	b = fz_deflate_b64(xml, strlen(xml));
	q = fz_urlencode(b);
	if (asprintf(&uri, "/saml/sso?SAMLRequest=%s", q) < 0)
		abort();
	fz_web_request(w, EVHTTP_REQ_GET, uri, NULL, NULL, 0);
	free(uri);
	free(q);
	free(b);
	free(xml);
	if (fz_reply_ctx(s->ctx) == NULL || fz_reply_form(s->form, sizeof(s->form)) == NULL)
		return;
	if (flags & 2) {
		char *body = NULL, hdr[1100];
		if (asprintf(&body, "%s&username=" FZ_WEB_USER "&password=correct+horse", s->form) <
		    0)
			abort();
		snprintf(hdr, sizeof(hdr), "Origin: " FZ_IDP_ORIGIN "\n%s%s%s",
		         fz_jar[0] ? "Cookie: " : "", fz_jar, fz_jar[0] ? "\n" : "");
		fz_web_request(w, EVHTTP_REQ_POST, "/saml/login", hdr, body, strlen(body));
		free(body);
		/* and a fresh form waiting, for @CTX@ */
		xml = fz_authn_request(1);
		b = fz_deflate_b64(xml, strlen(xml));
		q = fz_urlencode(b);
		if (asprintf(&uri, "/saml/sso?SAMLRequest=%s", q) < 0)
			abort();
		fz_web_request(w, EVHTTP_REQ_GET, uri, NULL, NULL, 0);
		fz_reply_ctx(s->ctx);
		fz_reply_form(s->form, sizeof(s->form));
		free(uri);
		free(q);
		free(b);
		free(xml);
	}
}

static char *
expand(const char *in, size_t len, const struct subst *s, size_t *outlen)
{
	static const char *const names[] = {"@CTX@",  "@COOKIE@", "@SAMLREQ@", "@SAMLPOST@",
	                                    "@FORM@", "@ADMIN@",  "@CSRF@"};
	const char *vals[] = {s->ctx, fz_jar, s->samlreq, s->samlpost, s->form, s->admin, s->csrf};
	size_t cap = len + 1, o = 0;
	char *out;

	for (size_t k = 0; k < 7; k++)
		cap += strlen(vals[k]) * (len / strlen(names[k]) + 1);
	if ((out = malloc(cap)) == NULL)
		abort();
	for (size_t i = 0; i < len;) {
		size_t k;
		for (k = 0; k < 7; k++)
			if (len - i >= strlen(names[k]) &&
			    memcmp(in + i, names[k], strlen(names[k])) == 0)
				break;
		if (k < 7) {
			memcpy(out + o, vals[k], strlen(vals[k]));
			o += strlen(vals[k]);
			i += strlen(names[k]);
		} else {
			out[o++] = in[i++];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* One request in text form: "METHOD URI ...", header lines, "", body. */
static void
one(struct fz_web *w, const char *req, size_t len)
{
	const char *eol = memchr(req, '\n', len), *sp, *hend;
	char *line, *uri, *headers;
	enum evhttp_cmd_type cmd;
	size_t hlen;

	if (eol == NULL)
		eol = req + len;
	line = strndup(req, (size_t)(eol - req));
	if (line == NULL)
		abort();
	if (strncmp(line, "GET ", 4) == 0)
		cmd = EVHTTP_REQ_GET;
	else if (strncmp(line, "POST ", 5) == 0)
		cmd = EVHTTP_REQ_POST;
	else if (strncmp(line, "HEAD ", 5) == 0)
		cmd = EVHTTP_REQ_HEAD;
	else
		goto done; /* evhttp_set_allowed_methods refuses the others */
	uri = strchr(line, ' ') + 1;
	if ((sp = strchr(uri, ' ')) != NULL)
		*(char *)(uintptr_t)sp = '\0';
	if (uri[0] != '\0' && uri[strlen(uri) - 1] == '\r')
		uri[strlen(uri) - 1] = '\0';
	if (eol < req + len)
		eol++;
	hend = eol;
	/* headers to the first empty line */
	while (hend < req + len && *hend != '\n' &&
	       !(*hend == '\r' && hend + 1 < req + len && hend[1] == '\n')) {
		const char *n = memchr(hend, '\n', (size_t)(req + len - hend));
		hend = n != NULL ? n + 1 : req + len;
	}
	hlen = (size_t)(hend - eol);
	headers = strndup(eol, hlen);
	if (hend < req + len)
		hend += *hend == '\r' ? 2 : 1;
	if (hend > req + len)
		hend = req + len;
	fz_web_request(w, cmd, uri, headers, hend, (size_t)(req + len - hend));
	free(headers);
done:
	free(line);
}

/* A page behind the router's session, role and CSRF checks that reads its form. */
static void
fz_admin_page(struct evhttp_request *req, void *arg)
{
	const struct http_form_limits lim = {.fields = 8, .name = 32, .value = 512, .file = 4096};
	struct http_form f;
	int rc = evhttp_request_get_command(req) == EVHTTP_REQ_POST ? http_form_read(&f, req, &lim)
	                                                             : 0;

	(void)arg;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST)
		http_form_free(&f);
	http_reply(req, rc < 0 ? 400 : 200, "text/plain", "ok", 2, NULL);
}

static const struct http_route_def fz_routes[] = {
	{EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/fz/admin",
	 HTTP_R_SESSION | HTTP_R_CSRF | HTTP_R_ROLE_ADMIN, fz_admin_page},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_web *w = fz_web_get();
	struct http_sessions *ss = http_server_sessions(fz_web_server(w));
	struct http_session *as = NULL;
	static int routed;
	char sid[HTTP_SID_HEX + 1];
	struct subst s;
	uint8_t flags;
	const char *p, *end;
	size_t len;
	char *text;
	int n = 0;

	if (size < 1 || size > 30000)
		return 0;
	fz_web_reset(w);
	memset(&s, 0, sizeof(s));
	/* the slow preparations only for inputs that use what they make */
	flags = data[0] & 3;
	if (!memmem(data + 1, size - 1, "@CTX@", 5) && !memmem(data + 1, size - 1, "@FORM@", 6) &&
	    !memmem(data + 1, size - 1, "@COOKIE@", 8))
		flags = 0;
	prepare(w, flags, &s);
	if (!routed && http_server_routes(fz_web_server(w), fz_routes, 1, NULL) < 0)
		abort();
	routed = 1;
	if (memmem(data + 1, size - 1, "@ADMIN@", 7) != NULL &&
	    (as = http_session_create(ss, time(NULL), sid)) != NULL &&
	    http_session_login(ss, as, "beheer", "admin", time(NULL), sid) == 0) {
		snprintf(s.admin, sizeof(s.admin), "__Host-poort_admin=%s", sid);
		memcpy(s.csrf, as->csrf, sizeof(s.csrf));
	}
	text = expand((const char *)data + 1, size - 1, &s, &len);
	for (p = text, end = text + len; p < end && n < 4; n++) {
		const char *sep = memmem(p, (size_t)(end - p), "\n#\n", 3);
		size_t l = sep != NULL ? (size_t)(sep - p) : (size_t)(end - p);
		one(w, p, l);
		p += l + (sep != NULL ? 3 : 0);
	}
	free(text);
	http_session_end(ss, as); /* the table is bounded: one session per input */
	free(s.samlreq);
	free(s.samlpost);
	return 0;
}
