#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_CTX: copied states, see cui_keyed */
#include "cui.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cui_key_load(const char *state_dir, uint8_t key[CUI_KEY_LEN], char *err, size_t errlen)
{
	char path[4200], tmp[4210];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cui.key", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, key, CUI_KEY_LEN);
		close(fd);
		if (n == CUI_KEY_LEN)
			return 0;
		snprintf(err, errlen, "%s is not %d bytes: remove it to make a new one (CUIs change)",
			 path, CUI_KEY_LEN);
		return -1;
	}
	if (errno != ENOENT || RAND_bytes(key, CUI_KEY_LEN) != 1)
		goto fail;
	/* written whole under another name, then renamed: never half a key */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	n = write(fd, key, CUI_KEY_LEN);
	if (n != CUI_KEY_LEN || fsync(fd) < 0) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot read or create %s: %s", path, strerror(errno));
	return -1;
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
