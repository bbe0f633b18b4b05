/* Boot state record: two copies, sequence numbers, CRC (see state.h). */
#include <string.h>

#include <poort/fw/err.h>
#include <poort/fw/proto.h>
#include <poort/fw/state.h>

#include "cur.h"
#include "fwio.h"

void
fw_state_encode(const struct fw_state *st, uint8_t out[FW_STATE_REC_SIZE])
{
	struct fw_wcur w;

	memset(out, 0, FW_STATE_REC_SIZE);
	fw_wcur_init(&w, out, FW_STATE_REC_SIZE);
	fw_wcur_u32(&w, FW_STATE_MAGIC);
	fw_wcur_u32(&w, st->seq);
	fw_wcur_u8(&w, st->primary);
	fw_wcur_u8(&w, st->trial);
	fw_wcur_u8(&w, st->trial_boots);
	fw_wcur_u8(&w, 0);
	fw_wcur_u32(&w, st->min_rollback);
	fw_wcur_u32(&w, st->boots);
	w.pos = FW_STATE_REC_SIZE - 4;
	fw_wcur_u32(&w, fw_crc32(0, out, FW_STATE_REC_SIZE - 4));
}

int
fw_state_decode(const uint8_t in[FW_STATE_REC_SIZE], struct fw_state *st)
{
	struct fw_cur c;
	struct fw_state t;

	fw_cur_init(&c, in + FW_STATE_REC_SIZE - 4, 4);
	if (fw_cur_u32(&c) != fw_crc32(0, in, FW_STATE_REC_SIZE - 4))
		return FW_EFORMAT;
	fw_cur_init(&c, in, FW_STATE_REC_SIZE - 4);
	if (fw_cur_u32(&c) != FW_STATE_MAGIC)
		return FW_EFORMAT;
	t.seq = fw_cur_u32(&c);
	t.primary = fw_cur_u8(&c);
	t.trial = fw_cur_u8(&c);
	t.trial_boots = fw_cur_u8(&c);
	t.reserved = fw_cur_u8(&c);
	t.min_rollback = fw_cur_u32(&c);
	t.boots = fw_cur_u32(&c);
	if (c.err || (t.primary > 1 && t.primary != FW_STATE_NO_SLOT) ||
	    (t.trial > 1 && t.trial != FW_STATE_NO_SLOT))
		return FW_EFORMAT;
	*st = t;
	return 0;
}

static int
seq_newer(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* Reads both copies; returns the index of the newest valid one or -1, and
 * that copy in *st. */
static int
state_read_best(const struct board *b, struct fw_state *st, int *err)
{
	uint8_t rec[FW_STATE_REC_SIZE];
	struct fw_state c[2];
	int ok[2], best = -1;

	*err = 0;
	for (int i = 0; i < 2; i++) {
		int rc = fwio_read(b, b->state.off + (uint32_t)i * b->flash->erase_size, rec,
		                   sizeof(rec));
		if (rc) {
			*err = rc;
			return -1;
		}
		ok[i] = fw_state_decode(rec, &c[i]) == 0;
	}
	if (ok[0] && (!ok[1] || !seq_newer(c[1].seq, c[0].seq)))
		best = 0;
	else if (ok[1])
		best = 1;
	if (best >= 0)
		*st = c[best];
	return best;
}

int
fw_state_load(const struct board *b, struct fw_state *st)
{
	int err, best;

	best = state_read_best(b, st, &err);
	if (err)
		return err;
	if (best < 0) {
		memset(st, 0, sizeof(*st));
		st->primary = FW_STATE_NO_SLOT;
		st->trial = FW_STATE_NO_SLOT;
		return 1;
	}
	return 0;
}

int
fw_state_store(const struct board *b, struct fw_state *st)
{
	uint8_t rec[FW_STATE_REC_SIZE];
	struct fw_state cur;
	uint32_t off;
	int err, best, rc;

	best = state_read_best(b, &cur, &err);
	if (err)
		return err;
	/* Never touch the newest whole copy: a cut now leaves it intact. */
	off = b->state.off + (best == 0 ? b->flash->erase_size : 0);
	st->seq = (best >= 0 ? cur.seq : st->seq) + 1;
	fw_state_encode(st, rec);
	rc = fwio_erase(b, off, b->flash->erase_size);
	if (rc)
		return rc;
	return fwio_write(b, off, rec, sizeof(rec));
}

int
fw_state_confirm(const struct board *b, int slot, uint32_t rollback)
{
	struct fw_state st;
	int rc, dirty = 0;

	if (slot < 0 || slot > 1)
		return FW_EINVAL;
	rc = fw_state_load(b, &st);
	if (rc < 0)
		return rc;
	if (st.trial == slot) {
		st.trial = FW_STATE_NO_SLOT;
		st.trial_boots = 0;
		dirty = 1;
	}
	if (st.primary != slot) {
		st.primary = (uint8_t)slot;
		dirty = 1;
	}
	/* Only here, after the image said it is good, does the floor rise. */
	if (rollback > st.min_rollback) {
		st.min_rollback = rollback;
		dirty = 1;
	}
	return dirty ? fw_state_store(b, &st) : 0;
}
