/* The in-memory replay set: exact, expiring, bounded (fails closed). */
#include <stdio.h>

#include "saml_replay.h"
#include "poort/saml.h"
#include "test.h"

static void
test_exact(void)
{
	struct saml_replay *r = saml_replay_new(8);

	CHECK(r != NULL);
	CHECK_INT(saml_replay_check(r, "sp", "_a", 100, 200), 0);
	CHECK_INT(saml_replay_check(r, "sp", "_a", 150, 250), 1);
	CHECK_INT(saml_replay_check(r, "sp2", "_a", 150, 250), 0); /* per issuer */
	/* the NUL between issuer and id: these two are different pairs */
	CHECK_INT(saml_replay_check(r, "ab", "c", 150, 250), 0);
	CHECK_INT(saml_replay_check(r, "a", "bc", 150, 250), 0);
	/* seen until its expiry, new after it */
	CHECK_INT(saml_replay_check(r, "sp", "_a", 200, 300), 1);
	CHECK_INT(saml_replay_check(r, "sp", "_a", 201, 300), 0);
	CHECK_INT(saml_replay_check(r, "sp", "_a", 202, 300), 1);
	saml_replay_free(r);
}

static void
test_bounded(void)
{
	struct saml_replay *r = saml_replay_new(100);
	char id[32];
	int rc = 0, n;

	/* fills up to its bound, then refuses; nothing held is forgotten */
	for (n = 0; n < 1000 && (rc = saml_replay_check(r, "sp", (snprintf(id, sizeof(id), "_%d", n), id),
							 1000, 2000)) == 0;
	     n++)
		;
	CHECK_INT(rc, SAML_EFULL);
	CHECK(n >= 100 && n <= 256);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "_%d", i);
		CHECK_INT(saml_replay_check(r, "sp", id, 1000, 2000), 1);
	}
	/* once those expire there is room again, many times over */
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "_new%d", i);
		CHECK_INT(saml_replay_check(r, "sp", id, 3000 + i, 3000 + i + 10), 0);
	}
	saml_replay_free(r);
}

int
main(void)
{
	test_exact();
	test_bounded();
	TEST_DONE();
}
