/* Serial recovery: frames in, sink calls, replies out (protocol in
 * poort/fw/proto.h). */
#include <string.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>
#include <poort/fw/proto.h>
#include <poort/fw/sink.h>
#include <poort/fw/state.h>

#include "con.h"
#include "cur.h"
#include "fwio.h"

#define REC_WINDOW 8 /* chunks the host may have in flight */

struct rec {
	const struct board *b;
	struct fw_frame_dec dec;
	struct fw_sink sink;
	int nak_sent;  /* one FW_ESEQ per gap, not one per frame in flight */
	int activated; /* a repeated ACTIVATE (reply lost) succeeds again */
	uint8_t reply[160];
	uint8_t wire[200];
	uint8_t rx[256];
};

static int
rec_send(struct rec *r, uint8_t cmd, uint16_t seq, size_t len)
{
	long n = fw_frame_encode((uint8_t)(cmd | FW_CMD_REPLY), seq, r->reply, len, r->wire,
	                         sizeof(r->wire));

	if (n < 0)
		return (int)n;
	return r->b->console->ops->write(r->b->console->ctx, r->wire, (size_t)n);
}

static int
rec_status(struct rec *r, const struct fw_frame *f, int rc)
{
	if (rc == FW_EPOWER)
		return rc; /* simulator: the box is off, nothing answers */
	r->reply[0] = (uint8_t)-rc;
	return rec_send(r, f->cmd, f->seq, 1);
}

/* Slot summary from headers only: cheap enough to answer every probe. */
static void
rec_info_slot(struct rec *r, struct fw_wcur *w, int slot)
{
	const struct board *b = r->b;
	uint8_t h[FW_IMAGE_HDR_SIZE];
	struct fw_image_hdr hdr;
	int rc;

	rc = fwio_read(b, b->slot[slot].off, h, sizeof(h));
	if (rc == 0)
		rc = fw_image_hdr_parse(h, sizeof(h), &hdr);
	if (rc == 0 && hdr.board_id != b->id)
		rc = FW_EBOARD;
	fw_wcur_u8(w, (uint8_t)-rc);
	for (int i = 0; i < 3; i++)
		fw_wcur_u16(w, rc ? 0 : hdr.ver[i]);
	fw_wcur_u32(w, rc ? 0 : hdr.rollback);
}

static int
rec_info(struct rec *r, const struct fw_frame *f)
{
	const struct board *b = r->b;
	struct fw_state st;
	struct fw_wcur w;
	size_t nl = strlen(b->name);
	int rc;

	rc = fw_state_load(b, &st);
	if (rc < 0)
		return rec_status(r, f, rc);
	nl = nl > 32 ? 32 : nl;
	fw_wcur_init(&w, r->reply, sizeof(r->reply));
	fw_wcur_u8(&w, 0);
	fw_wcur_u8(&w, FW_PROTO_VERSION);
	fw_wcur_u32(&w, b->id);
	fw_wcur_u8(&w, (uint8_t)nl);
	fw_wcur_bytes(&w, b->name, nl);
	fw_wcur_u32(&w, FW_PROTO_CHUNK);
	fw_wcur_u16(&w, REC_WINDOW);
	fw_wcur_u8(&w, st.primary);
	fw_wcur_u8(&w, st.trial);
	fw_wcur_u8(&w, st.trial_boots);
	fw_wcur_u32(&w, st.min_rollback);
	rec_info_slot(r, &w, 0);
	rec_info_slot(r, &w, 1);
	/* since version 2: what the box can take, so the host can say which
	 * limit an image exceeds */
	fw_wcur_u32(&w, b->load_max);
	fw_wcur_u32(&w, b->slot[0].size);
	fw_wcur_u32(&w, b->slot[1].size);
	return rec_send(r, f->cmd, f->seq, w.pos);
}

static int
rec_begin(struct rec *r, const struct fw_frame *f)
{
	struct fw_cur c;
	struct fw_wcur w;
	uint32_t total, resume = 0;
	const uint8_t *hdr;
	int rc;

	fw_cur_init(&c, f->payload, f->len);
	total = fw_cur_u32(&c);
	hdr = fw_cur_take(&c, FW_IMAGE_HDR_SIZE);
	if (c.err)
		return rec_status(r, f, FW_EINVAL);
	rc = fw_sink_begin(&r->sink, hdr, FW_IMAGE_HDR_SIZE, &resume);
	if (rc == 0 && total != r->sink.total)
		rc = FW_EINVAL;
	if (rc)
		return rec_status(r, f, rc);
	r->nak_sent = 0;
	r->activated = 0;
	fw_wcur_init(&w, r->reply, sizeof(r->reply));
	fw_wcur_u8(&w, 0);
	fw_wcur_u32(&w, resume);
	fw_wcur_u32(&w, FW_PROTO_CHUNK);
	fw_wcur_u16(&w, REC_WINDOW);
	fw_wcur_u8(&w, (uint8_t)r->sink.slot);
	return rec_send(r, f->cmd, f->seq, w.pos);
}

