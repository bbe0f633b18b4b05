#include "poort/radsec.h"

#include <event2/buffer.h>

long
radsec_frame_next(struct evbuffer *in, uint8_t *out, size_t max)
{
	uint8_t hdr[4];
	size_t len;

	if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ev_ssize_t)sizeof(hdr))
		return 0;
	len = (size_t)hdr[2] << 8 | hdr[3];
	if (len < RADSEC_HEADER_LEN || len > max || max > RADSEC_PACKET_MAX)
		return -1;
	if (evbuffer_get_length(in) < len)
		return 0;
	if (evbuffer_remove(in, out, len) != (int)len)
		return -1;
	return (long)len;
}
