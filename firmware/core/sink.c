/* The image sink: header checks, slot writes, progress journal, verify,
 * activate (see sink.h). */
#include <string.h>

#include <mbedtls/sha256.h>

#include <poort/fw/err.h>
#include <poort/fw/proto.h>
#include <poort/fw/sink.h>
#include <poort/fw/state.h>

#include "cur.h"
#include "fwio.h"

#define JOURNAL_MAGIC 0x4a4f5050u /* "PPOJ" */
#define JOURNAL_ENTRY 32

/* One self-contained journal entry: the upload it belongs to and how far
 * it has been written in full. Appended, never rewritten in place. */
struct journal_entry {
	uint32_t total;
	uint32_t offset;
	uint8_t slot;
	uint8_t id[12];
};

static void
journal_encode(const struct journal_entry *e, uint8_t out[JOURNAL_ENTRY])
{
	struct fw_wcur w;

	memset(out, 0, JOURNAL_ENTRY);
	fw_wcur_init(&w, out, JOURNAL_ENTRY);
	fw_wcur_u32(&w, JOURNAL_MAGIC);
	fw_wcur_u32(&w, e->total);
	fw_wcur_u32(&w, e->offset);
	fw_wcur_u8(&w, e->slot);
	fw_wcur_bytes(&w, e->id, sizeof(e->id));
	w.pos = JOURNAL_ENTRY - 4;
	fw_wcur_u32(&w, fw_crc32(0, out, JOURNAL_ENTRY - 4));
}

static int
journal_decode(const uint8_t in[JOURNAL_ENTRY], struct journal_entry *e)
{
	struct fw_cur c;

	fw_cur_init(&c, in + JOURNAL_ENTRY - 4, 4);
	if (fw_cur_u32(&c) != fw_crc32(0, in, JOURNAL_ENTRY - 4))
		return FW_EFORMAT;
	fw_cur_init(&c, in, JOURNAL_ENTRY - 4);
	if (fw_cur_u32(&c) != JOURNAL_MAGIC)
		return FW_EFORMAT;
	e->total = fw_cur_u32(&c);
	e->offset = fw_cur_u32(&c);
	e->slot = fw_cur_u8(&c);
	fw_cur_bytes(&c, e->id, sizeof(e->id));
	return c.err ? FW_EFORMAT : 0;
}

static int
is_erased(const uint8_t *p, size_t n)
{
	uint8_t acc = 0xff;

	for (size_t i = 0; i < n; i++)
		acc &= p[i];
	return acc == 0xff;
}

/* Finds the last whole entry and the first never-written place after it.
 * A torn entry fails its CRC and is skipped; the scan goes on past it. */
static int
journal_scan(const struct board *b, struct journal_entry *last, int *found, uint32_t *free_off)
{
	uint8_t buf[JOURNAL_ENTRY];
	struct journal_entry e;
	uint32_t off;
	int rc;

	*found = 0;
	*free_off = b->journal.size;
	for (off = 0; off + JOURNAL_ENTRY <= b->journal.size; off += JOURNAL_ENTRY) {
		rc = fwio_read(b, b->journal.off + off, buf, sizeof(buf));
		if (rc)
			return rc;
		if (is_erased(buf, sizeof(buf))) {
			*free_off = off;
			break;
		}
		if (journal_decode(buf, &e) == 0) {
			*last = e;
			*found = 1;
		}
	}
	return 0;
}

static int
journal_append(struct fw_sink *s, uint32_t offset)
{
	uint8_t buf[JOURNAL_ENTRY];
	struct journal_entry e;
	int rc;

	if (s->jpos + JOURNAL_ENTRY > s->b->journal.size)
		return 0; /* full: later progress is simply not resumable */
	e.total = s->total;
	e.offset = offset;
	e.slot = (uint8_t)s->slot;
	memcpy(e.id, s->id, sizeof(e.id));
	journal_encode(&e, buf);
	rc = fwio_write(s->b, s->b->journal.off + s->jpos, buf, sizeof(buf));
	s->jpos += JOURNAL_ENTRY;
	if (rc == 0)
		s->committed = offset;
	return rc;
}

int
fw_sink_journal_clear(const struct board *b)
{
	return fwio_erase(b, b->journal.off, b->journal.size);
}

