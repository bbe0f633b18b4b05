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
#include <unistd.h>
#include <errno.h>

#include "poort/config_saml.h"
#include "poort/http_form.h"
#include "poort/http_head.h"
#include "poort/http_i18n.h"
#include "poort/http_session.h"
#include "poort/http_tmpl.h"
#include "poort/limit.h"
#include "poort/log.h"
#include "poort/lsock.h"

#define HTTP_ROUTES_MAX 64
#define HTTP_ADMIN_IDLE 900        /* admin sessions: 15 minutes without a request */
#define HTTP_ADMIN_ABSOLUTE 28800  /* and 8 hours at most */
#define HTTP_ADMIN_SESSIONS 64
#define HTTP_RATE_KEYS 8192 /* sources counted at once; more are refused, none forgotten */
#define HTTP_RATE_WINDOW 60 /* http.rate counts requests per source per minute */

struct http_route {
	unsigned methods;
	char path[64];
	unsigned flags;
	http_handler_fn fn;
	void *arg;
};

/*
 * One per listener: what its evhttp's callbacks are given. Each counts its
 * own connections against http.max_conns, so a flood of the students'
 * listener never locks the school's IT out of the admin UI.
 */
struct http_lis {
	struct http_server *hs;
	enum http_listener kind;
	struct evhttp *http;
	struct http_conns *conns; /* TLS connections open */
	size_t max_body; /* evhttp's limit; over it, http_head.h answers our page */
};

struct http_server {
	struct event_base *base;
	struct http_lis lis[2]; /* public, admin (http NULL: none) */
	const struct config_http *hc; /* admin_allow; the config outlives the server */
	struct http_sessions *sessions;
	struct http_tmpl_set *tmpl;
	SSL_CTX *ssl;
	struct http_route routes[HTTP_ROUTES_MAX];
	size_t nroutes;
	unsigned rate; /* per source (http_peer_key) per minute */
	struct limit *rates;
	struct log_ratelimit rl_log;
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
	struct http_lis *l = SSL_get_ex_data(ssl, http_over_idx);
	unsigned suppressed;

	if (l == NULL)
		return SSL_CLIENT_HELLO_SUCCESS;
	if (log_ratelimit_allow(&hs->rl_log, time(NULL), &suppressed))
		log_warning("http refused: %u connections open (http.max_conns) listener=%s "
			    "suppressed=%u",
			    l->conns->open, l->kind == HTTP_ADMIN ? "admin" : "public", suppressed);
	*alert = SSL_AD_INTERNAL_ERROR;
	return SSL_CLIENT_HELLO_ERROR;
}

static struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct http_lis *l = arg;
	SSL *ssl = SSL_new(l->hs->ssl);
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	if (l->conns->open >= l->hs->max_conns) {
		SSL_set_ex_data(ssl, http_over_idx, l); /* refused at its ClientHello */
	} else if (SSL_set_ex_data(ssl, http_conn_idx, l->conns) == 1) {
		l->conns->open++;
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	/* without it (no memory) evhttp's own bare 413 still holds the limit */
	if (bev != NULL)
		(void)http_head_watch(bev, ssl, l->max_body);
	return bev;
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
http_text(struct evhttp_request *req, int code, const char *msg)
{
	http_reply(req, code, "text/plain; charset=utf-8", msg, strlen(msg), NULL);
}

int
http_addr_allowed(const struct config_http *hc, const struct sockaddr *sa)
{
	const struct config_http_net *nets = hc->admin_allow;
	size_t n = hc->nadmin_allow;
	unsigned char a[16], m[16];
	size_t alen;
	int fam;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		alen = 4;
		fam = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(a, a6->s6_addr + 12, 4);
			alen = 4;
			fam = AF_INET;
		} else {
			memcpy(a, a6->s6_addr, 16);
			alen = 16;
			fam = AF_INET6;
		}
	} else {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned bits = nets[i].prefix, ok = 1;
		if (nets[i].net.ss_family != fam)
			continue;
		memcpy(m, fam == AF_INET ? (const void *)&((const struct sockaddr_in *)&nets[i].net)->sin_addr
					 : (const void *)&((const struct sockaddr_in6 *)&nets[i].net)->sin6_addr,
		       alen);
		for (size_t b = 0; b < alen && bits > 0 && ok; b++, bits = bits > 8 ? bits - 8 : 0) {
			unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
			ok = (a[b] & mask) == (m[b] & mask);
		}
		if (ok)
			return 1;
	}
	return 0;
}

static int
http_route_on(const struct http_route *r, enum http_listener kind)
{
	if (r->flags & HTTP_R_BOTH)
		return 1;
	return (r->flags & HTTP_R_ADMIN) ? kind == HTTP_ADMIN : kind == HTTP_PUBLIC;
}

