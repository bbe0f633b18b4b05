/*
 * The backup file's parsers (src/backup/backup_format.c): the header, and
 * the payload (what the restore parses once a chunk has authenticated) fed
 * in pieces of sizes the input picks, as the chunk reader would. The sink
 * checks what the parser promises: valid names, data never past a file's
 * size, entry_end only after a file's last byte.
 *
 * Input: byte 0 even: the rest is a header; odd: byte 1 is the piece size
 * (1..256), the rest a payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/backup.h"

struct fz {
	int in_file;
	uint64_t left;
	unsigned entries;
};

static int
fz_entry(void *arg, const struct backup_entry *e)
{
	struct fz *f = arg;

	if (f->in_file || !backup_name_valid(e->name))
		abort();
	f->entries++;
	if (e->type == BACKUP_ENTRY_FILE) {
		f->in_file = 1;
		f->left = e->size;
	}
	return 0;
}

static int
fz_data(void *arg, const uint8_t *p, size_t n)
{
	struct fz *f = arg;

	(void)p;
	if (!f->in_file || n == 0 || n > f->left)
		abort();
	f->left -= n;
	return 0;
}

static int
fz_end(void *arg)
{
	struct fz *f = arg;

	if (!f->in_file || f->left != 0)
		abort();
	f->in_file = 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_sink sink = {fz_entry, fz_data, fz_end, NULL};
	struct backup_parser bp;
	struct backup_header h;
	struct fz f = {0};
	size_t piece;

	if (size < 2)
		return 0;
	if ((data[0] & 1) == 0) {
		/* an exact-size copy: an over-read is caught */
		uint8_t *copy = malloc(size - 1);
		if (copy == NULL)
			return 0;
		memcpy(copy, data + 1, size - 1);
		if (backup_header_parse(copy, size - 1, &h) == 0 &&
		    (h.version != BACKUP_VERSION || h.log2n < 14 || h.log2n > 20))
			abort();
		free(copy);
		return 0;
	}
	piece = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	sink.arg = &f;
	backup_parser_init(&bp, &sink);
	while (size > 0) {
		size_t n = size < piece ? size : piece;
		uint8_t *copy = malloc(n);
		int rc;
		if (copy == NULL)
			return 0;
		memcpy(copy, data, n);
		rc = backup_parser_feed(&bp, copy, n);
		free(copy);
		if (rc < 0)
			return 0;
		data += n;
		size -= n;
	}
	if (backup_parser_finish(&bp) == 0 && f.in_file)
		abort();
	return 0;
}
