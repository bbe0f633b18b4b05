/* The whole serial recovery loop on a simulated board: the input is what
 * arrives on the console. Covers frame decoding and every command's
 * payload parsing, with uploads into in-memory flash. */
#include <string.h>

#include <poort/fw/boot.h>

#include "board_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_board s;
	static int ready;
	struct sim_uart feed;

	if (!ready) {
		if (sim_flash_open(&s.flash, NULL, SIM_FLASH_SIZE, SIM_ERASE))
			return 0;
		ready = 1;
	}
	memset(s.flash.mem, 0xff, SIM_FLASH_SIZE);
	sim_board_init(&s);
	sim_uart_open_feed(&feed, data, size);
	s.b.console = &feed.drv;
	(void)boot_recovery(&s.b, BOOT_REC_KEY);
	return 0;
}
