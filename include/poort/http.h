/*
 * The HTTPS front: libevent's evhttp over bufferevent_openssl. TLS 1.2+
 * only, security headers on every answer, body and header size caps, and a
 * per-address request rate limit before any handler runs.
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
};

typedef void (*http_handler_fn)(struct evhttp_request *req, void *arg);

struct http_server *http_server_new(struct event_base *base, const struct config_http *hc,
				    char *err, size_t errlen);
void http_server_free(struct http_server *hs);
/* Exact path match (query string ignored). */
int http_server_route(struct http_server *hs, const char *path, http_handler_fn fn, void *arg);
/* Runs one request through the rate limit and the routes, as a connection
 * does (tests/fuzz/http_front hands it requests it built itself). */
void http_server_dispatch(struct http_server *hs, struct evhttp_request *req);

/* Sends body with the security headers; csp_nonce may be NULL (no script). */
void http_reply(struct evhttp_request *req, int code, const char *ctype, const char *body,
		size_t len, const char *csp_nonce);
/* The peer's address as text (for logs and rate limits). */
const char *http_peer(struct evhttp_request *req, char *out, size_t outlen);
/* A NUL-terminated copy of the request body, or NULL; caller frees. */
char *http_body_copy(struct evhttp_request *req, size_t *len);
/* Value of cookie name in the request, copied into out; 0 or -1. */
int http_cookie_get(struct evhttp_request *req, const char *name, char *out, size_t outlen);
/* Appends s to out (cap outlen) with HTML escaping; returns new length. */
size_t http_html_escape(char *out, size_t outlen, size_t pos, const char *s);

#endif
