#include "mschapv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static OSSL_LIB_CTX *ms_libctx;
static EVP_MD *ms_md4, *ms_sha1;
static EVP_CIPHER *ms_des;
static pthread_once_t ms_once = PTHREAD_ONCE_INIT;

static void
ms_init(void)
{
	ms_libctx = OSSL_LIB_CTX_new();
	if (ms_libctx == NULL || OSSL_PROVIDER_load(ms_libctx, "legacy") == NULL ||
	    OSSL_PROVIDER_load(ms_libctx, "default") == NULL)
		return;
	ms_md4 = EVP_MD_fetch(ms_libctx, "MD4", NULL);
	ms_sha1 = EVP_MD_fetch(ms_libctx, "SHA1", NULL);
	ms_des = EVP_CIPHER_fetch(ms_libctx, "DES-ECB", NULL);
}

static int
ms_ready(void)
{
	pthread_once(&ms_once, ms_init);
	return ms_md4 != NULL && ms_sha1 != NULL && ms_des != NULL;
}

static const char *
ms_strip_domain(const char *user, size_t *len)
{
	const char *bs = memchr(user, '\\', *len);
	if (bs != NULL) {
		*len -= (size_t)(bs + 1 - user);
		return bs + 1;
	}
	return user;
}

/* ChallengeHash: SHA1(PeerChallenge | AuthenticatorChallenge | UserName)[0..7] */
static int
ms_challenge_hash(const uint8_t peer[16], const uint8_t auth[16], const char *user, size_t userlen,
                  uint8_t out[8])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t d[20];
	int ok;

	user = ms_strip_domain(user, &userlen);
	ok = md != NULL && EVP_DigestInit_ex(md, ms_sha1, NULL) == 1 &&
	     EVP_DigestUpdate(md, peer, 16) == 1 && EVP_DigestUpdate(md, auth, 16) == 1 &&
	     EVP_DigestUpdate(md, user, userlen) == 1 && EVP_DigestFinal_ex(md, d, NULL) == 1;
	EVP_MD_CTX_free(md);
	memcpy(out, d, 8);
	return ok ? 0 : MSCHAPV2_ECRYPTO;
}

/* DesEncrypt of one block with a 7-byte key spread over 8 bytes (parity ignored). */
static int
ms_des_block(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8])
{
	uint8_t k[8];
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	k[0] = key7[0];
	for (int i = 1; i < 7; i++)
		k[i] = (uint8_t)(key7[i - 1] << (8 - i) | key7[i] >> i);
	k[7] = (uint8_t)(key7[6] << 1);
	ok = cx != NULL && EVP_EncryptInit_ex(cx, ms_des, NULL, k, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(cx, 0) == 1 && EVP_EncryptUpdate(cx, out, &n, in, 8) == 1 &&
	     n == 8;
	EVP_CIPHER_CTX_free(cx);
	explicit_bzero(k, sizeof(k));
	return ok ? 0 : MSCHAPV2_ECRYPTO;
}

int
mschapv2_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16], const char *user,
                     size_t userlen, const uint8_t nthash[16], uint8_t out[24])
{
	uint8_t chal[8], z[21] = {0};
	int rc;

	if (!ms_ready())
		return MSCHAPV2_ECRYPTO;
	if ((rc = ms_challenge_hash(peer_chal, auth_chal, user, userlen, chal)) < 0)
		return rc;
	memcpy(z, nthash, 16);
	rc = ms_des_block(z, chal, out) < 0 || ms_des_block(z + 7, chal, out + 8) < 0 ||
	             ms_des_block(z + 14, chal, out + 16) < 0
	         ? MSCHAPV2_ECRYPTO
	         : 0;
	explicit_bzero(z, sizeof(z));
	return rc;
}

int
mschapv2_auth_response(const uint8_t nthash[16], const uint8_t ntresp[24],
                       const uint8_t peer_chal[16], const uint8_t auth_chal[16], const char *user,
                       size_t userlen, char out[MSCHAPV2_AUTHRESP_LEN + 1])
{
	static const char magic1[] = "Magic server to client signing constant";
	static const char magic2[] = "Pad to make it do more than one iteration";
	uint8_t hh[16], d[20], chal[8];
	unsigned n = 0;
	EVP_MD_CTX *md = NULL;
	int rc = MSCHAPV2_ECRYPTO;

	if (!ms_ready())
		return rc;
	if (EVP_Digest(nthash, 16, hh, &n, ms_md4, NULL) != 1 || n != 16)
		goto done;
	if (ms_challenge_hash(peer_chal, auth_chal, user, userlen, chal) < 0)
		goto done;
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestInit_ex(md, ms_sha1, NULL) != 1 ||
	    EVP_DigestUpdate(md, hh, 16) != 1 || EVP_DigestUpdate(md, ntresp, 24) != 1 ||
	    EVP_DigestUpdate(md, magic1, sizeof(magic1) - 1) != 1 ||
	    EVP_DigestFinal_ex(md, d, NULL) != 1)
		goto done;
	if (EVP_DigestInit_ex(md, ms_sha1, NULL) != 1 || EVP_DigestUpdate(md, d, 20) != 1 ||
	    EVP_DigestUpdate(md, chal, 8) != 1 ||
	    EVP_DigestUpdate(md, magic2, sizeof(magic2) - 1) != 1 ||
	    EVP_DigestFinal_ex(md, d, NULL) != 1)
		goto done;
	out[0] = 'S';
	out[1] = '=';
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 + 2 * i, 3, "%02X", d[i]);
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	explicit_bzero(hh, sizeof(hh));
	return rc;
}
