/*
 * The test login (see poort/why_test.h): PAP, or EAP-TTLS with PAP inside,
 * as a device would send it, to the running poortd over loopback.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mschapv2.h"
#include "poort/cursor.h"
#include "poort/password.h"
#include "poort/why_test.h"
#include "radius_msg.h"

enum {
	CODE_ACCESS_REQUEST = 1,
	CODE_ACCEPT = 2,
	CODE_REJECT = 3,
	CODE_CHALLENGE = 11,
	ATTR_USER_NAME = 1,
	ATTR_USER_PASSWORD = 2,
	ATTR_NAS_PORT_TYPE = 61,
	ATTR_CALLING_STATION = 31,
	ATTR_STATE = 24,
	ATTR_EAP = 79,
	ATTR_MA = 80,
	EAP_REQUEST = 1,
	EAP_RESPONSE = 2,
	EAP_SUCCESS = 3,
	EAP_FAILURE = 4,
	EAP_IDENTITY = 1,
	EAP_NAK = 3,
	EAP_TTLS = 21,
	EAP_PEAP = 25,
	EAP_MSCHAPV2 = 26,
	EAP_TLV = 33,
	MS_CHALLENGE = 1,
	MS_RESPONSE = 2,
	MS_SUCCESS = 3,
	MS_FAILURE = 4,
	TLS_L = 0x80,
	TLS_M = 0x40,
	TLS_S = 0x20,
	FRAG = 1000, /* TLS data per EAP message */
};

struct wt {
	const struct why_test_opts *o;
	struct why_test_result *r;
	int fd;
	uint8_t id;
	uint8_t state[253];
	size_t statelen;
	struct why_radius_reply rep;
	/* EAP-TTLS */
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	uint8_t in[65536];
	size_t inlen;
	uint8_t *out;
	size_t outlen, outoff;
	uint8_t type; /* EAP_TTLS or EAP_PEAP */
	int sent_creds;
	uint8_t nthash[16]; /* PEAP: MS-CHAPv2 */
	uint8_t auth_chal[16], peer_chal[16], ntresp[24];
};

/* msg, and ": detail" when there is one. */
static int
wt_fail(struct wt *w, const char *msg, const char *detail)
{
	snprintf(w->r->error, sizeof(w->r->error), "%s%s%s", msg, detail != NULL ? ": " : "",
		 detail != NULL ? detail : "");
	return -1;
}

static int
wt_attr(struct wcursor *c, uint8_t type, const void *v, size_t len)
{
	if (len > 253)
		return -1;
	wcursor_u8(c, type);
	wcursor_u8(c, (uint8_t)(len + 2));
	wcursor_bytes(c, v, len);
	return c->err ? -1 : 0;
}

/* RFC 2865 5.2: the password hidden under the secret and the authenticator. */
static int
wt_hide_password(const char *secret, const uint8_t auth[16], const char *pw, uint8_t *out,
		 size_t *outlen)
{
	size_t len = strlen(pw), n = len == 0 ? 16 : (len + 15) / 16 * 16;
	uint8_t b[16];
	const uint8_t *prev = auth;
	int ok = 1;

	if (n > 128)
		return -1;
	memset(out, 0, n);
	memcpy(out, pw, len);
	for (size_t i = 0; i < n && ok; i += 16) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md != NULL && EVP_DigestInit_ex(md, EVP_md5(), NULL) == 1 &&
		     EVP_DigestUpdate(md, secret, strlen(secret)) == 1 &&
		     EVP_DigestUpdate(md, prev, 16) == 1 && EVP_DigestFinal_ex(md, b, NULL) == 1;
		EVP_MD_CTX_free(md);
		for (size_t j = 0; j < 16; j++)
			out[i + j] ^= b[j];
		prev = out + i;
	}
	explicit_bzero(b, sizeof(b));
	*outlen = n;
	return ok ? 0 : -1;
}

