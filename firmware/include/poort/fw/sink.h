/* The image sink: the one path by which a new image reaches a slot, used
 * by serial recovery and by network recovery (firmware/net/, H2).
 *
 *   fw_sink_init(&s, board, key)
 *   fw_sink_begin(&s, hdr, 128, &resume)   header first: board, rollback
 *                                          and slot size are checked
 *                                          before any flash is
 *                                          touched; resume is 0, or the
 *                                          journaled offset of an
 *                                          interrupted upload under the
 *                                          same header (a proposal only)
 *   fw_sink_resume(&s, resume, sha)        optional: the feeder's SHA-256
 *                                          of its bytes [0, resume); the
 *                                          slot's prefix is hashed and
 *                                          compared (serial recovery)
 *   fw_sink_write(&s, off, data, len)      in order; off must equal
 *                                          fw_sink_next(&s), else FW_ESEQ;
 *                                          the write that completes the
 *                                          component table (bytes 128 on)
 *                                          first checks the load area
 *                                          (FW_ELOAD, journal dropped)
 *   fw_sink_verify(&s)                     whole slot re-read and verified,
 *                                          the load area checked again
 *   fw_sink_activate(&s)                   marks the slot for a trial boot
 *   fw_sink_free(&s)
 *
 * The target slot is always the one that is not primary. Progress is
 * journaled in the board's journal area every commit granule (a multiple
 * of the erase sector). A header names an image but does not prove its
 * body: bytes already in the slot are kept only once they are shown to be
 * this image's, either by fw_sink_resume() (hash of the prefix) or by
 * writing them again from 0 (then they are compared with the slot, not
 * rewritten, which suits a feeder that has every byte anyway, like TFTP).
 * A prefix that differs drops the journal and the upload starts at 0 (the
 * compare path returns FW_ERESUME, as its feeder cannot go back). A failed
 * verify drops the journal too, so refused bytes are never resumed onto.
 */
#ifndef POORT_FW_SINK_H
#define POORT_FW_SINK_H

#include <stddef.h>
#include <stdint.h>

#include <poort/board.h>
#include <poort/fw/image.h>

struct fw_sink {
	const struct board *b;
	const struct fw_pubkey *key;
	int slot;           /* target slot, -1 before begin */
	uint32_t total;     /* image bytes expected */
	uint32_t next;      /* next offset expected */
	uint32_t committed; /* last journaled offset */
	uint32_t granule;   /* journal commit granule */
	uint32_t erased_to; /* slot bytes erased so far */
	uint32_t jpos;      /* next free journal entry offset */
	uint32_t resume;    /* journaled offset not yet shown to be this image's */
	int verified;       /* 1 after a successful verify */
	int failed;         /* FW_E* of a refusal (journal dropped) */
	int load_checked;   /* the table has come in and was checked */
	uint8_t id[32];     /* SHA-256 of the header: finds the journal entry */
	struct fw_image_hdr hdr;
};

void fw_sink_init(struct fw_sink *s, const struct board *b, const struct fw_pubkey *key);
int fw_sink_begin(struct fw_sink *s, const uint8_t *hdr, size_t len, uint32_t *resume);
/* Returns 0 with fw_sink_next() at off (the slot's bytes [0, off) hash to
 * sha) or at 0 (they do not: journal dropped, the upload starts over);
 * FW_EINVAL if off is not the offset begin proposed, FW_ESTATE before
 * begin, FW_EFLASH. With nothing pending it changes nothing. */
int fw_sink_resume(struct fw_sink *s, uint32_t off, const uint8_t sha[32]);
/* Below a pending resume point the bytes are compared, not written; a
 * difference returns FW_ERESUME with the upload started over at 0. */
int fw_sink_write(struct fw_sink *s, uint32_t off, const uint8_t *data, size_t len);
uint32_t fw_sink_next(const struct fw_sink *s);
int fw_sink_verify(struct fw_sink *s);
int fw_sink_activate(struct fw_sink *s);
void fw_sink_free(struct fw_sink *s);

/* Drops any journaled upload (factory reset). */
int fw_sink_journal_clear(const struct board *b);

#endif