/* The host's proof for the resume point BEGIN proposed: SHA-256 of its
 * image's bytes below it. The reply says where to go on: there, or 0. */
static int
rec_resume(struct rec *r, const struct fw_frame *f)
{
	struct fw_cur c;
	struct fw_wcur w;
	const uint8_t *sha;
	uint32_t off;
	int rc;

	fw_cur_init(&c, f->payload, f->len);
	off = fw_cur_u32(&c);
	sha = fw_cur_take(&c, 32);
	if (c.err || fw_cur_left(&c))
		return rec_status(r, f, FW_EINVAL);
	rc = fw_sink_resume(&r->sink, off, sha);
	if (rc)
		return rec_status(r, f, rc);
	r->nak_sent = 0;
	fw_wcur_init(&w, r->reply, sizeof(r->reply));
	fw_wcur_u8(&w, 0);
	fw_wcur_u32(&w, fw_sink_next(&r->sink));
	return rec_send(r, f->cmd, f->seq, w.pos);
}

static int
rec_data(struct rec *r, const struct fw_frame *f)
{
	struct fw_cur c;
	struct fw_wcur w;
	uint32_t off;
	size_t n;
	int rc;

	fw_cur_init(&c, f->payload, f->len);
	off = fw_cur_u32(&c);
	n = fw_cur_left(&c);
	if (c.err)
		return rec_status(r, f, FW_EINVAL);
	rc = fw_sink_write(&r->sink, off, fw_cur_take(&c, n), n);
	/* A host that sent the bytes below a proposed resume point again,
	 * and they differ from the slot's: the sink started over at 0, and
	 * this host can go back there. */
	if (rc == FW_ERESUME) {
		rc = FW_ESEQ;
		r->nak_sent = 0;
	}
	if (rc == FW_ESEQ) {
		if (r->nak_sent)
			return 0;
		r->nak_sent = 1;
	} else if (rc == 0) {
		r->nak_sent = 0;
	} else {
		return rec_status(r, f, rc);
	}
	fw_wcur_init(&w, r->reply, sizeof(r->reply));
	fw_wcur_u8(&w, (uint8_t)-rc);
	fw_wcur_u32(&w, fw_sink_next(&r->sink));
	return rec_send(r, f->cmd, f->seq, w.pos);
}

static int
rec_verify(struct rec *r, const struct fw_frame *f)
{
	struct fw_wcur w;
	int rc = fw_sink_verify(&r->sink);

	if (rc)
		return rec_status(r, f, rc);
	fw_wcur_init(&w, r->reply, sizeof(r->reply));
	fw_wcur_u8(&w, 0);
	for (int i = 0; i < 3; i++)
		fw_wcur_u16(&w, r->sink.hdr.ver[i]);
	fw_wcur_u32(&w, r->sink.hdr.rollback);
	fw_wcur_u8(&w, (uint8_t)r->sink.slot);
	return rec_send(r, f->cmd, f->seq, w.pos);
}

/* Config, upload journal and boot state go back to defaults; slots and
 * the rollback floor stay (forgetting the floor would reopen rollback). */
static int
rec_factory(struct rec *r)
{
	const struct board *b = r->b;
	struct fw_state st;
	int rc;

	rc = fw_state_load(b, &st);
	if (rc < 0)
		return rc;
	st.trial = FW_STATE_NO_SLOT;
	st.trial_boots = 0;
	st.boots = 0;
	rc = fw_state_store(b, &st);
	if (rc == 0)
		rc = fw_sink_journal_clear(b);
	if (rc == 0 && b->config.size)
		rc = fwio_erase(b, b->config.off, b->config.size);
	fw_sink_free(&r->sink);
	fw_sink_init(&r->sink, b, &fw_boot_pubkey);
	return rc;
}

/* Returns 1 when the host asked for a reboot, 0 to go on, or a negative
 * code for a dead console/power cut. */
