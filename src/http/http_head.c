/*
 * Request heads read ahead of evhttp, so a body over the limit gets our
 * page instead of libevent's bare 413 (http_head.h says why and how).
 * The scan follows evhttp 2.1's own reading: lines end in LF or CRLF, a
 * header's name is everything before its first colon (any case), its
 * value loses leading spaces and trailing white space, the first
 * Content-Length counts, GET and POST have a body, HEAD has none.
 */
#include "poort/http_head.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

/* name (length n) is lit (lower case) in any case */
static int
head_name_is(const char *name, size_t n, const char *lit)
{
	if (n != strlen(lit))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != lit[i])
			return 0;
	}
	return 1;
}

/* The request line: 1 if its method has a body, 0 if not, -1 unsure. */
static int
head_method(const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n);
	size_t m = sp != NULL ? (size_t)(sp - line) : 0;

	if (m == 3 && memcmp(line, "GET", 3) == 0)
		return 1;
	if (m == 4 && memcmp(line, "POST", 4) == 0)
		return 1;
	if (m == 4 && memcmp(line, "HEAD", 4) == 0)
		return 0;
	return -1; /* evhttp refuses the others (501) or the line (400) */
}

/* One header line [p, p+n): 0 fine, -1 unsure; a Content-Length is noted. */
static int
head_field(const char *buf, size_t p, size_t n, struct http_head *h, int *ncl)
{
	const char *line = buf + p, *colon = memchr(line, ':', n);
	size_t k, v, e;
	uint64_t cl = 0;

	if (n == 0 || line[0] == ' ' || line[0] == '\t' || colon == NULL)
		return -1; /* a folded line, or evhttp's 400 */
	k = (size_t)(colon - line);
	if (head_name_is(line, k, "transfer-encoding") || head_name_is(line, k, "expect"))
		return -1;
	if (!head_name_is(line, k, "content-length"))
		return 0;
	if (++*ncl > 1)
		return -1;
	for (v = k + 1; v < n && line[v] == ' '; v++)
		;
	for (e = n; e > v && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'); e--)
		;
	if (e == v)
		return -1;
	for (size_t i = v; i < e; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1; /* evhttp's strtoll takes a sign too: leave those to it */
		cl = cl > (UINT64_MAX - 9) / 10 ? UINT64_MAX : cl * 10 + (uint64_t)(line[i] - '0');
	}
	h->body = cl;
	h->cl_off = p + v;
	h->cl_len = e - v;
	return 0;
}

enum http_head_kind
http_head_scan(const char *buf, size_t len, uint64_t max, struct http_head *h)
{
	size_t pos = 0, lines = 0;
	int body = -1, ncl = 0;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < len && i < HTTP_HEAD_MAX; i++) {
		size_t e = i;
		if (buf[i] == '\0')
			return HTTP_HEAD_UNSURE;
		if (buf[i] != '\n')
			continue;
		if (e > pos && buf[e - 1] == '\r')
			e--;
		if (lines++ == 0) {
			if ((body = head_method(buf + pos, e - pos)) < 0)
				return HTTP_HEAD_UNSURE;
		} else if (e == pos) {
			h->len = i + 1;
			if (!body || ncl == 0) {
				h->body = 0;
				return HTTP_HEAD_OK;
			}
			return h->body > max ? HTTP_HEAD_OVER : HTTP_HEAD_OK;
		} else if (head_field(buf, pos, e - pos, h, &ncl) < 0) {
			return HTTP_HEAD_UNSURE;
		}
		pos = i + 1;
	}
	return len >= HTTP_HEAD_MAX ? HTTP_HEAD_UNSURE : HTTP_HEAD_MORE;
}

/*
 * One connection's reading state, kept in its SSL object (freed with it).
 * It follows the bytes evhttp's input buffer receives, at its tail; evhttp
 * takes bytes from the front only.
 */
struct http_head_conn {
	enum { HC_HEAD, HC_BODY, HC_DROP, HC_PASS } mode;
	size_t pend;         /* HC_HEAD: the last pend bytes are a head begun */
	uint64_t left;       /* body bytes still to let by (HC_BODY) or drop (HC_DROP) */
	uint64_t max;
	unsigned heads;      /* heads seen */
	unsigned dispatched; /* requests evhttp handed to the dispatcher */
	unsigned over;       /* the head whose body was over max, 0 none */
	int busy;            /* our own changes to the buffer call us too */
};

static int http_head_idx = -1;

