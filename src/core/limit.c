/*
 * Counters in a chained hash table over a fixed pool of cap entries. Keys
 * are compared whole, so a hash collision costs a longer chain, never a
 * shared count; the hash is SipHash-2-4 under a random key so that an
 * attacker cannot aim collisions at one chain either. Entries whose window
 * has passed are unlinked as chains are walked, and all at once (a sweep)
 * when the pool runs dry; a sweep is not repeated before the earliest live
 * window can have passed, so a full table costs O(1) per refusal.
 */
#include "poort/limit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

struct limit_entry {
	char key[LIMIT_KEY_MAX];
	int64_t start;
	unsigned count;
	uint32_t next; /* index + 1 of the next in the chain (or free list); 0 ends */
};

struct limit {
	struct limit_entry *pool;
	uint32_t *heads; /* index + 1 of each chain's first entry */
	size_t nheads;   /* power of two */
	size_t cap;
	uint32_t free_head;
	unsigned window;
	int64_t next_sweep; /* a sweep before this frees nothing */
	uint64_t k0, k1;
};

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1, v1 = ROTL(v1, 13), v1 ^= v0, v0 = ROTL(v0, 32);                          \
		v2 += v3, v3 = ROTL(v3, 16), v3 ^= v2;                                             \
		v0 += v3, v3 = ROTL(v3, 21), v3 ^= v0;                                             \
		v2 += v1, v1 = ROTL(v1, 17), v1 ^= v2, v2 = ROTL(v2, 32);                          \
	} while (0)

static uint64_t
limit_hash(const struct limit *l, const char *s, size_t len)
{
	uint64_t v0 = l->k0 ^ 0x736f6d6570736575ull, v1 = l->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = l->k0 ^ 0x6c7967656e657261ull, v3 = l->k1 ^ 0x7465646279746573ull;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | (unsigned char)s[i + (size_t)j];
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct limit *
limit_new(size_t cap, unsigned window)
{
	struct limit *l = calloc(1, sizeof(*l));
	uint64_t k[2];
	size_t n = 16;

	if (l == NULL || cap == 0 || cap > (1u << 24) || window == 0)
		goto fail;
	while (n < cap)
		n <<= 1;
	l->pool = calloc(cap, sizeof(*l->pool));
	l->heads = calloc(n, sizeof(*l->heads));
	if (l->pool == NULL || l->heads == NULL || getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		goto fail;
	l->k0 = k[0];
	l->k1 = k[1];
	l->nheads = n;
	l->cap = cap;
	l->window = window;
	for (size_t i = 0; i < cap; i++)
		l->pool[i].next = i + 1 < cap ? (uint32_t)(i + 2) : 0;
	l->free_head = 1;
	return l;
fail:
	limit_free(l);
	return NULL;
}

void
limit_free(struct limit *l)
{
	if (l == NULL)
		return;
	free(l->pool);
	free(l->heads);
	free(l);
}

static int
limit_expired(const struct limit *l, const struct limit_entry *e, int64_t now)
{
	return now - e->start >= (int64_t)l->window || now < e->start;
}

/* Walks one chain, unlinking what has expired; the live entry for key or 0. */
static uint32_t
limit_walk(struct limit *l, uint32_t *link, const char *key, int64_t now)
{
	uint32_t found = 0;

	while (*link != 0) {
		struct limit_entry *e = &l->pool[*link - 1];
		if (limit_expired(l, e, now)) {
			uint32_t idx = *link;
			*link = e->next;
			e->key[0] = '\0';
			e->next = l->free_head;
			l->free_head = idx;
			continue;
		}
		if (key != NULL && found == 0 && strcmp(e->key, key) == 0)
			found = *link;
		link = &e->next;
	}
	return found;
}

/* Frees every expired entry; 1 if the free list then has one. */
static int
limit_sweep(struct limit *l, int64_t now)
{
	int64_t earliest = INT64_MAX;

	if (l->free_head != 0)
		return 1;
	if (now < l->next_sweep)
		return 0;
	for (size_t i = 0; i < l->nheads; i++) {
		limit_walk(l, &l->heads[i], NULL, now);
		for (uint32_t j = l->heads[i]; j != 0; j = l->pool[j - 1].next)
			if (l->pool[j - 1].start + (int64_t)l->window < earliest)
				earliest = l->pool[j - 1].start + (int64_t)l->window;
	}
	l->next_sweep = l->free_head != 0 ? 0 : earliest;
	return l->free_head != 0;
}

static uint32_t *
limit_chain(struct limit *l, const char *key, size_t len)
{
	return &l->heads[limit_hash(l, key, len) & (l->nheads - 1)];
}

long
limit_peek(struct limit *l, const char *key, int64_t now)
{
	size_t len = strlen(key);
	uint32_t found;

	if (len == 0 || len >= LIMIT_KEY_MAX)
		return LIMIT_EINVAL;
	found = limit_walk(l, limit_chain(l, key, len), key, now);
	if (found != 0)
		return (long)l->pool[found - 1].count;
	return limit_sweep(l, now) ? 0 : LIMIT_EFULL;
}

long
limit_add(struct limit *l, const char *key, int64_t now, int delta)
{
	size_t len = strlen(key);
	uint32_t *chain, found;
	struct limit_entry *e;

	if (len == 0 || len >= LIMIT_KEY_MAX)
		return LIMIT_EINVAL;
	chain = limit_chain(l, key, len);
	found = limit_walk(l, chain, key, now);
	if (found == 0) {
		if (delta <= 0)
			return 0;
		if (!limit_sweep(l, now))
			return LIMIT_EFULL;
		found = l->free_head;
		e = &l->pool[found - 1];
		l->free_head = e->next;
		memcpy(e->key, key, len + 1);
		e->start = now;
		e->count = 0;
		e->next = *chain;
		*chain = found;
	}
	e = &l->pool[found - 1];
	if (delta >= 0) {
		if (e->count < UINT32_MAX - (unsigned)delta)
			e->count += (unsigned)delta;
		return (long)e->count;
	}
	if ((unsigned)-delta < e->count) {
		e->count -= (unsigned)-delta;
		return (long)e->count;
	}
	/* back to nothing: the entry goes, so what is taken back holds no room */
	while (*chain != found)
		chain = &l->pool[*chain - 1].next;
	*chain = e->next;
	e->key[0] = '\0';
	e->next = l->free_head;
	l->free_head = found;
	return 0;
}

size_t
limit_live(struct limit *l, int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nheads; i++) {
		limit_walk(l, &l->heads[i], NULL, now);
		for (uint32_t j = l->heads[i]; j != 0; j = l->pool[j - 1].next)
			n++;
	}
	return n;
}
