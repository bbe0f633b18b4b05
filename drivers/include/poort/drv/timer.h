/* Monotonic time for the boot stage. */
#ifndef POORT_DRV_TIMER_H
#define POORT_DRV_TIMER_H

#include <stdint.h>

struct drv_timer_ops {
	/* Milliseconds since an arbitrary start; wraps after 49 days, so the
	 * core compares with (uint32_t)(now - then). */
	uint32_t (*now_ms)(void *ctx);
	void (*delay_ms)(void *ctx, uint32_t ms);
};

struct drv_timer {
	const struct drv_timer_ops *ops;
	void *ctx;
};

#endif
