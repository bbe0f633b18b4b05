#include "poort/radsec.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/util.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "poort/config.h"

const char *
radsec_tls_error(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "no details");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/*
 * libevent hands on OpenSSL's error codes, but for an I/O error it queues
 * SSL_get_error()'s SSL_ERROR_SYSCALL (5) in the same list: printed as an
 * OpenSSL code that is "error:00000005:lib(0)::reason(5)". Only codes with a
 * library are TLS errors; for the rest the socket's errno says what failed.
 */
const char *
radsec_tls_bev_error(struct bufferevent *bev, char *buf, size_t len)
{
	int sockerr = EVUTIL_SOCKET_ERROR(); /* first: later calls may change it */
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e, tls = 0;

	/* most recent first; the first TLS one is the cause */
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (tls == 0 && ERR_GET_LIB(e) != 0)
			tls = e;
	if (tls != 0) {
		const char *why = ERR_reason_error_string(tls);
		long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
		if (ERR_GET_LIB(tls) == ERR_LIB_SSL &&
		    ERR_GET_REASON(tls) == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK)
			snprintf(buf, len, "TLS: certificate verify failed: %s",
				 X509_verify_cert_error_string(vr));
		else if (why != NULL)
			snprintf(buf, len, "TLS: %s", why);
		else
			snprintf(buf, len, "TLS: error %lx", tls);
	} else if (sockerr != 0 && sockerr != EAGAIN && sockerr != EWOULDBLOCK &&
		   sockerr != EINPROGRESS && sockerr != EINTR) {
		snprintf(buf, len, "%s", evutil_socket_error_to_string(sockerr));
	} else {
		/* SSL_ERROR_SYSCALL with nothing behind it: the peer just closed */
		snprintf(buf, len, "connection closed by the peer");
	}
	ERR_clear_error();
	return buf;
}

SSL_CTX *
radsec_tls_ctx(const struct config_radsec *rc, int server, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	char why[256];

	if (ctx == NULL) {
		snprintf(err, errlen, "radsec: cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, rc->cert) != 1) {
		snprintf(err, errlen, "radsec: cannot load certificate %s: %s", rc->cert,
			 radsec_tls_error(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, rc->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "radsec: cannot load key %s (or it does not match %s): %s",
			 rc->key, rc->cert, radsec_tls_error(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, rc->ca, NULL) != 1) {
		snprintf(err, errlen, "radsec: cannot load CA %s: %s", rc->ca,
			 radsec_tls_error(why, sizeof(why)));
		goto fail;
	}
	/* both ends show a certificate: RFC 6614 section 2.3 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 8);
	if (server) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(rc->ca);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL *
radsec_tls_client(SSL_CTX *ctx, const char *name)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		return NULL;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, name) != 1 || SSL_set_tlsext_host_name(ssl, name) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

int
radsec_tls_peer_is(SSL *ssl, const char *name)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);

	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	return X509_check_host(cert, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}
