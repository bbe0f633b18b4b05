/*
 * Server-side sessions: ids that find their session and nothing else, the
 * idle and absolute timeouts, a new id at login (the old one is dead), a
 * bounded table that never evicts a logged-in session for an anonymous
 * one, the CSRF token, the cookie's attributes.
 */
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_session.h"
#include "test.h"

static const struct http_session_conf conf = {
    .cookie = "__Host-poort_admin", .samesite = "Strict", .idle = 100, .absolute = 1000, .max = 3};

static void
test_lookup_and_timeouts(void)
{
	struct http_sessions *ss = http_sessions_new(&conf);
	char id[HTTP_SID_HEX + 1], id2[HTTP_SID_HEX + 1], other[HTTP_SID_HEX + 1];
	struct http_session *s, *s2;
	time_t t = 1000000;

	CHECK(ss != NULL);
	s = http_session_create(ss, t, id);
	CHECK(s != NULL && strlen(id) == HTTP_SID_HEX && strspn(id, "0123456789abcdef") == 64);
	CHECK(s != NULL && strlen(s->csrf) == HTTP_CSRF_HEX && s->principal[0] == '\0');
	CHECK(http_session_lookup(ss, id, t + 1) == s);
	/* a wrong, short or absent id finds nothing */
	memcpy(other, id, sizeof(other));
	other[0] = other[0] == 'a' ? 'b' : 'a';
	CHECK(http_session_lookup(ss, other, t + 1) == NULL);
	CHECK(http_session_lookup(ss, "abc", t + 1) == NULL);
	CHECK(http_session_lookup(ss, NULL, t + 1) == NULL);
	/* each request resets the idle timer; idle too long ends it */
	CHECK(http_session_lookup(ss, id, t + 90) == s);
	CHECK(http_session_lookup(ss, id, t + 180) == s);
	CHECK(http_session_lookup(ss, id, t + 281) == NULL);
	CHECK(http_session_lookup(ss, id, t + 200) == NULL); /* ended, not just late */
	/* the absolute timeout, however busy */
	s2 = http_session_create(ss, t, id2);
	for (time_t n = t; n <= t + 990; n += 90)
		CHECK(http_session_lookup(ss, id2, n) == s2);
	CHECK(http_session_lookup(ss, id2, t + 1000) == NULL);
	CHECK_INT(http_sessions_count(ss, t + 1000), 0);
	http_sessions_free(ss);
}

static void
test_login_rotates(void)
{
	struct http_sessions *ss = http_sessions_new(&conf);
	char id[HTTP_SID_HEX + 1], id2[HTTP_SID_HEX + 1], csrf[HTTP_CSRF_HEX + 1];
	struct http_session *s;
	time_t t = 5000;

	s = http_session_create(ss, t, id);
	memcpy(csrf, s->csrf, sizeof(csrf));
	CHECK(http_session_csrf_ok(s, csrf));
	CHECK_INT(http_session_login(ss, s, "beheerder", "admin", t + 10, id2), 0);
	CHECK(strcmp(id, id2) != 0);
	CHECK(http_session_lookup(ss, id, t + 11) == NULL); /* no fixation */
	CHECK(http_session_lookup(ss, id2, t + 11) == s);
	CHECK_STR(s->principal, "beheerder");
	CHECK_STR(s->role, "admin");
	/* a new CSRF token with the new id; the old one is refused */
	CHECK(!http_session_csrf_ok(s, csrf));
	CHECK(http_session_csrf_ok(s, s->csrf));
	CHECK(!http_session_csrf_ok(s, NULL));
	CHECK(!http_session_csrf_ok(s, ""));
	CHECK(!http_session_csrf_ok(NULL, s->csrf));
	memcpy(csrf, s->csrf, sizeof(csrf));
	csrf[63] = csrf[63] == '0' ? '1' : '0';
	CHECK(!http_session_csrf_ok(s, csrf));
	/* the absolute timeout counts from the login */
	for (time_t n = t + 11; n <= t + 10 + 990; n += 90)
		CHECK(http_session_lookup(ss, id2, n) == s);
	CHECK(http_session_lookup(ss, id2, t + 10 + 1000) == NULL);
	/* a name too long is refused; an empty one too */
	s = http_session_create(ss, t, id);
	char longname[HTTP_PRINCIPAL_MAX + 1];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(http_session_login(ss, s, longname, "admin", t, id2), HTTP_ECONFIG);
	CHECK_INT(http_session_login(ss, s, "", "admin", t, id2), HTTP_ECONFIG);
	/* ended: gone */
	http_session_end(ss, s);
	CHECK(http_session_lookup(ss, id, t + 1) == NULL);
	http_sessions_free(ss);
}

