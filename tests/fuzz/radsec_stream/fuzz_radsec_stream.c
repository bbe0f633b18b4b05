/*
 * The RadSec stream (RFC 6614): bytes arrive in TLS records of any size;
 * packets are cut out by their Length field and go to the RADIUS intake.
 * Input: chunks, each a length byte and that many bytes of stream.
 */
#include <event2/buffer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radius_msg.h"
#include "poort/radsec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
intake(const uint8_t *pkt, size_t len)
{
	struct radius_scan scan;
	const char *why;
	RADIUS_PACKET *p;

	if (radius_msg_scan(pkt, len, &scan) < 0 || scan.has_encrypted)
		return;
	p = radius_msg_wrap(NULL, pkt, len, &why);
	if (p == NULL)
		return;
	(void)rad_verify(p, NULL, "radsec");
	(void)rad_decode(p, NULL, "radsec");
	talloc_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t pkt[RADSEC_PACKET_MAX];
	char err[256];
	struct evbuffer *in;
	size_t fed = 0, taken = 0;

	if (!ready) {
		if (radius_msg_init(POORT_DICT_DIR, err, sizeof(err)) < 0)
			abort();
		ready = 1;
	}
	if ((in = evbuffer_new()) == NULL)
		abort();
	for (size_t i = 0; i < size;) {
		size_t n = data[i++];
		if (n > size - i)
			n = size - i;
		evbuffer_add(in, data + i, n);
		fed += n;
		i += n;
		for (;;) {
			long got = radsec_frame_next(in, pkt, sizeof(pkt));
			if (got == 0)
				break;
			if (got < 0)
				goto done; /* the connection would be closed */
			/* a frame is exactly what its header says, never more */
			if (got < 20 || (size_t)got != ((size_t)pkt[2] << 8 | pkt[3]))
				abort();
			taken += (size_t)got;
			intake(pkt, (size_t)got);
		}
		if (taken + evbuffer_get_length(in) != fed)
			abort();
	}
done:
	evbuffer_free(in);
	return 0;
}
