/*
 * Over-limit request bodies answered by our own page. libevent 2.1 offers
 * no hook between a request's head and its body on the server side
 * (evhttp_set_newreqcb and evhttp_set_errorcb came with 2.2): a body over
 * evhttp_set_max_body_size gets its bare 413. So a callback on each
 * connection's input buffer (plaintext, filled by the TLS bufferevent,
 * read by evhttp) reads request heads the way evhttp does as they arrive;
 * a head whose Content-Length is over the listener's limit has that value
 * overwritten with 0 before evhttp parses it (the dispatcher then answers
 * the page) and its body is dropped as it arrives, never buffered. What it
 * is not sure of (Transfer-Encoding, Expect, folded or repeated lines,
 * pipelined heads, a head evhttp began reading first) makes it leave the
 * rest of the connection alone: evhttp's own limit still holds there.
 * Answers go out as before (a bufferevent filter would report them written
 * before TLS sent them, and 2.1's filters do not flush on enable).
 */
#ifndef POORT_HTTP_HEAD_H
#define POORT_HTTP_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct bufferevent;
struct evhttp_request;

#define HTTP_HEAD_MAX 32768 /* evhttp refuses heads over 16 KiB */

enum http_head_kind {
	HTTP_HEAD_MORE,   /* no blank line yet */
	HTTP_HEAD_OK,     /* framing known: body bytes follow the head */
	HTTP_HEAD_OVER,   /* Content-Length over max: digits at cl_off, cl_len */
	HTTP_HEAD_UNSURE, /* stop looking at this connection */
};

struct http_head {
	size_t len;     /* the head, its blank line included */
	uint64_t body;  /* Content-Length (saturated); 0 without one or for HEAD */
	size_t cl_off;  /* HTTP_HEAD_OVER: where the value's digits are */
	size_t cl_len;
};

/* One request head at buf[0..len): what evhttp 2.1 will make of its framing. */
enum http_head_kind http_head_scan(const char *buf, size_t len, uint64_t max,
				   struct http_head *h);

/* Watches the input of bev (a bufferevent_openssl with ssl); -1 on no memory. */
int http_head_watch(struct bufferevent *bev, SSL *ssl, uint64_t max);

/* Called once per dispatched request: 1 if its body was over the limit. */
int http_head_over(struct evhttp_request *req);

#endif
