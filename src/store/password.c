#include "poort/password.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int
password_hash(const char *pw, unsigned cost, char out[PASSWORD_HASH_MAX])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	size_t len = strlen(pw);
	int rc = PASSWORD_ECRYPT;

	if (len == 0 || len > PASSWORD_MAX)
		return PASSWORD_EINVAL;
	if (crypt_gensalt_rn("$y$", cost, NULL, 0, setting, sizeof(setting)) == NULL)
		return PASSWORD_ECRYPT;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return PASSWORD_ECRYPT;
	if (crypt_rn(pw, setting, cd, sizeof(*cd)) == NULL || cd->output[0] == '*')
		goto done;
	if (strlen(cd->output) >= PASSWORD_HASH_MAX)
		goto done;
	strcpy(out, cd->output);
	rc = 0;
done:
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
password_verify(const char *pw, size_t pwlen, const char *hash)
{
	char copy[PASSWORD_MAX + 1];
	struct crypt_data *cd;
	size_t hlen = strlen(hash);
	int rc;

	if (pwlen == 0 || pwlen > PASSWORD_MAX || memchr(pw, '\0', pwlen) != NULL)
		return 0; /* can never match a stored password */
	if (hlen < 4 || hash[0] != '$')
		return PASSWORD_EHASH;
	memcpy(copy, pw, pwlen);
	copy[pwlen] = '\0';
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL) {
		rc = PASSWORD_ECRYPT;
		goto done;
	}
	if (crypt_rn(copy, hash, cd, sizeof(*cd)) == NULL || cd->output[0] == '*') {
		rc = PASSWORD_EHASH;
		goto done;
	}
	rc = strlen(cd->output) == hlen && CRYPTO_memcmp(cd->output, hash, hlen) == 0;
done:
	explicit_bzero(copy, sizeof(copy));
	if (cd != NULL) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	return rc;
}

/* MD4 lives in OpenSSL 3's legacy provider; load it once, in its own context. */
static OSSL_LIB_CTX *nt_libctx;
static EVP_MD *nt_md4;
static pthread_once_t nt_once = PTHREAD_ONCE_INIT;

static void
nt_init(void)
{
	nt_libctx = OSSL_LIB_CTX_new();
	if (nt_libctx == NULL)
		return;
	if (OSSL_PROVIDER_load(nt_libctx, "legacy") == NULL ||
	    OSSL_PROVIDER_load(nt_libctx, "default") == NULL)
		return;
	nt_md4 = EVP_MD_fetch(nt_libctx, "MD4", NULL);
}

/* UTF-8 to UTF-16LE; -1 on malformed input. */
static int
utf8_to_utf16le(const unsigned char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		unsigned extra;
		unsigned char c = in[i++];
		if (c < 0x80) {
			cp = c;
			extra = 0;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			extra = 1;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			extra = 2;
		} else if ((c & 0xf8) == 0xf0) {
			cp = c & 0x07;
			extra = 3;
		} else {
			return -1;
		}
		if (extra > len - i)
			return -1;
		for (unsigned k = 0; k < extra; k++) {
			if ((in[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (in[i++] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000))
			return -1;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xd800 | (v >> 10)), lo = (uint16_t)(0xdc00 | (v & 0x3ff));
			if (o + 4 > cap)
				return -1;
			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			if (o + 2 > cap)
				return -1;
			out[o++] = (uint8_t)cp;
			out[o++] = (uint8_t)(cp >> 8);
		}
	}
	*outlen = o;
	return 0;
}

int
password_nthash(const char *pw, size_t pwlen, uint8_t out[16])
{
	uint8_t u16[PASSWORD_MAX * 2];
	size_t u16len;
	unsigned mdlen = 0;
	int rc = PASSWORD_EINVAL;

	pthread_once(&nt_once, nt_init);
	if (nt_md4 == NULL)
		return PASSWORD_ECRYPT;
	if (pwlen == 0 || pwlen > PASSWORD_MAX ||
	    utf8_to_utf16le((const unsigned char *)pw, pwlen, u16, sizeof(u16), &u16len) < 0)
		goto done;
	rc = EVP_Digest(u16, u16len, out, &mdlen, nt_md4, NULL) == 1 && mdlen == 16
		     ? 0
		     : PASSWORD_ECRYPT;
done:
	explicit_bzero(u16, sizeof(u16));
	return rc;
}

int
password_generate(char *out, size_t len)
{
	/* no 0/O, 1/l/I: these get read aloud and typed on phones */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	const size_t n = sizeof(alphabet) - 1;

	for (size_t i = 0; i < len; i++) {
		unsigned char b;
		do {
			if (RAND_bytes(&b, 1) != 1)
				return PASSWORD_ECRYPT;
		} while (b >= 256 - (256 % n)); /* no modulo bias */
		out[i] = alphabet[b % n];
	}
	out[len] = '\0';
	return 0;
}
