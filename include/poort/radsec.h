/*
 * RADIUS over TLS (RFC 6614): the stream framing, the TLS contexts with
 * the certificate checks, and connections to upstreams. The RADIUS side of
 * accepted connections is in src/radius/radsec_server.c.
 */
#ifndef POORT_RADSEC_H
#define POORT_RADSEC_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct event_base;
struct config_radsec;
struct config_upstream;

/*
 * RFC 6614: over TLS, RADIUS packets follow each other in one stream and
 * each one's Length field says where it ends.
 */

enum { RADSEC_PACKET_MAX = 4096, RADSEC_HEADER_LEN = 20 };

/*
 * Moves the next whole packet at the front of in into out (room for max
 * bytes, max <= RADSEC_PACKET_MAX) and returns its length; 0 while it has
 * not all arrived; -1 when the stream cannot be RADIUS (Length below 20 or
 * above max): the connection must be closed, nothing is resynchronised.
 */
long radsec_frame_next(struct evbuffer *in, uint8_t *out, size_t max);

/*
 * TLS for RadSec (RFC 6614), both ways: our certificate and key from the
 * radsec { } block, TLS 1.2 or newer, and the peer's certificate must chain
 * to the configured CA and carry the configured name.
 */

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
/*
 * Why a TLS bufferevent failed, for the log: "TLS: ..." for a TLS error (a
 * failed certificate check with X509's reason: expired, unknown issuer,
 * hostname mismatch), else the socket's error ("Connection refused"), else
 * "connection closed by the peer". Call first thing in the event callback
 * (it reads errno). Clears the queue.
 */
struct bufferevent;
const char *radsec_tls_bev_error(struct bufferevent *bev, char *buf, size_t len);

/*
 * One RadSec connection to an upstream (RFC 6614): TLS over TCP with our
 * client certificate, the server's certificate checked against the CA and
 * the upstream's cert_name, reconnects with exponential backoff. What goes
 * over it (requests, Status-Server keepalives) is the proxy's business.
 */

struct radsec_link;

struct radsec_link_ops {
	void (*up)(void *arg);                  /* handshake done, name checked */
	void (*down)(void *arg, const char *why); /* was up; a reconnect is scheduled */
	void (*packet)(void *arg, const uint8_t *pkt, size_t len);
};

/* Starts connecting at once. ctx is borrowed. */
struct radsec_link *radsec_link_new(struct event_base *base, SSL_CTX *ctx,
				    const struct config_upstream *cu, unsigned max_backoff,
				    const struct radsec_link_ops *ops, void *arg);
/* Queues one packet; -1 when the link is not up. */
int radsec_link_send(struct radsec_link *l, const uint8_t *data, size_t len);
int radsec_link_is_up(const struct radsec_link *l);
/* Closes the connection (down is called if it was up) and reconnects later. */
void radsec_link_reset(struct radsec_link *l, const char *why);
void radsec_link_free(struct radsec_link *l);

#endif
