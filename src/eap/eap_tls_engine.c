/*
 * The TLS engine of EAP-TLS, TTLS and PEAP (RFC 5216 framing): OpenSSL on
 * memory BIOs, so TLS is buffer in, buffer out. Fragments the server's
 * flights, reassembles the peer's, derives keys.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eap_int.h"
#include "poort/auth.h"

/* What a tunnel session remembers about its inner authentication. */
struct eap_tls_memo {
	char inner[EAP_NAME_MAX + 1];
	char user[65];
};

static int eap_memo_idx = -1;

static void
eap_memo_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr != NULL) {
		explicit_bzero(ptr, sizeof(struct eap_tls_memo));
		free(ptr);
	}
}

/* OpenSSL copies sessions (TLS 1.3 resumption): each copy gets its own memo. */
static int
eap_memo_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx, long argl,
             void *argp)
{
	struct eap_tls_memo *m = *(struct eap_tls_memo **)from_d, *copy = NULL;
	(void)to;
	(void)from;
	(void)idx;
	(void)argl;
	(void)argp;
	if (m != NULL) {
		copy = malloc(sizeof(*copy));
		if (copy == NULL)
			return 0;
		memcpy(copy, m, sizeof(*copy));
	}
	*(struct eap_tls_memo **)from_d = copy;
	return 1;
}

void
eap_tls_session_remember(struct eap_tls *t, struct eap_conv *c)
{
	SSL_SESSION *s = SSL_get_session(t->ssl);
	struct eap_tls_memo *m;

	if (c->es->cfg.resumption_lifetime == 0 || s == NULL || eap_memo_idx < 0 || t->remembered)
		return;
	t->remembered = 1;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return;
	snprintf(m->inner, sizeof(m->inner), "%s", c->inner);
	snprintf(m->user, sizeof(m->user), "%s", c->acct.user);
	eap_memo_free(NULL, SSL_SESSION_get_ex_data(s, eap_memo_idx), NULL, 0, 0, NULL);
	SSL_SESSION_set_ex_data(s, eap_memo_idx, m);
	/* the tunnel contexts send no ticket at handshake time: this one carries the memo */
	if (t->v13 && SSL_new_session_ticket(t->ssl) == 1)
		SSL_do_handshake(t->ssl);
	ERR_clear_error();
}

int
eap_tls_session_recall(struct eap_tls *t, struct eap_conv *c)
{
	SSL_SESSION *s = SSL_get_session(t->ssl);
	struct eap_tls_memo *m;
	int rc;

	if (s == NULL || eap_memo_idx < 0 || !SSL_session_reused(t->ssl))
		return 0;
	m = SSL_SESSION_get_ex_data(s, eap_memo_idx);
	if (m == NULL || m->user[0] == '\0')
		return 0;
	snprintf(c->inner, sizeof(c->inner), "%s", m->inner);
	/* the account may have been disabled since */
	rc = c->es->be.account(c->es->be.arg, m->user, &c->acct);
	if (rc != 0) {
		memset(&c->acct, 0, sizeof(c->acct));
		c->reason = auth_reason(rc < 0 ? rc : AUTH_EUNKNOWN);
		return -1;
	}
	return 1;
}

static int
eap_tls_ctx_common(SSL_CTX *ctx, const struct config_eap *cfg, const char *sid, char *err,
                   size_t errlen)
{
	unsigned long e;

	SSL_CTX_set_min_proto_version(ctx,
	                              cfg->tls_min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* a conversation waits for the peer between rounds: its empty record
	 * buffers (~34 kB) go back meanwhile (tests/bench/eap_memory.py) */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
		e = ERR_get_error();
		snprintf(err, errlen, "eap certificate %s: %s", cfg->cert,
		         ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unreadable");
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		e = ERR_get_error();
		snprintf(err, errlen, "eap private_key %s: %s", cfg->key,
		         ERR_reason_error_string(e) ? ERR_reason_error_string(e)
		                                    : "unreadable or not the certificate's key");
		return -1;
	}
	if (cfg->ciphers[0] != '\0' && SSL_CTX_set_cipher_list(ctx, cfg->ciphers) != 1) {
		snprintf(err, errlen, "eap ciphers \"%s\": no usable cipher", cfg->ciphers);
		return -1;
	}
	if (cfg->ciphersuites[0] != '\0' && SSL_CTX_set_ciphersuites(ctx, cfg->ciphersuites) != 1) {
		snprintf(err, errlen, "eap ciphersuites \"%s\": not valid", cfg->ciphersuites);
		return -1;
	}
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)sid, (unsigned)strlen(sid));
	if (cfg->resumption_lifetime > 0) {
		/* returning phones skip the full handshake (session IDs and TLS 1.3 tickets) */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_set_timeout(ctx, (long)cfg->resumption_lifetime);
		SSL_CTX_sess_set_cache_size(ctx, EAP_TUNNEL_SESSIONS);
		SSL_CTX_set_num_tickets(ctx, 1);
	} else {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	return 0;
}

