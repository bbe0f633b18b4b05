#include "cfi_flash.h"

#define CMD_READ_ARRAY 0xffu
#define CMD_READ_STATUS 0x70u
#define CMD_CLEAR_STATUS 0x50u
#define CMD_QUERY 0x98u
#define CMD_PROGRAM 0x40u
#define CMD_ERASE 0x20u
#define CMD_CONFIRM 0xd0u
#define CMD_CLEAR_LOCK 0x60u /* followed by CONFIRM: unlock block */
#define CMD_BUFFERED 0xe8u

#define SR_READY 0x80u
#define SR_ERASE_ERR 0x20u
#define SR_PROG_ERR 0x10u
#define SR_VPP_ERR 0x08u
#define SR_LOCKED 0x02u

/* Program and erase times are far below these on real parts (P30: 2 s
 * worst-case block erase); the bound exists so a dead chip gives DRV_EIO
 * instead of a hang. */
#define CFI_PROGRAM_TIMEOUT_MS 100u
#define CFI_ERASE_TIMEOUT_MS 5000u

static inline volatile uint32_t *
cfi_word(const struct cfi_flash *f, uint32_t off)
{
	return (volatile uint32_t *)(f->base + off);
}

static inline void
cfi_cmd(const struct cfi_flash *f, uint32_t off, uint32_t cmd)
{
	*cfi_word(f, off) = cmd * f->cmd_mul;
	__asm__ volatile("dsb sy" ::: "memory");
}

/* Waits for every lane to report ready; returns the OR of all lanes'
 * status bytes, or -1 on timeout. Leaves the chip in read-status mode. */
static int
cfi_wait_ready(const struct cfi_flash *f, uint32_t off, uint32_t limit_ms)
{
	const struct drv_timer *t = f->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	uint32_t ready = SR_READY * f->cmd_mul;

	cfi_cmd(f, off, CMD_READ_STATUS);
	for (;;) {
		uint32_t sr = *cfi_word(f, off);

		if ((sr & ready) == ready) {
			uint32_t any = 0;

			for (uint32_t i = 0; i < f->lanes; i++)
				any |= (sr >> (i * (32u / f->lanes))) & 0xffu;
			return (int)any;
		}
		if ((uint32_t)(t->ops->now_ms(t->ctx) - start) > limit_ms)
			return -1;
	}
}

static uint8_t
cfi_query_byte(const struct cfi_flash *f, uint32_t idx)
{
	/* In query mode each CFI byte sits in the low byte of lane 0 of the
	 * bank word at index idx. */
	return (uint8_t)(*cfi_word(f, idx * 4u) & 0xffu);
}

int
cfi_flash_probe(struct cfi_flash *f, uintptr_t base, const struct drv_timer *timer,
                struct drv_flash *drv)
{
	uint32_t chip_size, blocks, block_size, regions;

	f->base = base;
	f->timer = timer;
	/* Try two x16 chips first (qemu virt: width 4, device-width 2), then
	 * one x32 chip. */
	for (f->lanes = 2; f->lanes >= 1; f->lanes--) {
		f->cmd_mul = f->lanes == 2 ? 0x00010001u : 1u;
		cfi_cmd(f, 0x55u * 4u, CMD_QUERY);
		if (cfi_query_byte(f, 0x10) == 'Q' && cfi_query_byte(f, 0x11) == 'R' &&
		    cfi_query_byte(f, 0x12) == 'Y')
			break;
		cfi_cmd(f, 0, CMD_READ_ARRAY);
	}
	if (f->lanes == 0)
		return DRV_ENODEV;
	if ((cfi_query_byte(f, 0x13) | cfi_query_byte(f, 0x14) << 8) != 0x0001u) {
		cfi_cmd(f, 0, CMD_READ_ARRAY);
		return DRV_EIO;
	}
	chip_size = 1u << cfi_query_byte(f, 0x27);
	/* Max bytes of a buffered program, per chip (0 = not supported). */
	f->wbuf_size = cfi_query_byte(f, 0x2a) ? (1u << cfi_query_byte(f, 0x2a)) * f->lanes : 0;
	if (f->wbuf_size > 256u * f->lanes)
		f->wbuf_size = 256u * f->lanes; /* keep the program time bounded */
	regions = cfi_query_byte(f, 0x2c);
	/* Uniform parts have one erase region; with several we would need a
	 * sector table, which no board of ours has. */
	blocks = (cfi_query_byte(f, 0x2d) | cfi_query_byte(f, 0x2e) << 8) + 1u;
	block_size = (cfi_query_byte(f, 0x2f) | cfi_query_byte(f, 0x30) << 8) * 256u;
	cfi_cmd(f, 0, CMD_READ_ARRAY);
	if (regions != 1 || block_size == 0 || blocks * block_size != chip_size)
		return DRV_EIO;

	f->size = chip_size * f->lanes;
	f->erase_size = block_size * f->lanes;
	drv->ops = &cfi_flash_ops;
	drv->ctx = f;
	drv->size = f->size;
	drv->erase_size = f->erase_size;
	drv->write_align = 4;
	return 0;
}

