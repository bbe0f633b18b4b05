/*
 * Password storage. Accounts keep a yescrypt hash (libxcrypt, the format of
 * /etc/shadow: "$y$..."), which is slow and salted on purpose.
 *
 * EAP-MSCHAPv2 (PEAP, TTLS) can only be checked against the NT hash,
 * MD4(UTF-16LE(password)). That hash is password-equivalent: anyone holding
 * it can log in with MSCHAPv2. The store keeps it in a table of its own
 * (account_nthash) so it can be left out of exports and wiped when a school
 * turns MSCHAPv2 off.
 */
#ifndef POORT_PASSWORD_H
#define POORT_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#define PASSWORD_HASH_MAX 128
#define PASSWORD_MAX 128 /* longest password accepted, in bytes */

enum {
	PASSWORD_EINVAL = -101, /* empty, too long, or not UTF-8 */
	PASSWORD_ECRYPT = -102, /* the hashing library failed */
	PASSWORD_EHASH = -103,  /* the stored hash is malformed */
};

/* Hashes pw with a fresh salt at the given yescrypt cost (1-11). */
int password_hash(const char *pw, unsigned cost, char out[PASSWORD_HASH_MAX]);
/* 1 if pw matches hash, 0 if not, negative on error. Constant time compare. */
int password_verify(const char *pw, size_t pwlen, const char *hash);
/* NT hash of pw (UTF-8 in, converted to UTF-16LE). */
int password_nthash(const char *pw, size_t pwlen, uint8_t out[16]);
/* A random password of len characters from an unambiguous alphabet;
 * out holds len + 1 bytes. */
int password_generate(char *out, size_t len);

#endif
