/*
 * The HTTPS front: libevent's evhttp over bufferevent_openssl. TLS 1.2+
 * only, security headers on every answer, body and header size caps, and a
 * per-source request rate limit (per minute) before any handler runs.
 */
#ifndef POORT_HTTP_H
#define POORT_HTTP_H

#include <stddef.h>

struct event_base;
struct evhttp_request;
struct evkeyvalq;
struct config_http;
struct http_server;
struct http_sessions;
struct http_tmpl_set;

enum {
	HTTP_ECONFIG = -601,
	HTTP_ENOMEM = -602,
	HTTP_EDUP = -603,    /* a parameter sent more than once */
	HTTP_EFORM = -604,   /* a form body that is not well formed */
	HTTP_ETOOBIG = -605, /* a form over its limits */
	HTTP_ECTYPE = -606,  /* a body of a content type the route does not take */
	HTTP_ETMPL = -607,   /* a template that does not parse or is missing */
};

typedef void (*http_handler_fn)(struct evhttp_request *req, void *arg);

/*
 * Which listener a request came in on. Public: students (SSO, onboarding);
 * admin: the admin UI, on http.admin_listen, from http.admin_allow only.
 */
enum http_listener {
	HTTP_PUBLIC = 1,
	HTTP_ADMIN = 2,
};

/* Route flags (struct http_route_def.flags). */
enum {
	HTTP_R_PREFIX = 1 << 0,  /* path is a prefix ending in '/': "/admin/" takes /admin/x */
	HTTP_R_SESSION = 1 << 1, /* needs a session (http_session.h) with a principal: 403 */
	HTTP_R_CSRF = 1 << 2,    /* a POST needs the session's CSRF token (field "csrf") and
				    an Origin that is ours or "null": 403 otherwise */
	HTTP_R_ADMIN = 1 << 3,   /* on the admin listener only (else: the public one only) */
	HTTP_R_BOTH = 1 << 4,    /* on both listeners */
	HTTP_R_ROLE_ADMIN = 1 << 5, /* with HTTP_R_SESSION: the principal's role is "admin",
				       else 403 (helpdesk and any other role refused) */
};

/* The methods a route takes: EVHTTP_REQ_GET | EVHTTP_REQ_POST | ... (event2/http.h). */
struct http_route_def {
	unsigned methods;
	const char *path; /* exact, or a prefix with HTTP_R_PREFIX */
	unsigned flags;
	http_handler_fn fn;
};

struct http_server *http_server_new(struct event_base *base, const struct config_http *hc,
				    char *err, size_t errlen);
void http_server_free(struct http_server *hs);
/*
 * Adds n routes, each called with arg. A path no route has is a 404, one
 * whose routes take other methods a 405 (with Allow), both answered by the
 * router; so is a route of the other listener (404). Exact paths win over
 * prefixes, longer prefixes over shorter. HEAD is answered as GET.
 */
int http_server_routes(struct http_server *hs, const struct http_route_def *defs, size_t n,
		       void *arg);
/* Runs one request through the rate limit and the routes, as a connection
 * on the public listener does (tests/fuzz/http_front hands it requests it
 * built itself); _on: as one on listener. */
void http_server_dispatch(struct http_server *hs, struct evhttp_request *req);
void http_server_dispatch_on(struct http_server *hs, struct evhttp_request *req,
			     enum http_listener listener);
/* The admin sessions (http_session.h) the HTTP_R_SESSION and _CSRF flags check. */
struct http_sessions *http_server_sessions(struct http_server *hs);
/* The page templates (http_tmpl.h), loaded from the data directory at start. */
const struct http_tmpl_set *http_server_templates(struct http_server *hs);
/*
 * Renders template name with data in language lang ("nl", "en") and sends
 * it as text/html with code; csp_nonce as for http_reply. On a template
 * error, a 500 and a log line.
 */
struct http_tv;
void http_page(struct http_server *hs, struct evhttp_request *req, int code, const char *name,
	       const struct http_tv *data, const char *lang, const char *csp_nonce);

/* Sends body with the security headers; csp_nonce may be NULL (no script). */
void http_reply(struct evhttp_request *req, int code, const char *ctype, const char *body,
		size_t len, const char *csp_nonce);
/* The peer's address as text (for logs and rate limits). */
const char *http_peer(struct evhttp_request *req, char *out, size_t outlen);
/* The source that limits count: the IPv4 address, or the IPv6 /64. */
const char *http_peer_key(struct evhttp_request *req, char *out, size_t outlen);
/* The same for an address ("?" for NULL or another family); returns out. */
struct sockaddr;
const char *http_addr_key(const struct sockaddr *sa, char *out, size_t outlen);
/* 1 if sa may use the admin listener (http.admin_allow; IPv4-mapped counts as IPv4). */
int http_addr_allowed(const struct config_http *hc, const struct sockaddr *sa);
/* A NUL-terminated copy of the request body, or NULL; caller frees. */
char *http_body_copy(struct evhttp_request *req, size_t *len);
/* Value of cookie name in the request, copied into out; 0 or -1. */
int http_cookie_get(struct evhttp_request *req, const char *name, char *out, size_t outlen);
/* One parameter of a query string or form body, for http_query_scan. */
struct http_param {
	const char *name; /* set by the caller */
	const char *raw;  /* the value as sent, not decoded; NULL when absent */
	size_t rawlen;
	unsigned count; /* how often the name appears */
};
/*
 * Finds each of params[0..n) by name (compared decoded) in q[0..len), a
 * '&'-separated list of name=value. raw points into q. 0, or HTTP_EDUP
 * with *dup naming the first parameter that appears more than once.
 */
int http_query_scan(const char *q, size_t len, struct http_param *params, size_t n,
		    const char **dup);
/*
 * A NUL-terminated percent-decoded copy of raw[0..len) ('+' a space when
 * plus, as in forms); NULL on a bad escape, an encoded NUL or no memory.
 * Caller frees.
 */
char *http_param_decode(const char *raw, size_t len, int plus);
/*
 * The Origin of a state-changing request is ours (base, "https://host[:port]",
 * or when base is NULL the request's own Host), "null" (our pages send no
 * referrer, so browsers send "null"), or absent: 1; another site: 0.
 */
int http_origin_ok(struct evhttp_request *req, const char *base);
/* Appends s to out (cap outlen) with HTML escaping; returns new length. */
size_t http_html_escape(char *out, size_t outlen, size_t pos, const char *s);

#endif
