/* The whole serial recovery loop on a simulated board: the input is what
 * arrives on the console. Covers frame decoding and every command's
 * payload parsing, with uploads into in-memory flash. */
#include <string.h>

#include <poort/fw/boot.h>

#include "board_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *p;
	size_t left;
};

static struct feed feed;

static int feed_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	size_t n;

	(void)ctx;
	(void)timeout_ms;
	if (!feed.left)
		return DRV_ENODEV; /* end of input ends the loop */
	/* small reads, so frames straddle calls as they do on a UART */
	n = len < 97 ? len : 97;
	n = n < feed.left ? n : feed.left;
	memcpy(buf, feed.p, n);
	feed.p += n;
	feed.left -= n;
	return (int)n;
}

static int feed_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static const struct drv_uart_ops feed_ops = {.read = feed_read,
					     .write = feed_write};
static const struct drv_uart feed_uart = {.ops = &feed_ops};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_board s;
	static int ready;

	if (!ready) {
		if (sim_flash_open(&s.flash, NULL, SIM_FLASH_SIZE, SIM_ERASE))
			return 0;
		ready = 1;
	}
	memset(s.flash.mem, 0xff, SIM_FLASH_SIZE);
	sim_board_init(&s);
	s.b.console = &feed_uart;
	feed.p = data;
	feed.left = size;
	(void)boot_recovery(&s.b, BOOT_REC_KEY);
	return 0;
}
