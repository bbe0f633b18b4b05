/*
 * Query strings and form bodies as a SAML binding needs them: each
 * parameter's value exactly as sent (a signature covers those bytes), how
 * often each name appears (a second copy is how one consumer is shown one
 * request and another consumer another), and percent-decoding that says
 * whether '+' means a space. Names are compared after decoding, so
 * "SAML%52equest" is SAMLRequest too.
 */
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"

static int
hq_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes raw[0..len) into out (room for len + 1); its length, or -1. */
static long
hq_decode(const char *raw, size_t len, int plus, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)raw[i];
		if (c == '%') {
			int hi = i + 2 < len ? hq_hex(raw[i + 1]) : -1;
			int lo = hi < 0 ? -1 : hq_hex(raw[i + 2]);
			if (lo < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == '\0')
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (long)n;
}

char *
http_param_decode(const char *raw, size_t len, int plus)
{
	char *out = malloc(len + 1);

	if (out != NULL && hq_decode(raw, len, plus, out) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

int
http_query_scan(const char *q, size_t len, struct http_param *params, size_t n, const char **dup)
{
	const char *end = q + len, *p = q;
	int rc = 0;

	*dup = NULL;
	for (size_t i = 0; i < n; i++) {
		params[i].raw = NULL;
		params[i].rawlen = 0;
		params[i].count = 0;
	}
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *nend = eq != NULL ? eq : stop;
		char name[64];

		/* only names short enough to be one of ours are decoded */
		if ((size_t)(nend - p) < sizeof(name) &&
		    hq_decode(p, (size_t)(nend - p), 1, name) >= 0)
			for (size_t i = 0; i < n; i++) {
				if (strcmp(name, params[i].name) != 0)
					continue;
				if (++params[i].count == 1) {
					params[i].raw = eq != NULL ? eq + 1 : stop;
					params[i].rawlen = (size_t)(stop - params[i].raw);
				} else if (rc == 0) {
					*dup = params[i].name;
					rc = HTTP_EDUP;
				}
			}
		p = stop + 1;
	}
	return rc;
}