/* One Access-Request (PAP when pw != NULL, else with eap) and its verified answer. */
static int
wt_exchange(struct wt *w, const char *user, const char *pw, const uint8_t *eap, size_t eaplen)
{
	uint8_t pkt[WHY_RADIUS_MAX], auth[16], buf[WHY_RADIUS_MAX], hidden[128];
	uint8_t *lenp, *ma;
	struct wcursor c;
	size_t hlen;
	unsigned timeout = w->o->timeout_ms != 0 ? w->o->timeout_ms : 3000;
	static const uint8_t wireless[4] = {0, 0, 0, 19}; /* NAS-Port-Type 802.11 */

	if (RAND_bytes(auth, sizeof(auth)) != 1)
		return wt_fail(w, "no random bytes", NULL);
	w->id++;
	wcursor_init(&c, pkt, sizeof(pkt));
	wcursor_u8(&c, CODE_ACCESS_REQUEST);
	wcursor_u8(&c, w->id);
	wcursor_reserve(&c, &lenp, 2);
	wcursor_bytes(&c, auth, 16);
	wcursor_u8(&c, ATTR_MA);
	wcursor_u8(&c, 18);
	wcursor_reserve(&c, &ma, 16);
	if (ma != NULL)
		memset(ma, 0, 16);
	wt_attr(&c, ATTR_USER_NAME, user, strlen(user));
	wt_attr(&c, ATTR_CALLING_STATION, w->r->station, strlen(w->r->station));
	wt_attr(&c, ATTR_NAS_PORT_TYPE, wireless, 4);
	if (pw != NULL) {
		if (wt_hide_password(w->o->secret, auth, pw, hidden, &hlen) < 0)
			return wt_fail(w, "the password is longer than 128 bytes", NULL);
		wt_attr(&c, ATTR_USER_PASSWORD, hidden, hlen);
		explicit_bzero(hidden, sizeof(hidden));
	}
	for (size_t off = 0; off < eaplen; off += 253)
		wt_attr(&c, ATTR_EAP, eap + off, eaplen - off < 253 ? eaplen - off : 253);
	if (w->statelen > 0)
		wt_attr(&c, ATTR_STATE, w->state, w->statelen);
	if (c.err || lenp == NULL || ma == NULL)
		return wt_fail(w, "request too large", NULL);
	lenp[0] = (uint8_t)(c.pos >> 8);
	lenp[1] = (uint8_t)c.pos;
	if (radius_auth_sign(pkt, c.pos, NULL, w->o->secret) < 0)
		return wt_fail(w, "cannot sign the request", NULL);

	for (int attempt = 0; attempt < 2; attempt++) {
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		/* never blocks: a server that does not read (restarting) fills the queue */
		if (send(w->fd, pkt, c.pos, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			explicit_bzero(pkt, sizeof(pkt));
			return wt_fail(w, "cannot send", strerror(errno));
		}
		while (poll(&p, 1, (int)timeout) == 1) {
			ssize_t n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n < 0) {
				explicit_bzero(pkt, sizeof(pkt));
				return wt_fail(w, "no answer from the server", strerror(errno));
			}
			if (why_radius_parse(buf, (size_t)n, w->id, auth, w->o->secret, &w->rep) < 0)
				continue; /* not ours, or not signed with our secret: keep waiting */
			explicit_bzero(pkt, sizeof(pkt));
			w->r->answered = 1;
			w->r->rounds++;
			memcpy(w->state, w->rep.state, w->rep.statelen);
			w->statelen = w->rep.statelen;
			if (w->rep.reply_message[0] != '\0')
				snprintf(w->r->reply_message, sizeof(w->r->reply_message), "%s",
					 w->rep.reply_message);
			return 0;
		}
	}
	explicit_bzero(pkt, sizeof(pkt));
	return wt_fail(w, "no answer from the server (is poortd running, is this host a"
			  " RADIUS client with this secret?)", NULL);
}

