/* The image sink: the one path by which a new image reaches a slot, used
 * by serial recovery and by network recovery (firmware/net/, H2).
 *
 *   fw_sink_init(&s, board, key)
 *   fw_sink_begin(&s, hdr, 128, &resume)   header first: board, rollback
 *                                          and size are checked before any
 *                                          flash is touched; resume is where
 *                                          to continue (0, or the journaled
 *                                          offset of an interrupted upload
 *                                          of the same image)
 *   fw_sink_write(&s, off, data, len)      in order; off must equal
 *                                          fw_sink_next(&s), else FW_ESEQ
 *   fw_sink_verify(&s)                     whole slot re-read and verified
 *   fw_sink_activate(&s)                   marks the slot for a trial boot
 *   fw_sink_free(&s)
 *
 * The target slot is always the one that is not primary. Progress is
 * journaled in the board's journal area every commit granule (a multiple
 * of the erase sector), so after a reset the same image resumes from the
 * last granule written in full.
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
	int verified;       /* 1 after a successful verify */
	uint8_t id[32];     /* SHA-256 of the header: the upload's id */
	struct fw_image_hdr hdr;
};

void fw_sink_init(struct fw_sink *s, const struct board *b, const struct fw_pubkey *key);
int fw_sink_begin(struct fw_sink *s, const uint8_t *hdr, size_t len, uint32_t *resume);
int fw_sink_write(struct fw_sink *s, uint32_t off, const uint8_t *data, size_t len);
uint32_t fw_sink_next(const struct fw_sink *s);
int fw_sink_verify(struct fw_sink *s);
int fw_sink_activate(struct fw_sink *s);
void fw_sink_free(struct fw_sink *s);

/* Drops any journaled upload (factory reset). */
int fw_sink_journal_clear(const struct board *b);

#endif
