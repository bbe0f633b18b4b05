/* Power cut after every single flash operation, during an upload and
 * during a slot switch; after each the box must boot a valid image, and
 * finishing the job afterwards must work (resuming the upload). */
#include <string.h>

#include "simtest.h"

static struct st_image v1, v2;
static int cases;

/* Base: v1 confirmed in slot A. */
static void
make_base(struct sim_board *s)
{
	int rc;

	st_board_new(s);
	rc = st_upload(s, &v1, 1, NULL);
	CHECK(rc == 0, "upload v1: %s", fw_strerror(rc));
	rc = st_boot(s);
	CHECK(rc == BOOT_OK && s->log.confirmed, "v1 confirmed");
}

/* Boots after a cut: must run v1 from A, or v2 from B on trial. */
static void
check_boots(struct sim_board *s, const char *phase, long k)
{
	int rc;

	sim_flash_power_on(&s->flash);
	rc = st_boot(s);
	CHECK(rc == BOOT_OK, "%s cut %ld: no boot (rc=%d)", phase, k, rc);
	CHECK((s->log.slot == 0 && s->log.ver[0] == 1) || (s->log.slot == 1 && s->log.ver[0] == 2),
	      "%s cut %ld: booted slot=%d ver=%u", phase, k, s->log.slot, s->log.ver[0]);
}

/* Ops the upload+activate of v2 takes with no cut. */
static uint64_t
count_upload_ops(struct sim_board *base)
{
	struct sim_board s;
	uint64_t n;

	st_board_clone(&s, base, -1);
	CHECK(st_upload(&s, &v2, 1, NULL) == 0, "clean upload");
	n = s.flash.ops;
	st_board_free(&s);
	return n;
}

static void
test_upload_cuts(struct sim_board *base)
{
	uint64_t total = count_upload_ops(base);
	int resumed_cases = 0;

	for (uint64_t k = 0; k < total; k++) {
		struct sim_board s;
		uint32_t resumed = 0;
		int rc;

		st_board_clone(&s, base, (int64_t)k);
		rc = st_upload(&s, &v2, 1, NULL);
		CHECK(rc == FW_EPOWER, "upload cut %lu: rc=%d", (unsigned long)k, rc);
		check_boots(&s, "upload", (long)k);
		/* the engineer runs poort-flash again: it resumes */
		rc = st_upload(&s, &v2, 1, &resumed);
		CHECK(rc == 0, "upload after cut %lu: %s", (unsigned long)k, fw_strerror(rc));
		if (resumed)
			resumed_cases++;
		rc = st_boot(&s);
		CHECK(rc == BOOT_OK && s.log.ver[0] == 2, "v2 after resumed upload (cut %lu)",
		      (unsigned long)k);
		cases++;
		st_board_free(&s);
	}
	printf("upload: %lu flash operations, %lu power cuts, %d resumed "
	       "mid-image\n",
	       (unsigned long)total, (unsigned long)total, resumed_cases);
	CHECK(resumed_cases > (int)(total / 4), "few resumes (%d)", resumed_cases);
}

/* From "v2 activated" through trial boot and confirm. */
static void
test_switch_cuts(struct sim_board *base)
{
	struct sim_board s;
	uint64_t total;

	st_board_new(&s);
	st_board_copy(&s, base);
	CHECK(st_upload(&s, &v2, 1, NULL) == 0, "upload v2");
	{
		struct sim_board t;
		st_board_clone(&t, &s, -1);
		CHECK(st_boot(&t) == BOOT_OK && t.log.confirmed, "clean switch");
		total = t.flash.ops;
		st_board_free(&t);
	}
	for (uint64_t k = 0; k < total; k++) {
		struct sim_board t;
		struct fw_state st;
		int rc;

		st_board_clone(&t, &s, (int64_t)k);
		rc = st_boot(&t);
		check_boots(&t, "switch", (long)k);
		/* keep booting: it must settle on v2 confirmed, with the
		 * floor raised only once v2 is the confirmed image */
		for (int i = 0; i < 5 && !t.log.confirmed; i++)
			st_boot(&t);
		CHECK(fw_state_load(&t.b, &st) == 0, "state");
		CHECK(st.primary == 1 && st.min_rollback == 2,
		      "switch cut %lu: settled p=%u min=%u", (unsigned long)k, st.primary,
		      st.min_rollback);
		(void)rc;
		cases++;
		st_board_free(&t);
	}
	printf("switch: %lu flash operations, %lu power cuts\n", (unsigned long)total,
	       (unsigned long)total);
	st_board_free(&s);
}

/* A cut at every op of a whole upload+switch where the new image never
 * confirms: after each, the box ends up on v1 again. */
