/* Simulator board definition and its pretend system. */
#include <string.h>

#include <poort/fw/state.h>

#include "board_sim.h"

/* 2 MiB aligned as a real board's load area, so the placement (and the
 * "does it fit" rule that poort-flash applies too) does not depend on where
 * the linker put it. */
static uint8_t sim_ram[SIM_LOAD_MAX] __attribute__((aligned(2u << 20)));

static int
sim_pin(const struct board *b)
{
	const struct sim_board *s = b->priv;

	return s->pin;
}

static int
sim_jump(const struct board *b, const struct board_boot_info *bi)
{
	struct sim_board *s = b->priv;
	const struct fw_image_part *k = &bi->img->part[FW_COMP_KERNEL];
	size_t ml = strlen(SIM_APP_MAGIC);

	s->log.booted = 1;
	s->log.slot = bi->slot;
	s->log.trial = bi->trial;
	memcpy(s->log.ver, bi->ver, sizeof(s->log.ver));
	s->log.rollback = bi->rollback;
	s->log.confirmed = 0;
	if (!s->auto_confirm || k->size < ml + 7 || memcmp(k->addr, SIM_APP_MAGIC, ml) != 0)
		return 0;
	/* What the running system would do through the confirm tool. */
	if (memcmp(k->addr + ml, "confirm", 7) == 0 &&
	    fw_state_confirm(b, bi->slot, bi->rollback) == 0)
		s->log.confirmed = 1;
	return 0;
}

static void
sim_reset(const struct board *b)
{
	struct sim_board *s = b->priv;

	s->log.resets++;
}

void
sim_board_init(struct sim_board *s)
{
	struct board *b = &s->b;

	memset(b, 0, sizeof(*b));
	memset(&s->log, 0, sizeof(s->log));
	b->name = "sim";
	b->id = BOARD_ID_SIM;
	b->flash = &s->flash.drv;
	b->console = &s->uart.drv;
	b->timer = &sim_timer;
	b->state = (struct board_area){0x000000, 2 * SIM_ERASE};
	b->journal = (struct board_area){0x002000, 4 * SIM_ERASE};
	b->config = (struct board_area){0x006000, 4 * SIM_ERASE};
	b->slot[0] = (struct board_area){0x010000, 0x100000};
	b->slot[1] = (struct board_area){0x110000, 0x100000};
	b->load_addr = sim_ram;
	b->load_max = sizeof(sim_ram);
	b->recovery_window_ms = 0;
	b->recovery_idle_ms = SIM_RECOVERY_IDLE_MS;
	b->max_trial_boots = 3;
	b->recovery_pin = sim_pin;
	b->jump = sim_jump;
	b->reset = sim_reset;
	b->priv = s;
}
