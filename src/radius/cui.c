#include "cui.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
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

EVP_MAC_CTX *
cui_keyed(const uint8_t key[CUI_KEY_LEN])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
			       OSSL_PARAM_construct_end()};

	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (c != NULL && EVP_MAC_init(c, key, CUI_KEY_LEN, params) != 1) {
		EVP_MAC_CTX_free(c);
		c = NULL;
	}
	return c;
}

/* HMAC-SHA256 on a copy of the keyed context: no algorithm fetch per use. */
static int
cui_hmac(const EVP_MAC_CTX *keyed, const uint8_t *data, size_t len, uint8_t out[32])
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(keyed);
	size_t outlen = 0;
	int ok;

	if (c == NULL)
		return -1;
	ok = EVP_MAC_update(c, data, len) == 1 && EVP_MAC_final(c, out, &outlen, 32) == 1 &&
	     outlen == 32;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -1;
}

void
cui_make(const EVP_MAC_CTX *keyed, const char *identity, const char *operator_name,
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
	if (cui_hmac(keyed, buf, n, mac) < 0)
		memset(mac, 0, sizeof(mac)); /* out of memory: never an unkeyed value */
	for (int i = 0; i < CUI_TEXT_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[CUI_TEXT_LEN] = '\0';
}