static void
test_bad_image_cuts(struct sim_board *base)
{
	struct st_image bad;
	struct sim_board s;
	uint64_t total;

	st_image_make(&bad, "hang", 2, 2, 30000);
	st_board_new(&s);
	st_board_copy(&s, base);
	CHECK(st_upload(&s, &bad, 1, NULL) == 0, "upload bad");
	{
		struct sim_board t;
		st_board_clone(&t, &s, -1);
		for (int i = 0; i < 5; i++)
			st_boot(&t);
		total = t.flash.ops;
		st_board_free(&t);
	}
	for (uint64_t k = 0; k < total; k++) {
		struct sim_board t;
		struct fw_state st;

		st_board_clone(&t, &s, (int64_t)k);
		for (int i = 0; i < 5 && !t.flash.dead; i++)
			st_boot(&t);
		sim_flash_power_on(&t.flash);
		for (int i = 0; i < 6; i++) {
			int rc = st_boot(&t);
			CHECK(rc == BOOT_OK, "fallback cut %lu boot %d", (unsigned long)k, i);
		}
		CHECK(t.log.slot == 0 && t.log.ver[0] == 1,
		      "fallback cut %lu: ends on v1 (slot=%d)", (unsigned long)k, t.log.slot);
		CHECK(fw_state_load(&t.b, &st) == 0 && st.min_rollback == 1,
		      "fallback cut %lu: floor stays", (unsigned long)k);
		cases++;
		st_board_free(&t);
	}
	printf("fallback: %lu flash operations, %lu power cuts\n", (unsigned long)total,
	       (unsigned long)total);
	st_board_free(&s);
	st_image_free(&bad);
}

/* A new upload lands on a slot that is still marked for trial (v2
 * activated, never booted): the mark must go before the slot is erased,
 * so every cut leaves v1, v2 on trial, or v3 on trial bootable. */
static void
test_overwrite_trial_cuts(struct sim_board *base)
{
	struct st_image v3;
	struct sim_board s;
	uint64_t total;

	st_image_make(&v3, "confirm", 3, 3, 90000);
	st_board_new(&s);
	st_board_copy(&s, base);
	CHECK(st_upload(&s, &v2, 1, NULL) == 0, "upload v2");
	{
		struct sim_board t;
		st_board_clone(&t, &s, -1);
		CHECK(st_upload(&t, &v3, 1, NULL) == 0, "clean v3 upload");
		total = t.flash.ops;
		st_board_free(&t);
	}
	for (uint64_t k = 0; k < total; k++) {
		struct sim_board t;
		int rc;

		st_board_clone(&t, &s, (int64_t)k);
		st_upload(&t, &v3, 1, NULL);
		sim_flash_power_on(&t.flash);
		t.auto_confirm = 0;
		rc = st_boot(&t);
		CHECK(rc == BOOT_OK && ((t.log.slot == 0 && t.log.ver[0] == 1) ||
		                        (t.log.slot == 1 && t.log.trial &&
		                         (t.log.ver[0] == 2 || t.log.ver[0] == 3))),
		      "overwrite cut %lu: slot=%d ver=%u rc=%d", (unsigned long)k, t.log.slot,
		      t.log.ver[0], rc);
		cases++;
		st_board_free(&t);
	}
	printf("overwrite trial: %lu flash operations, %lu power cuts\n", (unsigned long)total,
	       (unsigned long)total);
	st_board_free(&s);
	st_image_free(&v3);
}

/* Factory reset (config, journal, state) cut at every operation. */
static void
test_factory_cuts(struct sim_board *base)
{
	struct sim_board t;
	uint64_t total = 0;

	for (uint64_t k = 0;; k++) {
		uint8_t frame[64];
		long n;
		int rc;

		st_board_clone(&t, base, (int64_t)k);
		/* drive it as poort-flash would: one FACTORY frame */
		n = fw_frame_encode(FW_CMD_FACTORY, 1, NULL, 0, frame, sizeof(frame));
		CHECK(n > 0, "encode");
		rc = st_factory(&t, frame, (size_t)n);
		if (!t.flash.dead) {
			total = k;
			st_board_free(&t);
			break;
		}
		(void)rc;
		check_boots(&t, "factory", (long)k);
		CHECK(t.log.slot == 0 && t.log.ver[0] == 1, "factory cut %lu: v1 runs",
		      (unsigned long)k);
		cases++;
		st_board_free(&t);
	}
	printf("factory reset: %lu flash operations, %lu power cuts\n", (unsigned long)total,
	       (unsigned long)total);
}

int
main(void)
{
	struct sim_board base;

	/* v2 spans many sectors and journal granules, compressed or not */
	st_image_make(&v1, "confirm", 1, 1, 40000);
	st_image_make(&v2, "confirm", 2, 2, 120000);
	make_base(&base);
	test_upload_cuts(&base);
	test_switch_cuts(&base);
	test_bad_image_cuts(&base);
	test_overwrite_trial_cuts(&base);
	test_factory_cuts(&base);
	printf("power-cut cases: %d\n", cases);
	st_board_free(&base);
	st_image_free(&v1);
	st_image_free(&v2);
	return st_done("fw_powercut_test");
}