static void
head_gone(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/* Drops n bytes at off; the bytes before them (evhttp's, not yet read) stay. */
static int
head_cut(struct evbuffer *buf, size_t off, size_t n)
{
	struct evbuffer *front;
	int rc = 0;

	if (off == 0)
		return evbuffer_drain(buf, n);
	if ((front = evbuffer_new()) == NULL)
		return -1;
	if (evbuffer_remove_buffer(buf, front, off) != (int)off || evbuffer_drain(buf, n) < 0 ||
	    evbuffer_prepend_buffer(buf, front) < 0)
		rc = -1;
	evbuffer_free(front);
	return rc;
}

/* The Content-Length digits at off become "0" and spaces (evhttp trims those). */
static int
head_zero(struct evbuffer *buf, size_t off, size_t n)
{
	struct evbuffer_ptr at;
	struct evbuffer_iovec v[4];
	int nv;
	size_t k = 0;

	if (evbuffer_ptr_set(buf, &at, off, EVBUFFER_PTR_SET) < 0 ||
	    (nv = evbuffer_peek(buf, (ev_ssize_t)n, &at, v, 4)) < 1 || nv > 4)
		return -1;
	for (int i = 0; i < nv && k < n; i++)
		for (size_t j = 0; j < v[i].iov_len && k < n; j++, k++)
			((char *)v[i].iov_base)[j] = k == 0 ? '0' : ' ';
	return k == n ? 0 : -1;
}

/*
 * The head begun at the buffer's last c->pend bytes, when complete. Returns
 * how many of those bytes follow it (0 when it is incomplete).
 */
static size_t
head_look(struct http_head_conn *c, struct evbuffer *buf)
{
	char text[HTTP_HEAD_MAX];
	size_t len = evbuffer_get_length(buf), off = len - c->pend, rest;
	size_t look = c->pend < sizeof(text) ? c->pend : sizeof(text);
	struct evbuffer_ptr at;
	struct http_head h;
	enum http_head_kind kind = HTTP_HEAD_UNSURE;

	if (evbuffer_ptr_set(buf, &at, off, EVBUFFER_PTR_SET) == 0 &&
	    evbuffer_copyout_from(buf, &at, text, look) == (ev_ssize_t)look)
		kind = http_head_scan(text, look, c->max, &h);
	if (kind == HTTP_HEAD_MORE)
		return 0;
	/* a head while evhttp still has the previous request: pipelined, so
	 * which request is which would be a guess */
	if (kind == HTTP_HEAD_UNSURE || c->heads != c->dispatched ||
	    (kind == HTTP_HEAD_OVER && head_zero(buf, off + h.cl_off, h.cl_len) < 0)) {
		c->mode = HC_PASS;
		return 0;
	}
	c->heads++;
	rest = c->pend - h.len;
	c->pend = 0;
	c->left = h.body;
	c->mode = h.body == 0 ? HC_HEAD : kind == HTTP_HEAD_OVER ? HC_DROP : HC_BODY;
	if (kind == HTTP_HEAD_OVER)
		c->over = c->heads;
	return rest;
}

static void
head_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_head_conn *c = arg;
	size_t n = info->n_added, k;

	if (c->busy || c->mode == HC_PASS)
		return;
	/* evhttp read part of a head we had not seen whole: leave it to evhttp */
	if (info->n_deleted > 0 && c->mode == HC_HEAD && c->pend > 0 &&
	    info->n_deleted > info->orig_size - c->pend) {
		c->mode = HC_PASS;
		return;
	}
	c->busy = 1;
	while (n > 0 && c->mode != HC_PASS) {
		if (c->mode == HC_HEAD) {
			c->pend += n;
			n = head_look(c, buf);
			if (c->pend > 0 && c->mode == HC_HEAD)
				break; /* incomplete: more to come */
			continue;
		}
		k = (uint64_t)n < c->left ? n : (size_t)c->left;
		if (c->mode == HC_DROP &&
		    head_cut(buf, evbuffer_get_length(buf) - n, k) < 0) {
			c->mode = HC_PASS; /* no memory: evhttp's own limit refuses it */
			break;
		}
		c->left -= k;
		n -= k;
		if (c->left == 0)
			c->mode = HC_HEAD;
	}
	c->busy = 0;
}

int
http_head_watch(struct bufferevent *bev, SSL *ssl, uint64_t max)
{
	struct http_head_conn *c;

	if (http_head_idx < 0)
		http_head_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, head_gone);
	if (http_head_idx < 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->max = max;
	if (SSL_set_ex_data(ssl, http_head_idx, c) != 1) {
		free(c);
		return -1;
	}
	if (evbuffer_add_cb(bufferevent_get_input(bev), head_input, c) == NULL) {
		c->mode = HC_PASS; /* freed with the SSL object */
		return -1;
	}
	return 0;
}

int
http_head_over(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
	struct http_head_conn *c = ssl != NULL && http_head_idx >= 0
					   ? SSL_get_ex_data(ssl, http_head_idx)
					   : NULL;

	if (c == NULL)
		return 0;
	c->dispatched++;
	return c->over != 0 && c->over == c->dispatched;
}
