/* Serial frames: COBS around cmd, seq, payload and CRC-32. COBS keeps 0x00
 * as an unambiguous delimiter, so a receiver that starts mid-stream or
 * sees garbage resynchronises at the next zero, at a cost of one byte in
 * 254. */
#include <poort/fw/err.h>
#include <poort/fw/proto.h>

#include "cur.h"

/* The body is hdr[3] || payload || crc[4]; byte i of it without copying
 * the payload twice. */
struct body {
	uint8_t hdr[3];
	const uint8_t *payload;
	size_t len;
	uint8_t crc[4];
};

static uint8_t
body_at(const struct body *b, size_t i)
{
	if (i < 3)
		return b->hdr[i];
	i -= 3;
	if (i < b->len)
		return b->payload[i];
	return b->crc[i - b->len];
}

long
fw_frame_encode(uint8_t cmd, uint16_t seq, const uint8_t *payload, size_t len, uint8_t *out,
                size_t cap)
{
	struct body b;
	size_t n, o, code_at, i;
	uint32_t crc;

	if (len > FW_PROTO_MAX_BODY - 7 || (len && !payload))
		return FW_EFRAME;
	b.hdr[0] = cmd;
	b.hdr[1] = (uint8_t)seq;
	b.hdr[2] = (uint8_t)(seq >> 8);
	b.payload = payload;
	b.len = len;
	crc = fw_crc32(0, b.hdr, 3);
	crc = fw_crc32(crc, payload, len);
	b.crc[0] = (uint8_t)crc;
	b.crc[1] = (uint8_t)(crc >> 8);
	b.crc[2] = (uint8_t)(crc >> 16);
	b.crc[3] = (uint8_t)(crc >> 24);
	n = 3 + len + 4;
	/* worst case: n + n/254 + 1 code bytes + delimiter */
	if (cap < n + n / 254 + 2)
		return FW_EFRAME;

	code_at = 0;
	o = 1;
	for (i = 0; i < n; i++) {
		uint8_t c = body_at(&b, i);
		if (c == 0) {
			out[code_at] = (uint8_t)(o - code_at);
			code_at = o++;
			continue;
		}
		out[o++] = c;
		if (o - code_at == 0xff) {
			out[code_at] = 0xff;
			code_at = o++;
		}
	}
	out[code_at] = (uint8_t)(o - code_at);
	out[o++] = 0;
	return (long)o;
}

void
fw_frame_dec_init(struct fw_frame_dec *d)
{
	d->len = 0;
	d->code = 0;
	d->zero = 0;
	d->over = 0;
	d->started = 0;
}

static int
dec_finish(struct fw_frame_dec *d, struct fw_frame *f)
{
	struct fw_cur c;
	uint32_t want, got;

	if (d->over || d->code != 0 || d->len < 7)
		return FW_EFRAME;
	fw_cur_init(&c, d->buf + d->len - 4, 4);
	want = fw_cur_u32(&c);
	got = fw_crc32(0, d->buf, d->len - 4);
	if (want != got)
		return FW_ECRC;
	fw_cur_init(&c, d->buf, d->len - 4);
	f->cmd = fw_cur_u8(&c);
	f->seq = fw_cur_u16(&c);
	f->len = fw_cur_left(&c);
	f->payload = fw_cur_take(&c, f->len);
	return 1;
}

static void
dec_add(struct fw_frame_dec *d, uint8_t v)
{
	if (d->len >= sizeof(d->buf)) {
		d->over = 1;
		return;
	}
	d->buf[d->len++] = v;
}

int
fw_frame_dec_push(struct fw_frame_dec *d, uint8_t byte, struct fw_frame *f)
{
	int rc;

	if (byte == 0) {
		if (!d->started)
			return 0; /* idle delimiters between frames */
		rc = dec_finish(d, f);
		/* the body stays in buf for f->payload until the next byte */
		d->code = 0;
		d->zero = 0;
		d->over = 0;
		d->started = 0;
		d->len = rc == 1 ? d->len : 0;
		return rc;
	}
	if (!d->started) {
		d->started = 1;
		d->len = 0;
	}
	if (d->over)
		return 0;
	if (d->code == 0) {
		if (d->zero)
			dec_add(d, 0);
		d->zero = byte != 0xff;
		d->code = (uint8_t)(byte - 1);
		return 0;
	}
	dec_add(d, byte);
	d->code--;
	return 0;
}