/* An EAP-Response with type-data. */
static int
wt_eap_send(struct wt *w, const char *outer, uint8_t id, uint8_t type, const uint8_t *data,
	    size_t len)
{
	uint8_t eap[FRAG + 64];
	size_t n = 5 + len;

	if (n > sizeof(eap))
		return -1;
	eap[0] = EAP_RESPONSE;
	eap[1] = id;
	eap[2] = (uint8_t)(n >> 8);
	eap[3] = (uint8_t)n;
	eap[4] = type;
	memcpy(eap + 5, data, len);
	return wt_exchange(w, outer, NULL, eap, n);
}

/* The next piece of our TLS output (or an empty ack) as an EAP-TTLS or PEAP response. */
static int
wt_ttls_send(struct wt *w, const char *outer, uint8_t id)
{
	uint8_t d[FRAG + 8];
	size_t left = w->outlen - w->outoff, n = left > FRAG ? FRAG : left, pos = 1;

	d[0] = 0;
	if (left > FRAG && w->outoff == 0) {
		d[0] |= TLS_L;
		d[1] = (uint8_t)(w->outlen >> 24);
		d[2] = (uint8_t)(w->outlen >> 16);
		d[3] = (uint8_t)(w->outlen >> 8);
		d[4] = (uint8_t)w->outlen;
		pos = 5;
	}
	if (left > FRAG)
		d[0] |= TLS_M;
	if (n > 0)
		memcpy(d + pos, w->out + w->outoff, n);
	w->outoff += n;
	return wt_eap_send(w, outer, id, w->type, d, pos + n);
}

/* Diameter AVP (RFC 5281 10.1): code, M flag, length, data, padded to 4. */
static void
wt_avp(struct wcursor *c, uint32_t code, const void *v, size_t len)
{
	static const uint8_t pad[3];
	wcursor_u32(c, code);
	wcursor_u8(c, 0x40);
	wcursor_u24(c, (uint32_t)(8 + len));
	wcursor_bytes(c, v, len);
	wcursor_bytes(c, pad, (4 - len % 4) % 4);
}

/*
 * PEAPv0 phase 2, one inner request (header-less but for the Result TLV):
 * Identity, then EAP-MSCHAPv2 (RFC 2759 through src/auth's mschapv2), then
 * the Result TLV, echoed. The answer goes into the tunnel.
 */
