/*
 * The template renderer (http_tmpl.h): the input is a set of templates
 * ("main" first, then "part" after a line "#part") rendered with a fixed
 * set of values (a value, an empty one, a list of items with a nested
 * list), in both languages. Templates are the box's own files, but the
 * renderer must never read past a template, loop or crash on any of them;
 * a rendered page is NUL-terminated at its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_tv *
values(void)
{
	struct http_tv *tv = http_tv_new(), *it;

	http_tv_set(tv, "v", "<b>&\"'");
	http_tv_set(tv, "empty", "");
	http_tv_set(tv, "lang", "nl");
	for (int i = 0; i < 3; i++) {
		it = http_tv_add(tv, "rows");
		http_tv_setf(it, "name", "row %d", i);
		http_tv_set(http_tv_add(it, "sub"), "x", "y");
	}
	return tv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_tv *tv;
	struct http_tmpl_set *set;
	const uint8_t *sep;
	char *out = NULL, why[128];
	size_t len, mlen;

	if (size > 16384 || memchr(data, '\0', size) != NULL)
		return 0;
	if (tv == NULL)
		tv = values();
	if ((set = http_tmpl_set_new()) == NULL)
		return 0;
	sep = size >= 6 ? memmem(data, size, "\n#part", 6) : NULL;
	mlen = sep != NULL ? (size_t)(sep - data) : size;
	http_tmpl_set_add(set, "main", (const char *)data, mlen);
	if (sep != NULL)
		http_tmpl_set_add(set, "part", (const char *)sep + 6, size - mlen - 6);
	for (int l = 0; l < 2; l++) {
		if (http_tmpl_render(set, "main", tv, l ? "en" : "nl", &out, &len, why,
		                     sizeof(why)) == 0) {
			if (out == NULL || out[len] != '\0' || strlen(out) != len)
				abort();
			free(out);
		} else if (out != NULL) {
			abort();
		}
	}
	http_tmpl_free(set);
	return 0;
}
