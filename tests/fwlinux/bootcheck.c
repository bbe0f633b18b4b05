/* fw_bootcheck FILE BOARD: the boot stage's own decision (boot_main, from
 * firmware/core) over a file-backed flash with a Linux board's layout, as
 * the box would run it at power-on after `poortctl firmware` left the
 * flash in whatever state. Prints what it would start:
 *
 *	boot slot=B version=2.0.0 trial=1
 *
 * and exits 0, or prints "noboot" and exits 3 if it would land in
 * recovery ("no bootable slot"). The trial counter moves, as on a box. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>

#include "fw_linux.h"

static int
bc_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)timeout_ms;
	return DRV_EIO; /* no line: recovery ends at once */
}

static int
bc_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stderr);
	return 0;
}

static const struct drv_uart_ops bc_uart_ops = {.read = bc_read, .write = bc_write};
static const struct drv_uart bc_uart = {.ops = &bc_uart_ops, .ctx = NULL};

static uint32_t
bc_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
bc_delay(void *ctx, uint32_t ms)
{
	(void)ctx;
	(void)ms;
}

static const struct drv_timer_ops bc_timer_ops = {.now_ms = bc_now, .delay_ms = bc_delay};
static const struct drv_timer bc_timer = {.ops = &bc_timer_ops, .ctx = NULL};

static int booted;

static int
bc_jump(const struct board *b, const struct board_boot_info *bi)
{
	(void)b;
	printf("boot slot=%s version=%u.%u.%u trial=%d\n", bi->slot ? "B" : "A", bi->ver[0],
	       bi->ver[1], bi->ver[2], bi->trial);
	booted = 1;
	return 0;
}

static void
bc_reset(const struct board *b)
{
	(void)b;
}

int
main(int argc, char **argv)
{
	struct fwl_opts o = {.cut_at = -1};
	char err[512];
	struct fwl f;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: fw_bootcheck FLASH-FILE BOARD\n");
		return 2;
	}
	o.flash = argv[1];
	o.board = argv[2];
	if (fwl_open(&f, &o, err, sizeof(err)) < 0 || !f.is_file) {
		fprintf(stderr, "fw_bootcheck: %s\n", f.is_file ? err : "not a file");
		return 2;
	}
	f.b.console = &bc_uart;
	f.b.timer = &bc_timer;
	f.b.jump = bc_jump;
	f.b.reset = bc_reset;
	f.b.load_max = 16u << 20;
	f.b.load_addr = malloc(f.b.load_max);
	if (f.b.load_addr == NULL)
		return 2;
	rc = boot_main(&f.b);
	free(f.b.load_addr);
	fwl_close(&f);
	if (rc == BOOT_OK && booted)
		return 0;
	printf("noboot rc=%d\n", rc);
	return 3;
}
