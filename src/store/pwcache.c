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

struct pwcache {
	uint8_t key[32];
	unsigned n, ttl;
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
	c->e = calloc(entries, sizeof(*c->e));
	if (c->e == NULL || RAND_bytes(c->key, sizeof(c->key)) != 1) {
		free(c->e);
		free(c);
		return NULL;
	}
	c->n = entries;
	c->ttl = ttl;
	return c;
}

void
pwcache_free(struct pwcache *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c->e, c->n * sizeof(*c->e));
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

static struct pwcache_entry *
pwcache_slot(struct pwcache *c, const uint8_t tag[32])
{
	uint32_t h = (uint32_t)tag[0] | (uint32_t)tag[1] << 8 | (uint32_t)tag[2] << 16 |
		     (uint32_t)tag[3] << 24;
	return &c->e[h % c->n];
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
	e = pwcache_slot(c, tag);
	if (e->expires <= now || CRYPTO_memcmp(e->tag, tag, 32) != 0)
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
	struct pwcache_entry *e;

	if (c == NULL)
		return;
	pwcache_tag(c, user, hash, tag);
	e = pwcache_slot(c, tag);
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
	e = pwcache_slot(c, tag);
	if (CRYPTO_memcmp(e->tag, tag, 32) == 0)
		explicit_bzero(e, sizeof(*e));
}
