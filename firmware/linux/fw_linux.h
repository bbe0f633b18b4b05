/* The boot stage's flash from the running Linux system: the same
 * firmware/core code (state record, image verification, fw_sink) over a
 * Linux flash driver (MTD, or a file for host tests), plus what the boot
 * stage told the kernel in /chosen. Used by `poortctl firmware` and by
 * poortd's automatic confirm (src/fwhealth). Functions return 0 or a
 * negative FW_E*; the open call writes a message instead. */
#ifndef POORT_FW_LINUX_H
#define POORT_FW_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include <poort/board.h>
#include <poort/fw/image.h>
#include <poort/fw/state.h>

#include "board_linux.h"
#include "mtd_flash.h"
#include "sim_flash.h"

#define FWL_CHOSEN_DEFAULT "/proc/device-tree/chosen"

/* What the boot stage put in /chosen for the running system. */
struct fwl_running {
	int slot;          /* 0 = A, 1 = B */
	int trial;         /* booted as an unconfirmed trial */
	char version[24];  /* "1.2.3" */
	uint32_t rollback; /* the running image's counter (has_rollback) */
	int has_rollback;
	char board[32];
};

/* Reads chosen_dir/poort,* (NULL: FWL_CHOSEN_DEFAULT). Returns 0, or 1 if
 * there is no poort,slot (not started by the Poort boot stage). */
int fwl_running_read(const char *chosen_dir, struct fwl_running *r);

struct fwl_opts {
	const char *board; /* NULL: /chosen's poort,board */
	const char *flash; /* /dev/mtdN or a file; NULL: the board's MTD partition */
	const char *chosen;
	int rdonly;
	int64_t cut_at; /* file-backed flash only: power cut at this operation (tests); -1 */
};

struct fwl {
	struct board b;
	const struct board_linux *bl;
	int is_file;
	struct mtd_flash mtd;
	struct sim_flash file;
	char path[256];
};

int fwl_open(struct fwl *f, const struct fwl_opts *o, char *err, size_t errlen);
void fwl_close(struct fwl *f);

/* One slot's image checked on flash against the installed floor. */
struct fwl_slot {
	int rc;                  /* 0 valid, else the FW_E* that refuses it */
	int empty;               /* erased: no image was ever written */
	struct fw_image_hdr hdr; /* rc == 0 */
};
int fwl_slot_check(struct fwl *f, int slot, uint32_t min_rollback, struct fwl_slot *out);

/* Confirms the image running from slot: it must still be the one there
 * (valid on flash; the same version and rollback as run, if given) and
 * be the trial or the confirmed slot (an update that overwrote a trial
 * slot leaves nothing to confirm: FW_ESTATE). Then fw_state_confirm
 * makes it confirmed and raises the rollback floor to its counter.
 * *was_trial (may be NULL) says whether anything changed from trial. */
int fwl_confirm(struct fwl *f, int slot, const struct fwl_running *run, int *was_trial);

/* Checks a whole image in RAM against this board, the key and the floor
 * before anything is written: FW_EBOARD, FW_ESIG, FW_EROLLBACK, FW_ESIZE
 * (larger than a slot), ... hdr is filled on success. */
int fwl_image_check(struct fwl *f, const uint8_t *img, size_t len, struct fw_image_hdr *hdr);

/* Writes img into the slot that is not confirmed through fw_sink
 * (resuming an interrupted write of the same image), verifies it on
 * flash and activates it for a trial boot. *slot gets the slot written,
 * *resumed the offset the write resumed from. */
int fwl_update(struct fwl *f, const uint8_t *img, size_t len, int *slot, uint32_t *resumed);

/* How the box reboots: through init (cmd, e.g. FWL_REBOOT_CMD), which runs
 * /etc/init.d/rcK first, so poortd stops with its queued rows committed and
 * the data area is unmounted cleanly; only when cmd is missing or fails,
 * sync() and reboot(2) directly. 0 when the reboot is under way (the
 * caller just exits), -1 with errno when neither worked. */
#define FWL_REBOOT_CMD "/sbin/reboot"
int fwl_reboot(const char *cmd);

#endif
