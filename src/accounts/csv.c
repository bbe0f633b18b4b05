#include "csv.h"

#include <stdio.h>
#include <string.h>

void
csv_init(struct csv_reader *r, const char *text, size_t len)
{
	const char *nl;
	size_t commas = 0, semis = 0;

	r->p = text;
	r->end = text + len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	for (const char *q = r->p; q < (nl != NULL ? nl : r->end); q++) {
		commas += *q == ',';
		semis += *q == ';';
	}
	r->sep = semis > commas ? ';' : ',';
	r->line = 0;
	r->next_line = 1;
}

static void
csv_skip_line(struct csv_reader *r)
{
	while (r->p < r->end && *r->p != '\n')
		r->p++;
	if (r->p < r->end) {
		r->p++;
		r->next_line++;
	}
}

int
csv_next(struct csv_reader *r, struct csv_record *rec, char *err, size_t errlen)
{
	/* skip blank lines */
	while (r->p < r->end && (*r->p == '\n' || (*r->p == '\r' && r->p + 1 < r->end &&
						    r->p[1] == '\n'))) {
		r->p += *r->p == '\r' ? 2 : 1;
		r->next_line++;
	}
	if (r->p >= r->end)
		return 0;
	r->line = r->next_line;
	memset(rec, 0, sizeof(*rec));
	for (;;) {
		size_t n = 0;
		char *out;
		if (rec->nfields == CSV_MAX_FIELDS) {
			snprintf(err, errlen, "more than %d fields", CSV_MAX_FIELDS);
			csv_skip_line(r);
			return -1;
		}
		out = rec->field[rec->nfields++];
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			for (;;) {
				if (r->p >= r->end) {
					snprintf(err, errlen, "quoted field is not closed");
					return -1;
				}
				if (*r->p == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						r->p++;
					} else {
						r->p++;
						break;
					}
				} else if (*r->p == '\n') {
					r->next_line++;
				}
				if (n + 1 >= CSV_FIELD_MAX) {
					snprintf(err, errlen, "field %d is longer than %d characters",
						 rec->nfields, CSV_FIELD_MAX - 1);
					csv_skip_line(r);
					return -1;
				}
				out[n++] = *r->p++;
			}
			if (r->p < r->end && *r->p != r->sep && *r->p != '\n' && *r->p != '\r') {
				snprintf(err, errlen, "text after the closing quote of field %d",
					 rec->nfields);
				csv_skip_line(r);
				return -1;
			}
		} else {
			while (r->p < r->end && *r->p != r->sep && *r->p != '\n' &&
			       !(*r->p == '\r' && (r->p + 1 == r->end || r->p[1] == '\n'))) {
				if (*r->p == '"') {
					snprintf(err, errlen, "quote inside unquoted field %d",
						 rec->nfields);
					csv_skip_line(r);
					return -1;
				}
				if (n + 1 >= CSV_FIELD_MAX) {
					snprintf(err, errlen, "field %d is longer than %d characters",
						 rec->nfields, CSV_FIELD_MAX - 1);
					csv_skip_line(r);
					return -1;
				}
				out[n++] = *r->p++;
			}
		}
		out[n] = '\0';
		if (r->p < r->end && *r->p == r->sep) {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '\r')
			r->p++;
		if (r->p < r->end && *r->p == '\n') {
			r->p++;
			r->next_line++;
		}
		return 1;
	}
}
