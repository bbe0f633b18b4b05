/*
 * The test login's check of poortd's reply (why_radius_parse): a datagram
 * from the network, though from our own server. The input is fed in an
 * exact-size heap buffer, as it is and once more signed with the secret
 * (so the attribute copies past the authenticator checks run too);
 * invariants: copied lengths stay within their buffers.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/why_test.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char secret[] = "fuzz-secret";
static const uint8_t req_auth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void
check(const uint8_t *pkt, size_t len)
{
	struct why_radius_reply *r = malloc(sizeof(*r));
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (r == NULL || copy == NULL)
		abort();
	memcpy(copy, pkt, len);
	if (why_radius_parse(copy, len, len > 1 ? pkt[1] : 0, req_auth, secret, r) == 0) {
		if (r->eaplen > sizeof(r->eap) || r->statelen > sizeof(r->state) ||
		    strlen(r->reply_message) >= sizeof(r->reply_message))
			abort();
	}
	free(copy);
	free(r);
}

/* Signs pkt in place as poortd would: Message-Authenticator (if one is
 * there, 16 bytes), then the Response Authenticator. */
static void
sign(uint8_t *pkt, size_t len)
{
	size_t plen, pos = 20;
	unsigned maclen;
	uint8_t mac[EVP_MAX_MD_SIZE], resp[16];
	EVP_MD_CTX *md;

	if (len < 20)
		return;
	plen = (size_t)pkt[2] << 8 | pkt[3];
	if (plen > len || plen < 20)
		return;
	memcpy(pkt + 4, req_auth, 16);
	while (pos + 2 <= plen && pkt[pos + 1] >= 2 && pos + pkt[pos + 1] <= plen) {
		if (pkt[pos] == 80 && pkt[pos + 1] == 18) {
			memset(pkt + pos + 2, 0, 16);
			HMAC(EVP_md5(), secret, (int)strlen(secret), pkt, plen, mac, &maclen);
			memcpy(pkt + pos + 2, mac, 16);
			break;
		}
		pos += pkt[pos + 1];
	}
	md = EVP_MD_CTX_new();
	if (md == NULL)
		return;
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	EVP_DigestUpdate(md, pkt, plen);
	EVP_DigestUpdate(md, secret, strlen(secret));
	EVP_DigestFinal_ex(md, resp, NULL);
	EVP_MD_CTX_free(md);
	memcpy(pkt + 4, resp, 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *signed_copy;

	if (size > 8192)
		return 0;
	check(data, size);
	signed_copy = malloc(size > 0 ? size : 1);
	if (signed_copy == NULL)
		abort();
	memcpy(signed_copy, data, size);
	sign(signed_copy, size);
	check(signed_copy, size);
	free(signed_copy);
	return 0;
}
