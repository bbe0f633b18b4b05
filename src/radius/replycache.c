#include "poort/replycache.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define RCACHE_NONE UINT32_MAX

struct rcache_entry {
	struct rcache_key key;
	uint32_t gen;
	uint32_t next; /* bucket chain */
	int used;
	int replied;
	time_t expires;
	uint8_t *reply;
	size_t len;
};

struct rcache {
	struct rcache_entry *e;
	uint32_t *bucket;
	uint32_t cap, nbuckets, tail, count;
	unsigned ttl;
};

struct rcache *
rcache_new(unsigned capacity, unsigned ttl)
{
	struct rcache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cap = capacity;
	c->ttl = ttl;
	c->nbuckets = 1;
	while (c->nbuckets < capacity * 2)
		c->nbuckets <<= 1;
	c->e = calloc(capacity, sizeof(*c->e));
	c->bucket = malloc(c->nbuckets * sizeof(*c->bucket));
	if (c->e == NULL || c->bucket == NULL) {
		rcache_free(c);
		return NULL;
	}
	for (uint32_t i = 0; i < c->nbuckets; i++)
		c->bucket[i] = RCACHE_NONE;
	return c;
}

void
rcache_free(struct rcache *c)
{
	if (c == NULL)
		return;
	if (c->e != NULL)
		for (uint32_t i = 0; i < c->cap; i++)
			free(c->e[i].reply);
	free(c->e);
	free(c->bucket);
	free(c);
}

void
rcache_key_from(struct rcache_key *k, const struct sockaddr *from, const uint8_t *hdr)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)from->sa_family;
	if (from->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)from;
		memcpy(k->addr, &s->sin_addr, 4);
		k->port = s->sin_port;
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)from;
		memcpy(k->addr, &s->sin6_addr, 16);
		k->port = s->sin6_port;
	}
	k->code = hdr[0];
	k->id = hdr[1];
	memcpy(k->auth, hdr + 4, 16);
}

static uint32_t
rcache_hash(const struct rcache *c, const struct rcache_key *k)
{
	/* FNV-1a: the authenticator is random, so this spreads well enough */
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (c->nbuckets - 1);
}

static void
rcache_unlink(struct rcache *c, uint32_t idx)
{
	struct rcache_entry *e = &c->e[idx];
	uint32_t *pp = &c->bucket[rcache_hash(c, &e->key)];

	while (*pp != RCACHE_NONE) {
		if (*pp == idx) {
			*pp = e->next;
			break;
		}
		pp = &c->e[*pp].next;
	}
	free(e->reply);
	e->reply = NULL;
	e->len = 0;
	e->used = 0;
	e->gen++;
	c->count--;
}

enum rcache_state
rcache_lookup(struct rcache *c, const struct rcache_key *k, time_t now, struct rcache_handle *h,
	      const uint8_t **reply, size_t *len)
{
	uint32_t b = rcache_hash(c, k), idx;

	for (idx = c->bucket[b]; idx != RCACHE_NONE; idx = c->e[idx].next) {
		struct rcache_entry *e = &c->e[idx];
		if (memcmp(&e->key, k, sizeof(*k)) != 0)
			continue;
		if (e->expires > now) {
			if (!e->replied)
				return RCACHE_PENDING;
			*reply = e->reply;
			*len = e->len;
			return RCACHE_REPLIED;
		}
		rcache_unlink(c, idx); /* stale: a new request that reuses the key */
		break;
	}
	/* take the oldest slot */
	idx = c->tail;
	c->tail = (c->tail + 1) % c->cap;
	if (c->e[idx].used)
		rcache_unlink(c, idx);
	struct rcache_entry *e = &c->e[idx];
	e->key = *k;
	e->used = 1;
	e->replied = 0;
	e->expires = now + (time_t)c->ttl;
	e->next = c->bucket[b];
	c->bucket[b] = idx;
	c->count++;
	h->index = idx;
	h->gen = e->gen;
	return RCACHE_NEW;
}

void
rcache_complete(struct rcache *c, struct rcache_handle h, const uint8_t *reply, size_t len)
{
	struct rcache_entry *e;

	if (h.index >= c->cap || c->e[h.index].gen != h.gen || !c->e[h.index].used)
		return; /* evicted meanwhile */
	e = &c->e[h.index];
	e->reply = malloc(len);
	if (e->reply == NULL) {
		rcache_unlink(c, h.index);
		return;
	}
	memcpy(e->reply, reply, len);
	e->len = len;
	e->replied = 1;
}

void
rcache_forget(struct rcache *c, struct rcache_handle h)
{
	if (h.index < c->cap && c->e[h.index].gen == h.gen && c->e[h.index].used)
		rcache_unlink(c, h.index);
}

unsigned
rcache_count(const struct rcache *c)
{
	return c->count;
}