void
fw_sink_init(struct fw_sink *s, const struct board *b, const struct fw_pubkey *key)
{
	memset(s, 0, sizeof(*s));
	s->b = b;
	s->key = key;
	s->slot = -1;
}

void
fw_sink_free(struct fw_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->slot = -1;
}

/* The slot an upload may overwrite: never the confirmed one. */
static int
sink_target(const struct fw_state *st)
{
	if (st->primary <= 1)
		return 1 - st->primary;
	return st->trial == 0 ? 1 : 0;
}

/* Journal commits every `granule` bytes, sized so that a whole slot fits
 * in the journal area with room for the start entry. */
static uint32_t
sink_granule(const struct board *b, uint32_t slot_size)
{
	uint32_t es = b->flash->erase_size;
	uint32_t cap = b->journal.size / JOURNAL_ENTRY - 2;
	uint32_t sectors = (slot_size + es - 1) / es;
	uint32_t per = cap ? (sectors + cap - 1) / cap : sectors;

	return (per ? per : 1) * es;
}

/* Starts the upload over at byte 0: a fresh journal whose first entry
 * says nothing is written yet. */
static int
sink_restart(struct fw_sink *s)
{
	int rc;

	s->jpos = 0;
	s->next = 0;
	s->committed = 0;
	s->erased_to = 0;
	s->resume = 0;
	s->load_checked = 0;
	rc = fw_sink_journal_clear(s->b);
	if (rc)
		return rc;
	return journal_append(s, 0);
}

/* The slot's bytes below s->next are this image's: writing goes on there.
 * The resume point is a granule boundary or the end, so erase-aligned. */
static void
sink_resumed(struct fw_sink *s)
{
	s->resume = 0;
	s->committed = s->next;
	s->erased_to = s->next;
}

/* Compares the slot at [off, off + len) with data. */
static int
sink_compare(const struct fw_sink *s, uint32_t off, const uint8_t *data, uint32_t len)
{
	uint8_t buf[256];
	uint32_t base = s->b->slot[s->slot].off;

	while (len) {
		uint32_t n = len < sizeof(buf) ? len : (uint32_t)sizeof(buf);
		int rc = fwio_read(s->b, base + off, buf, n);

		if (rc)
			return rc;
		if (memcmp(buf, data, n) != 0)
			return FW_ERESUME;
		off += n;
		data += n;
		len -= n;
	}
	return 0;
}

/* SHA-256 of the slot's first len bytes. */
static int
sink_hash_slot(const struct fw_sink *s, uint32_t len, uint8_t dig[32])
{
	mbedtls_sha256_context sha;
	uint8_t buf[256];
	uint32_t base = s->b->slot[s->slot].off, pos;
	int rc = 0;

	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts_ret(&sha, 0);
	for (pos = 0; pos < len && rc == 0; pos += sizeof(buf)) {
		uint32_t n = len - pos < sizeof(buf) ? len - pos : (uint32_t)sizeof(buf);
		rc = fwio_read(s->b, base + pos, buf, n);
		if (rc == 0)
			mbedtls_sha256_update_ret(&sha, buf, n);
	}
	if (rc == 0)
		mbedtls_sha256_finish_ret(&sha, dig);
	mbedtls_sha256_free(&sha);
	return rc;
}

/* The upload is refused for good: its bytes are never resumed onto, so the
 * next upload of this header (the good copy, say) starts at 0. */
static int
sink_fail(struct fw_sink *s, int code)
{
	int rc;

	s->failed = code;
	rc = fw_sink_journal_clear(s->b);
	return rc == FW_EPOWER ? rc : code;
}

/* Does the image fit the board's load area? The 128-byte header of BEGIN
 * does not say (the sizes are in the component table), so this is asked
 * once the table has come in: bytes [128, off) are in the slot already
 * (written, or shown to be this image's), the rest is in data. A table
 * that does not match its hash or does not parse is left to VERIFY, which
 * names that; fw_sink_verify() asks again with the whole image. */