static void
test_bounded(void)
{
	struct http_sessions *ss = http_sessions_new(&conf);
	char a[HTTP_SID_HEX + 1], b[HTTP_SID_HEX + 1], c[HTTP_SID_HEX + 1], d[HTTP_SID_HEX + 1];
	struct http_session *sa, *sb;
	time_t t = 100;

	sa = http_session_create(ss, t, a);
	sb = http_session_create(ss, t + 1, b);
	http_session_create(ss, t + 2, c);
	CHECK_INT(http_session_login(ss, sa, "x", "admin", t + 3, a), 0);
	/* full: the anonymous one used least recently gives way (b) */
	CHECK(http_session_create(ss, t + 4, d) != NULL);
	CHECK(http_session_lookup(ss, b, t + 5) == NULL);
	CHECK(http_session_lookup(ss, a, t + 5) == sa);
	CHECK_INT(http_sessions_count(ss, t + 5), 3);
	/* all logged in: a new anonymous session is refused, nobody is logged out */
	sb = http_session_lookup(ss, c, t + 5);
	CHECK_INT(http_session_login(ss, sb, "y", "helpdesk", t + 5, c), 0);
	sb = http_session_lookup(ss, d, t + 5);
	CHECK_INT(http_session_login(ss, sb, "z", "helpdesk", t + 5, d), 0);
	CHECK(http_session_create(ss, t + 6, b) == NULL);
	CHECK(http_session_lookup(ss, a, t + 7) == sa);
	/* a timed-out slot is free again */
	CHECK(http_session_create(ss, t + 200, b) != NULL);
	http_sessions_free(ss);
}

static void
test_cookie(void)
{
	struct http_sessions *ss = http_sessions_new(&conf);
	struct http_session_conf bad = conf;
	char c[256];

	http_session_cookie(ss, "abc", c, sizeof(c));
	CHECK_STR(c, "__Host-poort_admin=abc; Path=/; Secure; HttpOnly; SameSite=Strict");
	http_session_cookie(ss, NULL, c, sizeof(c));
	CHECK_STR(c, "__Host-poort_admin=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
	http_sessions_free(ss);
	/* only __Host- cookies, only Strict or Lax, a table of at least one */
	bad.cookie = "poort_admin";
	CHECK(http_sessions_new(&bad) == NULL);
	bad = conf;
	bad.samesite = "None";
	CHECK(http_sessions_new(&bad) == NULL);
	bad = conf;
	bad.max = 0;
	CHECK(http_sessions_new(&bad) == NULL);
	bad = conf;
	bad.samesite = "Lax";
	ss = http_sessions_new(&bad);
	CHECK(ss != NULL);
	http_sessions_free(ss);
}

/* Ending one admin's other sessions (after a password change): the kept one and others' live on. */
static void
test_end_principal(void)
{
	struct http_sessions *ss = http_sessions_new(&conf);
	char a1[HTTP_SID_HEX + 1], a2[HTTP_SID_HEX + 1], b[HTTP_SID_HEX + 1];
	struct http_session *s1, *s2, *sb;
	time_t t = 7000;

	s1 = http_session_create(ss, t, a1);
	CHECK_INT(http_session_login(ss, s1, "boss", "admin", t, a1), 0);
	s2 = http_session_create(ss, t, a2);
	CHECK_INT(http_session_login(ss, s2, "boss", "admin", t, a2), 0);
	sb = http_session_create(ss, t, b);
	CHECK_INT(http_session_login(ss, sb, "bossy", "helpdesk", t, b), 0);
	CHECK_INT(http_sessions_end_principal(ss, "boss", s1), 1);
	CHECK(http_session_lookup(ss, a1, t + 1) == s1);
	CHECK(http_session_lookup(ss, a2, t + 1) == NULL);
	CHECK(http_session_lookup(ss, b, t + 1) == sb);
	CHECK_INT(http_sessions_end_principal(ss, "boss", NULL), 1);
	CHECK(http_session_lookup(ss, a1, t + 1) == NULL);
	CHECK_INT(http_sessions_end_principal(ss, "nobody", NULL), 0);
	CHECK_INT(http_sessions_count(ss, t + 1), 1);
	http_sessions_free(ss);
}

int
main(void)
{
	test_lookup_and_timeouts();
	test_login_rotates();
	test_bounded();
	test_cookie();
	test_end_principal();
	TEST_DONE();
}
