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

enum {
	HTTP_ECONFIG = -601,
	HTTP_ENOMEM = -602,
	HTTP_EDUP = -603, /* a parameter sent more than once */
};

typedef void (*http_handler_fn)(struct evhttp_request *req, void *arg);

struct http_server *http_server_new(struct event_base *base, const struct config_http *hc,
				    char *err, size_t errlen);
void http_server_free(struct http_server *hs);
/* Exact path match (query string ignored). */
int http_server_route(struct http_server *hs, const char *path, http_handler_fn fn, void *arg);

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
/* Appends s to out (cap outlen) with HTML escaping; returns new length. */
size_t http_html_escape(char *out, size_t outlen, size_t pos, const char *s);

#endif
