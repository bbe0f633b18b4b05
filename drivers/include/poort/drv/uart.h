/* UART driver interface of the boot stage. */
#ifndef POORT_DRV_UART_H
#define POORT_DRV_UART_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/err.h>

/*
 * A byte pipe. The core never assumes a baud rate; drivers set the line up
 * before the core runs. Both calls may be given a ctx the driver owns.
 */
struct drv_uart_ops {
	/* Reads up to len bytes, waiting at most timeout_ms for the first one
	 * (0 = poll). Returns the number of bytes read (0 on timeout) or a
	 * negative DRV_E* code. Must not block longer than timeout_ms plus the
	 * time to drain what is already buffered. */
	int (*read)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);
	/* Writes all len bytes (blocking). Returns 0 or a negative DRV_E*. */
	int (*write)(void *ctx, const uint8_t *buf, size_t len);
};

struct drv_uart {
	const struct drv_uart_ops *ops;
	void *ctx;
};

#endif
