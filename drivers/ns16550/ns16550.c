#include "ns16550.h"

#define UART_RBR 0 /* receive buffer (read), DLAB=0 */
#define UART_THR 0 /* transmit holding (write), DLAB=0 */
#define UART_DLL 0 /* divisor low, DLAB=1 */
#define UART_IER 1
#define UART_DLM 1 /* divisor high, DLAB=1 */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1 0x03u
#define LCR_DLAB 0x80u
#define FCR_ENABLE_CLEAR 0x07u
#define MCR_DTR_RTS 0x03u
#define LSR_DR 0x01u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u

static inline uint8_t
ns16550_rd(const struct ns16550 *u, unsigned reg)
{
	return *(volatile uint8_t *)(u->base + reg);
}

static inline void
ns16550_wr(const struct ns16550 *u, unsigned reg, uint8_t v)
{
	*(volatile uint8_t *)(u->base + reg) = v;
}

void
ns16550_init(struct ns16550 *u, uintptr_t base, uint32_t clk_hz, uint32_t baud,
             const struct drv_timer *timer)
{
	u->base = base;
	u->timer = timer;
	ns16550_wr(u, UART_IER, 0); /* polled: no interrupts */
	if (clk_hz && baud) {
		uint32_t div = (clk_hz + 8u * baud) / (16u * baud);

		ns16550_wr(u, UART_LCR, LCR_DLAB);
		ns16550_wr(u, UART_DLL, (uint8_t)div);
		ns16550_wr(u, UART_DLM, (uint8_t)(div >> 8));
	}
	ns16550_wr(u, UART_LCR, LCR_8N1);
	ns16550_wr(u, UART_FCR, FCR_ENABLE_CLEAR);
	ns16550_wr(u, UART_MCR, MCR_DTR_RTS);
}

static int
ns16550_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	struct ns16550 *u = ctx;
	const struct drv_timer *t = u->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	size_t n = 0;

	while (n < len) {
		if (!(ns16550_rd(u, UART_LSR) & LSR_DR)) {
			/* Hand up what arrived as soon as the line pauses;
			 * only the first byte is worth waiting for. */
			if (n > 0 || (uint32_t)(t->ops->now_ms(t->ctx) - start) >= timeout_ms)
				break;
			continue;
		}
		buf[n++] = ns16550_rd(u, UART_RBR);
	}
	return (int)n;
}

static int
ns16550_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct ns16550 *u = ctx;

	for (size_t i = 0; i < len; i++) {
		while (!(ns16550_rd(u, UART_LSR) & LSR_THRE))
			;
		ns16550_wr(u, UART_THR, buf[i]);
	}
	return 0;
}

void
ns16550_flush(struct ns16550 *u)
{
	while (!(ns16550_rd(u, UART_LSR) & LSR_TEMT))
		;
}

const struct drv_uart_ops ns16550_uart_ops = {
    .read = ns16550_read,
    .write = ns16550_write,
};
