/* Boot decisions: trial boots and fallback, rollback floor, recovery. */
#include <string.h>

#include "simtest.h"

static void
state_get(struct sim_board *s, struct fw_state *st)
{
	CHECK(fw_state_load(&s->b, st) >= 0, "state load");
}

/* Board with v1 (rollback 1) confirmed in slot A. */
static void
board_with_v1(struct sim_board *s)
{
	struct st_image v1;
	int rc;

	st_board_new(s);
	st_image_make(&v1, "confirm", 1, 1, 20000);
	rc = st_upload(s, &v1, 1, NULL);
	CHECK(rc == 0, "upload v1: %s", fw_strerror(rc));
	rc = st_boot(s);
	CHECK(rc == BOOT_OK && s->log.slot == 0 && s->log.confirmed,
	      "v1 boots and confirms (rc=%d slot=%d)", rc, s->log.slot);
	st_image_free(&v1);
}

static void
test_trial_fallback(void)
{
	struct sim_board s;
	struct st_image bad;
	struct fw_state st;
	int rc;

	board_with_v1(&s);
	st_image_make(&bad, "hang", 2, 2, 20000);
	rc = st_upload(&s, &bad, 1, NULL);
	CHECK(rc == 0, "upload v2: %s", fw_strerror(rc));
	for (uint32_t i = 1; i <= s.b.max_trial_boots; i++) {
		rc = st_boot(&s);
		CHECK(rc == BOOT_OK && s.log.slot == 1 && s.log.trial,
		      "trial boot %u runs slot B (slot=%d trial=%d)", i, s.log.slot, s.log.trial);
		state_get(&s, &st);
		CHECK(st.min_rollback == 1, "floor not raised by trial (%u)", st.min_rollback);
	}
	rc = st_boot(&s);
	CHECK(rc == BOOT_OK && s.log.slot == 0 && !s.log.trial && s.log.ver[0] == 1,
	      "after %u unconfirmed boots back to v1 (slot=%d ver=%u)", s.b.max_trial_boots,
	      s.log.slot, s.log.ver[0]);
	state_get(&s, &st);
	CHECK(st.primary == 0 && st.trial == FW_STATE_NO_SLOT && st.min_rollback == 1,
	      "state after fallback p=%u t=%u min=%u", st.primary, st.trial, st.min_rollback);
	/* and it stays there: many more boots never touch slot A's standing */
	for (int i = 0; i < 10; i++) {
		rc = st_boot(&s);
		CHECK(rc == BOOT_OK && s.log.slot == 0, "steady boot %d", i);
	}
	st_image_free(&bad);
	st_board_free(&s);
}

static void
test_rollback(void)
{
	struct sim_board s;
	struct st_image v3, old;
	struct fw_state st;
	int rc;

	board_with_v1(&s);
	st_image_make(&v3, "confirm", 3, 5, 20000);
	rc = st_upload(&s, &v3, 1, NULL);
	CHECK(rc == 0, "upload v3: %s", fw_strerror(rc));
	state_get(&s, &st);
	CHECK(st.min_rollback == 1, "floor unchanged by activate (%u)", st.min_rollback);
	/* trial boot, but the pretend system does not confirm yet */
	s.auto_confirm = 0;
	rc = st_boot(&s);
	CHECK(rc == BOOT_OK && s.log.slot == 1 && s.log.trial, "v3 trial");
	state_get(&s, &st);
	CHECK(st.min_rollback == 1, "floor unchanged by trial boot (%u)", st.min_rollback);
	s.auto_confirm = 1;
	rc = st_boot(&s);
	CHECK(rc == BOOT_OK && s.log.slot == 1 && s.log.confirmed, "v3 confirms");
	state_get(&s, &st);
	CHECK(st.min_rollback == 5 && st.primary == 1, "floor raised on confirm (%u)",
	      st.min_rollback);

	/* an older image is refused at upload... */
	st_image_make(&old, "confirm", 2, 4, 20000);
	rc = st_upload(&s, &old, 1, NULL);
	CHECK(rc == FW_EROLLBACK, "old upload: %s", fw_strerror(rc));
	/* ...and at boot, even if someone wrote it into the slot */
	{
		const struct board *b = &s.b;
		CHECK(b->flash->ops->erase(b->flash->ctx, b->slot[0].off, b->slot[0].size) == 0,
		      "erase");
		for (size_t o = 0; o < old.len; o += 4096) {
			size_t n = old.len - o < 4096 ? old.len - o : 4096;
			uint8_t buf[4096];
			memset(buf, 0xff, sizeof(buf));
			memcpy(buf, old.data + o, n);
			b->flash->ops->write(b->flash->ctx, b->slot[0].off + (uint32_t)o, buf,
			                     (n + 7) & ~(size_t)7);
		}
		st.trial = 0;
		st.trial_boots = 0;
		CHECK(fw_state_store(b, &st) == 0, "store");
	}
	rc = st_boot(&s);
	CHECK(rc == BOOT_OK && s.log.slot == 1 && s.log.ver[0] == 3,
	      "old image refused at boot, v3 runs (slot=%d ver=%u)", s.log.slot, s.log.ver[0]);
	st_image_free(&old);
	st_image_free(&v3);
	st_board_free(&s);
}

static void
test_wrong_board_and_recovery(void)
{
	struct sim_board s;
	struct fw_state st;
	int rc;

	/* empty board: nothing to boot, recovery runs (null console ends it) */
	st_board_new(&s);
	rc = st_boot(&s);
	CHECK(rc == DRV_ENODEV && !s.log.booted, "empty board -> recovery rc=%d", rc);
	st_board_free(&s);

	/* the pin wins over a good image */
	board_with_v1(&s);
	s.pin = 1;
	rc = st_boot(&s);
	CHECK(rc == DRV_ENODEV && !s.log.booted, "pin -> recovery rc=%d", rc);
	s.pin = 0;
	/* a damaged confirmed slot with nothing else: recovery, not a crash */
	s.flash.mem[s.b.slot[0].off + 200] ^= 0x10;
	rc = st_boot(&s);
	CHECK(rc == DRV_ENODEV && !s.log.booted, "damaged -> recovery rc=%d", rc);
	state_get(&s, &st);
	CHECK(st.primary == 0, "damage does not rewrite the state");
	st_board_free(&s);
}

/* Repeated power loss during trial boots uses up only the trial slot. */
static void
test_power_loss_trials(void)
{
	struct sim_board s;
	struct st_image v2;
	int rc;

	board_with_v1(&s);
	st_image_make(&v2, "confirm", 2, 2, 20000);
	rc = st_upload(&s, &v2, 1, NULL);
	CHECK(rc == 0, "upload: %s", fw_strerror(rc));
	s.auto_confirm = 0; /* power goes before the system confirms */
	for (int i = 0; i < 50; i++) {
		rc = st_boot(&s);
		CHECK(rc == BOOT_OK, "boot %d after power loss", i);
	}
	CHECK(s.log.slot == 0 && s.log.ver[0] == 1, "old slot still boots after 50 power losses");
	st_image_free(&v2);
	st_board_free(&s);
}

int
main(void)
{
	test_trial_fallback();
	test_rollback();
	test_wrong_board_and_recovery();
	test_power_loss_trials();
	return st_done("fw_boot_test");
}