static int
cfi_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct cfi_flash *f = ctx;
	uint8_t *out = buf;

	if (off > f->size || len > f->size - off)
		return DRV_ERANGE;
	/* The bank is mapped as device memory (MMU) where unaligned accesses
	 * fault, so copy byte by byte up to alignment, then by words. */
	while (len && (off & 3u)) {
		*out++ = *(volatile uint8_t *)(f->base + off);
		off++;
		len--;
	}
	while (len >= 4) {
		uint32_t w = *cfi_word(f, off);

		out[0] = (uint8_t)w;
		out[1] = (uint8_t)(w >> 8);
		out[2] = (uint8_t)(w >> 16);
		out[3] = (uint8_t)(w >> 24);
		out += 4;
		off += 4;
		len -= 4;
	}
	while (len--) {
		*out++ = *(volatile uint8_t *)(f->base + off);
		off++;
	}
	return 0;
}

static int
cfi_finish(struct cfi_flash *f, uint32_t off, int sr, uint32_t err_bits)
{
	int rc = 0;

	if (sr < 0 || (sr & (int)(err_bits | SR_VPP_ERR | SR_LOCKED))) {
		cfi_cmd(f, off, CMD_CLEAR_STATUS);
		rc = DRV_EIO;
	}
	cfi_cmd(f, off, CMD_READ_ARRAY);
	return rc;
}

static uint32_t
cfi_le32(const uint8_t *in)
{
	return in[0] | in[1] << 8 | in[2] << 16 | (uint32_t)in[3] << 24;
}

/* Programs n words at off with one buffered-program command: one program
 * cycle (and on qemu one write to the backing file) per buffer instead of
 * per word, which is what makes writing megabytes bearable. The caller
 * keeps [off, off + n*4) inside one write-buffer-aligned window. */
static int
cfi_write_buffer(struct cfi_flash *f, uint32_t off, const uint8_t *in, uint32_t n)
{
	const struct drv_timer *t = f->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	uint32_t ready = SR_READY * f->cmd_mul;

	for (;;) {
		/* The chip answers the setup command with its extended
		 * status: ready bit set once a buffer is free. */
		cfi_cmd(f, off, CMD_BUFFERED);
		if ((*cfi_word(f, off) & ready) == ready)
			break;
		if ((uint32_t)(t->ops->now_ms(t->ctx) - start) > CFI_PROGRAM_TIMEOUT_MS)
			return cfi_finish(f, off, -1, 0);
	}
	/* Word count minus one, in each chip's own units. */
	cfi_cmd(f, off, (n * 4u / f->lanes / 2u) - 1u);
	for (uint32_t i = 0; i < n; i++)
		*cfi_word(f, off + i * 4u) = cfi_le32(in + i * 4u);
	cfi_cmd(f, off, CMD_CONFIRM);
	return cfi_finish(f, off, cfi_wait_ready(f, off, CFI_PROGRAM_TIMEOUT_MS), SR_PROG_ERR);
}

static int
cfi_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct cfi_flash *f = ctx;
	const uint8_t *in = buf;

	if ((off | len) & 3u || off > f->size || len > f->size - off)
		return DRV_ERANGE;
	while (len) {
		uint32_t n = 4;
		int rc;

		if (f->wbuf_size) {
			uint32_t room = f->wbuf_size - (off & (f->wbuf_size - 1u));

			n = len < room ? (uint32_t)len : room;
			rc = cfi_write_buffer(f, off, in, n / 4u);
		} else if (cfi_le32(in) == 0xffffffffu) {
			/* Still erased: programming all ones is a no-op on
			 * NOR but costs a full program cycle. */
			rc = 0;
		} else {
			cfi_cmd(f, off, CMD_PROGRAM);
			*cfi_word(f, off) = cfi_le32(in);
			rc = cfi_finish(f, off, cfi_wait_ready(f, off, CFI_PROGRAM_TIMEOUT_MS),
			                SR_PROG_ERR);
		}
		if (rc)
			return rc;
		off += n;
		in += n;
		len -= n;
	}
	return 0;
}

static int
cfi_erase(void *ctx, uint32_t off, size_t len)
{
	struct cfi_flash *f = ctx;

	if ((off | len) & (f->erase_size - 1u) || off > f->size || len > f->size - off)
		return DRV_ERANGE;
	for (; len; len -= f->erase_size, off += f->erase_size) {
		int rc;

		/* Parts that power up with blocks locked (P30) refuse to
		 * erase them; unlock first, harmless where there is no lock. */
		cfi_cmd(f, off, CMD_CLEAR_LOCK);
		cfi_cmd(f, off, CMD_CONFIRM);
		if (cfi_wait_ready(f, off, CFI_PROGRAM_TIMEOUT_MS) < 0)
			return cfi_finish(f, off, -1, 0);
		cfi_cmd(f, off, CMD_ERASE);
		cfi_cmd(f, off, CMD_CONFIRM);
		rc = cfi_finish(f, off, cfi_wait_ready(f, off, CFI_ERASE_TIMEOUT_MS), SR_ERASE_ERR);
		if (rc)
			return rc;
	}
	return 0;
}

const struct drv_flash_ops cfi_flash_ops = {
    .read = cfi_read,
    .write = cfi_write,
    .erase = cfi_erase,
};