static int
sink_check_load(struct fw_sink *s, uint32_t off, const uint8_t *data, size_t len)
{
	uint8_t table[FW_IMAGE_MAX_COMPS * FW_IMAGE_COMP_ENTRY], dig[32];
	uint32_t tend = FW_IMAGE_HDR_SIZE + fw_image_table_size(&s->hdr), from;
	mbedtls_sha256_context sha;
	int rc;

	if (s->load_checked || off + len < tend)
		return 0;
	from = off > FW_IMAGE_HDR_SIZE ? off : FW_IMAGE_HDR_SIZE;
	if (from > FW_IMAGE_HDR_SIZE) {
		uint32_t n = (from < tend ? from : tend) - FW_IMAGE_HDR_SIZE;

		rc = fwio_read(s->b, s->b->slot[s->slot].off + FW_IMAGE_HDR_SIZE, table, n);
		if (rc)
			return rc;
	}
	if (from < tend)
		memcpy(table + (from - FW_IMAGE_HDR_SIZE), data + (from - off), tend - from);
	s->load_checked = 1;
	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts_ret(&sha, 0);
	mbedtls_sha256_update_ret(&sha, table, tend - FW_IMAGE_HDR_SIZE);
	mbedtls_sha256_finish_ret(&sha, dig);
	mbedtls_sha256_free(&sha);
	if (memcmp(dig, s->hdr.table_sha, sizeof(dig)) != 0 ||
	    fw_image_table_parse(table, tend - FW_IMAGE_HDR_SIZE, &s->hdr) != 0)
		return 0;
	/* A signed image the board cannot unpack would be activated and then
	 * silently fall back at boot: refuse it before its body is written. */
	if (fw_image_load_need(&s->hdr, NULL, (uintptr_t)s->b->load_addr) > s->b->load_max)
		return sink_fail(s, FW_ELOAD);
	return 0;
}

int
fw_sink_begin(struct fw_sink *s, const uint8_t *hdr, size_t len, uint32_t *resume)
{
	mbedtls_sha256_context sha;
	struct journal_entry last;
	struct fw_state st;
	uint8_t id[32];
	int rc, found;

	s->slot = -1;
	s->verified = 0;
	s->failed = 0;
	s->resume = 0;
	s->load_checked = 0;
	rc = fw_image_hdr_parse(hdr, len, &s->hdr);
	if (rc)
		return rc;
	if (s->hdr.board_id != s->b->id)
		return FW_EBOARD;
	rc = fw_state_load(s->b, &st);
	if (rc < 0)
		return rc;
	if (s->hdr.rollback < st.min_rollback)
		return FW_EROLLBACK;
	s->total = fw_image_total_size(&s->hdr);
	s->slot = sink_target(&st);
	if (s->total > s->b->slot[s->slot].size) {
		s->slot = -1;
		return FW_ESIZE;
	}
	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts_ret(&sha, 0);
	mbedtls_sha256_update_ret(&sha, hdr, FW_IMAGE_HDR_SIZE);
	mbedtls_sha256_finish_ret(&sha, id);
	mbedtls_sha256_free(&sha);
	memcpy(s->id, id, sizeof(s->id));
	s->granule = sink_granule(s->b, s->b->slot[s->slot].size);

	/* The slot is about to change: it must not stay marked for trial. */
	if (st.trial == s->slot) {
		st.trial = FW_STATE_NO_SLOT;
		st.trial_boots = 0;
		rc = fw_state_store(s->b, &st);
		if (rc)
			goto fail;
	}
	rc = journal_scan(s->b, &last, &found, &s->jpos);
	if (rc)
		goto fail;
	s->next = 0;
	s->committed = 0;
	s->erased_to = 0;
	if (found && last.total == s->total && last.slot == s->slot &&
	    memcmp(last.id, s->id, sizeof(last.id)) == 0 && last.offset > 0 &&
	    last.offset <= s->total && s->jpos < s->b->journal.size) {
		/* Same header, but the body may differ: only proposed. The
		 * journal stays until the prefix is proven or refuted. */
		s->resume = last.offset;
	} else {
		rc = sink_restart(s);
		if (rc)
			goto fail;
	}
	*resume = s->resume;
	return 0;
fail:
	s->slot = -1;
	return rc;
}

int
fw_sink_resume(struct fw_sink *s, uint32_t off, const uint8_t sha[32])
{
	uint8_t dig[32];
	int rc;

	if (s->slot < 0 || s->failed)
		return FW_ESTATE;
	if (!s->resume)
		return 0; /* nothing pending (e.g. a repeated request) */
	if (off != s->resume)
		return FW_EINVAL;
	rc = sink_hash_slot(s, off, dig);
	if (rc)
		return rc;
	if (memcmp(dig, sha, sizeof(dig)) != 0)
		return sink_restart(s);
	s->next = off;
	sink_resumed(s);
	return 0;
}

