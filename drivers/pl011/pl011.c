#include "pl011.h"

#include <poort/drv/flash.h> /* DRV_E* codes */

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_IBRD 0x24
#define PL011_FBRD 0x28
#define PL011_LCRH 0x2c
#define PL011_CR 0x30
#define PL011_IMSC 0x38
#define PL011_ICR 0x44

#define FR_TXFF (1u << 5)
#define FR_RXFE (1u << 4)
#define FR_BUSY (1u << 3)
#define LCRH_WLEN8 (3u << 5)
#define LCRH_FEN (1u << 4)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define DR_ERRORS 0xf00u /* overrun, break, parity, framing */

static inline uint32_t
pl011_rd(const struct pl011 *u, uint32_t reg)
{
	return *(volatile uint32_t *)(u->base + reg);
}

static inline void
pl011_wr(const struct pl011 *u, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(u->base + reg) = v;
}

void
pl011_init(struct pl011 *u, uintptr_t base, uint32_t clk_hz, uint32_t baud,
           const struct drv_timer *timer)
{
	u->base = base;
	u->timer = timer;
	if (clk_hz && baud) {
		/* Divisor = clk / (16 * baud) as 16.6 fixed point, rounded. */
		uint32_t div64 = (uint32_t)(((uint64_t)clk_hz * 4u + baud / 2u) / baud);

		pl011_wr(u, PL011_CR, 0);
		while (pl011_rd(u, PL011_FR) & FR_BUSY)
			;
		pl011_wr(u, PL011_IBRD, div64 >> 6);
		pl011_wr(u, PL011_FBRD, div64 & 0x3f);
	}
	pl011_wr(u, PL011_LCRH, LCRH_WLEN8 | LCRH_FEN);
	pl011_wr(u, PL011_IMSC, 0);
	pl011_wr(u, PL011_ICR, 0x7ff);
	pl011_wr(u, PL011_CR, CR_UARTEN | CR_TXE | CR_RXE);
}

static int
pl011_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	struct pl011 *u = ctx;
	const struct drv_timer *t = u->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	size_t n = 0;

	while (n < len) {
		if (pl011_rd(u, PL011_FR) & FR_RXFE) {
			/* Return what we have as soon as the line goes quiet;
			 * only the first byte is worth waiting for. */
			if (n > 0)
				break;
			if ((uint32_t)(t->ops->now_ms(t->ctx) - start) >= timeout_ms)
				break;
			continue;
		}
		/* A byte with a framing/parity error is still handed up: the
		 * protocol's CRC rejects the frame, which says more than a
		 * dropped byte would. */
		buf[n++] = (uint8_t)(pl011_rd(u, PL011_DR) & 0xffu);
	}
	return (int)n;
}

static int
pl011_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct pl011 *u = ctx;

	for (size_t i = 0; i < len; i++) {
		while (pl011_rd(u, PL011_FR) & FR_TXFF)
			;
		pl011_wr(u, PL011_DR, buf[i]);
	}
	return 0;
}

void
pl011_flush(struct pl011 *u)
{
	while (pl011_rd(u, PL011_FR) & FR_BUSY)
		;
}

const struct drv_uart_ops pl011_uart_ops = {
    .read = pl011_read,
    .write = pl011_write,
};
