/* Simulated NOR flash in host memory, optionally mirrored to a file, that
 * can lose power after any operation. */
#ifndef SIM_FLASH_H
#define SIM_FLASH_H

#include <stdint.h>

#include <poort/drv/flash.h>

struct sim_flash {
	struct drv_flash drv;
	uint8_t *mem;
	int fd;         /* -1: memory only */
	uint64_t ops;   /* write/erase operations done so far */
	int64_t cut_at; /* op number that is torn and cuts power; -1 never */
	int dead;       /* power is off: every call fails */
};

/* size and erase_size in bytes; path may be NULL. A new file is erased
 * (0xff). Returns 0 or -1 (errno set). */
int sim_flash_open(struct sim_flash *f, const char *path, uint32_t size, uint32_t erase_size);
/* Power comes back: clears the cut and the dead flag, keeps contents. */
void sim_flash_power_on(struct sim_flash *f);
void sim_flash_close(struct sim_flash *f);

#endif
