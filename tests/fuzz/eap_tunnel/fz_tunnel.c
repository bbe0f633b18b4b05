/*
 * The peer side of the tunnel harnesses: an OpenSSL client on memory BIOs
 * speaking EAP-TLS framing (RFC 5216 flags, L and M, fragments and ACKs) to
 * the EAP server, and the account store behind the server. See fz_tunnel.h.
 */
#include "fz_tunnel.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eap_int.h"
#include "mschapv2.h"
#include "poort/config.h"
#include "poort/password.h"
#include "poort/auth.h"
#include "poort/store.h"

#define FZ_FRAG 300
#define FZ_MAX_ROUNDS 64

static struct store *fz_store;
static struct auth *fz_auth; /* the account checks, as the RADIUS layer's */
static int fz_trace;         /* FZ_TRACE=1: each step's outcome on stderr */

/* The backend as the RADIUS layer's (src/radius/radius_eap.c), over src/auth. */
static int
fz_account(void *arg, const char *user, struct eap_account *out)
{
	struct store_account a;
	int rc = auth_account_get(fz_auth, user, time(NULL), &a);
	(void)arg;

	if (rc == 0) {
		snprintf(out->user, sizeof(out->user), "%s", a.username);
		snprintf(out->affiliation, sizeof(out->affiliation), "%s", a.affiliation);
	}
	explicit_bzero(&a, sizeof(a));
	return rc;
}

static int
fz_password_cached(void *arg, const struct eap_account *a, const char *pw, size_t len)
{
	struct auth_pw chk;
	time_t now = time(NULL);
	int rc = 0;
	(void)arg;

	if (auth_pw_begin(fz_auth, a->user, pw, len, now, &chk) == 1 && chk.verified == 1)
		rc = auth_pw_end(fz_auth, &chk, now) == 0;
	auth_pw_clear(&chk);
	explicit_bzero(&chk, sizeof(chk));
	return rc;
}

static int
fz_mschapv2(void *arg, const struct eap_account *a, const uint8_t auth_chal[16],
            const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name,
            size_t namelen, char authresp[43])
{
	(void)arg;
	return auth_mschapv2(fz_auth, a->user, time(NULL), auth_chal, peer_chal, nt_resp, name,
	                     namelen, authresp);
}

static int
fz_store_open(void)
{
	static const char *const names[] = {FZ_USER, FZ_DISABLED, FZ_EXPIRED};
	char err[256], hash[PASSWORD_HASH_MAX];
	uint8_t nt[16];

	fz_store = store_open(":memory:", err, sizeof(err));
	if (fz_store == NULL) {
		fprintf(stderr, "fz_tunnel: store: %s\n", err);
		return -1;
	}
	if (password_hash(FZ_PASSWORD, 1, hash) < 0 ||
	    password_nthash(FZ_PASSWORD, strlen(FZ_PASSWORD), nt) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		struct store_account a;
		memset(&a, 0, sizeof(a));
		snprintf(a.username, sizeof(a.username), "%s", names[i]);
		snprintf(a.affiliation, sizeof(a.affiliation), "student");
		snprintf(a.pw_hash, sizeof(a.pw_hash), "%s", hash);
		a.enabled = i != 1;
		a.expires = i == 2 ? 1000 : 0;
		if (store_account_add(fz_store, &a, nt) < 0) {
			fprintf(stderr, "fz_tunnel: cannot add %s: %s\n", names[i],
			        store_errmsg(fz_store));
			return -1;
		}
	}
	return 0;
}

static X509 *
fz_cert_new(EVP_PKEY *pub, X509 *issuer, EVP_PKEY *signer, const char *cn, int ca)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
	                                       : X509_get_subject_name(x));
	X509_set_pubkey(x, pub);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	                          ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, signer, EVP_sha256());
	return x;
}

static int
fz_pem_write(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = x != NULL ? PEM_write_X509(f, x)
	               : PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok ? 0 : -1;
}

static SSL_CTX *
fz_client_ctx(int v13)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, v13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, v13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* the client keeps its own sessions: FZ_OP_RECONNECT sets one explicitly */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
	return ctx;
}

