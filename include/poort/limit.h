/*
 * Bounded counters per key (an address, "u:user", ...) over a fixed window,
 * for rate and guess limits. Each key has its own entry, found by its whole
 * text: another key never shares, resets or evicts it, whatever its hash.
 * Memory is bounded by cap entries; when cap keys are counting at once, a
 * new key is refused (LIMIT_EFULL), never an old one forgotten. An entry is
 * dropped only when its window has passed.
 */
#ifndef POORT_LIMIT_H
#define POORT_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#define LIMIT_KEY_MAX 96 /* bytes of key text, NUL included */

enum {
	LIMIT_EFULL = -901,  /* a new key while cap keys are counting */
	LIMIT_EINVAL = -902, /* key empty or too long */
};

struct limit;

/* cap keys at once, each counting for window seconds from its first count. */
struct limit *limit_new(size_t cap, unsigned window);
void limit_free(struct limit *l);
/*
 * The key's count in its window (0 if it has none), or LIMIT_EFULL when it
 * has none and no room for one. Changes no other key's count.
 */
long limit_peek(struct limit *l, const char *key, int64_t now);
/*
 * Adds delta (negative takes back, not below 0) and returns the new count,
 * or LIMIT_EFULL (a new key and no room; nothing counted), LIMIT_EINVAL.
 * A key taken back to 0 is dropped (its room is free again, its window
 * starts anew); a negative delta on a key without a count returns 0.
 */
long limit_add(struct limit *l, const char *key, int64_t now, int delta);
/* Keys counting now (their window not passed). */
size_t limit_live(struct limit *l, int64_t now);

#endif
