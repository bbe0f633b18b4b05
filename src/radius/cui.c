#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_CTX: copied states, see cui_keyed */
#include "cui.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poort/keyfile.h"

int
cui_key_load(const char *state_dir, uint8_t key[CUI_KEY_LEN], char *err, size_t errlen)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/cui.key", state_dir);
	return keyfile_load(path, key, CUI_KEY_LEN, err, errlen) < 0 ? -1 : 0;
}

/*
 * HMAC-SHA256 (RFC 2104) with the key's inner and outer pads hashed once:
 * each use copies two SHA-256 states. OpenSSL 3's HMAC() fetches the
 * algorithm on every call, which showed at the top of the proxy's profile.
 */
struct cui_key {
	SHA256_CTX inner, outer;
};

struct cui_key *
cui_keyed(const uint8_t key[CUI_KEY_LEN])
{
	struct cui_key *k = calloc(1, sizeof(*k));
	uint8_t pad[64];

	if (k == NULL)
		return NULL;
	memset(pad, 0x36, sizeof(pad));
	for (int i = 0; i < CUI_KEY_LEN; i++)
		pad[i] ^= key[i];
	SHA256_Init(&k->inner);
	SHA256_Update(&k->inner, pad, sizeof(pad));
	memset(pad, 0x5c, sizeof(pad));
	for (int i = 0; i < CUI_KEY_LEN; i++)
		pad[i] ^= key[i];
	SHA256_Init(&k->outer);
	SHA256_Update(&k->outer, pad, sizeof(pad));
	OPENSSL_cleanse(pad, sizeof(pad));
	return k;
}

void
cui_key_free(struct cui_key *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

static void
cui_hmac(const struct cui_key *k, const uint8_t *data, size_t len, uint8_t out[32])
{
	SHA256_CTX c = k->inner;

	SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
	c = k->outer;
	SHA256_Update(&c, out, 32);
	SHA256_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}

void
cui_make(const struct cui_key *keyed, const char *identity, const char *operator_name,
	 char out[CUI_TEXT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t buf[600], mac[32];
	size_t n = 0;

	for (const char *p = identity; *p != '\0' && n < 300; p++)
		buf[n++] = (uint8_t)tolower((unsigned char)*p);
	buf[n++] = 0; /* ("ab","c") and ("a","bc") differ */
	for (const char *p = operator_name; *p != '\0' && n < sizeof(buf); p++)
		buf[n++] = (uint8_t)tolower((unsigned char)*p);
	cui_hmac(keyed, buf, n, mac);
	for (int i = 0; i < CUI_TEXT_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[CUI_TEXT_LEN] = '\0';
}
