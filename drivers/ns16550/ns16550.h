/* 16550-compatible UART, polled, byte-wide registers (reg-shift 0), as the
 * DUART of NXP Layerscape parts and many other SoCs implement it. */
#ifndef POORT_NS16550_H
#define POORT_NS16550_H

#include <stdint.h>

#include <poort/drv/timer.h>
#include <poort/drv/uart.h>

struct ns16550 {
	uintptr_t base;
	const struct drv_timer *timer; /* for read timeouts */
};

/* 8N1 at baud from clk_hz; clk_hz 0 keeps the divisor the previous stage
 * (TF-A, U-Boot) programmed, which is the usual case on real boards. */
/* Waits until the transmitter is empty. */
void ns16550_flush(struct ns16550 *u);
void ns16550_init(struct ns16550 *u, uintptr_t base, uint32_t clk_hz, uint32_t baud,
                  const struct drv_timer *timer);

extern const struct drv_uart_ops ns16550_uart_ops;

#endif