/* How well r's path takes path: 0 not at all, else longer is better (exact best). */
static size_t
http_route_match(const struct http_route *r, const char *path)
{
	size_t l = strlen(r->path);

	if (strcmp(r->path, path) == 0)
		return 1000;
	if ((r->flags & HTTP_R_PREFIX) && strncmp(r->path, path, l) == 0)
		return l;
	return 0;
}

int
http_origin_ok(struct evhttp_request *req, const char *base)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *o = evhttp_find_header(in, "Origin"), *host;
	char own[300];

	if (o == NULL || strcmp(o, "null") == 0)
		return 1;
	if (base == NULL) {
		if ((host = evhttp_find_header(in, "Host")) == NULL)
			return 0;
		snprintf(own, sizeof(own), "https://%s", host);
		base = own;
	}
	return strcmp(o, base) == 0;
}

/* The session and CSRF checks a route's flags ask for; 0 to go on, else answered. */
static int
http_route_guard(struct http_server *hs, const struct http_route *r, struct evhttp_request *req)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct http_session *s = NULL;
	struct http_form f;
	char addr[48];
	int ok, rc;

	if (!(r->flags & (HTTP_R_SESSION | HTTP_R_CSRF | HTTP_R_ROLE_ADMIN)))
		return 0;
	s = http_session_get(hs->sessions, req, time(NULL));
	if ((r->flags & HTTP_R_SESSION) && (s == NULL || s->principal[0] == '\0')) {
		http_text(req, 403, "Log in first.\n");
		return -1;
	}
	if ((r->flags & HTTP_R_ROLE_ADMIN) && (s == NULL || strcmp(s->role, "admin") != 0)) {
		http_text(req, 403, "Not for your role.\n");
		return -1;
	}
	if (!(r->flags & HTTP_R_CSRF) || cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD)
		return 0;
	/* the body is read here and again by the handler: the route's limits
	 * are the handler's to set, these only bound what the check reads */
	rc = http_form_read(&f, req, &(struct http_form_limits){.fields = 256, .name = 64,
								 .value = 65536, .file = 256u << 20});
	ok = rc == 0 && s != NULL && http_origin_ok(req, NULL) &&
	     http_session_csrf_ok(s, http_form_get(&f, "csrf"));
	http_form_free(&f);
	if (rc < 0) {
		log_warning("http refused: %s addr=%s path=%s", http_form_strerror(rc),
			    http_peer(req, addr, sizeof(addr)), r->path);
		http_text(req, 400, http_form_strerror(rc));
		return -1;
	}
	if (!ok) {
		log_warning("http refused: no valid CSRF token or another site's Origin addr=%s path=%s",
			    http_peer(req, addr, sizeof(addr)), r->path);
		http_text(req, 403, "Bad or missing form token.\n");
		return -1;
	}
	return 0;
}

/*
 * A body over the listener's limit (http_head.h): evhttp read an empty one
 * and the rest is dropped as it arrives. No route runs, so nothing changes
 * and no session or form is looked at; the page says what to do.
 */
static void
http_too_large(struct http_server *hs, struct evhttp_request *req, enum http_listener kind,
	       const char *addr)
{
	const char *lang = http_lang(req, NULL), *other = http_lang_other(lang);
	size_t max = hs->lis[kind == HTTP_ADMIN ? 1 : 0].max_body;
	struct http_tv *tv = http_tv_new();
	unsigned suppressed;

	if (log_ratelimit_allow(&hs->rl_log, time(NULL), &suppressed))
		log_warning("http refused: body over the limit addr=%s listener=%s max_body=%zu "
			    "suppressed=%u",
			    addr, kind == HTTP_ADMIN ? "admin" : "public", max, suppressed);
	if (tv == NULL) {
		http_text(req, 413, "Too large\n");
		return;
	}
	http_tv_set(tv, "lang", lang);
	http_tv_set(tv, "title", http_tr(lang, N_("Too large")));
	if (max >= (1u << 20))
		http_tv_setf(tv, "limit", "%zu MiB", max >> 20);
	else
		http_tv_setf(tv, "limit", "%zu KiB", max >> 10);
	http_tv_set(tv, "admin", kind == HTTP_ADMIN ? "1" : NULL);
	http_tv_set(tv, "other_lang", other);
	http_tv_set(tv, "other_lang_name", http_lang_name(other));
	http_tv_setf(tv, "lang_href", "/admin/?lang=%s", other);
	http_page(hs, req, 413, "too_large", tv, lang, NULL);
	http_tv_free(tv);
}

