/* drv_flash over a Linux MTD character device (/dev/mtdN): how the running
 * system reaches the boot stage's NOR flash. Reads and writes are
 * pread/pwrite (mtdchar programs NOR synchronously, so a write that
 * returned is on the chip); erase is MEMERASE of whole sectors. */
#ifndef POORT_MTD_FLASH_H
#define POORT_MTD_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/flash.h>

struct mtd_flash {
	struct drv_flash drv;
	int fd;
};

/* Opens dev read-write (read-only if rdonly) and fills drv from
 * MEMGETINFO. Returns 0, or -1 with a message in err. */
int mtd_flash_open(struct mtd_flash *f, const char *dev, int rdonly, char *err, size_t errlen);
void mtd_flash_close(struct mtd_flash *f);

/* Finds the MTD device whose name is `name` (/sys/class/mtd/mtdN/name,
 * else /proc/mtd) and writes "/dev/mtdN" into path. sysfs may be NULL for
 * "/sys/class/mtd". Returns 0 or -1 (no such partition). */
int mtd_flash_find(const char *sysfs, const char *name, char *path, size_t pathlen);

#endif
