/* Bounds-checked little-endian reader and writer: every wire field of the
 * boot stage (image header, state record, frames, journal) goes through
 * these. A read past the end sets err and yields zeros, so callers check
 * once at the end. */
#ifndef FW_CUR_H
#define FW_CUR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fw_cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
	int err;
};

struct fw_wcur {
	uint8_t *p;
	size_t cap;
	size_t pos;
	int err;
};

static inline void
fw_cur_init(struct fw_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->pos = 0;
	c->err = 0;
}

static inline const uint8_t *
fw_cur_take(struct fw_cur *c, size_t n)
{
	if (c->err || n > c->len - c->pos) {
		c->err = 1;
		return NULL;
	}
	c->pos += n;
	return c->p + c->pos - n;
}

static inline uint8_t
fw_cur_u8(struct fw_cur *c)
{
	const uint8_t *q = fw_cur_take(c, 1);
	return q ? q[0] : 0;
}

static inline uint16_t
fw_cur_u16(struct fw_cur *c)
{
	const uint8_t *q = fw_cur_take(c, 2);
	return q ? (uint16_t)(q[0] | q[1] << 8) : 0;
}

static inline uint32_t
fw_cur_u32(struct fw_cur *c)
{
	const uint8_t *q = fw_cur_take(c, 4);
	return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
	               (uint32_t)q[3] << 24
	         : 0;
}

static inline void
fw_cur_bytes(struct fw_cur *c, void *out, size_t n)
{
	const uint8_t *q = fw_cur_take(c, n);
	if (q)
		memcpy(out, q, n);
	else
		memset(out, 0, n);
}

static inline size_t
fw_cur_left(const struct fw_cur *c)
{
	return c->err ? 0 : c->len - c->pos;
}

static inline void
fw_wcur_init(struct fw_wcur *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->pos = 0;
	w->err = 0;
}

static inline uint8_t *
fw_wcur_take(struct fw_wcur *w, size_t n)
{
	if (w->err || n > w->cap - w->pos) {
		w->err = 1;
		return NULL;
	}
	w->pos += n;
	return w->p + w->pos - n;
}

static inline void
fw_wcur_u8(struct fw_wcur *w, uint8_t v)
{
	uint8_t *q = fw_wcur_take(w, 1);
	if (q)
		q[0] = v;
}

static inline void
fw_wcur_u16(struct fw_wcur *w, uint16_t v)
{
	uint8_t *q = fw_wcur_take(w, 2);
	if (q) {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
	}
}

static inline void
fw_wcur_u32(struct fw_wcur *w, uint32_t v)
{
	uint8_t *q = fw_wcur_take(w, 4);
	if (q) {
		q[0] = (uint8_t)v;
		q[1] = (uint8_t)(v >> 8);
		q[2] = (uint8_t)(v >> 16);
		q[3] = (uint8_t)(v >> 24);
	}
}

static inline void
fw_wcur_bytes(struct fw_wcur *w, const void *v, size_t n)
{
	uint8_t *q = fw_wcur_take(w, n);
	if (q && n)
		memcpy(q, v, n);
}

#endif
