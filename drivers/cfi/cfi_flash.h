/* Parallel NOR flash with the Intel/Sharp command set (CFI primary vendor
 * command set 0x0001), as qemu's pflash_cfi01 on -M virt and many real
 * parallel NOR parts implement it. The geometry comes from the chip's CFI
 * query table, so one driver serves any size. Only bank widths of 4 bytes
 * made of two x16 chips (qemu virt) or one x32 chip are handled: commands
 * are written to every chip lane at once. References: JEDEC JESD68.01 (CFI),
 * Intel "Common Flash Interface" AP-646, Intel P30 datasheet for commands. */
#ifndef POORT_CFI_FLASH_H
#define POORT_CFI_FLASH_H

#include <stdint.h>

#include <poort/drv/flash.h>
#include <poort/drv/timer.h>

struct cfi_flash {
	uintptr_t base;
	uint32_t size;       /* whole bank, bytes */
	uint32_t erase_size; /* bank-wide sector, bytes */
	uint32_t wbuf_size;  /* bank-wide write buffer, bytes (0: none) */
	uint32_t lanes;      /* chips side by side in the 32-bit bank */
	uint32_t cmd_mul;    /* replicates a command byte to every lane */
	const struct drv_timer *timer;
};

/* Reads the CFI query table at base and fills f and drv (ops, size,
 * erase_size, write_align). Returns 0, DRV_ENODEV (no CFI answer) or
 * DRV_EIO (a command set we do not speak). */
int cfi_flash_probe(struct cfi_flash *f, uintptr_t base, const struct drv_timer *timer,
                    struct drv_flash *drv);

extern const struct drv_flash_ops cfi_flash_ops;

#endif
