/*
 * RADIUS duplicate detection (RFC 5080 §2.2.2): a request is a retransmit
 * when client address, source port, code, ID and Request Authenticator all
 * match one seen within ttl seconds. A retransmit of a request still being
 * processed is dropped; one of a request already answered gets the same
 * reply bytes again. Bounded: the oldest entry is evicted first.
 */
#ifndef POORT_REPLYCACHE_H
#define POORT_REPLYCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* No implicit padding: keys are compared with memcmp. */
struct rcache_key {
	uint16_t port;
	uint8_t family;
	uint8_t code;
	uint8_t id;
	uint8_t zero;
	uint8_t addr[16];
	uint8_t auth[16];
};

enum rcache_state {
	RCACHE_NEW,     /* not seen: an entry was made, process the request */
	RCACHE_PENDING, /* seen, still being processed: drop */
	RCACHE_REPLIED, /* seen and answered: resend *reply */
};

/* Identifies an entry across evictions: stale handles are ignored. */
struct rcache_handle {
	uint32_t index;
	uint32_t gen;
};

struct rcache;

struct rcache *rcache_new(unsigned capacity, unsigned ttl);
void rcache_free(struct rcache *c);
void rcache_key_from(struct rcache_key *k, const struct sockaddr *from, const uint8_t *hdr);
/*
 * Looks k up. On RCACHE_NEW a pending entry was made and *h names it; on
 * RCACHE_REPLIED, reply and len lend the cached bytes.
 */
enum rcache_state rcache_lookup(struct rcache *c, const struct rcache_key *k, time_t now,
				struct rcache_handle *h, const uint8_t **reply, size_t *len);
/* Stores the reply of a pending entry (copied). */
void rcache_complete(struct rcache *c, struct rcache_handle h, const uint8_t *reply, size_t len);
/* Forgets a pending entry (the request was dropped, so a retransmit is new). */
void rcache_forget(struct rcache *c, struct rcache_handle h);
unsigned rcache_count(const struct rcache *c);

#endif
