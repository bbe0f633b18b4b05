/*
 * The request-head scan that runs ahead of evhttp (http_head_scan,
 * src/http/http_head.c). The head is fed in an exact-size heap buffer, so
 * a read past its length is caught. Invariants: a complete head lies in
 * the input, the Content-Length span to overwrite lies in the head and is
 * digits, and OVER means over the limit given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t max;
	struct http_head h;
	enum http_head_kind k;
	char *buf;

	if (size < 1)
		return 0;
	max = (uint64_t)data[0] * 1000; /* limits from 0 to 255000 */
	if ((buf = malloc(size - 1 > 0 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	k = http_head_scan(buf, size - 1, max, &h);
	if (k == HTTP_HEAD_OK || k == HTTP_HEAD_OVER) {
		if (h.len == 0 || h.len > size - 1 || buf[h.len - 1] != '\n')
			abort();
	}
	if (k == HTTP_HEAD_OVER) {
		if (h.body <= max || h.cl_len == 0 || h.cl_off + h.cl_len > h.len)
			abort();
		for (size_t i = 0; i < h.cl_len; i++)
			if (buf[h.cl_off + i] < '0' || buf[h.cl_off + i] > '9')
				abort();
	}
	free(buf);
	return 0;
}