uint32_t
fw_sink_next(const struct fw_sink *s)
{
	return s->next;
}

int
fw_sink_write(struct fw_sink *s, uint32_t off, const uint8_t *data, size_t len)
{
	const struct board *b = s->b;
	uint32_t base, align = b->flash->write_align, whole;
	uint8_t tail[16];
	uint32_t mark;
	int rc;

	if (s->slot < 0 || s->failed)
		return FW_ESTATE;
	if (off != s->next)
		return FW_ESEQ;
	if (len == 0 || len > s->total - off)
		return FW_EINVAL;
	rc = sink_check_load(s, off, data, len);
	if (rc)
		return rc;
	if (s->resume) {
		/* Below the proposed resume point: the slot must already hold
		 * these very bytes. */
		uint32_t n = s->resume - off < len ? s->resume - off : (uint32_t)len;

		rc = sink_compare(s, off, data, n);
		if (rc == FW_ERESUME) {
			rc = sink_restart(s);
			return rc ? rc : FW_ERESUME;
		}
		if (rc)
			return rc;
		s->next += n;
		if (s->next == s->resume)
			sink_resumed(s);
		if (n == len)
			return 0;
		off += n;
		data += n;
		len -= n;
	}
	/* every chunk but the last keeps writes aligned */
	if (off + len != s->total && (len & (align - 1)))
		return FW_EINVAL;
	if (align > sizeof(tail))
		return FW_EINVAL;
	s->verified = 0;
	base = b->slot[s->slot].off;
	while (s->erased_to < off + len) {
		rc = fwio_erase(b, base + s->erased_to, b->flash->erase_size);
		if (rc)
			return rc;
		s->erased_to += b->flash->erase_size;
	}
	whole = (uint32_t)len & ~(align - 1);
	if (whole) {
		rc = fwio_write(b, base + off, data, whole);
		if (rc)
			return rc;
	}
	if (whole < len) {
		memset(tail, 0xff, sizeof(tail));
		memcpy(tail, data + whole, len - whole);
		rc = fwio_write(b, base + off + whole, tail, align);
		if (rc)
			return rc;
	}
	s->next = off + (uint32_t)len;
	mark = s->next == s->total ? s->total : s->next - s->next % s->granule;
	if (mark > s->committed)
		return journal_append(s, mark);
	return 0;
}

int
fw_sink_verify(struct fw_sink *s)
{
	struct fw_state st;
	int rc;

	if (s->slot < 0)
		return FW_ESTATE;
	if (s->failed)
		return s->failed; /* a repeated request (its reply was lost) */
	if (s->next != s->total || s->resume)
		return FW_ESTATE;
	rc = fw_state_load(s->b, &st);
	if (rc < 0)
		return rc;
	rc = fw_image_verify_flash(s->b->flash, s->b->slot[s->slot].off, s->b->slot[s->slot].size,
	                           s->key, s->b->id, st.min_rollback, &s->hdr);
	/* the table is the verified one now: the load area rule once more
	 * (a resumed upload may never have passed sink_check_load) */
	if (rc == 0 &&
	    fw_image_load_need(&s->hdr, NULL, (uintptr_t)s->b->load_addr) > s->b->load_max)
		rc = FW_ELOAD;
	s->verified = rc == 0;
	if (rc == 0 || rc == FW_EPOWER)
		return rc;
	/* Refused bytes are never resumed onto: the next upload of this
	 * header (the good copy, say) starts at 0. */
	return sink_fail(s, rc);
}

int
fw_sink_activate(struct fw_sink *s)
{
	struct fw_state st;
	int rc;

	if (s->slot < 0 || !s->verified)
		return FW_ESTATE;
	rc = fw_state_load(s->b, &st);
	if (rc < 0)
		return rc;
	/* One record write: before it the old image boots, after it the new
	 * one boots on trial. */
	st.trial = (uint8_t)s->slot;
	st.trial_boots = 0;
	rc = fw_state_store(s->b, &st);
	if (rc)
		return rc;
	rc = fw_sink_journal_clear(s->b);
	s->slot = -1;
	s->verified = 0;
	return rc;
}
