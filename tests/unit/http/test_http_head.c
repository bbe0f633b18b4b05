/*
 * The request-head scan run ahead of evhttp (http_head_scan): framing as
 * evhttp 2.1 reads it, the Content-Length digits an over-limit head has
 * overwritten, and everything it is not sure of left to evhttp.
 */
#include <stdlib.h>
#include <string.h>

#include "poort/http_head.h"
#include "test.h"

static enum http_head_kind
scan(const char *text, uint64_t max, struct http_head *h)
{
	size_t n = strlen(text);
	char *buf = malloc(n + 1); /* exact size: no NUL for the scan to lean on */
	enum http_head_kind k;

	memcpy(buf, text, n + 1);
	k = http_head_scan(buf, n, max, h);
	free(buf);
	return k;
}

static void
test_framing(void)
{
	struct http_head h;
	const char *over = "POST /admin/backup/restore HTTP/1.1\r\nHost: x\r\n"
			   "Content-Length:  17825792 \r\n\r\nbody";

	CHECK_INT(scan("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /", 100, &h), HTTP_HEAD_OK);
	CHECK_INT((int)h.len, 27);
	CHECK(h.body == 0);
	CHECK_INT(scan("POST / HTTP/1.1\r\ncontent-LENGTH: 100\r\n\r\n", 100, &h), HTTP_HEAD_OK);
	CHECK(h.body == 100);
	CHECK_INT(scan(over, 16777216, &h), HTTP_HEAD_OVER);
	CHECK(h.body == 17825792 && h.len == strlen(over) - 4);
	CHECK(h.cl_len == 8 && memcmp(over + h.cl_off, "17825792", 8) == 0);
	CHECK_INT(scan("GET / HTTP/1.0\nContent-Length: 101\n\n", 100, &h), HTTP_HEAD_OVER);
	CHECK_INT(scan("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 100, &h),
		  HTTP_HEAD_OVER);
	CHECK(h.body == UINT64_MAX && h.cl_len == 23);
	/* HEAD has no body; a name with a space before its colon is not evhttp's */
	CHECK_INT(scan("HEAD / HTTP/1.1\r\nContent-Length: 999\r\n\r\n", 100, &h), HTTP_HEAD_OK);
	CHECK(h.body == 0);
	CHECK_INT(scan("POST / HTTP/1.1\r\nContent-Length : 999\r\n\r\n", 100, &h), HTTP_HEAD_OK);
	CHECK(h.body == 0);
	CHECK_INT(scan("POST / HTTP/1.1\r\nHost: x\r\n", 100, &h), HTTP_HEAD_MORE);
	CHECK_INT(scan("POST / HTTP/1.1\r\nContent-Length: 999\r", 100, &h), HTTP_HEAD_MORE);
}

static void
test_unsure(void)
{
	static const char *const unsure[] = {
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 999\r\n\r\n",
		"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 999\r\n 1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length:\t999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 9 9\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
		"POST / HTTP/1.1\r\nNo colon\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: 999\r\n\r\n",
		"post / HTTP/1.1\r\n\r\n",
		"\r\nPOST / HTTP/1.1\r\n\r\n",
	};
	struct http_head h;
	char *big;

	for (size_t i = 0; i < sizeof(unsure) / sizeof(unsure[0]); i++)
		CHECK_INT(scan(unsure[i], 100, &h), HTTP_HEAD_UNSURE);
	CHECK_INT(http_head_scan("POST / HTTP/1.1\r\nA: \0\r\n\r\n", 25, 100, &h), HTTP_HEAD_UNSURE);
	big = malloc(HTTP_HEAD_MAX + 100);
	memset(big, 'a', HTTP_HEAD_MAX + 100);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK_INT(http_head_scan(big, HTTP_HEAD_MAX + 100, 100, &h), HTTP_HEAD_UNSURE);
	CHECK_INT(http_head_scan(big, HTTP_HEAD_MAX - 1, 100, &h), HTTP_HEAD_MORE);
	free(big);
}

int
main(void)
{
	test_framing();
	test_unsure();
	TEST_DONE();
}
