/* Internal to src/saml: the in-memory AuthnRequest replay set. */
#ifndef POORT_SAML_REPLAY_H
#define POORT_SAML_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct saml_replay;

/* Room for at least cap unexpired IDs (24 bytes each, times 2 to 4). */
struct saml_replay *saml_replay_new(size_t cap);
void saml_replay_free(struct saml_replay *r);
/*
 * 0 if (issuer, id) is new and is now remembered until expires, 1 if it
 * was seen and has not expired, SAML_EFULL when cap unexpired IDs are held
 * (the caller refuses the request), SAML_ENOMEM.
 */
int saml_replay_check(struct saml_replay *r, const char *issuer, const char *id, int64_t now,
		      int64_t expires);

#endif
