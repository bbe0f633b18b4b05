/* Watchdog for the boot stage. Optional: a board may have none. */
#ifndef POORT_DRV_WDT_H
#define POORT_DRV_WDT_H

#include <stdint.h>

#include <poort/drv/err.h>

struct drv_wdt_ops {
	/* Starts (or re-arms) the watchdog; returns 0 or a negative DRV_E*. */
	int (*start)(void *ctx, uint32_t timeout_ms);
	void (*kick)(void *ctx);
	/* The image takes over the watchdog: boards that cannot stop it leave
	 * it running, which is the point (a hung trial image resets). */
};

struct drv_wdt {
	const struct drv_wdt_ops *ops;
	void *ctx;
};

#endif
