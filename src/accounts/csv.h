/*
 * A CSV reader for student administration exports: ',' or ';' separated
 * (Dutch spreadsheet exports use ';'), optional UTF-8 byte order mark,
 * "quoted" fields with "" for a quote, CRLF or LF line ends.
 */
#ifndef POORT_ACCOUNTS_CSV_H
#define POORT_ACCOUNTS_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 16
#define CSV_FIELD_MAX 256

struct csv_reader {
	const char *p, *end;
	char sep;
	int line; /* line number of the record last read */
	int next_line;
};

struct csv_record {
	int nfields;
	char field[CSV_MAX_FIELDS][CSV_FIELD_MAX];
};

/* Borrows text; picks the separator from the first line. */
void csv_init(struct csv_reader *r, const char *text, size_t len);
/*
 * Reads the next record. Returns 1 on a record, 0 at the end, -1 on a
 * malformed one with a message in err (the reader skips to the next line).
 * Blank lines are skipped.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, char *err, size_t errlen);

#endif
