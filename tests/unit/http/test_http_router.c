/*
 * The router: exact paths over prefixes, longer prefixes first, 404 and
 * 405 from the router, routes of one listener invisible on the other, the
 * admin listener's address check, and the session and CSRF flags (token,
 * Origin, a token sent twice) checked before a handler runs. Requests are
 * built in memory and dispatched as a connection would (tests/fuzz/saml_web).
 */
#include <arpa/inet.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_web.h"
#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/http.h"
#include "poort/http_session.h"
#include "test.h"

static const char *ran;

static void
h_named(struct evhttp_request *req, void *arg)
{
	ran = arg;
	http_reply(req, 200, "text/plain", "ok", 2, NULL);
}

static void
h_exact(struct evhttp_request *req, void *arg)
{
	(void)arg;
	h_named(req, "exact");
}
static void
h_prefix(struct evhttp_request *req, void *arg)
{
	(void)arg;
	h_named(req, "prefix");
}
static void
h_deeper(struct evhttp_request *req, void *arg)
{
	(void)arg;
	h_named(req, "deeper");
}
static void
h_admin(struct evhttp_request *req, void *arg)
{
	(void)arg;
	h_named(req, "admin");
}
static void
h_form(struct evhttp_request *req, void *arg)
{
	(void)arg;
	h_named(req, "form");
}

static const struct http_route_def routes[] = {
    {EVHTTP_REQ_GET, "/t/exact", 0, h_exact},
    {EVHTTP_REQ_GET, "/t/", HTTP_R_PREFIX, h_prefix},
    {EVHTTP_REQ_GET, "/t/deeper/", HTTP_R_PREFIX, h_deeper},
    {EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/admin/x", HTTP_R_ADMIN, h_admin},
    {EVHTTP_REQ_GET | EVHTTP_REQ_POST, "/t/form", HTTP_R_SESSION | HTTP_R_CSRF, h_form},
    {EVHTTP_REQ_POST, "/t/anon", HTTP_R_CSRF, h_form},
    {EVHTTP_REQ_GET, "/t/settings", HTTP_R_SESSION | HTTP_R_ROLE_ADMIN, h_form},
};

static int
req(int listener, enum evhttp_cmd_type cmd, const char *uri, const char *hdrs, const char *body)
{
	ran = NULL;
	fz_web_request_on(fz_web_get(), listener, cmd, uri, hdrs, body, body ? strlen(body) : 0);
	return fz_reply.code;
}

static void
test_paths(void)
{
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/exact?x=1", NULL, NULL), 200);
	CHECK_STR(ran, "exact");
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_HEAD, "/t/exact", NULL, NULL), 200);
	CHECK_STR(ran, "exact");
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/exact/more", NULL, NULL), 200);
	CHECK_STR(ran, "prefix");
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/deeper/a", NULL, NULL), 200);
	CHECK_STR(ran, "deeper");
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t", NULL, NULL), 404);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/nothing", NULL, NULL), 404);
	CHECK(ran == NULL);
	/* a path that is there, a method that is not */
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/exact", NULL, "a=1"), 405);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/saml/metadata", NULL, "a=1"), 405);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/saml/acs", NULL, NULL), 405);
	CHECK(ran == NULL);
	/* the admin route: not there for students; on the admin listener only from
	 * http.admin_allow (a request without a connection has no address) */
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/admin/x", NULL, NULL), 404);
	CHECK_INT(req(HTTP_ADMIN, EVHTTP_REQ_GET, "/admin/x", NULL, NULL), 403);
	CHECK(ran == NULL);
	/* and the students' pages are not on the admin listener */
	CHECK_INT(req(HTTP_ADMIN, EVHTTP_REQ_GET, "/saml/metadata", NULL, NULL), 403);
}

static void
test_session_csrf(void)
{
	struct http_sessions *ss = http_server_sessions(fz_web_server(fz_web_get()));
	char id[HTTP_SID_HEX + 1], anon[HTTP_SID_HEX + 1], hdr[512], body[512];
	struct http_session *s = http_session_create(ss, time(NULL), id), *a;

	CHECK(s != NULL);
	/* anonymous: no principal, no page */
	snprintf(hdr, sizeof(hdr), "Cookie: __Host-poort_admin=%s", id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/form", hdr, NULL), 403);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/form", NULL, NULL), 403);
	CHECK_INT(http_session_login(ss, s, "beheer", "admin", time(NULL), id), 0);
	snprintf(hdr, sizeof(hdr), "Cookie: __Host-poort_admin=%s", id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/form", hdr, NULL), 200);
	CHECK_STR(ran, "form");
	/* a page for the admin role only */
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/settings", hdr, NULL), 200);
	a = http_session_create(ss, time(NULL), anon);
	CHECK_INT(http_session_login(ss, a, "hulp", "helpdesk", time(NULL), anon), 0);
	snprintf(body, sizeof(body), "Cookie: __Host-poort_admin=%s", anon);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/settings", body, NULL), 403);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/form", body, NULL), 200);
	/* a POST needs the token */
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, "a=1"), 403);
	CHECK(ran == NULL);
	snprintf(body, sizeof(body), "a=1&csrf=%064d", 0);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 403);
	snprintf(body, sizeof(body), "a=1&csrf=%s", s->csrf);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 200);
	CHECK_STR(ran, "form");
	/* a token sent twice is no token: a bad form, 400 */
	snprintf(body, sizeof(body), "csrf=%s&csrf=%s", s->csrf, s->csrf);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 400);
	/* Origin: another site no, ours and "null" yes */
	snprintf(body, sizeof(body), "csrf=%s", s->csrf);
	snprintf(hdr, sizeof(hdr), "Cookie: __Host-poort_admin=%s\nOrigin: https://evil.example",
	         id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 403);
	snprintf(hdr, sizeof(hdr), "Cookie: __Host-poort_admin=%s\nOrigin: null", id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 200);
	snprintf(hdr, sizeof(hdr),
	         "Cookie: __Host-poort_admin=%s\nHost: box.school.example:8444\n"
	         "Origin: https://box.school.example:8444",
	         id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 200);
	snprintf(hdr, sizeof(hdr),
	         "Cookie: __Host-poort_admin=%s\nHost: box.school.example:8444\n"
	         "Origin: https://box.school.example",
	         id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 403);
	/* the token in a multipart form (an upload) */
	snprintf(hdr, sizeof(hdr),
	         "Cookie: __Host-poort_admin=%s\nContent-Type: multipart/form-data; boundary=zz",
	         id);
	snprintf(body, sizeof(body),
	         "--zz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n--zz--",
	         s->csrf);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/form", hdr, body), 200);
	/* a CSRF-only route (a login form): an anonymous session's token will do */
	a = http_session_create(ss, time(NULL), anon);
	snprintf(hdr, sizeof(hdr), "Cookie: __Host-poort_admin=%s", anon);
	snprintf(body, sizeof(body), "csrf=%s", a->csrf);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/anon", hdr, body), 200);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_POST, "/t/anon", NULL, body), 403);
	/* an ended session is no session */
	http_session_end(ss, s);
	snprintf(hdr, sizeof(hdr), "Cookie: __Host-poort_admin=%s", id);
	CHECK_INT(req(HTTP_PUBLIC, EVHTTP_REQ_GET, "/t/form", hdr, NULL), 403);
}

