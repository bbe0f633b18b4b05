/* poort-flash's side of the recovery protocol: frames over a serial fd. */
#ifndef FLASH_LINK_H
#define FLASH_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <poort/fw/proto.h>

struct link_reply {
	uint8_t cmd; /* without FW_CMD_REPLY */
	uint16_t seq;
	int status;        /* 0 or FW_E* */
	uint8_t data[256]; /* payload after the status byte */
	size_t len;
};

struct link {
	int fd;
	uint16_t seq;
	struct fw_frame_dec dec;
	uint8_t wire[FW_PROTO_MAX_WIRE];
	uint8_t rx[8192];
	size_t rxlen, rxpos;
	uint64_t bad_frames; /* CRC/framing errors seen (line noise) */
};

void link_init(struct link *l, int fd);
/* Sends a request; returns its seq, or -1 if the port failed. */
int link_send(struct link *l, uint8_t cmd, const uint8_t *p, size_t n);
/* Next reply within timeout_ms: 1 got one, 0 timeout, -1 port gone. */
int link_recv(struct link *l, struct link_reply *r, int timeout_ms);
/* Request and its reply (same cmd and seq), resending up to tries times.
 * Returns 1, 0 on timeout, -1 port gone. */
int link_call(struct link *l, uint8_t cmd, const uint8_t *p, size_t n, struct link_reply *r,
              int timeout_ms, int tries);

uint64_t link_now_ms(void);

#endif
