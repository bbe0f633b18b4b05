/*
 * HTTPS front on libevent's evhttp: every connection is a
 * bufferevent_openssl, so the HTTP code never sees plain TCP.
 */
#include "poort/http.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poort/config_saml.h"
#include "poort/limit.h"
#include "poort/log.h"

#define HTTP_ROUTES_MAX 32
#define HTTP_RATE_KEYS 8192 /* sources counted at once; more are refused, none forgotten */
#define HTTP_RATE_WINDOW 60 /* http.rate counts requests per source per minute */

struct http_route {
	char path[64];
	http_handler_fn fn;
	void *arg;
};

struct http_server {
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *ssl;
	struct http_route routes[HTTP_ROUTES_MAX];
	size_t nroutes;
	unsigned rate; /* per source (http_peer_key) per minute */
	struct limit *rates;
	struct log_ratelimit rl_log;
	struct http_conns *conns; /* TLS connections open */
	unsigned max_conns;
};

/*
 * Connections are counted through their SSL objects: ex_data points at the
 * count on the counted ones and its free callback runs when the connection
 * is freed, which libevent may do after the server is gone (the count then
 * outlives it). One over the bound is refused at its ClientHello.
 */
struct http_conns {
	unsigned open;
	int orphan; /* the server is freed: the last connection frees this */
};

static int http_conn_idx = -1, http_over_idx = -1;

static void
http_conn_gone(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct http_conns *c = ptr;
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c != NULL && --c->open == 0 && c->orphan)
		free(c);
}

static int
http_client_hello(SSL *ssl, int *alert, void *arg)
{
	struct http_server *hs = arg;
	unsigned suppressed;

	if (SSL_get_ex_data(ssl, http_over_idx) == NULL)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (log_ratelimit_allow(&hs->rl_log, time(NULL), &suppressed))
		log_warning("http refused: %u connections open (http.max_conns) suppressed=%u",
			    hs->conns->open, suppressed);
	*alert = SSL_AD_INTERNAL_ERROR;
	return SSL_CLIENT_HELLO_ERROR;
}

static struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct http_server *hs = arg;
	SSL *ssl = SSL_new(hs->ssl);

	if (ssl == NULL)
		return NULL;
	if (hs->conns->open >= hs->max_conns) {
		SSL_set_ex_data(ssl, http_over_idx, hs); /* refused at its ClientHello */
	} else if (SSL_set_ex_data(ssl, http_conn_idx, hs->conns) == 1) {
		hs->conns->open++;
	}
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static SSL_CTX *
http_ssl_new(const struct config_http *hc, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_COMPRESSION);
	/* TLS 1.2: forward secret AEAD suites only (TLS 1.3 suites are all fine) */
	if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, hc->cert) != 1) {
		snprintf(err, errlen, "https certificate %s: cannot load", hc->cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, hc->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "https key %s: cannot load or does not match the certificate",
			 hc->key);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
fail:
	snprintf(err, errlen, "cannot set up TLS: %s", ERR_reason_error_string(ERR_get_error()));
	SSL_CTX_free(ctx);
	return NULL;
}

const char *
http_peer(struct evhttp_request *req, char *out, size_t outlen)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const struct sockaddr *sa = conn != NULL ? evhttp_connection_get_addr(conn) : NULL;

	snprintf(out, outlen, "?");
	if (sa == NULL)
		return out;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)outlen);
	return out;
}

const char *
http_addr_key(const struct sockaddr *sa, char *out, size_t outlen)
{
	const unsigned char *b;

	snprintf(out, outlen, "?");
	if (sa != NULL && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)outlen);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
			snprintf(out, outlen, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		else /* one site gets a /64 to pick addresses from: one source */
			snprintf(out, outlen, "%x:%x:%x:%x::/64", b[0] << 8 | b[1], b[2] << 8 | b[3],
				 b[4] << 8 | b[5], b[6] << 8 | b[7]);
	}
	return out;
}

const char *
http_peer_key(struct evhttp_request *req, char *out, size_t outlen)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	return http_addr_key(conn != NULL ? evhttp_connection_get_addr(conn) : NULL, out, outlen);
}

/*
 * Each source its own counter: another source can neither reset nor evict
 * it. With HTTP_RATE_KEYS sources counting in one minute, a new one is
 * refused until a minute passes.
 */
static int
http_rate_allow(struct http_server *hs, const char *key, time_t now)
{
	long n = limit_add(hs->rates, key, now, 1);
	return n > 0 && (unsigned long)n <= hs->rate;
}

void
http_reply(struct evhttp_request *req, int code, const char *ctype, const char *body, size_t len,
	   const char *csp_nonce)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();
	char csp[256];

	snprintf(csp, sizeof(csp),
		 "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action *; "
		 "frame-ancestors 'none'; base-uri 'none'%s%s%s",
		 csp_nonce != NULL ? "; script-src 'nonce-" : "", csp_nonce != NULL ? csp_nonce : "",
		 csp_nonce != NULL ? "'" : "");
	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Content-Security-Policy", csp);
	if (b == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
	evbuffer_free(b);
}

