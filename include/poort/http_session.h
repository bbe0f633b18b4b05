/*
 * Server-side sessions of the web child (the admin UI's, and any page that
 * needs one): a random 256-bit id in a __Host- cookie (Secure, HttpOnly,
 * Path=/, SameSite as configured), kept in memory as its SHA-256 only,
 * with an idle and an absolute timeout, in a bounded table. Each session
 * has a synchronizer CSRF token and a principal slot (name and role) that a
 * login fills; the id is replaced when it does (no fixation).
 *
 * A restart logs everyone out, which is the safe direction.
 */
#ifndef POORT_HTTP_SESSION_H
#define POORT_HTTP_SESSION_H

#include <stddef.h>
#include <time.h>

struct evhttp_request;
struct http_sessions;

#define HTTP_SID_HEX 64  /* the id: 32 random bytes as hex */
#define HTTP_CSRF_HEX 64 /* the CSRF token: 32 random bytes as hex */
#define HTTP_PRINCIPAL_MAX 128
#define HTTP_ROLE_MAX 32

struct http_session_conf {
	const char *cookie;   /* "__Host-poort_admin": must start with __Host- */
	const char *samesite; /* "Strict" or "Lax" */
	unsigned idle;        /* seconds without a request before it ends */
	unsigned absolute;    /* seconds after it started that it ends anyway */
	size_t max;           /* sessions at once */
};

struct http_session {
	char principal[HTTP_PRINCIPAL_MAX]; /* "" until a login */
	char role[HTTP_ROLE_MAX];
	char csrf[HTTP_CSRF_HEX + 1]; /* to put in forms (field "csrf") */
	time_t created, last;
	/* private to http_session.c */
	unsigned char id_hash[32];
	int used;
};

struct http_sessions *http_sessions_new(const struct http_session_conf *conf);
/* Ends every session (their secrets cleared) and frees. */
void http_sessions_free(struct http_sessions *ss);

/*
 * The session of id (64 hex digits), not timed out; touches its idle
 * timer. NULL when none. Lent: valid until the next call on ss.
 */
struct http_session *http_session_lookup(struct http_sessions *ss, const char *id, time_t now);
/*
 * A new session without a principal, its id written to id. When the table
 * is full the one used least recently without a principal gives way; if
 * every session has one, NULL (a flood of anonymous visitors never logs an
 * admin out).
 */
struct http_session *http_session_create(struct http_sessions *ss, time_t now,
                                         char id[HTTP_SID_HEX + 1]);
/*
 * Logs s in as name with role: a new id (written to id) and a new CSRF
 * token; the old id no longer finds it. 0 or HTTP_ECONFIG (name too long).
 */
int http_session_login(struct http_sessions *ss, struct http_session *s, const char *name,
                       const char *role, time_t now, char id[HTTP_SID_HEX + 1]);
/* Ends s (cleared). */
void http_session_end(struct http_sessions *ss, struct http_session *s);
/* 1 if token is s's CSRF token (constant time). */
int http_session_csrf_ok(const struct http_session *s, const char *token);
/* The Set-Cookie value for id (NULL: one that clears the cookie). */
void http_session_cookie(const struct http_sessions *ss, const char *id, char *out, size_t outlen);
/*
 * Ends every session of principal name but keep (NULL: all of them), e.g.
 * after that admin changed their password. Returns how many ended.
 */
size_t http_sessions_end_principal(struct http_sessions *ss, const char *name,
                                   const struct http_session *keep);
/* Sessions in use (for tests and the dashboard). */
size_t http_sessions_count(const struct http_sessions *ss, time_t now);

/* ---- on a request ---- */

/* The session of req's cookie, or NULL. */
struct http_session *http_session_get(struct http_sessions *ss, struct evhttp_request *req,
                                      time_t now);
/* The session of req, or a new one whose cookie req's answer sets; NULL when full. */
struct http_session *http_session_ensure(struct http_sessions *ss, struct evhttp_request *req,
                                         time_t now);
/* http_session_login with the new cookie set on req's answer. */
int http_session_login_req(struct http_sessions *ss, struct http_session *s,
                           struct evhttp_request *req, const char *name, const char *role,
                           time_t now);
/* http_session_end, and the cookie cleared on req's answer. */
void http_session_end_req(struct http_sessions *ss, struct http_session *s,
                          struct evhttp_request *req);

#endif