static int
wt_peap_inner(struct wt *w, const uint8_t *in, size_t len)
{
	uint8_t out[300];
	struct wcursor c;
	struct rcursor r;
	const char *user = w->o->user;
	size_t ulen = strlen(user);
	uint8_t type, op, msid;

	wcursor_init(&c, out, sizeof(out));
	if (len >= 5 && in[0] == EAP_REQUEST && ((size_t)in[2] << 8 | in[3]) == len &&
	    in[4] == EAP_TLV) {
		/* Result TLV: answer with the same status */
		uint16_t status = len >= 11 ? (uint16_t)(in[9] << 8 | in[10]) : 2;
		wcursor_u8(&c, EAP_RESPONSE);
		wcursor_u8(&c, in[1]);
		wcursor_u16(&c, 11);
		wcursor_u8(&c, EAP_TLV);
		wcursor_u16(&c, 0x8003);
		wcursor_u16(&c, 2);
		wcursor_u16(&c, status);
		goto send;
	}
	rcursor_init(&r, in, len);
	if (rcursor_u8(&r, &type) < 0)
		return wt_fail(w, "the server sent an empty inner request", NULL);
	if (type == EAP_IDENTITY) {
		wcursor_u8(&c, EAP_IDENTITY);
		wcursor_bytes(&c, user, ulen);
		goto send;
	}
	if (type != EAP_MSCHAPV2 || rcursor_u8(&r, &op) < 0 || rcursor_u8(&r, &msid) < 0)
		return wt_fail(w, "the server sent an unexpected inner request", NULL);
	wcursor_u8(&c, EAP_MSCHAPV2);
	if (op == MS_CHALLENGE) {
		uint8_t vsize;
		if (rcursor_skip(&r, 2) < 0 || rcursor_u8(&r, &vsize) < 0 || vsize != 16 ||
		    rcursor_bytes(&r, w->auth_chal, 16) < 0)
			return wt_fail(w, "the server sent a malformed MS-CHAPv2 challenge", NULL);
		if (RAND_bytes(w->peer_chal, 16) != 1 ||
		    mschapv2_nt_response(w->auth_chal, w->peer_chal, user, ulen, w->nthash,
					 w->ntresp) < 0)
			return wt_fail(w, "MS-CHAPv2 failed (MD4 or DES unavailable)", NULL);
		static const uint8_t zero[8];
		wcursor_u8(&c, MS_RESPONSE);
		wcursor_u8(&c, msid);
		wcursor_u16(&c, (uint16_t)(5 + 49 + ulen));
		wcursor_u8(&c, 49);
		wcursor_bytes(&c, w->peer_chal, 16);
		wcursor_bytes(&c, zero, 8);
		wcursor_bytes(&c, w->ntresp, 24);
		wcursor_u8(&c, 0);
		wcursor_bytes(&c, user, ulen);
	} else if (op == MS_SUCCESS || op == MS_FAILURE) {
		wcursor_u8(&c, op); /* acknowledged either way; the server decides */
	} else {
		return wt_fail(w, "the server sent an unknown MS-CHAPv2 operation", NULL);
	}
send:
	if (c.err || SSL_write(w->ssl, out, (int)c.pos) != (int)c.pos)
		return wt_fail(w, "cannot answer inside the tunnel", NULL);
	return 0;
}

/* Feeds what came in to TLS; what TLS wants to send goes into w->out. */
static int
wt_tls_step(struct wt *w)
{
	if (w->inlen > 0 && BIO_write(w->rbio, w->in, (int)w->inlen) != (int)w->inlen)
		return wt_fail(w, "TLS buffer", NULL);
	w->inlen = 0;
	if (!SSL_is_init_finished(w->ssl)) {
		int rc = SSL_do_handshake(w->ssl);
		if (rc <= 0 && SSL_get_error(w->ssl, rc) != SSL_ERROR_WANT_READ) {
			unsigned long e = ERR_get_error();
			return wt_fail(w, "TLS handshake with the server failed: ",
				       e != 0 ? ERR_reason_error_string(e) : "closed");
		}
	}
	if (SSL_is_init_finished(w->ssl)) {
		uint8_t buf[1024];
		int n;

		if (w->r->tls_version[0] == '\0')
			snprintf(w->r->tls_version, sizeof(w->r->tls_version), "%s",
				 SSL_get_version(w->ssl));
		/* TTLS expects nothing inside; session tickets are read here too */
		while ((n = SSL_read(w->ssl, buf, sizeof(buf))) > 0)
			if (w->type == EAP_PEAP && wt_peap_inner(w, buf, (size_t)n) < 0)
				return -1;
		if (w->type == EAP_TTLS && !w->sent_creds) {
			uint8_t avps[512];
			struct wcursor c;
			wcursor_init(&c, avps, sizeof(avps));
			wt_avp(&c, ATTR_USER_NAME, w->o->user, strlen(w->o->user));
			wt_avp(&c, ATTR_USER_PASSWORD, w->o->password, strlen(w->o->password));
			if (c.err || SSL_write(w->ssl, avps, (int)c.pos) != (int)c.pos) {
				explicit_bzero(avps, sizeof(avps));
				return wt_fail(w, "cannot send the credentials in the tunnel", NULL);
			}
			explicit_bzero(avps, sizeof(avps));
			w->sent_creds = 1;
		}
	}
	/* what is pending to send */
	size_t n = BIO_ctrl_pending(w->wbio);
	free(w->out);
	w->out = n > 0 ? malloc(n) : NULL;
	w->outlen = w->outoff = 0;
	if (n > 0) {
		if (w->out == NULL || BIO_read(w->wbio, w->out, (int)n) != (int)n)
			return wt_fail(w, "out of memory", NULL);
		w->outlen = n;
	}
	return 0;
}

