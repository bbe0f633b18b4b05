/* Helpers for the boot-stage simulator tests: images signed with the
 * build's development key, a simulated board over in-memory flash, and
 * uploads through the same sink serial recovery uses. */
#ifndef SIMTEST_H
#define SIMTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>
#include <poort/fw/image.h>
#include <poort/fw/proto.h>
#include <poort/fw/sink.h>
#include <poort/fw/state.h>

#include "board_sim.h"
#include "mkimage_lib.h"

extern int st_failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			st_failures++;                                                             \
		}                                                                                  \
	} while (0)

struct st_image {
	uint8_t *data;
	size_t len;
};

/* Builds an image for the sim board: behaviour is "confirm" or "hang";
 * size is the payload size (compressible filler after the magic text),
 * split 3:1 into a kernel and an initramfs component, plus a command
 * line, as a box image is. */
void st_image_make(struct st_image *im, const char *behaviour, uint16_t major, uint32_t rollback,
                   size_t size);
void st_image_free(struct st_image *im);

/* A fresh simulator board with erased in-memory flash, a null console,
 * no recovery window. */
void st_board_new(struct sim_board *s);
void st_board_free(struct sim_board *s);
/* A fresh board with src's flash contents, the operation counter at 0
 * and power cut at operation `cut` (-1: never). */
void st_board_clone(struct sim_board *dst, const struct sim_board *src, int64_t cut);
/* Copies flash contents from one sim board to another. */
void st_board_copy(struct sim_board *dst, const struct sim_board *src);

/* Uploads an image through fw_sink in 4 KiB chunks, then verify and
 * (if activate) activate. Returns 0 or the first error; *resumed gets
 * the offset begin resumed from. */
int st_upload(struct sim_board *s, const struct st_image *im, int activate, uint32_t *resumed);

/* Boots once with the pretend system (auto-confirm as the image says). */
int st_boot(struct sim_board *s);

/* Runs the serial recovery loop over the given console bytes (then the
 * line goes quiet and the loop ends). */
int st_factory(struct sim_board *s, const uint8_t *bytes, size_t len);

int st_done(const char *name);

#endif
