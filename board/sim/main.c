/* poort-sim: the boot stage as a host process. The flash is a file, the
 * console a pty whose path is written to --pty-link (a symlink) and to
 * stdout. The machine reboots in a loop (boot, run the pretend system,
 * reset) until killed, so poort-flash meets it as it would a real box.
 *
 *   poort-sim --flash FILE [--pty-link PATH] [--window MS] [--idle MS]
 *             [--pin] [--once] [--log FILE]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>

#include "board_sim.h"

static struct sim_board sim;

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"flash", required_argument, NULL, 'f'},  {"pty-link", required_argument, NULL, 'l'},
	    {"window", required_argument, NULL, 'w'}, {"idle", required_argument, NULL, 'i'},
	    {"pin", no_argument, NULL, 'p'},          {"once", no_argument, NULL, '1'},
	    {"log", required_argument, NULL, 'g'},    {NULL, 0, NULL, 0},
	};
	const char *flash = NULL, *link = NULL, *log = NULL;
	uint32_t window = 1000, idle = SIM_RECOVERY_IDLE_MS;
	int pin = 0, once = 0, c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			flash = optarg;
			break;
		case 'l':
			link = optarg;
			break;
		case 'w':
			window = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'i':
			idle = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			pin = 1;
			break;
		case '1':
			once = 1;
			break;
		case 'g':
			log = optarg;
			break;
		default:
			fprintf(stderr, "usage: poort-sim --flash FILE [--pty-link PATH] "
			                "[--window MS] [--idle MS] [--pin] [--once] "
			                "[--log FILE]\n");
			return 2;
		}
	}
	if (!flash) {
		fprintf(stderr, "poort-sim: --flash FILE is required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sim_flash_open(&sim.flash, flash, SIM_FLASH_SIZE, SIM_ERASE)) {
		perror(flash);
		return 1;
	}
	if (sim_uart_open_pty(&sim.uart)) {
		perror("pty");
		return 1;
	}
	if (log) {
		FILE *lf = fopen(log, "a");
		if (lf)
			sim.uart.echo_fd = dup(fileno(lf));
		if (lf)
			fclose(lf);
	}
	if (link) {
		unlink(link);
		if (symlink(sim.uart.name, link)) {
			perror(link);
			return 1;
		}
	}
	printf("pty=%s\n", sim.uart.name);
	fflush(stdout);
	for (;;) {
		sim_board_init(&sim);
		sim.b.recovery_window_ms = window;
		sim.b.recovery_idle_ms = idle;
		sim.pin = pin;
		sim.auto_confirm = 1;
		pin = 0; /* the pin is held for the first boot only */
		rc = boot_main(&sim.b);
		if (rc < 0) {
			fprintf(stderr, "poort-sim: boot stage stopped: %s\n", fw_strerror(rc));
			return 1;
		}
		if (once)
			break;
		if (rc == BOOT_OK) {
			/* the pretend system runs a while, then the box reboots */
			usleep(200 * 1000);
		}
	}
	sim_uart_close(&sim.uart);
	sim_flash_close(&sim.flash);
	return 0;
}
