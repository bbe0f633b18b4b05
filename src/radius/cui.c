#include "cui.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

void
cui_make(const uint8_t key[CUI_KEY_LEN], const char *identity, const char *operator_name,
	 char out[CUI_TEXT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t buf[600], mac[32];
	unsigned maclen = sizeof(mac);
	size_t n = 0;

	for (const char *p = identity; *p != '\0' && n < 300; p++)
		buf[n++] = (uint8_t)tolower((unsigned char)*p);
	buf[n++] = 0; /* ("ab","c") and ("a","bc") differ */
	for (const char *p = operator_name; *p != '\0' && n < sizeof(buf); p++)
		buf[n++] = (uint8_t)tolower((unsigned char)*p);
	HMAC(EVP_sha256(), key, CUI_KEY_LEN, buf, n, mac, &maclen);
	for (int i = 0; i < CUI_TEXT_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[CUI_TEXT_LEN] = '\0';
}
