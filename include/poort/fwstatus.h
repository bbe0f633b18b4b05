/*
 * The firmware slots as the privileged parent sees them, for the dashboard
 * in the web child: STATE_DIR/firmware.json, written by the parent (root,
 * mode 0644, temp file + rename) at start and after a confirm, read by the
 * web child on each dashboard request. On a host that was not started by
 * the Poort boot stage (no poort,slot in /chosen) it says so: box false.
 *
 *	{"format": 1, "written": 1764553200, "box": true, "board": "qemu-virt",
 *	 "error": "", "running": "A", "version": "1.0.0", "on_trial": false,
 *	 "trial_boots": 0, "attempts_left": 0, "rollback_floor": 1, "boots": 7,
 *	 "slots": [{"slot": "A", "state": "valid", "version": "1.0.0",
 *	            "rollback": 1, "confirmed": true, "trial": false,
 *	            "running": true, "problem": ""}, {"slot": "B", ...}]}
 *
 * The web child's reader takes nothing on trust: a file it cannot parse
 * is FWSTATUS_EFORMAT, strings are bounded, unknown words refused.
 */
#ifndef POORT_FWSTATUS_H
#define POORT_FWSTATUS_H

#include <stddef.h>
#include <stdint.h>

#define FWSTATUS_FILE "firmware.json"
#define FWSTATUS_MAX 8192 /* bytes: a larger file is not ours */

enum {
	FWSTATUS_ENOENT = -1801,  /* not written (yet) */
	FWSTATUS_EFORMAT = -1802, /* not a status file of this format */
	FWSTATUS_EIO = -1803,
};

enum fwstatus_slot_state {
	FWSTATUS_EMPTY,       /* erased: never written */
	FWSTATUS_VALID,       /* a verified image */
	FWSTATUS_BELOW_FLOOR, /* verified, but its rollback counter is below the floor */
	FWSTATUS_INVALID,     /* does not verify (problem says why) */
};

struct fwstatus_slot {
	enum fwstatus_slot_state state;
	char version[24]; /* "1.2.3"; "" when empty or invalid */
	uint32_t rollback;
	int confirmed, trial, running;
	char problem[64];
};

struct fwstatus {
	int64_t written; /* UTC seconds */
	int box;         /* 0: not started by the Poort boot stage; nothing else is set */
	char board[32];
	char error[160]; /* set: the boot stage's flash could not be read; no slots */
	int running;     /* the running slot: 0 = A, 1 = B */
	char version[24];
	int on_trial; /* the running slot is on trial (not yet confirmed) */
	unsigned trial_boots, attempts_left, rollback_floor, boots;
	struct fwstatus_slot slot[2];
};

/* Replaces dir/FWSTATUS_FILE with s, durably, mode 0644. */
int fwstatus_write(const char *dir, const struct fwstatus *s, char *err, size_t errlen);
/* Reads dir/FWSTATUS_FILE: 0, FWSTATUS_ENOENT, FWSTATUS_EFORMAT or FWSTATUS_EIO. */
int fwstatus_read(const char *dir, struct fwstatus *s);
/* The JSON text of len bytes (not NUL-terminated): 0 or FWSTATUS_EFORMAT. */
int fwstatus_parse(const char *text, size_t len, struct fwstatus *s);
/* "empty", "valid", "below-floor", "invalid" (the file's words). */
const char *fwstatus_slot_word(enum fwstatus_slot_state st);

#endif
