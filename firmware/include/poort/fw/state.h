/* The power-safe boot state record.
 *
 * The board's state area holds two copies, one per erase sector. A write
 * goes to the copy with the older sequence number (erase, then program),
 * so a torn write damages only that copy; its CRC then fails and the
 * reader takes the other, older but whole, copy. Every change to the
 * state (trial start, boot count, confirm, fallback) is one record write,
 * hence atomic.
 */
#ifndef POORT_FW_STATE_H
#define POORT_FW_STATE_H

#include <stdint.h>

#include <poort/board.h>

#define FW_STATE_MAGIC 0x54534f50u /* "POST" */
#define FW_STATE_NO_SLOT 0xffu

struct fw_state {
	uint32_t seq;        /* higher is newer */
	uint8_t primary;     /* confirmed slot, or FW_STATE_NO_SLOT */
	uint8_t trial;       /* slot on trial, or FW_STATE_NO_SLOT */
	uint8_t trial_boots; /* boots of the trial slot so far */
	uint8_t reserved;
	uint32_t min_rollback; /* raised only by a confirm */
	uint32_t boots;        /* total boots, for the logs */
};

/* Reads the newest valid copy. If neither copy is valid (new board, both
 * torn) fills a fresh state (no primary, no trial, min_rollback 0, seq 0)
 * and returns FW_ENOSTATE-like 1; returns 0 if a copy was valid, FW_EFLASH
 * on read errors. */
int fw_state_load(const struct board *b, struct fw_state *st);
/* Writes st as the next record (st->seq is incremented first). */
int fw_state_store(const struct board *b, struct fw_state *st);

/* The running image declares itself good: if it is the trial slot it
 * becomes primary, and the rollback minimum is raised to its counter, in
 * one record write. Idempotent. slot is the slot the image runs from;
 * rollback its counter. */
int fw_state_confirm(const struct board *b, int slot, uint32_t rollback);

/* Encodes/decodes one copy (exposed for tests and fuzzing). A copy is
 * FW_STATE_REC_SIZE bytes. decode returns 0 or FW_EFORMAT. */
#define FW_STATE_REC_SIZE 32
void fw_state_encode(const struct fw_state *st, uint8_t out[FW_STATE_REC_SIZE]);
int fw_state_decode(const uint8_t in[FW_STATE_REC_SIZE], struct fw_state *st);

#endif
