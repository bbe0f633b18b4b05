/*
 * The HTTP request front's parsers of untrusted input: query strings and
 * form bodies (http_query_scan, http_param_decode) and the Cookie header
 * (http_cookie_get). The query is fed in an exact-size heap buffer without
 * a NUL, so a read past its length is caught. Invariants are checked: a
 * found value lies inside the input, and decoding never grows it.
 */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_cookie(const char *text)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);
	char out[80];

	if (req == NULL)
		return;
	/* evhttp refuses header values with CR or LF: those never reach us */
	if (evhttp_add_header(evhttp_request_get_input_headers(req), "Cookie", text) == 0) {
		if (http_cookie_get(req, "__Host-poort_login", out, sizeof(out)) == 0 &&
		    strlen(out) >= sizeof(out))
			abort();
		(void)http_cookie_get(req, "poort_sso", out, sizeof(out));
	}
	evhttp_request_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_param p[4] = {{.name = "SAMLRequest"}, {.name = "RelayState"},
				  {.name = "SigAlg"}, {.name = "Signature"}};
	const char *dup = NULL;
	char *q, *text;
	int plus, rc;

	if (size < 1 || size > 65536)
		return 0;
	plus = data[0] & 1;
	data++;
	size--;
	if ((q = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(q, data, size);
	rc = http_query_scan(q, size, p, 4, &dup);
	if ((rc == 0) != (dup == NULL))
		abort();
	for (size_t i = 0; i < 4; i++) {
		char *v;
		if (p[i].raw == NULL)
			continue;
		if (p[i].raw < q || p[i].raw + p[i].rawlen > q + size || p[i].count == 0)
			abort();
		v = http_param_decode(p[i].raw, p[i].rawlen, plus);
		if (v != NULL && strlen(v) > p[i].rawlen)
			abort();
		free(v);
	}
	free(q);
	if ((text = malloc(size + 1)) != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		fuzz_cookie(text);
		free(text);
	}
	return 0;
}
