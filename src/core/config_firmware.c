/*
 * The firmware { } block: how poortd confirms a trial boot (src/fwhealth).
 * Every setting has a default, so a box needs no block at all.
 *
 *	firmware {
 *		confirm_timeout 300   # seconds to become healthy, else reboot
 *		check_interval 5      # seconds between health checks
 *		on_timeout reboot     # or exit (poortd exits with status 75)
 *		board "qemu-virt"     # default: /chosen's poort,board
 *		flash "/dev/mtd2"     # default: the board's MTD partition
 *		chosen "/proc/device-tree/chosen"
 *	}
 */
#include <stdio.h>
#include <string.h>

#include "config_tree.h"
#include "poort/config.h"

int
config_firmware_parse(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_firmware *fw)
{
	if (!n->block || n->argc != 1)
		return cfg_fail(ctx, n, "'firmware' needs a { } block");
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		const char *w = k->argv[0];
		int r;
		if (strcmp(w, "confirm_timeout") == 0) {
			r = cfg_uint(ctx, k, 5, 86400, &fw->confirm_timeout);
		} else if (strcmp(w, "check_interval") == 0) {
			r = cfg_uint(ctx, k, 1, 600, &fw->check_interval);
		} else if (strcmp(w, "board") == 0) {
			r = cfg_string(ctx, k, fw->board, sizeof(fw->board));
		} else if (strcmp(w, "flash") == 0) {
			r = cfg_string(ctx, k, fw->flash, sizeof(fw->flash));
		} else if (strcmp(w, "chosen") == 0) {
			r = cfg_string(ctx, k, fw->chosen, sizeof(fw->chosen));
		} else if (strcmp(w, "on_timeout") == 0) {
			if (k->argc != 2 ||
			    (strcmp(k->argv[1], "reboot") != 0 && strcmp(k->argv[1], "exit") != 0))
				return cfg_fail(ctx, k, "on_timeout takes 'reboot' or 'exit'");
			fw->on_timeout =
			    strcmp(k->argv[1], "exit") == 0 ? CONFIG_FW_EXIT : CONFIG_FW_REBOOT;
			r = 0;
		} else {
			r = cfg_fail(ctx, k,
			             "unknown setting '%s' in firmware (confirm_timeout,"
			             " check_interval, on_timeout, board, flash, chosen)",
			             w);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}
