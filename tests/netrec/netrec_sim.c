/* Test harness: the simulator board with network recovery on a unix
 * socket. Runs lwIP + the TFTP front end until the test driver hangs up,
 * then prints the boot state and lets the boot core pick what to boot, so
 * the driver can check an upload end to end (tests/netrec/tftp_eth.py).
 *
 *   netrec_sim FLASH-FILE NET-FD
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>
#include <poort/fw/state.h>

#include "../../board/sim/board_sim.h"
#include "../../drivers/simnet/simnet.h"
#include "../../firmware/net/netrec.h"

static struct sim_board sb;
static struct simnet sn;
static struct drv_net net;
static struct netrec nr;

int
main(int argc, char **argv)
{
	struct fw_state st;
	int rc, reboot = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FLASH-FILE NET-FD\n", argv[0]);
		return 2;
	}
	if (sim_flash_open(&sb.flash, argv[1], SIM_FLASH_SIZE, SIM_ERASE)) {
		perror(argv[1]);
		return 2;
	}
	sim_uart_open_null(&sb.uart);
	sb.uart.echo_fd = STDOUT_FILENO; /* console lines into the test log */
	sim_board_init(&sb);
	sb.auto_confirm = 0;
	simnet_init(&sn, atoi(argv[2]), &net);
	sb.b.net = &net;
	setvbuf(stdout, NULL, _IONBF, 0);

	rc = netrec_init(&nr, &sb.b, &fw_boot_pubkey);
	if (rc) {
		printf("netrec_init: %s\n", fw_strerror(rc));
		return 1;
	}
	/* Bounded by the driver: it hangs up when done, and ctest's timeout
	 * covers a driver that dies. */
	for (;;) {
		rc = netrec_poll(&nr, 100);
		if (rc == NETREC_REBOOT) {
			reboot = 1;
			continue; /* keep serving until the driver hangs up */
		}
		if (rc != 0)
			break;
	}
	printf("netrec: session end rc=%d frames rx=%llu tx=%llu reboot=%d\n", rc,
	       (unsigned long long)sn.rx_frames, (unsigned long long)sn.tx_frames, reboot);
	netrec_free(&nr);
	sb.b.net = NULL;

	if (fw_state_load(&sb.b, &st) < 0) {
		printf("state: unreadable\n");
		return 1;
	}
	printf("state primary=%u trial=%u min_rollback=%u\n", st.primary, st.trial,
	       st.min_rollback);
	/* With nothing bootable boot_main would sit in serial recovery on the
	 * null console forever; that case is reported without it. */
	if (st.primary == FW_STATE_NO_SLOT && st.trial == FW_STATE_NO_SLOT) {
		printf("booted none\n");
	} else {
		rc = boot_main(&sb.b);
		if (sb.log.booted)
			printf("booted slot=%d trial=%d version=%u.%u.%u\n", sb.log.slot,
			       sb.log.trial, sb.log.ver[0], sb.log.ver[1], sb.log.ver[2]);
		else
			printf("booted none rc=%d\n", rc);
	}
	sim_flash_close(&sb.flash);
	return 0;
}
