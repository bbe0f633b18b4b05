/* Internal to src/backup: the encrypted chunk stream over a descriptor. */
#ifndef POORT_BACKUP_INT_H
#define POORT_BACKUP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "poort/backup.h"

#define BACKUP_TAG_LEN 16
#define BACKUP_LOG2N_DEFAULT 17
#define BACKUP_LOG2CHUNK 16

struct backup_stream {
	int fd;
	uint8_t header[BACKUP_HEADER_LEN];
	uint8_t key[32];
	uint8_t nonce[8];
	uint32_t chunk_no;
	size_t chunk_len; /* plaintext bytes per full chunk */
	uint8_t *buf;     /* chunk_len + tag */
	size_t used;      /* writer: plaintext bytes waiting in buf */
	int eof;          /* reader: the last chunk was read */
	struct backup_error *err;
};

/* Sets err (code and a printf detail) and returns code. */
int backup_fail(struct backup_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writer: makes the header (random salt and nonce, scrypt) and writes it. */
int backup_stream_create(struct backup_stream *s, int fd, unsigned log2n, const char *pass,
			 size_t passlen, struct backup_error *err);
int backup_stream_write(struct backup_stream *s, const void *p, size_t n);
/* Writes the last chunk. */
int backup_stream_finish(struct backup_stream *s);

/* Reader: reads and checks the header, derives the key, checks the passphrase. */
int backup_stream_open(struct backup_stream *s, int fd, const char *pass, size_t passlen,
		       struct backup_error *err);
/*
 * The next chunk's authenticated plaintext in *p, *n (lent until the next
 * call); 1 when the last chunk is done (then *n = 0 may follow), 0 with
 * data, or an error.
 */
int backup_stream_read(struct backup_stream *s, const uint8_t **p, size_t *n);
void backup_stream_free(struct backup_stream *s);

#endif
