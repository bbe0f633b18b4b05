/* Entry points of the boot stage core. */
#ifndef POORT_FW_BOOT_H
#define POORT_FW_BOOT_H

#include <poort/board.h>

/* boot_main() results; on hardware it never returns (the board's jump or
 * reset does not), the simulator sees these. */
#define BOOT_OK 0    /* an image was started via b->jump */
#define BOOT_RESET 1 /* recovery asked for a reset via b->reset */

/* Why recovery runs. */
enum boot_recovery_reason {
	BOOT_REC_KEY = 1,    /* key on the console within the window */
	BOOT_REC_PIN = 2,    /* recovery pin asserted */
	BOOT_REC_NOSLOT = 3, /* nothing bootable */
};

/* Picks a slot from the state record, counts trial boots, verifies the
 * image (signature, board, rollback) and starts it; enters recovery when
 * asked or when nothing can boot. Returns BOOT_OK, BOOT_RESET, or a
 * negative FW_E* (simulator only, e.g. FW_EPOWER). */
int boot_main(const struct board *b);

/* Serial recovery loop on b->console; returns when the host asks for a
 * reboot (after calling b->reset) or on a fatal driver error. */
int boot_recovery(const struct board *b, enum boot_recovery_reason why);

#endif
