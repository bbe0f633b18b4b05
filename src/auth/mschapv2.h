/*
 * MS-CHAPv2 (RFC 2759) server side over the NT hash. MD4 and DES come from
 * OpenSSL's legacy provider, loaded once in a library context of our own.
 */
#ifndef POORT_MSCHAPV2_H
#define POORT_MSCHAPV2_H

#include <stddef.h>
#include <stdint.h>

enum {
	MSCHAPV2_ECRYPTO = -720, /* the legacy provider or a digest failed */
};

#define MSCHAPV2_AUTHRESP_LEN 42 /* "S=" and 40 hex digits */

/* GenerateNTResponse: user is the name from the Response (any "DOMAIN\" is skipped). */
int mschapv2_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16], const char *user,
                         size_t userlen, const uint8_t nthash[16], uint8_t out[24]);
/* GenerateAuthenticatorResponse: out gets "S=..." and a NUL. */
int mschapv2_auth_response(const uint8_t nthash[16], const uint8_t ntresp[24],
                           const uint8_t peer_chal[16], const uint8_t auth_chal[16],
                           const char *user, size_t userlen, char out[MSCHAPV2_AUTHRESP_LEN + 1]);

#endif
