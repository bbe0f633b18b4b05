/*
 * RFC 2865 authenticators and the RFC 3579 Message-Authenticator on raw
 * packets. libfreeradius's rad_sign/rad_verify set up an OpenSSL 3 HMAC
 * context (an algorithm fetch) on every call, a fifth of the proxy's CPU;
 * here HMAC-MD5 runs on OpenSSL's MD5 with the key's inner and outer pads
 * hashed once per secret (radius_auth_pads) and no fetch at all.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* MD5_CTX: the plain digest, no provider lookups */
#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <string.h>

#include "radius_msg.h"

enum { MA_LEN = 16 };

/*
 * The MD5 states after the key's inner and outer pads, for the last few
 * secrets used on this thread: a proxied request is verified, signed,
 * answered and its answer checked, four HMACs under two secrets, and the
 * pads were two of the five MD5 blocks of each. Cleared at exit.
 */
enum { PADS_CACHED = 8 };
struct radius_auth_pads {
	char secret[129]; /* longer secrets are not cached */
	MD5_CTX inner, outer;
};
static __thread struct radius_auth_pads pads_cache[PADS_CACHED];
static __thread unsigned pads_next;

static void
radius_auth_pads_make(const char *secret, size_t klen, MD5_CTX *inner, MD5_CTX *outer)
{
	uint8_t k[64], pad[64];

	memset(k, 0, sizeof(k));
	if (klen > sizeof(k))
		MD5((const unsigned char *)secret, klen, k);
	else
		memcpy(k, secret, klen);
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	MD5_Init(inner);
	MD5_Update(inner, pad, sizeof(pad));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	MD5_Init(outer);
	MD5_Update(outer, pad, sizeof(pad));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
}

static void
radius_auth_pads(const char *secret, MD5_CTX *inner, MD5_CTX *outer)
{
	size_t klen = strlen(secret);
	struct radius_auth_pads *e;

	if (klen >= sizeof(pads_cache[0].secret)) {
		radius_auth_pads_make(secret, klen, inner, outer);
		return;
	}
	for (unsigned i = 0; i < PADS_CACHED; i++) {
		e = &pads_cache[i];
		if (e->secret[0] != '\0' && strcmp(e->secret, secret) == 0) {
			*inner = e->inner;
			*outer = e->outer;
			return;
		}
	}
	e = &pads_cache[pads_next++ % PADS_CACHED];
	OPENSSL_cleanse(e, sizeof(*e));
	radius_auth_pads_make(secret, klen, &e->inner, &e->outer);
	memcpy(e->secret, secret, klen + 1);
	*inner = e->inner;
	*outer = e->outer;
}

void
radius_auth_forget(void)
{
	OPENSSL_cleanse(pads_cache, sizeof(pads_cache));
}

/* HMAC-MD5 (RFC 2104) of hdr (20 bytes, its authenticator replaced by vector
 * when given) and body, with the 16 bytes at body + ma_off zeroed when
 * ma_off is not SIZE_MAX. */
static void
radius_auth_hmac(const char *secret, const uint8_t *hdr, const uint8_t *vector,
		 const uint8_t *body, size_t bodylen, size_t ma_off, uint8_t out[MA_LEN])
{
	static const uint8_t zero[MA_LEN];
	MD5_CTX c, outer;

	radius_auth_pads(secret, &c, &outer);
	MD5_Update(&c, hdr, 4);
	MD5_Update(&c, vector != NULL ? vector : hdr + 4, 16);
	if (ma_off == SIZE_MAX) {
		MD5_Update(&c, body, bodylen);
	} else {
		MD5_Update(&c, body, ma_off);
		MD5_Update(&c, zero, MA_LEN);
		MD5_Update(&c, body + ma_off + MA_LEN, bodylen - ma_off - MA_LEN);
	}
	MD5_Final(out, &c);
	MD5_Update(&outer, out, MA_LEN);
	MD5_Final(out, &outer);
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(&outer, sizeof(outer));
}

/* Where the Message-Authenticator's value starts, from the attributes on; SIZE_MAX if none. */
static size_t
radius_auth_find_ma(const uint8_t *pkt, size_t len)
{
	for (size_t i = RADIUS_HDR_LEN; i + 2 <= len && pkt[i + 1] >= 2; i += pkt[i + 1]) {
		if (pkt[i] == PW_MESSAGE_AUTHENTICATOR && pkt[i + 1] == 2 + MA_LEN &&
		    i + 2 + MA_LEN <= len)
			return i + 2 - RADIUS_HDR_LEN;
	}
	return SIZE_MAX;
}