static int
wt_tls_setup(struct wt *w)
{
	w->ctx = SSL_CTX_new(TLS_client_method());
	if (w->ctx == NULL)
		return wt_fail(w, "TLS context", NULL);
	SSL_CTX_set_min_proto_version(w->ctx, TLS1_2_VERSION);
	if (w->o->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(w->ctx, w->o->ca_file, NULL) != 1)
			return wt_fail(w, "cannot read the CA file", w->o->ca_file);
		SSL_CTX_set_verify(w->ctx, SSL_VERIFY_PEER, NULL);
	}
	w->ssl = SSL_new(w->ctx);
	w->rbio = BIO_new(BIO_s_mem());
	w->wbio = BIO_new(BIO_s_mem());
	if (w->ssl == NULL || w->rbio == NULL || w->wbio == NULL) {
		BIO_free(w->rbio);
		BIO_free(w->wbio);
		return wt_fail(w, "out of memory", NULL);
	}
	SSL_set_bio(w->ssl, w->rbio, w->wbio);
	SSL_set_connect_state(w->ssl);
	return 0;
}

/*
 * EAP-TTLS/PAP or PEAP/MSCHAPv2: identity, a NAK to ours if offered another
 * method, the tunnel, then PAP or MS-CHAPv2 inside.
 */
static int
wt_tunnel(struct wt *w)
{
	char anon[300];
	const char *at = strrchr(w->o->user, '@');
	uint8_t ident[300];
	size_t n;

	if (w->o->anon != NULL)
		snprintf(anon, sizeof(anon), "%s", w->o->anon);
	else
		snprintf(anon, sizeof(anon), "anonymous%s", at != NULL ? at : "");
	n = strlen(anon);
	ident[0] = EAP_RESPONSE;
	ident[1] = 0;
	ident[2] = (uint8_t)((5 + n) >> 8);
	ident[3] = (uint8_t)(5 + n);
	ident[4] = EAP_IDENTITY;
	memcpy(ident + 5, anon, n);
	if (wt_exchange(w, anon, NULL, ident, 5 + n) < 0)
		return -1;
	if (wt_tls_setup(w) < 0)
		return -1;
	for (int round = 0; round < 60; round++) {
		struct rcursor c;
		uint8_t code, id, type, flags = 0;
		uint16_t len;

		if (w->rep.code != CODE_CHALLENGE)
			return 0; /* accept or reject: the answer */
		rcursor_init(&c, w->rep.eap, w->rep.eaplen);
		if (rcursor_u8(&c, &code) < 0 || rcursor_u8(&c, &id) < 0 ||
		    rcursor_u16(&c, &len) < 0 || len != w->rep.eaplen || code != EAP_REQUEST ||
		    rcursor_u8(&c, &type) < 0)
			return wt_fail(w, "the server sent a malformed EAP request", NULL);
		if (type != w->type) {
			if (wt_eap_send(w, anon, id, EAP_NAK, &w->type, 1) < 0)
				return -1;
			continue;
		}
		if (rcursor_u8(&c, &flags) < 0)
			return wt_fail(w, "the server sent a malformed EAP-TTLS request", NULL);
		if ((flags & TLS_L) && rcursor_skip(&c, 4) < 0)
			return wt_fail(w, "the server sent a malformed EAP-TTLS request", NULL);
		size_t dlen = rcursor_left(&c);
		if (w->inlen + dlen > sizeof(w->in))
			return wt_fail(w, "the server's TLS message is too large", NULL);
		rcursor_bytes(&c, w->in + w->inlen, dlen);
		w->inlen += dlen;
		if (flags & TLS_M) { /* more to come: acknowledge this piece */
			if (wt_eap_send(w, anon, id, w->type, (const uint8_t[]){0}, 1) < 0)
				return -1;
			continue;
		}
		/* an empty request acknowledges our last piece: send the next */
		if (dlen == 0 && !(flags & TLS_S) && w->outoff < w->outlen) {
			if (wt_ttls_send(w, anon, id) < 0)
				return -1;
			continue;
		}
		if (wt_tls_step(w) < 0 || wt_ttls_send(w, anon, id) < 0)
			return -1;
	}
	return wt_fail(w, "the EAP conversation did not end after 60 rounds", NULL);
}

