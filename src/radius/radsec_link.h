/*
 * One RadSec connection to an upstream (RFC 6614): TLS over TCP with our
 * client certificate, the server's certificate checked against the CA and
 * the upstream's cert_name, reconnects with exponential backoff. What goes
 * over it (requests, Status-Server keepalives) is the proxy's business.
 */
#ifndef POORT_RADIUS_RADSEC_LINK_H
#define POORT_RADIUS_RADSEC_LINK_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config_upstream;
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
