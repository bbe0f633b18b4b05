#include "gtimer.h"

static uint64_t
gtimer_read_count(void)
{
	uint64_t v;

	/* isb: the counter read must not be hoisted above earlier code. */
	__asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v)::"memory");
	return v;
}

void
gtimer_init(struct gtimer *t)
{
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	/* Firmware should have set CNTFRQ; qemu does (62.5 MHz). Guard
	 * against a zero from a careless loader rather than divide by it. */
	t->freq = f ? f : 24000000u;
	t->start = gtimer_read_count();
}

static uint32_t
gtimer_now_ms(void *ctx)
{
	struct gtimer *t = ctx;
	uint64_t ticks = gtimer_read_count() - t->start;

	return (uint32_t)(ticks / (t->freq / 1000u));
}

static void
gtimer_delay_ms(void *ctx, uint32_t ms)
{
	struct gtimer *t = ctx;
	uint64_t end = gtimer_read_count() + (uint64_t)ms * (t->freq / 1000u);

	while ((int64_t)(gtimer_read_count() - end) < 0)
		__asm__ volatile("yield");
}

const struct drv_timer_ops gtimer_ops = {
    .now_ms = gtimer_now_ms,
    .delay_ms = gtimer_delay_ms,
};