int
why_test_login(const struct why_test_opts *o, struct why_test_result *out)
{
	struct wt w = {.o = o, .r = out, .fd = -1};
	uint8_t mac[6];
	int rc = -1, own = 1;

	memset(out, 0, sizeof(*out));
	out->started = (int64_t)time(NULL);
	/* a locally administered MAC of its own: finds this test's log row */
	if (RAND_bytes(mac, sizeof(mac)) != 1 || RAND_bytes(&w.id, 1) != 1)
		return wt_fail(&w, "no random bytes", NULL);
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
	snprintf(out->station, sizeof(out->station), "%02x-%02x-%02x-%02x-%02x-%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (o->serverlen == 0) {
		w.fd = o->fd;
		own = 0;
	} else {
		w.fd = socket(o->server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (w.fd >= 0 &&
		    connect(w.fd, (const struct sockaddr *)&o->server, o->serverlen) < 0) {
			close(w.fd);
			w.fd = -1;
		}
	}
	if (w.fd < 0) {
		wt_fail(&w, "cannot reach the server", strerror(errno));
		goto done;
	}
	w.type = o->method == WHY_TEST_PEAP ? EAP_PEAP : EAP_TTLS;
	if (o->method == WHY_TEST_PEAP &&
	    password_nthash(o->password, strlen(o->password), w.nthash) < 0) {
		wt_fail(&w, "cannot make the password's NT hash", NULL);
		goto done;
	}
	if (o->method == WHY_TEST_PAP)
		rc = wt_exchange(&w, o->user, o->password, NULL, 0);
	else
		rc = wt_tunnel(&w);
	if (rc == 0)
		out->accepted = w.rep.code == CODE_ACCEPT &&
				(o->method == WHY_TEST_PAP ||
				 (w.rep.eaplen >= 4 && w.rep.eap[0] == EAP_SUCCESS));
done:
	if (w.fd >= 0 && own)
		close(w.fd);
	SSL_free(w.ssl); /* frees the BIOs */
	SSL_CTX_free(w.ctx);
	if (w.out != NULL)
		explicit_bzero(w.out, w.outlen);
	free(w.out);
	explicit_bzero(w.in, sizeof(w.in));
	explicit_bzero(w.nthash, sizeof(w.nthash));
	return rc;
}

struct wt_find {
	why_cb cb;
	void *arg;
	int found;
};

static int
wt_found(const struct why_outcome *o, void *arg)
{
	struct wt_find *f = arg;
	f->found = 1;
	f->cb(o, f->arg);
	return 1;
}

int
why_test_explain(struct store *st, const struct why_test_result *r, const char *const *realms,
		 size_t nrealms, unsigned wait_ms, why_cb cb, void *arg)
{
	struct why_query q = {.subject = r->station,
			      .kind = WHY_BY_MAC,
			      .since = r->started - 1,
			      .limit = 1,
			      .realms = realms,
			      .nrealms = nrealms};
	struct wt_find f = {cb, arg, 0};

	for (unsigned waited = 0;; waited += 100) {
		int rc = why_search(st, &q, wt_found, &f);
		if (rc < 0)
			return rc;
		if (f.found || waited >= wait_ms)
			return f.found;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}
