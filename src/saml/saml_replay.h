/* Internal to src/saml: the in-memory AuthnRequest replay set. */
#ifndef POORT_SAML_REPLAY_H
#define POORT_SAML_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct saml_replay;

/*
 * Room for at least cap unexpired IDs (24 bytes each, times 2 to 4). Fair
 * shares: one source may add per_src IDs, one issuer per_issuer, in each
 * window of seconds (window: how long an ID is kept, so each holds at most
 * twice its share); 0 means no share of that kind.
 */
struct saml_replay *saml_replay_new(size_t cap, size_t per_src, size_t per_issuer,
				    unsigned window);
void saml_replay_free(struct saml_replay *r);

enum {
	SAML_REPLAY_SEEN = 1,       /* seen and not expired: a replay */
	SAML_REPLAY_SRC_SHARE = 2,  /* the source has added its share this window */
	SAML_REPLAY_SP_SHARE = 3,   /* the issuer has added its share this window */
};
/*
 * 0 if (issuer, id) is new and is now remembered until expires, or a
 * SAML_REPLAY_ value (nothing remembered), SAML_EFULL when cap unexpired
 * IDs are held, SAML_ENOMEM. The caller refuses all but 0. src NULL: not
 * counted against any share (IDs loaded back at start).
 */
int saml_replay_check(struct saml_replay *r, const char *issuer, const char *id, const char *src,
		      int64_t now, int64_t expires);

#endif
