/*
 * TLS for RadSec (RFC 6614), both ways: our certificate and key from the
 * radsec { } block, TLS 1.2 or newer, and the peer's certificate must chain
 * to the configured CA and carry the configured name.
 */
#ifndef POORT_RADIUS_RADSEC_TLS_H
#define POORT_RADIUS_RADSEC_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

struct config_radsec;

/* server: for accepted connections; otherwise for connecting out. */
SSL_CTX *radsec_tls_ctx(const struct config_radsec *rc, int server, char *err, size_t errlen);
/*
 * A client-side SSL for upstream name: SNI, and the handshake fails unless
 * the certificate carries name (DNS subjectAltName, or CN without one).
 */
SSL *radsec_tls_client(SSL_CTX *ctx, const char *name);
/* After the handshake: 1 when the verified peer certificate carries name. */
int radsec_tls_peer_is(SSL *ssl, const char *name);
/* The last OpenSSL error as text, for logs; clears the queue. */
const char *radsec_tls_error(char *buf, size_t len);

#endif