/*
 * With a crl configured OpenSSL wants a CRL for every issuer. The onboarding
 * CA's certificates are checked against the store on every login instead
 * (fresher than any CRL file): a missing or stale CRL is no reason to refuse
 * them. Every other verdict stands.
 */
static int eap_device_ca_idx = -1;

static void
eap_device_ca_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		      void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	X509_free(ptr);
}

static int
eap_verify_cb(int ok, X509_STORE_CTX *x)
{
	int err = X509_STORE_CTX_get_error(x);
	SSL *ssl;
	X509 *ca, *cert;

	if (ok || (err != X509_V_ERR_UNABLE_TO_GET_CRL && err != X509_V_ERR_CRL_HAS_EXPIRED &&
		   err != X509_V_ERR_CRL_NOT_YET_VALID))
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	ca = ssl != NULL ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), eap_device_ca_idx) : NULL;
	cert = X509_STORE_CTX_get_current_cert(x);
	if (ca != NULL && cert != NULL && X509_check_issued(ca, cert) == X509_V_OK &&
	    X509_verify(cert, X509_get0_pubkey(ca)) == 1) {
		X509_STORE_CTX_set_error(x, X509_V_OK);
		return 1;
	}
	return ok;
}

/* The onboarding client CA: trusted, named to clients, kept to tell its certificates apart. */
static int
eap_device_ca_load(struct eap_server *es, char *err, size_t errlen)
{
	const char *path = es->cfg.device_ca;
	FILE *f = fopen(path, "r");

	if (f != NULL) {
		es->device_ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (es->device_ca == NULL ||
	    X509_STORE_add_cert(SSL_CTX_get_cert_store(es->tls_ctx), es->device_ca) != 1 ||
	    SSL_CTX_add_client_CA(es->tls_ctx, es->device_ca) != 1) {
		snprintf(err, errlen, "onboarding client CA %s: cannot load it", path);
		return -1;
	}
	if (eap_device_ca_idx < 0)
		eap_device_ca_idx =
		    SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, eap_device_ca_ex_free);
	/* the context's own reference: handshakes on it may outlive a reload */
	if (eap_device_ca_idx < 0 || X509_up_ref(es->device_ca) != 1)
		goto fail;
	if (SSL_CTX_set_ex_data(es->tls_ctx, eap_device_ca_idx, es->device_ca) != 1) {
		X509_free(es->device_ca);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "onboarding client CA %s: cannot load it", path);
	return -1;
}