struct fz_env *
fz_env_get(const char *methods)
{
	static struct fz_env env;
	char dir[] = "/tmp/poort-fuzz-tunnel-XXXXXX", ca[64], cert[64], key[64], text[1024];
	char err[512];
	EVP_PKEY *server_key = NULL;
	X509 *server_cert = NULL;
	const struct eap_backend be = {NULL, fz_account, fz_password_cached, fz_mschapv2, NULL};

	if (env.es != NULL)
		return &env;
	fz_trace = getenv("FZ_TRACE") != NULL;
	if (fz_store_open() < 0 || mkdtemp(dir) == NULL)
		return NULL;
	/* yescrypt cost 1 as the test accounts; a cache of verified passwords */
	if ((fz_auth = auth_new(fz_store, 1, 16, 3600)) == NULL)
		return NULL;
	env.ca_key = EVP_EC_gen("P-256");
	env.client_key = EVP_EC_gen("P-256");
	server_key = EVP_EC_gen("P-256");
	if (env.ca_key == NULL || env.client_key == NULL || server_key == NULL)
		return NULL;
	env.ca_cert = fz_cert_new(env.ca_key, NULL, env.ca_key, "Poort fuzz CA", 1);
	server_cert = fz_cert_new(server_key, env.ca_cert, env.ca_key, "radius.school.example", 0);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if (fz_pem_write(ca, env.ca_cert, NULL) < 0 || fz_pem_write(cert, server_cert, NULL) < 0 ||
	    fz_pem_write(key, NULL, server_key) < 0)
		return NULL;
	snprintf(text, sizeof(text),
	         "state_dir \"/tmp\"\nrealm \"" FZ_REALM "\"\neap {\n methods %s\n"
	         " certificate \"%s\"\n private_key \"%s\"\n client_ca \"%s\"\n"
	         " fragment_size 400\n max_conversations 8\n resumption_lifetime 3600\n}\n",
	         methods, cert, key, ca);
	env.cfg = config_parse("fuzz", text, err, sizeof(err));
	if (env.cfg != NULL)
		env.es = eap_server_new(&env.cfg->eap, &be, err, sizeof(err));
	unlink(ca);
	unlink(cert);
	unlink(key);
	rmdir(dir);
	X509_free(server_cert);
	EVP_PKEY_free(server_key);
	env.client_ctx12 = fz_client_ctx(0);
	env.client_ctx13 = fz_client_ctx(1);
	if (env.es == NULL || env.client_ctx12 == NULL || env.client_ctx13 == NULL) {
		fprintf(stderr, "fz_tunnel: setup failed: %s\n", err);
		return NULL;
	}
	return &env;
}

