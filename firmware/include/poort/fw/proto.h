/* Serial recovery protocol: frames shared by the boot stage and
 * tools/poort-flash.
 *
 * A frame on the wire is COBS(body) followed by one 0x00 delimiter, where
 * body = cmd(1) seq(2, LE) payload(n) crc32(4, LE over cmd..payload).
 * Requests have cmd < 0x80; a reply carries cmd | 0x80, the request's
 * seq, and a status byte (0 or -FW_E*) first in its payload.
 *
 * Upload keeps the line busy: the host sends DATA frames for up to
 * `window` chunks ahead of the last ack; the device writes them in order
 * and acks each with the next offset it expects. A chunk at the wrong
 * offset (a frame lost to noise) is answered once with FW_ESEQ and the
 * expected offset, and the host goes back to it (go-back-N).
 */
#ifndef POORT_FW_PROTO_H
#define POORT_FW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define FW_PROTO_VERSION 2  /* 2: RESUME, BEGIN's resume is a proposal */
#define FW_PROTO_CHUNK 4096 /* max data per DATA frame */
#define FW_PROTO_MAX_BODY (3 + 8 + FW_PROTO_CHUNK + 4)
/* COBS adds one byte per 254 plus one; the delimiter is one more */
#define FW_PROTO_MAX_WIRE (FW_PROTO_MAX_BODY + FW_PROTO_MAX_BODY / 254 + 2)

enum fw_proto_cmd {
	FW_CMD_INFO = 0x01,     /* -> info block (see recovery.c) */
	FW_CMD_BEGIN = 0x02,    /* total u32, header[128] -> resume u32, chunk u32, window u16,
	                           slot u8; resume > 0 is a proposal: prove it with RESUME, or
	                           send from 0 */
	FW_CMD_DATA = 0x03,     /* off u32, data -> next u32 */
	FW_CMD_VERIFY = 0x04,   /* -> status */
	FW_CMD_ACTIVATE = 0x05, /* -> status (slot marked for trial boot) */
	FW_CMD_REBOOT = 0x06,   /* -> status, then reset */
	FW_CMD_FACTORY = 0x07,  /* -> status: config + state + journal wiped */
	FW_CMD_RESUME = 0x08,   /* off u32, sha256[32] of the image's bytes [0, off) -> next u32:
	                           off if the box's copy matches, else 0 (start over) */
	FW_CMD_REPLY = 0x80,
};

struct fw_frame {
	uint8_t cmd;
	uint16_t seq;
	const uint8_t *payload; /* points into the decoder's buffer */
	size_t len;
};

/* Encodes one frame into out (cap >= FW_PROTO_MAX_WIRE suffices for any
 * payload up to the max). Returns the wire length or FW_EFRAME. */
long fw_frame_encode(uint8_t cmd, uint16_t seq, const uint8_t *payload, size_t len, uint8_t *out,
                     size_t cap);

/* Byte-at-a-time decoder; the caller owns the struct and its buffer. */
struct fw_frame_dec {
	uint8_t buf[FW_PROTO_MAX_BODY + 8];
	size_t len;      /* bytes of decoded body so far */
	uint8_t code;    /* COBS: bytes left in the current group */
	uint8_t zero;    /* COBS: a zero is pending at the end of the group */
	uint8_t over;    /* frame too long, skipping to the delimiter */
	uint8_t started; /* any byte since the last delimiter */
};
void fw_frame_dec_init(struct fw_frame_dec *d);
/* Feeds one byte. Returns 0 (need more), 1 (a frame is in *f, valid until
 * the next push), or FW_ECRC/FW_EFRAME for a bad frame just ended (the
 * decoder resynchronises on the delimiter by itself). */
int fw_frame_dec_push(struct fw_frame_dec *d, uint8_t byte, struct fw_frame *f);

uint32_t fw_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
