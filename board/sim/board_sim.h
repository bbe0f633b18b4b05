/* The simulator board: a struct board over sim_flash and sim_uart, and a
 * "jump" that runs a pretend system described by the image's payload. */
#ifndef BOARD_SIM_H
#define BOARD_SIM_H

#include <poort/board.h>

#include "sim_flash.h"
#include "sim_uart.h"

#define SIM_FLASH_SIZE (0x210000u)
#define SIM_ERASE 4096u
/* The core puts the kernel at a 2 MiB aligned address: room for that. */
#define SIM_LOAD_MAX (8u * 1024 * 1024)
/* As a real board; poort-sim --idle and the tests make it short. */
#define SIM_RECOVERY_IDLE_MS (10u * 60 * 1000)

/* Test payloads start with this text; what follows says what the pretend
 * system does once started: "confirm" (declare itself good) or "hang"
 * (never confirm, as a broken image would). */
#define SIM_APP_MAGIC "POORT-SIM-APP "

struct sim_boot_log {
	int booted; /* jump was called */
	int slot;
	int trial;
	uint16_t ver[3];
	uint32_t rollback;
	int confirmed; /* the pretend system confirmed itself */
	int resets;    /* reset was called */
};

struct sim_board {
	struct board b;
	struct sim_flash flash;
	struct sim_uart uart;
	struct sim_boot_log log;
	int pin;          /* recovery pin level */
	int auto_confirm; /* run the payload's behaviour on jump */
};

/* Sets up the board over an already opened flash and uart. */
void sim_board_init(struct sim_board *s);

#endif