X509 *
fz_client_cert(struct fz_env *env, const uint8_t *cn, size_t cnlen, int asn1_type, long not_before,
               long not_after, int self_signed)
{
	X509 *x = X509_new();
	X509_NAME *subj = X509_get_subject_name(x);

	if (x == NULL)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 3);
	X509_gmtime_adj(X509_getm_notBefore(x), not_before);
	X509_gmtime_adj(X509_getm_notAfter(x), not_after);
	if (cn != NULL)
		X509_NAME_add_entry_by_NID(subj, NID_commonName, asn1_type, cn, (int)cnlen, -1, 0);
	X509_set_issuer_name(x, self_signed ? subj : X509_get_subject_name(env->ca_cert));
	X509_set_pubkey(x, env->client_key);
	if (X509_sign(x, self_signed ? env->client_key : env->ca_key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
fz_mschapv2_value(const uint8_t auth_chal[16], const char *name, size_t namelen,
                  const char *password, uint8_t value[49])
{
	uint8_t nt[16];
	int rc;

	memset(value, 0, 49);
	for (int i = 0; i < 16; i++)
		value[i] = (uint8_t)(0x50 + i); /* the peer challenge */
	if (password_nthash(password, strlen(password), nt) < 0)
		return -1;
	rc = mschapv2_nt_response(auth_chal, value, name, namelen, nt, value + 24);
	explicit_bzero(nt, sizeof(nt));
	return rc;
}

int
fz_peer_export(struct fz_peer *p, const char *label, uint8_t *out, size_t len)
{
	return SSL_export_keying_material(p->ssl, out, len, label, strlen(label), NULL, 0, 0) == 1
	           ? 0
	           : -1;
}

/* One EAP-Response to the server; the answer's verify rounds are run as a worker would. */
static int
fz_step(struct fz_peer *p, uint8_t type, const uint8_t *typedata, size_t len,
        struct eap_result *res)
{
	uint8_t pkt[4096];
	struct eap_input in = {0};
	int rc;

	if (len + 5 > sizeof(pkt))
		return -1;
	pkt[0] = 2;
	pkt[1] = p->id;
	pkt[2] = (uint8_t)((len + 5) >> 8);
	pkt[3] = (uint8_t)(len + 5);
	pkt[4] = type;
	if (len > 0)
		memcpy(pkt + 5, typedata, len);
	in.msg = pkt;
	in.msglen = len + 5;
	in.state = p->have_state ? p->state : NULL;
	in.statelen = p->have_state ? EAP_STATE_LEN : 0;
	rc = eap_server_step(p->env->es, p->env->cfg, &in, ++p->now, res);
	while (rc == 0 && res->action == EAP_ACT_VERIFY) {
		/* as the RADIUS worker does it: begin, run, end */
		struct auth_pw chk;
		int ok;
		if (auth_pw_begin(fz_auth, res->user, res->verify_pw, res->verify_pwlen, time(NULL),
		                  &chk) == 0)
			auth_pw_run(&chk);
		explicit_bzero(res->verify_pw, sizeof(res->verify_pw));
		ok = auth_pw_end(fz_auth, &chk, time(NULL));
		ok = ok == 0 ? 1 : ok == AUTH_EPASSWORD ? 0 : ok;
		rc = eap_server_resume(p->env->es, res->state, ok, ++p->now, res);
	}
	if (fz_trace)
		fprintf(stderr, "fz: rc=%d action=%d len=%zu reason=%s user=%s\n", rc,
		        rc == 0 ? (int)res->action : -1, rc == 0 ? res->msglen : 0,
		        rc == 0 ? res->reason : "-", rc == 0 ? res->user : "-");
	if (rc < 0 || res->action != EAP_ACT_CHALLENGE) {
		p->done = 1;
		p->accepted = rc == 0 && res->action == EAP_ACT_ACCEPT;
		p->have_state = 0;
		return -1;
	}
	if (res->msglen < 6 || res->msg[0] != 1 || res->msg[4] != p->type) {
		p->done = 1;
		return -1;
	}
	memcpy(p->state, res->state, EAP_STATE_LEN);
	p->have_state = 1;
	p->id = res->msg[1];
	return 0;
}

/*
 * Sends a TLS message in EAP-TLS framing (fragments if asked, each waiting
 * for the server's ACK) and collects the server's whole answer (ACKing its
 * fragments) into the peer's read BIO.
 */
static int
fz_exchange(struct fz_peer *p, const uint8_t *tls, size_t len)
{
	uint8_t buf[FZ_FRAG + 8], *in = NULL;
	size_t pos = 0, frag = (p->flags & FZ_F_FRAGMENT) ? FZ_FRAG : 3000, inlen = 0;
	struct eap_result res;
	int rc = -1;

	do {
		size_t n = len - pos < frag ? len - pos : frag, o = 0;
		uint8_t fl = 0;
		uint8_t *msg = NULL;
		if (pos == 0 && n < len)
			fl |= 0x80;
		if (pos + n < len)
			fl |= 0x40;
		msg = malloc(n + 5);
		if (msg == NULL)
			return -1;
		msg[o++] = fl;
		if (fl & 0x80) {
			msg[o++] = (uint8_t)(len >> 24);
			msg[o++] = (uint8_t)(len >> 16);
			msg[o++] = (uint8_t)(len >> 8);
			msg[o++] = (uint8_t)len;
		}
		if (n > 0)
			memcpy(msg + o, tls + pos, n);
		rc = fz_step(p, p->type, msg, o + n, &res);
		free(msg);
		if (rc < 0)
			return -1;
		pos += n;
		/* a fragment of ours is answered by an empty request */
		if (pos < len && res.msglen != 6)
			return -1;
	} while (pos < len);
	/* the server's answer, perhaps in fragments */
	for (int rounds = 0; rounds < FZ_MAX_ROUNDS; rounds++) {
		const uint8_t *d = res.msg + 5;
		size_t dl = res.msglen - 5;
		uint8_t fl = d[0];
		size_t skip = (fl & 0x80) ? 5 : 1;
		uint8_t *more;
		if (dl < skip)
			goto fail;
		if (dl > skip) {
			more = realloc(in, inlen + dl - skip);
			if (more == NULL)
				goto fail;
			in = more;
			memcpy(in + inlen, d + skip, dl - skip);
			inlen += dl - skip;
		}
		if (!(fl & 0x40))
			break;
		buf[0] = 0;
		if (fz_step(p, p->type, buf, 1, &res) < 0)
			goto fail;
	}
	if (inlen > 0 && BIO_write(SSL_get_rbio(p->ssl), in, (int)inlen) != (int)inlen)
		goto fail;
	rc = 0;
fail:
	free(in);
	return rc;
}

/* Whatever the peer's TLS has to send, sent; then the server's answer read. */
static int
fz_flush_and_read(struct fz_peer *p)
{
	BIO *w = SSL_get_wbio(p->ssl);
	size_t pending = BIO_ctrl_pending(w);
	uint8_t *out = malloc(pending > 0 ? pending : 1);
	int rc;

	if (out == NULL || (pending > 0 && BIO_read(w, out, (int)pending) != (int)pending)) {
		free(out);
		return -1;
	}
	rc = fz_exchange(p, out, pending);
	free(out);
	if (rc < 0)
		return -1;
	p->plainlen = 0;
	if (!SSL_is_init_finished(p->ssl)) {
		int r = SSL_do_handshake(p->ssl);
		if (r != 1 && SSL_get_error(p->ssl, r) != SSL_ERROR_WANT_READ) {
			p->broken = 1;
			return -1;
		}
	}
	if (SSL_is_init_finished(p->ssl)) {
		for (;;) {
			int r = SSL_read(p->ssl, p->plain + p->plainlen,
			                 (int)(sizeof(p->plain) - p->plainlen));
			if (r <= 0) {
				if (SSL_get_error(p->ssl, r) != SSL_ERROR_WANT_READ) {
					p->broken = 1;
					return -1;
				}
				break;
			}
			p->plainlen += (size_t)r;
			if (p->plainlen == sizeof(p->plain))
				break;
		}
	}
	ERR_clear_error();
	return 0;
}

int
fz_peer_begin(struct fz_peer *p, const uint8_t *outer, size_t outerlen, X509 *cert)
{
	SSL_CTX *ctx = (p->flags & FZ_F_TLS13) ? p->env->client_ctx13 : p->env->client_ctx12;
	struct eap_result res;
	BIO *r, *w;

	p->done = p->accepted = p->broken = 0;
	p->have_state = 0;
	p->id = 0;
	p->ssl = SSL_new(ctx);
	r = BIO_new(BIO_s_mem());
	w = BIO_new(BIO_s_mem());
	if (p->ssl == NULL || r == NULL || w == NULL) {
		BIO_free(r);
		BIO_free(w);
		return -1;
	}
	BIO_set_mem_eof_return(r, -1);
	BIO_set_mem_eof_return(w, -1);
	SSL_set_bio(p->ssl, r, w);
	SSL_set_connect_state(p->ssl);
	if ((p->flags & FZ_F_CHACHA) &&
	    (SSL_set_cipher_list(p->ssl, "ECDHE-ECDSA-CHACHA20-POLY1305") != 1 ||
	     SSL_set_ciphersuites(p->ssl, "TLS_CHACHA20_POLY1305_SHA256") != 1))
		return -1;
	if (cert != NULL && (SSL_use_certificate(p->ssl, cert) != 1 ||
	                     SSL_use_PrivateKey(p->ssl, p->env->client_key) != 1))
		return -1;
	if (p->session != NULL && SSL_set_session(p->ssl, p->session) != 1)
		return -1;
	/* Identity, then the method's Start */
	if (fz_step(p, 1, outer, outerlen, &res) < 0)
		return -1;
	if (res.msglen != 6 || !(res.msg[5] & 0x20))
		return -1;
	/* the handshake: until the peer is done and has nothing more to say */
	for (int rounds = 0; rounds < FZ_MAX_ROUNDS; rounds++) {
		int hs = SSL_do_handshake(p->ssl);
		if (hs != 1 && SSL_get_error(p->ssl, hs) != SSL_ERROR_WANT_READ) {
			p->broken = 1;
			return -1;
		}
		if (hs == 1 && BIO_ctrl_pending(SSL_get_wbio(p->ssl)) == 0)
			break;
		if (fz_flush_and_read(p) < 0)
			return -1;
		if (SSL_is_init_finished(p->ssl) && BIO_ctrl_pending(SSL_get_wbio(p->ssl)) == 0)
			break;
	}
	if (!SSL_is_init_finished(p->ssl))
		return -1;
	if (fz_trace)
		fprintf(stderr, "fz: tunnel up %s resumed=%d offered=%d\n", SSL_get_version(p->ssl),
		        (int)SSL_session_reused(p->ssl), p->session != NULL);
	return 0;
}

int
fz_peer_send(struct fz_peer *p, const uint8_t *data, size_t len)
{
	if (p->done || p->broken || p->ssl == NULL)
		return -1;
	if (len > 0 && SSL_write(p->ssl, data, (int)len) != (int)len) {
		p->broken = 1;
		return -1;
	}
	return fz_flush_and_read(p);
}

int
fz_peer_send_outer(struct fz_peer *p, const uint8_t *data, size_t len)
{
	struct eap_result res;

	if (p->done || p->ssl == NULL)
		return -1;
	return fz_step(p, p->type, data, len, &res);
}

void
fz_peer_end(struct fz_peer *p)
{
	if (p->ssl != NULL && p->accepted) {
		SSL_SESSION_free(p->session);
		p->session = SSL_get1_session(p->ssl);
		if (fz_trace)
			fprintf(stderr, "fz: session kept resumable=%d\n",
			        p->session != NULL && SSL_SESSION_is_resumable(p->session));
	}
	/* a clean end, or OpenSSL forgets the session */
	if (p->ssl != NULL && p->accepted)
		SSL_set_shutdown(p->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(p->ssl);
	p->ssl = NULL;
}

void
fz_peer_free(struct fz_peer *p)
{
	fz_peer_end(p);
	SSL_SESSION_free(p->session);
	p->session = NULL;
}

void
fz_run(struct fz_env *env, uint8_t type, const uint8_t *data, size_t size, X509 *cert,
       fz_smart_fn smart)
{
	static struct fz_peer peer;
	struct fz_peer *p = &peer;
	const uint8_t *outer;
	size_t pos, outerlen;
	static uint8_t buf[8192];

	if (size < 2 || (size_t)data[1] > size - 2)
		return;
	memset(p, 0, sizeof(*p));
	p->env = env;
	p->type = type;
	p->flags = data[0];
	p->now = 1000;
	outerlen = data[1];
	outer = data + 2;
	pos = 2 + outerlen;
	if (fz_peer_begin(p, outer, outerlen, cert) < 0)
		fz_peer_end(p);
	while (pos + 3 <= size) {
		uint8_t op = data[pos];
		size_t n = (size_t)data[pos + 1] << 8 | data[pos + 2];
		const uint8_t *d;
		pos += 3;
		if (n > size - pos)
			n = size - pos;
		d = data + pos;
		pos += n;
		if (op == FZ_OP_RECONNECT) {
			fz_peer_end(p);
			p->now += 10;
			if (fz_peer_begin(p, outer, outerlen, cert) < 0)
				fz_peer_end(p);
			continue;
		}
		if (p->ssl == NULL || p->done)
			continue; /* only a reconnect helps now */
		if (op == FZ_OP_ACK) {
			fz_peer_send(p, NULL, 0);
		} else if (op == FZ_OP_SMART && smart != NULL) {
			size_t m = smart(p, d, n, buf, sizeof(buf));
			fz_peer_send(p, buf, m);
		} else if (op == FZ_OP_OUTER) {
			fz_peer_send_outer(p, d, n);
		} else if (op == FZ_OP_RECORDS) {
			/* several TLS records in one flight: a message split across them */
			size_t s = 0;
			for (size_t i = 0; i <= n; i++) {
				if (i == n || d[i] == 0xff) {
					if (i > s && SSL_write(p->ssl, d + s, (int)(i - s)) <= 0)
						break;
					s = i + 1;
				}
			}
			fz_peer_send(p, NULL, 0);
		} else {
			fz_peer_send(p, d, n);
		}
	}
	fz_peer_free(p);
	/* nothing outlives one input: conversations, and the server's TLS
	 * sessions (resumption is tried within an input, FZ_OP_RECONNECT) */
	eap_server_expire(env->es, p->now + 100000, NULL, NULL);
	if (env->es->tls_ctx != NULL)
		SSL_CTX_flush_sessions(env->es->tls_ctx, LONG_MAX);
	SSL_CTX_flush_sessions(env->es->tunnel_ctx, LONG_MAX);
}