int
eap_tls_ctx_new(struct eap_server *es, char *err, size_t errlen)
{
	const struct config_eap *cfg = &es->cfg;
	int rc = -1;

	ERR_clear_error();
	es->tunnel_ctx = SSL_CTX_new(TLS_server_method());
	if (eap_memo_idx < 0)
		eap_memo_idx =
		    SSL_SESSION_get_ex_new_index(0, NULL, NULL, eap_memo_dup, eap_memo_free);
	if (es->tunnel_ctx == NULL ||
	    eap_tls_ctx_common(es->tunnel_ctx, cfg, "poort-eap-tunnel", err, errlen) < 0)
		goto done;
	/* stateful sessions, so a tunnel's memo stays in the server's cache; TLS 1.3
	 * tickets are issued only after phase 2 (eap_tls_session_remember) */
	SSL_CTX_set_options(es->tunnel_ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(es->tunnel_ctx, 0);
	if (cfg->client_ca[0] != '\0' || cfg->device_ca[0] != '\0') {
		X509_STORE *store;
		STACK_OF(X509_NAME) * names;

		es->tls_ctx = SSL_CTX_new(TLS_server_method());
		if (es->tls_ctx == NULL ||
		    eap_tls_ctx_common(es->tls_ctx, cfg, "poort-eap-tls", err, errlen) < 0)
			goto done;
		/* stateful sessions here too: OpenSSL 3.0 makes a stateless ticket by
		 * encoding the session and decoding it again, client certificate and
		 * all (a sixth of a TLS 1.3 EAP-TLS login); a session ID or a TLS 1.3
		 * stateful ticket resumes the same way from the server's cache */
		SSL_CTX_set_options(es->tls_ctx, SSL_OP_NO_TICKET);
		/* its sessions keep the client's certificate: ~14 kB each */
		SSL_CTX_sess_set_cache_size(es->tls_ctx, EAP_TLS_SESSIONS);
		if (cfg->client_ca[0] != '\0') {
			if (SSL_CTX_load_verify_locations(es->tls_ctx, cfg->client_ca, NULL) != 1 ||
			    (names = SSL_load_client_CA_file(cfg->client_ca)) == NULL) {
				snprintf(err, errlen, "eap client_ca %s: no CA certificate found",
				         cfg->client_ca);
				goto done;
			}
			SSL_CTX_set_client_CA_list(es->tls_ctx, names);
		}
		if (cfg->device_ca[0] != '\0' && eap_device_ca_load(es, err, errlen) < 0)
			goto done;
		SSL_CTX_set_verify(es->tls_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
		                   es->device_ca != NULL ? eap_verify_cb : NULL);
		SSL_CTX_set_verify_depth(es->tls_ctx, 5);
		store = SSL_CTX_get_cert_store(es->tls_ctx);
		/* client certificates only: extended key usage clientAuth if present */
		X509_STORE_set_purpose(store, X509_PURPOSE_SSL_CLIENT);
		if (cfg->crl[0] != '\0') {
			X509_LOOKUP *lk = X509_STORE_add_lookup(store, X509_LOOKUP_file());
			if (lk == NULL ||
			    X509_load_crl_file(lk, cfg->crl, X509_FILETYPE_PEM) <= 0) {
				snprintf(err, errlen, "eap crl %s: no CRL found", cfg->crl);
				goto done;
			}
			X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
		}
	}
	rc = 0;
done:
	ERR_clear_error();
	return rc;
}

int
eap_tls_setup(struct eap_tls *t, struct eap_conv *c, SSL_CTX *ctx, uint8_t type)
{
	memset(t, 0, sizeof(*t));
	t->type = type;
	if (ctx == NULL) {
		c->reason = "method-not-configured";
		return -1;
	}
	/* the SSL object waits for the ClientHello (eap_tls_ssl_new): a conversation
	 * that stops at the Start costs ~2 kB instead of ~10 (tests/bench/eap_memory.py) */
	t->ctx = ctx;
	return 0;
}

static int
eap_tls_ssl_new(struct eap_tls *t)
{
	t->ssl = SSL_new(t->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		t->ssl = NULL;
		t->rbio = t->wbio = NULL;
		return -1;
	}
	BIO_set_mem_eof_return(t->rbio, -1);
	BIO_set_mem_eof_return(t->wbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_accept_state(t->ssl);
	return 0;
}

void
eap_tls_cleanup(struct eap_tls *t)
{
	/* OpenSSL drops a session from the cache when freed without a shutdown:
	 * wanted after a failure, not after a success */
	if (t->ssl != NULL && t->keep_session)
		SSL_set_shutdown(t->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(t->ssl); /* frees the BIOs */
	if (t->in != NULL) {
		explicit_bzero(t->in, t->incap);
		free(t->in);
	}
	free(t->out);
	if (t->app != NULL) {
		explicit_bzero(t->app, t->appcap);
		free(t->app);
	}
	memset(t, 0, sizeof(*t));
}

int
eap_tls_start(struct eap_tls *t, struct wcursor *out)
{
	(void)t;
	return wcursor_u8(out, EAP_TLS_FLAG_S); /* version 0 for TTLS and PEAP */
}

int
eap_tls_ack(struct eap_tls *t, struct wcursor *out)
{
	(void)t;
	return wcursor_u8(out, 0);
}

static void
eap_tls_fragment(struct eap_tls *t, struct eap_conv *c, struct wcursor *out)
{
	size_t frag = c->es->cfg.fragment_size, left = t->outlen - t->outpos;
	size_t n = left < frag ? left : frag;
	uint8_t flags = 0;

	if (t->outpos == 0 && left > frag)
		flags |= EAP_TLS_FLAG_L;
	if (n < left)
		flags |= EAP_TLS_FLAG_M;
	wcursor_u8(out, flags);
	if (flags & EAP_TLS_FLAG_L)
		wcursor_u32(out, (uint32_t)t->outlen);
	wcursor_bytes(out, t->out + t->outpos, n);
	t->outpos += n;
	if (t->outpos == t->outlen) {
		free(t->out);
		t->out = NULL;
		t->outlen = t->outpos = 0;
	}
}

int
eap_tls_flush(struct eap_tls *t, struct eap_conv *c, struct wcursor *out)
{
	size_t pending = t->wbio != NULL ? BIO_ctrl_pending(t->wbio) : 0;

	if (pending == 0)
		return 0;
	free(t->out);
	t->out = malloc(pending);
	if (t->out == NULL || BIO_read(t->wbio, t->out, (int)pending) != (int)pending) {
		free(t->out);
		t->out = NULL;
		return -1;
	}
	t->outlen = pending;
	t->outpos = 0;
	eap_tls_fragment(t, c, out);
	return 1;
}

int
eap_tls_write(struct eap_tls *t, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	return SSL_write(t->ssl, data, (int)len) == (int)len ? 0 : -1;
}

/* A reason for the log from a failed handshake: the peer's alert or our verdict. */
static const char *
eap_tls_reason(struct eap_tls *t)
{
	long v = SSL_get_verify_result(t->ssl);
	unsigned long e = ERR_peek_error();

	if (v != X509_V_OK && t->type == EAP_TYPE_TLS) {
		switch (v) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
			return "client-cert-expired";
		case X509_V_ERR_CERT_NOT_YET_VALID:
			return "client-cert-not-yet-valid";
		case X509_V_ERR_CERT_REVOKED:
			return "client-cert-revoked";
		case X509_V_ERR_INVALID_PURPOSE:
			return "client-cert-wrong-usage";
		case X509_V_ERR_UNABLE_TO_GET_CRL:
			return "client-cert-no-crl";
		case X509_V_ERR_CRL_HAS_EXPIRED:
			return "crl-expired"; /* the school must publish a fresh CRL */
		default:
			return "client-cert-untrusted";
		}
	}
	if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL) {
		int r = ERR_GET_REASON(e);
		if (r == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			return "client-cert-missing";
		if (r == SSL_R_UNSUPPORTED_PROTOCOL || r == SSL_R_WRONG_VERSION_NUMBER)
			return "tls-version-refused";
		if (r == SSL_R_NO_SHARED_CIPHER)
			return "tls-no-shared-cipher";
		if (r >= SSL_AD_REASON_OFFSET)
			return "tls-alert-from-peer";
	}
	return "tls-handshake-failed";
}

/* Grows a buffer that may hold secrets: the old copy is wiped, not left behind. */
static int
eap_tls_grow(uint8_t **buf, size_t *cap, size_t used, size_t want)
{
	uint8_t *nb;

	if (want < 2 * *cap)
		want = 2 * *cap;
	if (want > EAP_TLS_MAX_MSG)
		want = EAP_TLS_MAX_MSG;
	nb = malloc(want);
	if (nb == NULL)
		return -1;
	if (*buf != NULL) {
		memcpy(nb, *buf, used);
		explicit_bzero(*buf, *cap);
		free(*buf);
	}
	*buf = nb;
	*cap = want;
	return 0;
}

static enum eap_tls_rc
eap_tls_fail(struct eap_conv *c, const char *why)
{
	c->reason = why;
	ERR_clear_error();
	return EAP_TLS_FAILED;
}

enum eap_tls_rc
eap_tls_recv(struct eap_tls *t, struct eap_conv *c, const uint8_t *in, size_t len,
             struct wcursor *out)
{
	struct rcursor r;
	uint8_t flags;
	uint32_t total = 0;
	size_t dlen;
	const uint8_t *data;
	int rc;

	t->applen = 0;
	t->just_established = 0;
	rcursor_init(&r, in, len);
	if (rcursor_u8(&r, &flags) < 0)
		return eap_tls_fail(c, "malformed-tls-flags");
	if ((flags & EAP_TLS_FLAG_L) && rcursor_u32(&r, &total) < 0)
		return eap_tls_fail(c, "malformed-tls-length");
	dlen = rcursor_left(&r);
	if (rcursor_ptr(&r, &data, dlen) < 0)
		return eap_tls_fail(c, "malformed-tls-data");

	if (t->out != NULL) {
		/* we are sending fragments: the peer may only acknowledge them */
		if (dlen != 0 || (flags & EAP_TLS_FLAG_M))
			return eap_tls_fail(c, "data-instead-of-fragment-ack");
		eap_tls_fragment(t, c, out);
		return EAP_TLS_SENT;
	}
	if (flags & EAP_TLS_FLAG_L) {
		if (t->inlen != 0 && total != t->intotal)
			return eap_tls_fail(c, "tls-length-changed");
		if (total > EAP_TLS_MAX_MSG || total == 0)
			return eap_tls_fail(c, "oversize-tls-message");
		t->intotal = total;
	}
	if (t->inlen + dlen > EAP_TLS_MAX_MSG || (t->intotal != 0 && t->inlen + dlen > t->intotal))
		return eap_tls_fail(c, "oversize-tls-message");
	if (dlen > 0) {
		/* memory follows what the peer actually sent, not what it announced */
		if (t->inlen + dlen > t->incap &&
		    eap_tls_grow(&t->in, &t->incap, t->inlen, t->inlen + dlen) < 0)
			return eap_tls_fail(c, "out-of-memory");
		memcpy(t->in + t->inlen, data, dlen);
		t->inlen += dlen;
	}
	if (flags & EAP_TLS_FLAG_M) {
		if (dlen == 0)
			return eap_tls_fail(c, "empty-fragment");
		eap_tls_ack(t, out);
		return EAP_TLS_SENT;
	}
	if (t->intotal != 0 && t->inlen != t->intotal)
		return eap_tls_fail(c, "truncated-tls-message");
	t->intotal = 0;
	if (t->inlen == 0)
		return EAP_TLS_READY; /* an ACK of our last flight */
	if (t->ssl == NULL && eap_tls_ssl_new(t) < 0) {
		explicit_bzero(t->in, t->inlen);
		t->inlen = 0;
		return eap_tls_fail(c, "out-of-memory");
	}
	rc = BIO_write(t->rbio, t->in, (int)t->inlen);
	explicit_bzero(t->in, t->inlen);
	t->inlen = 0;
	if (rc <= 0)
		return eap_tls_fail(c, "out-of-memory");

	if (!t->established) {
		rc = SSL_do_handshake(t->ssl);
		if (rc == 1) {
			t->established = 1;
			t->just_established = 1;
			t->v13 = SSL_version(t->ssl) == TLS1_3_VERSION;
			c->resumed = SSL_session_reused(t->ssl);
		} else if (SSL_get_error(t->ssl, rc) != SSL_ERROR_WANT_READ) {
			return eap_tls_fail(c, eap_tls_reason(t));
		}
	}
	if (t->established) {
		for (;;) {
			if (t->applen == t->appcap) {
				if (t->appcap >= EAP_TLS_MAX_MSG)
					return eap_tls_fail(c, "oversize-tunnel-data");
				if (eap_tls_grow(&t->app, &t->appcap, t->applen,
				                 t->appcap == 0 ? 2048 : 2 * t->appcap) < 0)
					return eap_tls_fail(c, "out-of-memory");
			}
			rc = SSL_read(t->ssl, t->app + t->applen, (int)(t->appcap - t->applen));
			if (rc > 0) {
				t->applen += (size_t)rc;
				continue;
			}
			rc = SSL_get_error(t->ssl, rc);
			if (rc == SSL_ERROR_WANT_READ)
				break;
			return eap_tls_fail(c, rc == SSL_ERROR_ZERO_RETURN ? "tls-closed-by-peer"
			                                                   : "tls-alert-from-peer");
		}
	}
	ERR_clear_error();
	return EAP_TLS_READY;
}

int
eap_tls_export(struct eap_tls *t, const char *label, uint8_t *out, size_t len)
{
	return SSL_export_keying_material(t->ssl, out, len, label, strlen(label), NULL, 0, 0) == 1
	           ? 0
	           : -1;
}

int
eap_tls_msk(struct eap_tls *t, const char *label12, uint8_t msk[EAP_MSK_LEN])
{
	uint8_t km[128];
	int rc;

	if (!t->v13)
		return eap_tls_export(t, label12, msk, EAP_MSK_LEN);
	/* RFC 9190 2.3, RFC 9427 2.1: the method's type is the context */
	rc = SSL_export_keying_material(t->ssl, km, sizeof(km), "EXPORTER_EAP_TLS_Key_Material", 29,
	                                &t->type, 1, 1) == 1
	         ? 0
	         : -1;
	memcpy(msk, km, EAP_MSK_LEN);
	explicit_bzero(km, sizeof(km));
	return rc;
}

int
eap_tls_method_start(struct eap_conv *c, void **priv, size_t privsize, SSL_CTX *ctx,
		     uint8_t type, struct wcursor *out)
{
	struct eap_tls *t = calloc(1, privsize);

	*priv = NULL;
	if (t == NULL) {
		c->reason = "out-of-memory";
		return EAP_M_FAIL;
	}
	*priv = t;
	if (eap_tls_setup(t, c, ctx, type) < 0)
		return EAP_M_FAIL;
	eap_tls_start(t, out);
	return EAP_M_CONT;
}

void
eap_tls_method_free(void *priv, size_t privsize)
{
	eap_tls_cleanup(priv);
	explicit_bzero(priv, privsize);
	free(priv);
}
