/* The in-memory replay set: exact, expiring, bounded (fails closed). */
#include <stdio.h>

#include "saml_replay.h"
#include "poort/saml.h"
#include "test.h"

static void
test_exact(void)
{
	struct saml_replay *r = saml_replay_new(8, 0, 0, 0);

	CHECK(r != NULL);
	CHECK_INT(saml_replay_check(r, "sp", "_a", NULL, 100, 200), 0);
	CHECK_INT(saml_replay_check(r, "sp", "_a", NULL, 150, 250), 1);
	CHECK_INT(saml_replay_check(r, "sp2", "_a", NULL, 150, 250), 0); /* per issuer */
	/* the NUL between issuer and id: these two are different pairs */
	CHECK_INT(saml_replay_check(r, "ab", "c", NULL, 150, 250), 0);
	CHECK_INT(saml_replay_check(r, "a", "bc", NULL, 150, 250), 0);
	/* seen until its expiry, new after it */
	CHECK_INT(saml_replay_check(r, "sp", "_a", NULL, 200, 300), 1);
	CHECK_INT(saml_replay_check(r, "sp", "_a", NULL, 201, 300), 0);
	CHECK_INT(saml_replay_check(r, "sp", "_a", NULL, 202, 300), 1);
	saml_replay_free(r);
}

static void
test_bounded(void)
{
	struct saml_replay *r = saml_replay_new(100, 0, 0, 0);
	char id[32];
	int rc = 0, n;

	/* fills up to its bound, then refuses; nothing held is forgotten */
	for (n = 0; n < 1000; n++) {
		snprintf(id, sizeof(id), "_%d", n);
		if ((rc = saml_replay_check(r, "sp", id, NULL, 1000, 2000)) != 0)
			break;
	}
	CHECK_INT(rc, SAML_EFULL);
	CHECK(n >= 100 && n <= 256);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "_%d", i);
		CHECK_INT(saml_replay_check(r, "sp", id, NULL, 1000, 2000), 1);
	}
	/* once those expire there is room again, many times over */
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "_new%d", i);
		CHECK_INT(saml_replay_check(r, "sp", id, NULL, 3000 + i, 3000 + i + 10), 0);
	}
	saml_replay_free(r);
}

/* One source's or one issuer's flood uses up its own share, not the set. */
static void
test_shares(void)
{
	struct saml_replay *r = saml_replay_new(1000, 10, 30, 600);
	char id[32];
	int n;

	CHECK(r != NULL);
	for (n = 0; n < 10; n++) {
		snprintf(id, sizeof(id), "_flood%d", n);
		CHECK_INT(saml_replay_check(r, "sp2", id, "10.0.0.1", 100, 700), 0);
	}
	CHECK_INT(saml_replay_check(r, "sp2", "_flood10", "10.0.0.1", 100, 700),
		  SAML_REPLAY_SRC_SHARE);
	/* a refused ID was not remembered, and a replay still is one */
	CHECK_INT(saml_replay_check(r, "sp2", "_flood10", "10.0.0.2", 100, 700), 0);
	CHECK_INT(saml_replay_check(r, "sp2", "_flood0", "10.0.0.3", 100, 700), SAML_REPLAY_SEEN);
	/* a replay does not use the share: 10.0.0.3 still has all of its own */
	for (n = 0; n < 10; n++) {
		snprintf(id, sizeof(id), "_three%d", n);
		CHECK_INT(saml_replay_check(r, "sp2", id, "10.0.0.3", 100, 700), 0);
	}
	/* sp2 now has 21 of its 30; many sources fill it, then sp2 alone is refused */
	for (n = 0; n < 9; n++) {
		snprintf(id, sizeof(id), "_many%d", n);
		CHECK_INT(saml_replay_check(r, "sp2", id, id, 100, 700), 0);
	}
	CHECK_INT(saml_replay_check(r, "sp2", "_more", "10.0.0.9", 100, 700), SAML_REPLAY_SP_SHARE);
	CHECK_INT(saml_replay_check(r, "sp1", "_a", "10.0.0.1", 100, 700), SAML_REPLAY_SRC_SHARE);
	CHECK_INT(saml_replay_check(r, "sp1", "_a", "10.0.0.9", 100, 700), 0);
	/* without a source (loaded at start) no share applies */
	CHECK_INT(saml_replay_check(r, "sp2", "_loaded", NULL, 100, 700), 0);
	/* a new window: the shares are back */
	CHECK_INT(saml_replay_check(r, "sp2", "_later", "10.0.0.1", 700, 1300), 0);
	saml_replay_free(r);
}

int
main(void)
{
	test_exact();
	test_bounded();
	test_shares();
	TEST_DONE();
}
