/* Linux-side board descriptions (see board_linux.h). */
#include <string.h>

#include "../qemu-virt/layout.h"
#include "board_linux.h"

static const struct board_linux board_linux_all[] = {
    {
        .name = "qemu-virt",
        .id = BOARD_ID_QEMU_VIRT,
        .mtd_name = VIRT_MTD_WHOLE,
        .flash_size = VIRT_FLASH1_SIZE,
        .erase_size = VIRT_FLASH_ERASE,
        .slot = {{VIRT_SLOT_A_OFF, VIRT_SLOT_SIZE}, {VIRT_SLOT_B_OFF, VIRT_SLOT_SIZE}},
        .state = {VIRT_STATE_OFF, VIRT_STATE_SIZE},
        .journal = {VIRT_JOURNAL_OFF, VIRT_JOURNAL_SIZE},
        .config = {VIRT_CONFIG_OFF, VIRT_CONFIG_SIZE},
        .max_trial_boots = VIRT_MAX_TRIAL_BOOTS,
        /* board/qemu-virt/board.c: from RAM + 2 MiB to the end of qemu's
         * default 128 MiB (more when the device tree says so) */
        .load_addr = 0x40200000u,
        .load_max = (128u << 20) - (2u << 20),
    },
};

const struct board_linux *
board_linux_find(const char *name)
{
	for (size_t i = 0; i < sizeof(board_linux_all) / sizeof(board_linux_all[0]); i++)
		if (strcmp(board_linux_all[i].name, name) == 0)
			return &board_linux_all[i];
	return NULL;
}

void
board_linux_fill(const struct board_linux *bl, const struct drv_flash *flash, struct board *b)
{
	memset(b, 0, sizeof(*b));
	b->name = bl->name;
	b->id = bl->id;
	b->flash = flash;
	b->slot[0] = bl->slot[0];
	b->slot[1] = bl->slot[1];
	b->state = bl->state;
	b->journal = bl->journal;
	b->config = bl->config;
	b->max_trial_boots = bl->max_trial_boots;
	b->load_addr = (uint8_t *)bl->load_addr;
	b->load_max = bl->load_max;
}
