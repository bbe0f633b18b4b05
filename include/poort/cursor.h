/*
 * Bounds-checked reader and writer over caller-owned buffers. All wire
 * parsing goes through these: no pointer arithmetic on untrusted lengths
 * outside this file. A failed read or write sets the cursor's error flag and
 * every later call fails too, so a parser can check once at the end.
 * Buffers are borrowed: the cursor never allocates or frees.
 */
#ifndef POORT_CURSOR_H
#define POORT_CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct rcursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	int err;
};

struct wcursor {
	uint8_t *buf;
	size_t cap;
	size_t pos;
	int err;
};

void rcursor_init(struct rcursor *c, const void *buf, size_t len);
size_t rcursor_left(const struct rcursor *c);
int rcursor_u8(struct rcursor *c, uint8_t *v);
int rcursor_u16(struct rcursor *c, uint16_t *v); /* big-endian */
int rcursor_u24(struct rcursor *c, uint32_t *v);
int rcursor_u32(struct rcursor *c, uint32_t *v);
int rcursor_bytes(struct rcursor *c, void *out, size_t n);
/* Lends a pointer to the next n bytes (valid as long as the buffer). */
int rcursor_ptr(struct rcursor *c, const uint8_t **p, size_t n);
int rcursor_skip(struct rcursor *c, size_t n);
/* A sub-cursor over the next n bytes; the parent advances past them. */
int rcursor_sub(struct rcursor *c, struct rcursor *sub, size_t n);

void wcursor_init(struct wcursor *c, void *buf, size_t cap);
int wcursor_u8(struct wcursor *c, uint8_t v);
int wcursor_u16(struct wcursor *c, uint16_t v);
int wcursor_u24(struct wcursor *c, uint32_t v);
int wcursor_u32(struct wcursor *c, uint32_t v);
int wcursor_bytes(struct wcursor *c, const void *in, size_t n);
/* Reserves n bytes to be filled later (e.g. a length field); lends them. */
int wcursor_reserve(struct wcursor *c, uint8_t **p, size_t n);

#endif
