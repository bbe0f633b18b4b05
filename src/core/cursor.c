#include "poort/cursor.h"

#include <string.h>

void
rcursor_init(struct rcursor *c, const void *buf, size_t len)
{
	c->buf = buf;
	c->len = buf != NULL ? len : 0;
	c->pos = 0;
	c->err = 0;
}

size_t
rcursor_left(const struct rcursor *c)
{
	return c->err ? 0 : c->len - c->pos;
}

static int
rcursor_take(struct rcursor *c, const uint8_t **p, size_t n)
{
	if (c->err || n > c->len - c->pos) {
		c->err = 1;
		return -1;
	}
	*p = c->buf + c->pos;
	c->pos += n;
	return 0;
}

int
rcursor_u8(struct rcursor *c, uint8_t *v)
{
	const uint8_t *p;
	if (rcursor_take(c, &p, 1) < 0)
		return -1;
	*v = p[0];
	return 0;
}

int
rcursor_u16(struct rcursor *c, uint16_t *v)
{
	const uint8_t *p;
	if (rcursor_take(c, &p, 2) < 0)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
rcursor_u24(struct rcursor *c, uint32_t *v)
{
	const uint8_t *p;
	if (rcursor_take(c, &p, 3) < 0)
		return -1;
	*v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	return 0;
}

int
rcursor_u32(struct rcursor *c, uint32_t *v)
{
	const uint8_t *p;
	if (rcursor_take(c, &p, 4) < 0)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
rcursor_bytes(struct rcursor *c, void *out, size_t n)
{
	const uint8_t *p;
	if (rcursor_take(c, &p, n) < 0)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
rcursor_ptr(struct rcursor *c, const uint8_t **p, size_t n)
{
	return rcursor_take(c, p, n);
}

int
rcursor_skip(struct rcursor *c, size_t n)
{
	const uint8_t *p;
	return rcursor_take(c, &p, n);
}

int
rcursor_sub(struct rcursor *c, struct rcursor *sub, size_t n)
{
	const uint8_t *p;
	if (rcursor_take(c, &p, n) < 0) {
		rcursor_init(sub, NULL, 0);
		sub->err = 1;
		return -1;
	}
	rcursor_init(sub, p, n);
	return 0;
}

void
wcursor_init(struct wcursor *c, void *buf, size_t cap)
{
	c->buf = buf;
	c->cap = buf != NULL ? cap : 0;
	c->pos = 0;
	c->err = 0;
}

int
wcursor_reserve(struct wcursor *c, uint8_t **p, size_t n)
{
	if (c->err || n > c->cap - c->pos) {
		c->err = 1;
		return -1;
	}
	*p = c->buf + c->pos;
	c->pos += n;
	return 0;
}

int
wcursor_u8(struct wcursor *c, uint8_t v)
{
	uint8_t *p;
	if (wcursor_reserve(c, &p, 1) < 0)
		return -1;
	p[0] = v;
	return 0;
}

int
wcursor_u16(struct wcursor *c, uint16_t v)
{
	uint8_t *p;
	if (wcursor_reserve(c, &p, 2) < 0)
		return -1;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 0;
}

int
wcursor_u24(struct wcursor *c, uint32_t v)
{
	uint8_t *p;
	if (wcursor_reserve(c, &p, 3) < 0)
		return -1;
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
	return 0;
}

int
wcursor_u32(struct wcursor *c, uint32_t v)
{
	uint8_t *p;
	if (wcursor_reserve(c, &p, 4) < 0)
		return -1;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 0;
}

int
wcursor_bytes(struct wcursor *c, const void *in, size_t n)
{
	uint8_t *p;
	if (wcursor_reserve(c, &p, n) < 0)
		return -1;
	if (n > 0)
		memcpy(p, in, n);
	return 0;
}
