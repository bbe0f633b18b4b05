/* Flash driver interface of the boot stage. */
#ifndef POORT_DRV_FLASH_H
#define POORT_DRV_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/err.h>

/*
 * NOR-like semantics: erase sets a whole sector to 0xff, write (program)
 * may only clear bits, so the core erases before it writes and never
 * rewrites programmed bytes. Offsets are absolute on the device.
 * Every call returns 0 or a negative DRV_E* code.
 */
struct drv_flash_ops {
	int (*read)(void *ctx, uint32_t off, void *buf, size_t len);
	/* off and len multiples of write_align */
	int (*write)(void *ctx, uint32_t off, const void *buf, size_t len);
	/* off and len multiples of erase_size */
	int (*erase)(void *ctx, uint32_t off, size_t len);
};

struct drv_flash {
	const struct drv_flash_ops *ops;
	void *ctx;
	uint32_t size;        /* bytes */
	uint32_t erase_size;  /* sector size, a power of two */
	uint32_t write_align; /* program granularity, a power of two <= 16 */
};

#endif