static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct http_server *hs = arg;
	const char *uri = evhttp_request_get_uri(req);
	char addr[48], path[64];
	unsigned suppressed;
	size_t plen;

	http_peer_key(req, addr, sizeof(addr));
	if (!http_rate_allow(hs, addr, time(NULL))) {
		if (log_ratelimit_allow(&hs->rl_log, time(NULL), &suppressed))
			log_warning("http rate_limited addr=%s suppressed=%u", addr, suppressed);
		http_reply(req, 429, "text/plain; charset=utf-8", "Too many requests\n", 18, NULL);
		return;
	}
	plen = strcspn(uri, "?");
	if (plen < sizeof(path)) {
		memcpy(path, uri, plen);
		path[plen] = '\0';
		for (size_t i = 0; i < hs->nroutes; i++)
			if (strcmp(hs->routes[i].path, path) == 0) {
				hs->routes[i].fn(req, hs->routes[i].arg);
				return;
			}
	}
	http_reply(req, 404, "text/plain; charset=utf-8", "Not found\n", 10, NULL);
}

struct http_server *
http_server_new(struct event_base *base, const struct config_http *hc, char *err, size_t errlen)
{
	struct http_server *hs = calloc(1, sizeof(*hs));
	struct evhttp_bound_socket *bound;
	char host[80];
	unsigned port;
	int one = 1;

	if (hs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hs->base = base;
	hs->rate = hc->rate;
	hs->max_conns = hc->max_conns;
	if (http_conn_idx < 0)
		http_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, http_conn_gone);
	if (http_over_idx < 0)
		http_over_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	hs->rl_log.interval = 10;
	hs->rl_log.burst = 5;
	if ((hs->rates = limit_new(HTTP_RATE_KEYS, HTTP_RATE_WINDOW)) == NULL ||
	    (hs->conns = calloc(1, sizeof(*hs->conns))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((hs->ssl = http_ssl_new(hc, err, errlen)) == NULL)
		goto fail;
	SSL_CTX_set_client_hello_cb(hs->ssl, http_client_hello, hs);
	if ((hs->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		goto fail;
	}
	evhttp_set_bevcb(hs->http, http_bevcb, hs);
	evhttp_set_max_body_size(hs->http, hc->max_body);
	evhttp_set_max_headers_size(hs->http, 16384);
	evhttp_set_timeout(hs->http, 30);
	evhttp_set_allowed_methods(hs->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(hs->http, http_dispatch, hs);
	snprintf(host, sizeof(host), "%s", hc->listen_text);
	*strrchr(host, ':') = '\0';
	port = (unsigned)atoi(strrchr(hc->listen_text, ':') + 1);
	if ((bound = evhttp_bind_socket_with_handle(hs->http, host, (ev_uint16_t)port)) == NULL) {
		snprintf(err, errlen, "https: cannot listen on %s", hc->listen_text);
		goto fail;
	}
	/* accepted sockets inherit it: evhttp writes headers and body apart, and
	 * Nagle with delayed ACKs would add 40 ms to every answer */
	setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return hs;
fail:
	http_server_free(hs);
	return NULL;
}

void
http_server_free(struct http_server *hs)
{
	if (hs == NULL)
		return;
	if (hs->http != NULL)
		evhttp_free(hs->http);
	SSL_CTX_free(hs->ssl);
	limit_free(hs->rates);
	if (hs->conns != NULL && hs->conns->open > 0)
		hs->conns->orphan = 1;
	else
		free(hs->conns);
	free(hs);
}

int
http_server_route(struct http_server *hs, const char *path, http_handler_fn fn, void *arg)
{
	if (hs->nroutes == HTTP_ROUTES_MAX || strlen(path) >= sizeof(hs->routes[0].path))
		return HTTP_ECONFIG;
	snprintf(hs->routes[hs->nroutes].path, sizeof(hs->routes[0].path), "%s", path);
	hs->routes[hs->nroutes].fn = fn;
	hs->routes[hs->nroutes].arg = arg;
	hs->nroutes++;
	return 0;
}

char *
http_body_copy(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *b = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(b);
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	evbuffer_copyout(b, out, n);
	out[n] = '\0';
	if (len != NULL)
		*len = n;
	return out;
}

int
http_cookie_get(struct evhttp_request *req, const char *name, char *out, size_t outlen)
{
	const char *c = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	size_t nlen = strlen(name);

	while (c != NULL && *c != '\0') {
		while (*c == ' ' || *c == ';')
			c++;
		if (strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
			size_t vlen = strcspn(c + nlen + 1, ";");
			if (vlen >= outlen)
				return -1;
			memcpy(out, c + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		c = strchr(c, ';');
	}
	return -1;
}

size_t
http_html_escape(char *out, size_t outlen, size_t pos, const char *s)
{
	for (; s != NULL && *s != '\0' && pos + 7 < outlen; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep != NULL) {
			size_t l = strlen(rep);
			memcpy(out + pos, rep, l);
			pos += l;
		} else {
			out[pos++] = *s;
		}
	}
	if (pos < outlen)
		out[pos] = '\0';
	return pos;
}
