/*
 * Bounded counters: a key's count is its own whatever other keys collide
 * with it, a full table refuses newcomers and keeps what it counts, and
 * windows pass.
 */
#include <stdio.h>

#include "poort/limit.h"
#include "test.h"

/* The old direct-mapped table's slot: FNV-1a mod 1024. */
static unsigned
old_slot(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % 1024;
}

/* Names that shared the victim's slot in the old table, an attacker's pick. */
static int
colliding_names(const char *victim, char out[][32], int want)
{
	unsigned target = old_slot(victim);
	int n = 0;

	for (unsigned i = 0; n < want && i < 10000000; i++) {
		snprintf(out[n], 32, "u:guess%u", i);
		if (old_slot(out[n]) == target)
			n++;
	}
	return n;
}

static void
test_collisions_keep_counts(void)
{
	struct limit *l = limit_new(4096, 300);
	char names[40][32];
	int n = colliding_names("u:victim", names, 40);

	CHECK(l != NULL);
	CHECK_INT(n, 40);
	/* guesses at the victim interleaved with lookups and counts of colliding names */
	for (int i = 0; i < 40; i++) {
		CHECK_INT(limit_add(l, "u:victim", 1000 + i, 1), i + 1);
		CHECK_INT(limit_peek(l, names[i], 1000 + i), 0);
		CHECK_INT(limit_add(l, names[i], 1000 + i, 1), 1);
		CHECK_INT(limit_peek(l, "u:victim", 1000 + i), i + 1);
	}
	CHECK_INT(limit_peek(l, "u:victim", 1100), 40);
	CHECK_INT(limit_live(l, 1100), 41);
	limit_free(l);
}

static void
test_full_refuses_newcomer(void)
{
	struct limit *l = limit_new(8, 60);
	char k[32];

	CHECK(l != NULL);
	CHECK_INT(limit_add(l, "a:victim", 100, 5), 5);
	for (int i = 0; i < 7; i++) {
		snprintf(k, sizeof(k), "a:flood%d", i);
		CHECK_INT(limit_add(l, k, 101, 1), 1);
	}
	/* full: newcomers are refused, both to count and to look up */
	for (int i = 7; i < 200; i++) {
		snprintf(k, sizeof(k), "a:flood%d", i);
		CHECK_INT(limit_add(l, k, 102, 1), LIMIT_EFULL);
		CHECK_INT(limit_peek(l, k, 102), LIMIT_EFULL);
	}
	/* the victim's count is still there and still counts */
	CHECK_INT(limit_peek(l, "a:victim", 103), 5);
	CHECK_INT(limit_add(l, "a:victim", 103, 1), 6);
	/* taking back does not go below zero and never creates */
	CHECK_INT(limit_add(l, "a:victim", 103, -2), 4);
	CHECK_INT(limit_add(l, "a:absent", 103, -1), 0);
	CHECK_INT(limit_add(l, "a:absent", 103, 1), LIMIT_EFULL);
	/* a key taken back to nothing frees its room (a right password, say) */
	CHECK_INT(limit_add(l, "a:victim", 103, -10), 0);
	CHECK_INT(limit_live(l, 103), 7);
	CHECK_INT(limit_add(l, "a:other", 103, 1), 1);
	CHECK_INT(limit_peek(l, "a:victim", 103), LIMIT_EFULL);
	CHECK_INT(limit_add(l, "a:other", 103, -1), 0);
	CHECK_INT(limit_add(l, "a:victim", 103, 5), 5); /* back, its window from 103 */
	/* windows pass: the flood's (from 101) first, then the victim's */
	CHECK_INT(limit_add(l, "a:newcomer", 160, 1), LIMIT_EFULL);
	CHECK_INT(limit_add(l, "a:newcomer", 161, 1), 1);
	CHECK_INT(limit_peek(l, "a:victim", 162), 5);
	CHECK_INT(limit_live(l, 162), 2);
	CHECK_INT(limit_peek(l, "a:victim", 163), 0);
	CHECK_INT(limit_live(l, 400), 0);
	limit_free(l);
}

static void
test_window_and_keys(void)
{
	struct limit *l = limit_new(4, 60);
	char longkey[LIMIT_KEY_MAX + 1];

	CHECK(l != NULL);
	CHECK_INT(limit_add(l, "k", 0, 1), 1);
	CHECK_INT(limit_add(l, "k", 59, 1), 2);
	CHECK_INT(limit_add(l, "k", 60, 1), 1); /* a new window */
	memset(longkey, 'x', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	CHECK_INT(limit_add(l, longkey, 60, 1), LIMIT_EINVAL);
	CHECK_INT(limit_peek(l, "", 60), LIMIT_EINVAL);
	CHECK(limit_new(0, 60) == NULL);
	limit_free(l);
}

int
main(void)
{
	test_collisions_keep_counts();
	test_full_refuses_newcomer();
	test_window_and_keys();
	TEST_DONE();
}
