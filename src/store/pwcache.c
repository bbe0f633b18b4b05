#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_CTX: copied keyed states, see pwcache_mac_init */
#include "poort/pwcache.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pwcache_entry {
	uint8_t tag[32];
	uint8_t verifier[32];
	time_t expires;
};

/*
 * 4-way set associative: a direct-mapped table thrashes when two busy users
 * share a slot (with 200 users in 4096 slots some always do), and each
 * thrash costs a full yescrypt run.
 */
#define PWCACHE_WAYS 4

struct pwcache {
	uint8_t key[32];
	SHA256_CTX inner, outer; /* HMAC-SHA256 keyed once: the pads hashed; copied per use */
	unsigned nsets, ttl;
	struct pwcache_entry *e;
};

/*
 * HMAC-SHA256 (RFC 2104) with the key's pads hashed once; each use copies
 * two SHA-256 states. EVP_MAC_CTX_dup per use (two per PAP login) was a
 * tenth of poortd's CPU per cached PAP login, allocations included.
 */
static int
pwcache_mac_init(struct pwcache *c)
{
	uint8_t pad[64];

	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < sizeof(c->key); i++)
		pad[i] ^= c->key[i];
	SHA256_Init(&c->inner);
	SHA256_Update(&c->inner, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (size_t i = 0; i < sizeof(c->key); i++)
		pad[i] ^= c->key[i];
	SHA256_Init(&c->outer);
	SHA256_Update(&c->outer, pad, sizeof(pad));
	OPENSSL_cleanse(pad, sizeof(pad));
	return 0;
}

/* HMAC-SHA256 under the cache key over a || b. */
static void
pwcache_hmac(const struct pwcache *c, const void *a, size_t alen, const void *b, size_t blen,
	     uint8_t out[32])
{
	SHA256_CTX h = c->inner;

	SHA256_Update(&h, a, alen);
	SHA256_Update(&h, b, blen);
	SHA256_Final(out, &h);
	h = c->outer;
	SHA256_Update(&h, out, 32);
	SHA256_Final(out, &h);
	OPENSSL_cleanse(&h, sizeof(h));
}

struct pwcache *
pwcache_new(unsigned entries, unsigned ttl)
{
	struct pwcache *c;

	if (entries == 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	entries = (entries + PWCACHE_WAYS - 1) / PWCACHE_WAYS * PWCACHE_WAYS;
	c->nsets = entries / PWCACHE_WAYS;
	c->e = calloc(entries, sizeof(*c->e));
	if (c->e == NULL || RAND_bytes(c->key, sizeof(c->key)) != 1 || pwcache_mac_init(c) < 0) {
		pwcache_free(c);
		return NULL;
	}
	c->ttl = ttl;
	return c;
}

void
pwcache_free(struct pwcache *c)
{
	if (c == NULL)
		return;
	if (c->e != NULL)
		explicit_bzero(c->e, (size_t)c->nsets * PWCACHE_WAYS * sizeof(*c->e));
	explicit_bzero(c->key, sizeof(c->key));
	OPENSSL_cleanse(&c->inner, sizeof(c->inner));
	OPENSSL_cleanse(&c->outer, sizeof(c->outer));
	free(c->e);
	free(c);
}

static void
pwcache_tag(const struct pwcache *c, const char *user, const char *hash, uint8_t tag[32])
{
	/* the NUL ends the user name, so ("ab", "c") and ("a", "bc") differ */
	pwcache_hmac(c, user, strlen(user) + 1, hash, strlen(hash), tag);
}

static void
pwcache_verifier(const struct pwcache *c, const uint8_t tag[32], const void *pw, size_t pwlen,
		 uint8_t out[32])
{
	pwcache_hmac(c, tag, 32, pw, pwlen, out);
}

/* The set for tag; *match is the entry holding tag, or NULL. */
static struct pwcache_entry *
pwcache_set(struct pwcache *c, const uint8_t tag[32], struct pwcache_entry **match)
{
	uint32_t h = (uint32_t)tag[0] | (uint32_t)tag[1] << 8 | (uint32_t)tag[2] << 16 |
		     (uint32_t)tag[3] << 24;
	struct pwcache_entry *set = &c->e[(h % c->nsets) * PWCACHE_WAYS];

	*match = NULL;
	for (unsigned i = 0; i < PWCACHE_WAYS; i++)
		if (CRYPTO_memcmp(set[i].tag, tag, 32) == 0)
			*match = &set[i];
	return set;
}

int
pwcache_check(struct pwcache *c, const char *user, const char *hash, const void *pw,
	      size_t pwlen, time_t now)
{
	uint8_t tag[32], v[32];
	struct pwcache_entry *e;
	int hit;

	if (c == NULL)
		return 0;
	pwcache_tag(c, user, hash, tag);
	pwcache_set(c, tag, &e);
	if (e == NULL || e->expires <= now)
		return 0;
	pwcache_verifier(c, tag, pw, pwlen, v);
	hit = CRYPTO_memcmp(e->verifier, v, 32) == 0;
	explicit_bzero(v, sizeof(v));
	if (hit)
		e->expires = now + (time_t)c->ttl; /* what pwcache_put would store again */
	return hit;
}

void
pwcache_put(struct pwcache *c, const char *user, const char *hash, const void *pw, size_t pwlen,
	    time_t now)
{
	uint8_t tag[32];
	struct pwcache_entry *set, *e;

	if (c == NULL)
		return;
	pwcache_tag(c, user, hash, tag);
	set = pwcache_set(c, tag, &e);
	if (e == NULL) {
		/* replace the entry that expires first (empty ones have 0) */
		e = &set[0];
		for (unsigned i = 1; i < PWCACHE_WAYS; i++)
			if (set[i].expires < e->expires)
				e = &set[i];
	}
	memcpy(e->tag, tag, 32);
	pwcache_verifier(c, tag, pw, pwlen, e->verifier);
	e->expires = now + (time_t)c->ttl;
}

void
pwcache_forget(struct pwcache *c, const char *user, const char *hash)
{
	uint8_t tag[32];
	struct pwcache_entry *e;

	if (c == NULL)
		return;
	pwcache_tag(c, user, hash, tag);
	pwcache_set(c, tag, &e);
	if (e != NULL)
		explicit_bzero(e, sizeof(*e));
}
