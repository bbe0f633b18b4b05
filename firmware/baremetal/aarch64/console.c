#include <string.h>

#include "bm.h"

static const struct drv_uart *bm_console;

void
bm_console_set(const struct drv_uart *uart)
{
	bm_console = uart;
}

void
bm_puts(const char *s)
{
	if (bm_console)
		bm_console->ops->write(bm_console->ctx, (const uint8_t *)s, strlen(s));
}

void
bm_put_hex(uint64_t v)
{
	char buf[19] = "0x";

	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = '\0';
	bm_puts(buf);
}

_Noreturn void
bm_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
	/* The boot stage takes no interrupts, so any exception is a bug: say
	 * where, so the line in a test log is enough to find it. */
	bm_puts("\r\nboot: fatal exception kind=");
	bm_put_hex(kind);
	bm_puts(" esr=");
	bm_put_hex(esr);
	bm_puts(" elr=");
	bm_put_hex(elr);
	bm_puts(" far=");
	bm_put_hex(far);
	bm_puts("\r\n");
	for (;;)
		__asm__ volatile("wfe");
}

void
bm_fatal_exit(int status)
{
	bm_puts("\r\nboot: fatal: mbedTLS arena corrupt status=");
	bm_put_hex((uint64_t)(int64_t)status);
	bm_puts("\r\n");
	for (;;)
		__asm__ volatile("wfe");
}
