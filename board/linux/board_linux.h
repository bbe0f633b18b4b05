/* Boards as the running Linux system sees them: the boot stage's flash map
 * (the same numbers as the bare-metal board, from its layout header) and
 * the MTD partition that covers it. poortctl firmware and poortd's confirm
 * module build their struct board from one of these. */
#ifndef POORT_BOARD_LINUX_H
#define POORT_BOARD_LINUX_H

#include <poort/board.h>

struct board_linux {
	const char *name;     /* as the boot stage names it in /chosen/poort,board */
	uint32_t id;          /* BOARD_ID_* */
	const char *mtd_name; /* MTD partition covering the boot stage's flash */
	uint32_t flash_size;  /* bytes of that partition */
	uint32_t erase_size;  /* its sector size */
	struct board_area slot[2];
	struct board_area state;
	struct board_area journal;
	struct board_area config;
	uint32_t max_trial_boots;
	/* The boot stage's load area (address and the least RAM it has):
	 * fw_sink refuses an image that would not unpack there. Only used
	 * for that arithmetic, never dereferenced on Linux. */
	uintptr_t load_addr;
	uint32_t load_max;
};

/* The board called name, or NULL. */
const struct board_linux *board_linux_find(const char *name);
/* Fills b (no console, timer or jump: only flash access) over flash. */
void board_linux_fill(const struct board_linux *bl, const struct drv_flash *flash, struct board *b);

#endif