/* MD5(header with vector, attributes, secret): the Response Authenticator. */
static void
radius_auth_response(const uint8_t *pkt, size_t len, const uint8_t *vector, const char *secret,
		     uint8_t out[16])
{
	MD5_CTX c;

	MD5_Init(&c);
	MD5_Update(&c, pkt, 4);
	MD5_Update(&c, vector, 16);
	MD5_Update(&c, pkt + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN);
	MD5_Update(&c, secret, strlen(secret));
	MD5_Final(out, &c);
}

int
radius_auth_verify(const uint8_t *pkt, size_t len, const uint8_t *req_vector, const char *secret)
{
	uint8_t want[16];
	size_t ma;

	if (len < RADIUS_HDR_LEN)
		return -1;
	if (req_vector != NULL) {
		radius_auth_response(pkt, len, req_vector, secret, want);
		if (CRYPTO_memcmp(want, pkt + 4, 16) != 0)
			return -1;
	}
	ma = radius_auth_find_ma(pkt, len);
	if (ma == SIZE_MAX)
		return 0; /* whether one is required is the caller's rule */
	radius_auth_hmac(secret, pkt, req_vector, pkt + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN, ma,
			 want);
	return CRYPTO_memcmp(want, pkt + RADIUS_HDR_LEN + ma, MA_LEN) == 0 ? 0 : -1;
}

int
radius_auth_sign(uint8_t *pkt, size_t len, const uint8_t *req_vector, const char *secret)
{
	size_t ma = radius_auth_find_ma(pkt, len);

	if (len < RADIUS_HDR_LEN)
		return -1;
	if (ma != SIZE_MAX)
		radius_auth_hmac(secret, pkt, req_vector, pkt + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN,
				 ma, pkt + RADIUS_HDR_LEN + ma);
	if (req_vector != NULL)
		radius_auth_response(pkt, len, req_vector, secret, pkt + 4);
	return 0;
}

/* RFC 2865 5.2: block i of the key stream is MD5(secret + prev), prev the
 * Request Authenticator for the first block, else the previous cipher block. */
static void
radius_auth_pw_block(const char *secret, const uint8_t prev[16], uint8_t out[16])
{
	MD5_CTX c;

	MD5_Init(&c);
	MD5_Update(&c, secret, strlen(secret));
	MD5_Update(&c, prev, 16);
	MD5_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}

int
radius_auth_pw_decrypt(const uint8_t *in, size_t inlen, const uint8_t vector[16],
		       const char *secret, char out[RADIUS_PW_MAX + 16], size_t *outlen)
{
	uint8_t key[16];
	size_t len = inlen < RADIUS_PW_MAX ? inlen : RADIUS_PW_MAX;

	/* as libfreeradius does: at most 128 octets, up to the first NUL */
	memset(out, 0, RADIUS_PW_MAX + 16);
	memcpy(out, in, len);
	for (size_t i = 0; i < len; i += 16) {
		radius_auth_pw_block(secret, i == 0 ? vector : in + i - 16, key);
		for (size_t j = 0; j < 16; j++)
			out[i + j] = (char)((uint8_t)out[i + j] ^ key[j]);
	}
	*outlen = strnlen(out, len);
	memset(out + *outlen, 0, RADIUS_PW_MAX + 16 - *outlen);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

int
radius_auth_pw_recrypt(const uint8_t *in, size_t inlen, const uint8_t in_vector[16],
		       const char *in_secret, const uint8_t out_vector[16], const char *out_secret,
		       uint8_t out[RADIUS_PW_MAX], size_t *outlen)
{
	char pw[RADIUS_PW_MAX + 16];
	uint8_t key[16];
	size_t plen;

	radius_auth_pw_decrypt(in, inlen, in_vector, in_secret, pw, &plen);
	/* encrypted again: padded with NULs to 16-octet blocks, at least one */
	*outlen = plen == 0 ? 16 : (plen + 15) / 16 * 16;
	for (size_t i = 0; i < *outlen; i += 16) {
		radius_auth_pw_block(out_secret, i == 0 ? out_vector : out + i - 16, key);
		for (size_t j = 0; j < 16; j++)
			out[i + j] = (uint8_t)pw[i + j] ^ key[j];
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}
