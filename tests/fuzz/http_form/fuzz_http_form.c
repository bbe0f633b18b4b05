/*
 * Form bodies (http_form.h): the first byte picks urlencoded, multipart
 * (boundary "XyZ", or the Content-Type from the input's first line) or
 * the dispatch on a fuzzed Content-Type; the body comes in an exact-size
 * heap buffer without a NUL, so a read past its length is caught.
 * Invariants: a parsed form has no name twice, every value is NUL
 * terminated at its length, text values hold no NUL and keep the limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct http_form_limits lim = {.fields = 16, .name = 32, .value = 256, .file = 4096};

static void
check(const struct http_form *f, int rc)
{
	if (rc < 0)
		return;
	for (size_t i = 0; i < f->n; i++) {
		const struct http_field *a = &f->f[i];
		if (a->value[a->len] != '\0' || strlen(a->name) > lim.name || a->name[0] == '\0')
			abort();
		if (a->filename == NULL && (strlen(a->value) != a->len || a->len > lim.value))
			abort();
		if (a->filename != NULL && a->len > lim.file)
			abort();
		for (size_t j = i + 1; j < f->n; j++)
			if (strcmp(a->name, f->f[j].name) == 0)
				abort();
	}
	if (f->n > lim.fields)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_form f;
	char ctype[256] = "multipart/form-data; boundary=XyZ", *body;
	const uint8_t *nl;
	int mode, rc;

	if (size < 1 || size > 65536)
		return 0;
	mode = data[0] % 3;
	data++;
	size--;
	if (mode == 2 && (nl = memchr(data, '\n', size < 200 ? size : 200)) != NULL) {
		memcpy(ctype, data, (size_t)(nl - data));
		ctype[nl - data] = '\0';
		size -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	if ((body = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(body, data, size);
	if (mode == 0)
		rc = http_form_parse_urlencoded(&f, body, size, &lim);
	else if (mode == 1)
		rc = http_form_parse_multipart(&f, ctype, body, size, &lim);
	else
		rc = http_form_parse(&f, ctype, body, size, &lim);
	check(&f, rc);
	if (rc == 0)
		(void)http_form_get(&f, "csrf");
	http_form_free(&f);
	free(body);
	return 0;
}
