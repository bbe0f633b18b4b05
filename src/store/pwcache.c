#include "poort/pwcache.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
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
	unsigned nsets, ttl;
	struct pwcache_entry *e;
};

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
	if (c->e == NULL || RAND_bytes(c->key, sizeof(c->key)) != 1) {
		free(c->e);
		free(c);
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
	explicit_bzero(c->e, (size_t)c->nsets * PWCACHE_WAYS * sizeof(*c->e));
	explicit_bzero(c->key, sizeof(c->key));
	free(c->e);
	free(c);
}

static void
pwcache_tag(const struct pwcache *c, const char *user, const char *hash, uint8_t tag[32])
{
	uint8_t buf[512];
	size_t ul = strlen(user), hl = strlen(hash);
	unsigned len = 32;

	if (ul + hl + 1 > sizeof(buf)) {
		memset(tag, 0, 32);
		return;
	}
	memcpy(buf, user, ul);
	buf[ul] = 0;
	memcpy(buf + ul + 1, hash, hl);
	HMAC(EVP_sha256(), c->key, sizeof(c->key), buf, ul + 1 + hl, tag, &len);
}

static void
pwcache_verifier(const struct pwcache *c, const uint8_t tag[32], const void *pw, size_t pwlen,
		 uint8_t out[32])
{
	uint8_t buf[32 + 256];
	unsigned len = 32;

	if (pwlen > 256)
		pwlen = 256; /* longer passwords are refused before they get here */
	memcpy(buf, tag, 32);
	memcpy(buf + 32, pw, pwlen);
	HMAC(EVP_sha256(), c->key, sizeof(c->key), buf, 32 + pwlen, out, &len);
	explicit_bzero(buf, sizeof(buf));
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
