/*
 * Chargeable-User-Identity (RFC 4372) for our own users: a stable
 * pseudonym per user and visited operator, HMAC-SHA256 under a box key
 * kept in the state directory. The same student at the same visited
 * institution always gets the same CUI; other institutions cannot link it.
 */
#ifndef POORT_RADIUS_CUI_H
#define POORT_RADIUS_CUI_H

#include <stddef.h>
#include <stdint.h>

#define CUI_KEY_LEN 32
#define CUI_TEXT_LEN 40 /* hex of 160 bits, the NUL not counted */

/* Reads STATE_DIR/cui.key, creating it (mode 0600) on first use. */
int cui_key_load(const char *state_dir, uint8_t key[CUI_KEY_LEN], char *err, size_t errlen);
/* key made ready for cui_make (NULL without memory); free with cui_key_free. */
struct cui_key;
struct cui_key *cui_keyed(const uint8_t key[CUI_KEY_LEN]);
void cui_key_free(struct cui_key *k);
/* The pseudonym of identity (case-insensitive) toward operator, as hex. */
void cui_make(const struct cui_key *keyed, const char *identity, const char *operator_name,
	      char out[CUI_TEXT_LEN + 1]);

#endif
