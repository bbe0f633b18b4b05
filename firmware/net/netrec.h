/* Network recovery: the boot stage accepts an image over Ethernet, by TFTP
 * (RFC 1350, octet mode, lwIP's tftp server on NO_SYS), and feeds it to the
 * same image sink as serial recovery (poort/fw/sink.h), so it gets the same
 * checks: board, rollback and size from the header before any flash is
 * written, then the whole slot re-read and verified, then activation.
 *
 * The box answers at a fixed link-local address, NETREC_ADDR/16: an
 * engineer's laptop cabled straight to the box gets a 169.254/16 address by
 * itself when no DHCP server answers, so no configuration is needed.
 *
 *   tftp 169.254.80.1            (binary / mode octet)
 *   put poort-1.2.3.img image    upload; verified and activated on the
 *                                last block (an error aborts the transfer)
 *   get status -                 one line: result=ok slot=.. version=.. or
 *                                result=error code=.. reason=".."
 *   get reboot -                 reboots once the transfer ends
 *
 * A put after an interrupted one of the same image writes only from where
 * the journal says, once the bytes before it compare equal to the slot's;
 * if they do not (the interrupted upload was another body under the same
 * header, a corrupted copy say) the transfer fails with FW_ERESUME and the
 * journal is dropped, so the next put starts at 0.
 *
 * lwIP keeps global state, so there is one netrec at a time; the context
 * is caller-allocated (no heap).
 */
#ifndef POORT_NETREC_H
#define POORT_NETREC_H

#include <stdint.h>

#include <lwip/netif.h>

#include <poort/board.h>
#include <poort/fw/image.h>
#include <poort/fw/sink.h>

#define NETREC_ADDR "169.254.80.1"
#define NETREC_NETMASK "255.255.0.0"
#define NETREC_FILE_IMAGE "image"
#define NETREC_FILE_STATUS "status"
#define NETREC_FILE_REBOOT "reboot"
/* Longest one poll may keep the caller while a transfer is running (the
 * serial console and the watchdog are serviced between polls). */
#define NETREC_POLL_MAX_MS 50u

enum netrec_phase {
	NETREC_IDLE,
	NETREC_UPLOAD, /* WRQ "image" open */
	NETREC_READ,   /* RRQ "status" or "reboot" open */
};

struct netrec {
	const struct board *b;
	const struct fw_pubkey *key;
	struct netif netif;
	struct fw_sink sink;
	enum netrec_phase phase;
	int sink_open; /* fw_sink_begin succeeded for this upload */
	int result;    /* last upload: 1 none yet, 0 ok, FW_E* */
	int reboot;    /* 1: "reboot" was read, 2: its reply went out */
	int down;      /* the device said the link is gone */
	int active;    /* a TFTP request or block was served since the last look */
	uint32_t got;  /* bytes of the current upload received */
	int slot_done; /* slot the last upload went to */
	uint8_t hdr[FW_IMAGE_HDR_SIZE];
	uint8_t block[512]; /* one TFTP block, flattened from its pbuf */
	char status[128];
	uint32_t status_len, status_pos;
	uint8_t frame[1536];
};

/* Brings up lwIP on b->net at NETREC_ADDR and starts the TFTP server.
 * Returns 0, FW_EINVAL (no net device) or FW_ESTATE (one is running). */
int netrec_init(struct netrec *r, const struct board *b, const struct fw_pubkey *key);
#define NETREC_REBOOT 1 /* "reboot" was read and its reply has gone out */
#define NETREC_DOWN 2   /* the device reports the link/peer gone */

/* Receives and handles frames, runs lwIP's timers; waits at most
 * timeout_ms for the first frame, and while a transfer runs keeps going up
 * to NETREC_POLL_MAX_MS. Returns 0, NETREC_REBOOT, NETREC_DOWN, or a
 * negative FW_E* (FW_EPOWER in the simulator, FW_EINVAL device error). */
int netrec_poll(struct netrec *r, uint32_t timeout_ms);
/* Last upload's result: 1 (none yet), 0 (verified and activated) or FW_E*. */
int netrec_result(const struct netrec *r);
void netrec_free(struct netrec *r);

/* For struct board's net_poll: polls the running netrec without waiting;
 * BOARD_NET_ACTIVE when it served a TFTP client. */
int netrec_board_poll(const struct board *b);

#endif
