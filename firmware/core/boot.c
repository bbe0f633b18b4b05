/* boot_main: slot choice, trial boots, verification, hand-over. */
#include <string.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>
#include <poort/fw/image.h>
#include <poort/fw/state.h>

#include "con.h"

void
con_puts(const struct board *b, const char *s)
{
	b->console->ops->write(b->console->ctx, (const uint8_t *)s, strlen(s));
}

void
con_putu(const struct board *b, uint32_t v)
{
	char buf[11];
	int i = (int)sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	con_puts(b, buf + i);
}

void
con_kv(const struct board *b, const char *k, uint32_t v)
{
	con_puts(b, k);
	con_putu(b, v);
}

/* An erased slot says so rather than "bad header". */
static int
boot_slot_empty(const struct board *b, int slot)
{
	uint8_t m[4];

	if (b->flash->ops->read(b->flash->ctx, b->slot[slot].off, m, sizeof(m)))
		return 0;
	return (m[0] & m[1] & m[2] & m[3]) == 0xff;
}

static void
boot_log_fail(const struct board *b, const char *what, int slot, int rc)
{
	if (rc == FW_EFORMAT && boot_slot_empty(b, slot)) {
		con_kv(b, "boot: slot=", (uint32_t)slot);
		con_puts(b, " empty\r\n");
		return;
	}
	con_puts(b, "boot: ");
	con_puts(b, what);
	con_kv(b, " slot=", (uint32_t)slot);
	con_puts(b, " reason=\"");
	con_puts(b, fw_strerror(rc));
	con_puts(b, "\"\r\n");
}

/* A key on the console within the window asks for recovery. Only 'r',
 * Ctrl-C and the frame delimiter poort-flash sends count, so line noise
 * at power-up does not stop a box in the field. */
static int
boot_wait_key(const struct board *b)
{
	const struct drv_timer *t = b->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	uint8_t c;

	if (!b->recovery_window_ms)
		return 0;
	con_puts(b, "poort boot: press r for recovery\r\n");
	for (;;) {
		uint32_t el = t->ops->now_ms(t->ctx) - start;
		int n;

		if (el >= b->recovery_window_ms)
			return 0;
		n = b->console->ops->read(b->console->ctx, &c, 1, b->recovery_window_ms - el);
		if (n == 1 && (c == 'r' || c == 0x03 || c == 0x00))
			return 1;
	}
}

/* Loads and verifies slot in one pass into RAM and jumps. Returns only on
 * failure (or in the simulator after the "image" ran). */
static int
boot_try(const struct board *b, const struct fw_state *st, int slot, int trial)
{
	/* large (holds the header and table): static, the boot stage is
	 * single-threaded and boots one image at a time */
	static struct fw_image_loaded ld;
	struct board_boot_info bi;
	const struct fw_image_hdr *h = &ld.hdr;
	int rc;

	rc = fw_image_load(b->flash, b->slot[slot].off, b->slot[slot].size, &fw_boot_pubkey, b->id,
	                   st->min_rollback, b->load_addr, b->load_max, &ld);
	if (rc)
		return rc;
	bi.slot = slot;
	bi.trial = trial;
	memcpy(bi.ver, h->ver, sizeof(bi.ver));
	bi.rollback = h->rollback;
	bi.img = &ld;
	con_kv(b, "boot: start slot=", (uint32_t)slot);
	con_kv(b, " version=", h->ver[0]);
	con_kv(b, ".", h->ver[1]);
	con_kv(b, ".", h->ver[2]);
	con_kv(b, " trial=", (uint32_t)trial);
	con_kv(b, " boots=", st->trial_boots);
	con_puts(b, "\r\n");
	if (b->wdt && b->wdt_timeout_ms)
		b->wdt->ops->kick(b->wdt->ctx);
	return b->jump(b, &bi);
}

static int
boot_pick(const struct board *b)
{
	struct fw_state st;
	int rc, other;

	rc = fw_state_load(b, &st);
	if (rc < 0)
		return rc;
	if (st.trial != FW_STATE_NO_SLOT) {
		if (st.trial_boots >= b->max_trial_boots) {
			con_kv(b, "boot: trial slot=", st.trial);
			con_kv(b, " not confirmed after boots=", st.trial_boots);
			con_puts(b, ", falling back\r\n");
			st.trial = FW_STATE_NO_SLOT;
			st.trial_boots = 0;
			rc = fw_state_store(b, &st);
			if (rc)
				return rc;
		} else {
			/* Counted before the jump: a cut during the trial
			 * boot is a failed boot, and only the trial slot is
			 * ever counted, so the confirmed slot stays. */
			st.trial_boots++;
			st.boots++;
			rc = fw_state_store(b, &st);
			if (rc)
				return rc;
			rc = boot_try(b, &st, st.trial, 1);
			if (rc == 0 || rc == FW_EPOWER)
				return rc;
			boot_log_fail(b, "trial image refused", st.trial, rc);
			st.trial = FW_STATE_NO_SLOT;
			st.trial_boots = 0;
			rc = fw_state_store(b, &st);
			if (rc)
				return rc;
		}
	}
	if (st.primary != FW_STATE_NO_SLOT) {
		rc = boot_try(b, &st, st.primary, 0);
		if (rc == 0 || rc == FW_EPOWER)
			return rc;
		boot_log_fail(b, "confirmed image refused", st.primary, rc);
	}
	/* No confirmed image to boot (new board, or the confirmed one is
	 * damaged): take any valid slot and make it the confirmed one, so
	 * an upload never lands on the image that runs. */
	for (other = 0; other < 2; other++) {
		struct fw_image_hdr h;

		if (other == st.primary)
			continue;
		rc = fw_image_verify_flash(b->flash, b->slot[other].off, b->slot[other].size,
		                           &fw_boot_pubkey, b->id, st.min_rollback, &h);
		if (rc == FW_EPOWER)
			return rc;
		if (rc) {
			boot_log_fail(b, "image refused", other, rc);
			continue;
		}
		st.primary = (uint8_t)other;
		if (st.trial == other) {
			st.trial = FW_STATE_NO_SLOT;
			st.trial_boots = 0;
		}
		rc = fw_state_store(b, &st);
		if (rc)
			return rc;
		rc = boot_try(b, &st, other, 0);
		if (rc == 0 || rc == FW_EPOWER)
			return rc;
		boot_log_fail(b, "image refused", other, rc);
	}
	return FW_ENOSLOT;
}

int
boot_main(const struct board *b)
{
	int rc;

	if (b->wdt && b->wdt_timeout_ms)
		b->wdt->ops->start(b->wdt->ctx, b->wdt_timeout_ms);
	con_puts(b, "poort boot: board=");
	con_puts(b, b->name);
	con_puts(b, "\r\n");
	if (b->recovery_pin && b->recovery_pin(b))
		return boot_recovery(b, BOOT_REC_PIN);
	if (boot_wait_key(b))
		return boot_recovery(b, BOOT_REC_KEY);
	rc = boot_pick(b);
	if (rc == 0)
		return BOOT_OK;
	if (rc == FW_EPOWER)
		return rc;
	con_puts(b, "boot: no bootable slot reason=\"");
	con_puts(b, fw_strerror(rc));
	con_puts(b, "\"\r\n");
	return boot_recovery(b, BOOT_REC_NOSLOT);
}
