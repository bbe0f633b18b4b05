/*
 * The AuthnRequest replay set, in memory: checked on the event loop without
 * touching the disk. Entries are SHA-256(issuer NUL id) cut to 128 bits and
 * an expiry; an open-addressing table twice the size of the bound, with
 * expired entries dropped when the table is rebuilt. Exact while it has
 * room: when it holds `cap` unexpired IDs, new requests are refused (fail
 * closed), never forgotten. The store keeps a durable copy (written by the
 * log writer) that is loaded back at start.
 *
 * So that one flood cannot fill it for everyone, each source (an address or
 * IPv6 /64) and each issuer adds at most its share of IDs per window: a
 * flood of forged requests for an SP that need not sign uses up its own
 * source's share, and the SP's, and the set keeps room for the others.
 */
#include "saml_replay.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/limit.h"
#include "poort/saml.h"

struct srep_entry {
	unsigned char key[16];
	int64_t expires; /* 0: never used */
};

struct saml_replay {
	struct srep_entry *tab;
	size_t size;  /* power of two, >= 2 * cap */
	size_t cap;   /* unexpired entries allowed */
	size_t used;  /* slots ever filled since the last rebuild */
	struct limit *shares; /* "s:" source, "i:" issuer hash: IDs added this window */
	size_t per_src, per_issuer;
};

static void
srep_key(const char *issuer, const char *id, unsigned char key[16])
{
	unsigned char md[32];
	unsigned len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* NUL between the two: ("ab","c") and ("a","bc") differ */
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, issuer, strlen(issuer) + 1) != 1 ||
	    EVP_DigestUpdate(c, id, strlen(id)) != 1 || EVP_DigestFinal_ex(c, md, &len) != 1)
		abort(); /* SHA-256 missing: nothing else would work either */
	EVP_MD_CTX_free(c);
	memcpy(key, md, 16);
}

static size_t
srep_slot(const unsigned char key[16], size_t mask)
{
	size_t h;
	memcpy(&h, key, sizeof(h));
	return h & mask;
}

struct saml_replay *
saml_replay_new(size_t cap, size_t per_src, size_t per_issuer, unsigned window)
{
	struct saml_replay *r = calloc(1, sizeof(*r));
	size_t size = 16;

	if (r == NULL || cap == 0 || cap > ((size_t)1 << 28))
		goto fail;
	while (size < 2 * cap)
		size <<= 1;
	if ((r->tab = calloc(size, sizeof(*r->tab))) == NULL)
		goto fail;
	/* sources and issuers counted at once: a newcomer beyond is refused */
	if ((per_src != 0 || per_issuer != 0) &&
	    (r->shares = limit_new(8192, window > 0 ? window : 1)) == NULL)
		goto fail;
	r->per_src = per_src;
	r->per_issuer = per_issuer;
	r->size = size;
	r->cap = cap;
	return r;
fail:
	saml_replay_free(r);
	return NULL;
}

void
saml_replay_free(struct saml_replay *r)
{
	if (r == NULL)
		return;
	free(r->tab);
	limit_free(r->shares);
	free(r);
}

/* Rehashes the unexpired entries into a fresh table; their count, or -1. */
static long
srep_rebuild(struct saml_replay *r, int64_t now)
{
	struct srep_entry *fresh = calloc(r->size, sizeof(*fresh));
	size_t mask = r->size - 1, live = 0;

	if (fresh == NULL)
		return -1;
	for (size_t i = 0; i < r->size; i++) {
		const struct srep_entry *e = &r->tab[i];
		size_t j;
		if (e->expires == 0 || e->expires < now)
			continue;
		for (j = srep_slot(e->key, mask); fresh[j].expires != 0; j = (j + 1) & mask)
			;
		fresh[j] = *e;
		live++;
	}
	free(r->tab);
	r->tab = fresh;
	r->used = live;
	return (long)live;
}

/* Counts one more ID for src and issuer; 0, or the share that is used up. */
static int
srep_share_take(struct saml_replay *r, const char *issuer, const char *src, int64_t now,
		char ks[LIMIT_KEY_MAX], char ki[LIMIT_KEY_MAX])
{
	unsigned char md[16];
	long ns = 0, ni = 0;

	snprintf(ks, LIMIT_KEY_MAX, "s:%.80s", src);
	srep_key(issuer, "", md); /* entityIDs can be longer than a key */
	memcpy(ki, "i:", 2);
	for (unsigned i = 0; i < sizeof(md); i++)
		snprintf(ki + 2 + 2 * i, 3, "%02x", md[i]);
	if (r->per_src != 0 && ((ns = limit_add(r->shares, ks, now, 1)) < 0 ||
				(size_t)ns > r->per_src)) {
		if (ns > 0)
			limit_add(r->shares, ks, now, -1);
		return SAML_REPLAY_SRC_SHARE;
	}
	if (r->per_issuer != 0 && ((ni = limit_add(r->shares, ki, now, 1)) < 0 ||
				   (size_t)ni > r->per_issuer)) {
		if (ni > 0)
			limit_add(r->shares, ki, now, -1);
		if (ns > 0)
			limit_add(r->shares, ks, now, -1);
		return SAML_REPLAY_SP_SHARE;
	}
	return 0;
}

static void
srep_share_give_back(struct saml_replay *r, int64_t now, const char *ks, const char *ki)
{
	if (r->per_src != 0)
		limit_add(r->shares, ks, now, -1);
	if (r->per_issuer != 0)
		limit_add(r->shares, ki, now, -1);
}

static int srep_insert(struct saml_replay *r, const unsigned char key[16], int64_t now,
		       int64_t expires);

int
saml_replay_check(struct saml_replay *r, const char *issuer, const char *id, const char *src,
		  int64_t now, int64_t expires)
{
	char ks[LIMIT_KEY_MAX], ki[LIMIT_KEY_MAX];
	unsigned char key[16];
	int rc;

	srep_key(issuer, id, key);
	if (src == NULL || r->shares == NULL)
		return srep_insert(r, key, now, expires);
	if ((rc = srep_share_take(r, issuer, src, now, ks, ki)) != 0)
		return rc;
	if ((rc = srep_insert(r, key, now, expires)) != 0)
		srep_share_give_back(r, now, ks, ki); /* not added: not counted */
	return rc;
}

static int
srep_insert(struct saml_replay *r, const unsigned char key[16], int64_t now, int64_t expires)
{
	size_t mask = r->size - 1, i, reuse = SIZE_MAX;

	/* the whole probe chain, to an empty slot: a match may sit past an expired one */
	for (i = srep_slot(key, mask); r->tab[i].expires != 0; i = (i + 1) & mask) {
		if (r->tab[i].expires < now) {
			if (reuse == SIZE_MAX)
				reuse = i;
		} else if (memcmp(r->tab[i].key, key, 16) == 0) {
			return SAML_REPLAY_SEEN;
		}
	}
	if (reuse == SIZE_MAX) {
		if (r->used + 1 > r->size / 2) {
			long live = srep_rebuild(r, now);
			if (live < 0)
				return SAML_ENOMEM;
			if ((size_t)live >= r->cap)
				return SAML_EFULL;
			return srep_insert(r, key, now, expires);
		}
		reuse = i;
		r->used++;
	}
	memcpy(r->tab[reuse].key, key, 16);
	r->tab[reuse].expires = expires > 0 ? expires : 1;
	return 0;
}