static int
rec_handle(struct rec *r, const struct fw_frame *f)
{
	int rc;

	switch (f->cmd) {
	case FW_CMD_INFO:
		return rec_info(r, f);
	case FW_CMD_BEGIN:
		return rec_begin(r, f);
	case FW_CMD_RESUME:
		return rec_resume(r, f);
	case FW_CMD_DATA:
		return rec_data(r, f);
	case FW_CMD_VERIFY:
		return rec_verify(r, f);
	case FW_CMD_ACTIVATE:
		if (r->activated)
			return rec_status(r, f, 0);
		rc = fw_sink_activate(&r->sink);
		r->activated = rc == 0;
		return rec_status(r, f, rc);
	case FW_CMD_REBOOT:
		rc = rec_status(r, f, 0);
		return rc ? rc : 1;
	case FW_CMD_FACTORY:
		return rec_status(r, f, rec_factory(r));
	default:
		return rec_status(r, f, FW_ECMD);
	}
}

/* Can the box boot something? The same checks boot_main() makes: a slot
 * that verifies against the rollback floor and fits the load area.
 * Returns the slot, -1 for none, or FW_EPOWER/FW_EFLASH. */
static int
rec_bootable(const struct board *b)
{
	struct fw_image_hdr h;
	struct fw_state st;
	int rc;

	rc = fw_state_load(b, &st);
	if (rc < 0)
		return rc;
	for (int slot = 0; slot < 2; slot++) {
		rc = fw_image_verify_flash(b->flash, b->slot[slot].off, b->slot[slot].size,
		                           &fw_boot_pubkey, b->id, st.min_rollback, &h);
		if (rc == FW_EPOWER)
			return rc;
		if (rc == 0 && fw_image_load_need(&h, NULL, (uintptr_t)b->load_addr) <= b->load_max)
			return slot;
	}
	return -1;
}

/* No host for recovery_idle_ms: an engineer who walked away (or a key
 * pressed by line noise) must not keep a box with a good image offline.
 * Returns 1 to reset, 0 to stay, or a negative code. */
static int
rec_idle(const struct board *b)
{
	int slot = rec_bootable(b);

	if (slot < -1)
		return slot;
	con_kv(b, "poort recovery: no host for ms=", b->recovery_idle_ms);
	if (slot < 0) {
		con_puts(b, ", nothing bootable, staying in recovery\r\n");
		return 0;
	}
	con_kv(b, ", rebooting into slot=", (uint32_t)slot);
	con_puts(b, "\r\n");
	return 1;
}

int
boot_recovery(const struct board *b, enum boot_recovery_reason why)
{
	static const char *const reasons[] = {"", "key", "pin", "no bootable slot"};
	const struct drv_timer *t = b->timer;
	struct rec r;
	struct fw_frame f;
	uint32_t idle_since;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.b = b;
	fw_frame_dec_init(&r.dec);
	fw_sink_init(&r.sink, b, &fw_boot_pubkey);
	con_puts(b, "poort recovery: reason=\"");
	con_puts(b, reasons[why <= 3 ? why : 0]);
	con_puts(b, "\" waiting for poort-flash\r\n");
	/* a delimiter, so the host's decoder drops the text before it */
	b->console->ops->write(b->console->ctx, (const uint8_t *)"", 1);
	idle_since = t->ops->now_ms(t->ctx);
	for (;;) {
		int active = 0;
		int n = b->console->ops->read(b->console->ctx, r.rx, sizeof(r.rx), 20);
		if (n < 0) {
			rc = n;
			break;
		}
		for (int i = 0; i < n && rc == 0; i++) {
			if (fw_frame_dec_push(&r.dec, r.rx[i], &f) == 1) {
				rc = rec_handle(&r, &f);
				active = 1;
			}
		}
		if (rc == 0 && b->net_poll) {
			rc = b->net_poll(b); /* 1: it asks for a reset */
			if (rc == BOARD_NET_ACTIVE) {
				active = 1;
				rc = 0;
			}
		}
		if (active)
			idle_since = t->ops->now_ms(t->ctx);
		else if (rc == 0 && b->recovery_idle_ms &&
		         t->ops->now_ms(t->ctx) - idle_since >= b->recovery_idle_ms) {
			rc = rec_idle(b);
			idle_since = t->ops->now_ms(t->ctx);
		}
		if (b->wdt && b->wdt_timeout_ms)
			b->wdt->ops->kick(b->wdt->ctx);
		if (rc == FW_EPOWER || rc < 0)
			break;
		if (rc == 1) {
			b->reset(b);
			rc = BOOT_RESET;
			break;
		}
	}
	fw_sink_free(&r.sink);
	return rc;
}