static void
test_admin_allow(void)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_parse(
	    "t",
	    "state_dir /tmp\nrealm school.example\nhttp {\n listen 127.0.0.1 8443\n certificate "
	    "/c\n key /k\n"
	    " admin_listen 10.0.0.1 8444\n admin_allow 10.0.0.0/8 2001:db8::/32 192.0.2.7\n}\n",
	    err, sizeof(err));
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};

	CHECK(cfg != NULL && cfg->http != NULL && cfg->http->admin_addrlen != 0);
	if (cfg == NULL) {
		fprintf(stderr, "config: %s\n", err);
		return;
	}
	CHECK_STR(cfg->http->admin_listen_text, "10.0.0.1:8444");
	inet_pton(AF_INET, "10.200.3.4", &v4.sin_addr);
	CHECK(http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "11.0.0.1", &v4.sin_addr);
	CHECK(!http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "192.0.2.7", &v4.sin_addr);
	CHECK(http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "192.0.2.8", &v4.sin_addr);
	CHECK(!http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr); /* a list replaces the default */
	CHECK(!http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	inet_pton(AF_INET6, "2001:db8:ff::1", &v6.sin6_addr);
	CHECK(http_addr_allowed(cfg->http, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "2001:db9::1", &v6.sin6_addr);
	CHECK(!http_addr_allowed(cfg->http, (struct sockaddr *)&v6));
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &v6.sin6_addr); /* dual stack */
	CHECK(http_addr_allowed(cfg->http, (struct sockaddr *)&v6));
	CHECK(!http_addr_allowed(cfg->http, NULL));
	config_free(cfg);
	/* the default: loopback only */
	cfg = config_parse("t",
	                   "state_dir /tmp\nrealm school.example\nhttp {\n listen * 8443\n "
	                   "certificate /c\n key /k\n}\n",
	                   err, sizeof(err));
	CHECK(cfg != NULL && cfg->http->admin_addrlen == 0);
	inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
	CHECK(cfg != NULL && http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	inet_pton(AF_INET6, "::1", &v6.sin6_addr);
	CHECK(cfg != NULL && http_addr_allowed(cfg->http, (struct sockaddr *)&v6));
	inet_pton(AF_INET, "10.0.0.1", &v4.sin_addr);
	CHECK(cfg != NULL && !http_addr_allowed(cfg->http, (struct sockaddr *)&v4));
	config_free(cfg);
	/* refused: a bad prefix, the admin listener on the students' address */
	CHECK(config_parse("t",
	                   "state_dir /tmp\nrealm school.example\nhttp {\n listen * 1\n "
	                   "certificate /c\n key /k\n admin_allow 10.0.0.1/8\n}\n",
	                   err, sizeof(err)) == NULL);
	CHECK(strstr(err, "admin_allow") != NULL);
	CHECK(config_parse("t",
	                   "state_dir /tmp\nrealm school.example\nhttp {\n listen 127.0.0.1 1\n "
	                   "certificate /c\n key /k\n"
	                   " admin_listen 127.0.0.1 1\n}\n",
	                   err, sizeof(err)) == NULL);
	CHECK(strstr(err, "admin_listen") != NULL);
}

int
main(void)
{
	struct fz_web *w = fz_web_get();

	CHECK_INT(
	    http_server_routes(fz_web_server(w), routes, sizeof(routes) / sizeof(routes[0]), NULL),
	    0);
	/* a prefix route must end in '/' */
	CHECK_INT(http_server_routes(
	              fz_web_server(w),
	              &(struct http_route_def){EVHTTP_REQ_GET, "/x", HTTP_R_PREFIX, h_exact}, 1,
	              NULL),
	          HTTP_ECONFIG);
	test_paths();
	test_session_csrf();
	test_admin_allow();
	TEST_DONE();
}