static void
http_dispatch_on(struct http_server *hs, struct evhttp_request *req, enum http_listener kind,
		 int over)
{
	const char *uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	unsigned want = cmd == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : (unsigned)cmd, allow = 0;
	const struct http_route *best = NULL;
	struct evhttp_connection *conn;
	char addr[48], path[256], allowed[64];
	size_t plen, bestq = 0;
	unsigned suppressed;

	http_peer_key(req, addr, sizeof(addr));
	if (!http_rate_allow(hs, addr, time(NULL))) {
		if (log_ratelimit_allow(&hs->rl_log, time(NULL), &suppressed))
			log_warning("http rate_limited addr=%s suppressed=%u", addr, suppressed);
		http_text(req, 429, "Too many requests\n");
		return;
	}
	if (kind == HTTP_ADMIN) {
		conn = evhttp_request_get_connection(req);
		if (!http_addr_allowed(hs->hc, conn != NULL ? evhttp_connection_get_addr(conn) : NULL)) {
			if (log_ratelimit_allow(&hs->rl_log, time(NULL), &suppressed))
				log_warning("http refused: admin listener, addr=%s not in "
					    "http.admin_allow suppressed=%u",
					    addr, suppressed);
			http_text(req, 403, "Forbidden\n");
			return;
		}
	}
	if (over) {
		http_too_large(hs, req, kind, addr);
		return;
	}
	plen = strcspn(uri, "?");
	if (plen >= sizeof(path)) {
		http_text(req, 404, "Not found\n");
		return;
	}
	memcpy(path, uri, plen);
	path[plen] = '\0';
	for (size_t i = 0; i < hs->nroutes; i++) {
		const struct http_route *r = &hs->routes[i];
		size_t q;
		if (!http_route_on(r, kind) || (q = http_route_match(r, path)) == 0)
			continue;
		allow |= r->methods;
		if ((r->methods & want) && q > bestq) {
			best = r;
			bestq = q;
		}
	}
	if (best == NULL && allow != 0) {
		snprintf(allowed, sizeof(allowed), "%s%s", (allow & EVHTTP_REQ_GET) ? "GET, HEAD" : "",
			 (allow & EVHTTP_REQ_POST) ? ((allow & EVHTTP_REQ_GET) ? ", POST" : "POST") : "");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allowed);
		http_text(req, 405, "Method not allowed\n");
		return;
	}
	if (best == NULL) {
		http_text(req, 404, "Not found\n");
		return;
	}
	if (http_route_guard(hs, best, req) < 0)
		return;
	best->fn(req, best->arg);
}

static void
http_dispatch(struct evhttp_request *req, void *arg)
{
	struct http_lis *l = arg;
	int over = http_head_over(req); /* counts every request: first */
	http_dispatch_on(l->hs, req, l->kind, over);
}

void
http_server_dispatch(struct http_server *hs, struct evhttp_request *req)
{
	http_dispatch_on(hs, req, HTTP_PUBLIC, 0);
}

void
http_server_dispatch_on(struct http_server *hs, struct evhttp_request *req,
			enum http_listener listener)
{
	http_dispatch_on(hs, req, listener, 0);
}

struct http_sessions *
http_server_sessions(struct http_server *hs)
{
	return hs->sessions;
}

const struct http_tmpl_set *
http_server_templates(struct http_server *hs)
{
	return hs->tmpl;
}

void
http_page(struct http_server *hs, struct evhttp_request *req, int code, const char *name,
	  const struct http_tv *data, const char *lang, const char *csp_nonce)
{
	char *out = NULL, why[160];
	size_t len = 0;

	if (http_tmpl_render(hs->tmpl, name, data, lang, &out, &len, why, sizeof(why)) < 0) {
		log_error("http page %s: %s", name, why);
		http_text(req, 500, "Internal error\n");
		return;
	}
	http_reply(req, code, "text/html; charset=utf-8", out, len, csp_nonce);
	free(out);
}

/*
 * Templates and catalogue: http.data_dir, else DIR/../share/poort beside
 * the poortd binary (the build tree, /usr/sbin -> /usr/share/poort on the
 * box), else the directory it was built to be installed in.
 */
static void
http_data_dir(const struct config_http *hc, char *out, size_t outlen)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n;
	char *slash;

	if (hc->data_dir[0] != '\0') {
		snprintf(out, outlen, "%s", hc->data_dir);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(probe, sizeof(probe), "%s/../share/poort/templates", exe);
			if (access(probe, R_OK) == 0 && strlen(exe) + 16 < outlen) {
				snprintf(out, outlen, "%.*s/../share/poort", (int)(outlen - 16), exe);
				return;
			}
		}
	}
	snprintf(out, outlen, "%s", POORT_DATADIR);
}

