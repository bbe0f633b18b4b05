/* The cursor never reads or writes past its buffer, and errors stick. */
#include <stdlib.h>

#include "poort/cursor.h"
#include "test.h"

int
main(void)
{
	static const uint8_t data[] = {1, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
	struct rcursor r, sub;
	struct wcursor w;
	uint8_t b, out[4], wbuf[6];
	uint16_t s;
	uint32_t v;
	const uint8_t *p;

	rcursor_init(&r, data, sizeof(data));
	CHECK_INT(rcursor_u8(&r, &b), 0);
	CHECK_INT(b, 1);
	CHECK_INT(rcursor_u16(&r, &s), 0);
	CHECK_INT(s, 0x0203);
	CHECK_INT(rcursor_u24(&r, &v), 0);
	CHECK_INT(v, 0x040506);
	CHECK_INT(rcursor_left(&r), 3);
	CHECK_INT(rcursor_sub(&r, &sub, 2), 0);
	CHECK_INT(rcursor_u16(&sub, &s), 0);
	CHECK_INT(s, 0x0708);
	CHECK_INT(rcursor_u8(&sub, &b), -1); /* sub is bounded */
	CHECK_INT(rcursor_u32(&r, &v), -1);  /* only one byte left */
	CHECK_INT(rcursor_u8(&r, &b), -1);   /* the error sticks */
	CHECK_INT(rcursor_left(&r), 0);

	rcursor_init(&r, data, sizeof(data));
	CHECK_INT(rcursor_skip(&r, SIZE_MAX), -1); /* no overflow on huge lengths */
	rcursor_init(&r, data, sizeof(data));
	CHECK_INT(rcursor_ptr(&r, &p, 9), 0);
	CHECK(p == data);
	CHECK_INT(rcursor_bytes(&r, out, 1), -1);
	rcursor_init(&r, NULL, 5);
	CHECK_INT(rcursor_left(&r), 0);

	wcursor_init(&w, wbuf, sizeof(wbuf));
	CHECK_INT(wcursor_u32(&w, 0x01020304), 0);
	CHECK_INT(wcursor_u16(&w, 0x0506), 0);
	CHECK_INT(wcursor_u8(&w, 7), -1);
	CHECK_INT(wbuf[0], 1);
	CHECK_INT(wbuf[5], 6);
	CHECK_INT(w.pos, 6);
	TEST_DONE();
}
