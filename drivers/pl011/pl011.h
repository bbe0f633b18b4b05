/* ARM PrimeCell PL011 UART, polled (the boot stage takes no interrupts).
 * Register map: ARM DDI 0183 (PL011 TRM), section 3.2. */
#ifndef POORT_PL011_H
#define POORT_PL011_H

#include <stdint.h>

#include <poort/drv/timer.h>
#include <poort/drv/uart.h>

struct pl011 {
	uintptr_t base;
	const struct drv_timer *timer; /* for read timeouts */
};

/* Sets up 8N1 at baud from the UART reference clock clk_hz (0 leaves the
 * divisor alone, as qemu and a loader that already set it up want). */
/* Waits until every byte written has left the transmitter (before the
 * boot stage hands the UART to the next stage). */
void pl011_flush(struct pl011 *u);
void pl011_init(struct pl011 *u, uintptr_t base, uint32_t clk_hz, uint32_t baud,
                const struct drv_timer *timer);

extern const struct drv_uart_ops pl011_uart_ops;

#endif
