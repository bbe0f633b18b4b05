/* Request/reply over the serial line with the core's frame codec. */
#include <string.h>
#include <time.h>

#include <poort/fw/err.h>

#include "link.h"
#include "serial.h"

uint64_t
link_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
link_init(struct link *l, int fd)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->seq = (uint16_t)(link_now_ms() & 0x7fff);
	fw_frame_dec_init(&l->dec);
}

int
link_send(struct link *l, uint8_t cmd, const uint8_t *p, size_t n)
{
	uint16_t seq = ++l->seq;
	long w = fw_frame_encode(cmd, seq, p, n, l->wire, sizeof(l->wire));

	if (w < 0 || serial_write(l->fd, l->wire, (size_t)w))
		return -1;
	return seq;
}

int
link_recv(struct link *l, struct link_reply *r, int timeout_ms)
{
	uint64_t end = link_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct fw_frame f;

		while (l->rxpos < l->rxlen) {
			int rc = fw_frame_dec_push(&l->dec, l->rx[l->rxpos++], &f);
			if (rc < 0) {
				l->bad_frames++;
				continue;
			}
			if (rc == 0 || !(f.cmd & FW_CMD_REPLY) || f.len < 1)
				continue;
			r->cmd = (uint8_t)(f.cmd & ~FW_CMD_REPLY);
			r->seq = f.seq;
			r->status = -(int)f.payload[0];
			r->len = f.len - 1 < sizeof(r->data) ? f.len - 1 : sizeof(r->data);
			memcpy(r->data, f.payload + 1, r->len);
			return 1;
		}
		uint64_t now = link_now_ms();
		if (now >= end)
			return 0;
		int n = serial_read(l->fd, l->rx, sizeof(l->rx), (int)(end - now));
		if (n < 0)
			return -1;
		l->rxlen = (size_t)n;
		l->rxpos = 0;
	}
}

int
link_call(struct link *l, uint8_t cmd, const uint8_t *p, size_t n, struct link_reply *r,
          int timeout_ms, int tries)
{
	for (int t = 0; t < tries; t++) {
		int seq = link_send(l, cmd, p, n);
		uint64_t end = link_now_ms() + (uint64_t)timeout_ms;

		if (seq < 0)
			return -1;
		for (;;) {
			uint64_t now = link_now_ms();
			int rc;

			if (now >= end)
				break;
			rc = link_recv(l, r, (int)(end - now));
			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
			if (r->cmd == cmd && r->seq == (uint16_t)seq)
				return 1;
		}
	}
	return 0;
}
