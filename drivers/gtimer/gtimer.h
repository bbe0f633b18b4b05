/* ARMv8 generic timer as the boot stage's clock: the physical counter is
 * always on and needs no interrupt, which fits a polling boot stage. */
#ifndef POORT_GTIMER_H
#define POORT_GTIMER_H

#include <stdint.h>

#include <poort/drv/timer.h>

struct gtimer {
	uint64_t freq;  /* CNTFRQ_EL0, counts per second */
	uint64_t start; /* counter at init, so now_ms starts near 0 */
};

void gtimer_init(struct gtimer *t);

extern const struct drv_timer_ops gtimer_ops;

#endif