static struct evhttp *
http_listen(struct http_server *hs, struct http_lis *l, const struct config_http *hc,
	    const struct sockaddr_storage *addr, socklen_t addrlen, const char *text, char *err,
	    size_t errlen)
{
	struct evhttp_bound_socket *bound;
	struct evhttp *http = evhttp_new(hs->base);
	int one = 1, fd;

	if (http == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		return NULL;
	}
	l->hs = hs;
	l->http = http;
	if ((l->conns = calloc(1, sizeof(*l->conns))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	evhttp_set_bevcb(http, http_bevcb, l);
	/* the admin listener takes a backup to restore (admin_allow addresses only) */
	l->max_body = l->kind == HTTP_ADMIN && hc->admin_max_body > hc->max_body ? hc->admin_max_body
										 : hc->max_body;
	evhttp_set_max_body_size(http, (ev_ssize_t)l->max_body);
	evhttp_set_max_headers_size(http, 16384);
	evhttp_set_timeout(http, 30);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(http, http_dispatch, l);
	/* bound and listening, by the parent when it could (lsock.h) */
	fd = lsock_get(SOCK_STREAM, (const struct sockaddr *)addr, addrlen);
	if (fd < 0 || (bound = evhttp_accept_socket_with_handle(http, fd)) == NULL) {
		snprintf(err, errlen, "https: cannot listen on %s: %s", text,
			 fd < 0 ? strerror(errno) : "cannot accept on it");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* accepted sockets inherit it: evhttp writes headers and body apart, and
	 * Nagle with delayed ACKs would add 40 ms to every answer */
	setsockopt(evhttp_bound_socket_get_fd(bound), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return http;
}

struct http_server *
http_server_new(struct event_base *base, const struct config_http *hc, char *err, size_t errlen)
{
	struct http_server *hs = calloc(1, sizeof(*hs));
	const struct http_session_conf sc = {.cookie = "__Host-poort_admin", .samesite = "Strict",
					     .idle = hc->admin_idle != 0 ? hc->admin_idle
									 : HTTP_ADMIN_IDLE,
					     .absolute = HTTP_ADMIN_ABSOLUTE,
					     .max = HTTP_ADMIN_SESSIONS};
	char dir[PATH_MAX], sub[PATH_MAX + 16];

	if (hs == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hs->base = base;
	hs->hc = hc;
	hs->rate = hc->rate;
	hs->max_conns = hc->max_conns;
	hs->lis[0].kind = HTTP_PUBLIC;
	hs->lis[1].kind = HTTP_ADMIN;
	if (http_conn_idx < 0)
		http_conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, http_conn_gone);
	if (http_over_idx < 0)
		http_over_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	hs->rl_log.interval = 10;
	hs->rl_log.burst = 5;
	if ((hs->rates = limit_new(HTTP_RATE_KEYS, HTTP_RATE_WINDOW)) == NULL ||
	    (hs->sessions = http_sessions_new(&sc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* pages and catalogue are read now, before the sandbox */
	http_data_dir(hc, dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/templates", dir);
	if ((hs->tmpl = http_tmpl_load(sub, err, errlen)) == NULL)
		goto fail;
	snprintf(sub, sizeof(sub), "%s/locale", dir);
	if (http_i18n_init(sub, err, errlen) < 0)
		goto fail;
	if ((hs->ssl = http_ssl_new(hc, err, errlen)) == NULL)
		goto fail;
	SSL_CTX_set_client_hello_cb(hs->ssl, http_client_hello, hs);
	if (http_listen(hs, &hs->lis[0], hc, &hc->addr, hc->addrlen, hc->listen_text, err,
			errlen) == NULL)
		goto fail;
	if (hc->admin_addrlen != 0 &&
	    http_listen(hs, &hs->lis[1], hc, &hc->admin_addr, hc->admin_addrlen,
			hc->admin_listen_text, err, errlen) == NULL)
		goto fail;
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
	for (size_t i = 0; i < 2; i++)
		if (hs->lis[i].http != NULL)
			evhttp_free(hs->lis[i].http);
	SSL_CTX_free(hs->ssl);
	http_sessions_free(hs->sessions);
	http_tmpl_free(hs->tmpl);
	limit_free(hs->rates);
	for (size_t i = 0; i < 2; i++) {
		struct http_conns *c = hs->lis[i].conns;
		if (c != NULL && c->open > 0)
			c->orphan = 1;
		else
			free(c);
	}
	free(hs);
}

int
http_server_routes(struct http_server *hs, const struct http_route_def *defs, size_t n, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		struct http_route *r = &hs->routes[hs->nroutes];
		size_t l = strlen(defs[i].path);
		if (hs->nroutes == HTTP_ROUTES_MAX || l >= sizeof(r->path) || defs[i].path[0] != '/' ||
		    ((defs[i].flags & HTTP_R_PREFIX) && defs[i].path[l - 1] != '/') ||
		    defs[i].methods == 0)
			return HTTP_ECONFIG;
		r->methods = defs[i].methods;
		snprintf(r->path, sizeof(r->path), "%s", defs[i].path);
		r->flags = defs[i].flags;
		r->fn = defs[i].fn;
		r->arg = arg;
		hs->nroutes++;
	}
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
