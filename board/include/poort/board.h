/* A board definition: what the portable boot core needs to know about one
 * piece of hardware. Each board directory (board/<name>/) defines one
 * `struct board` and hands it to boot_main(). */
#ifndef POORT_BOARD_H
#define POORT_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/flash.h>
#include <poort/drv/net.h>
#include <poort/drv/timer.h>
#include <poort/drv/uart.h>
#include <poort/drv/wdt.h>
#include <poort/fw/image.h>

/* Board ids carried in image headers (tools/poort-mkimage --board). Add new
 * boards here, never reuse a number. */
#define BOARD_ID_SIM 0x504f0001u       /* host simulator */
#define BOARD_ID_QEMU_VIRT 0x504f0002u /* qemu-system-aarch64 -M virt */
#define BOARD_ID_FIRST_REAL 0x504f0100u

/* A region of the board's flash device; off and size are multiples of the
 * device's erase_size. */
struct board_area {
	uint32_t off;
	uint32_t size;
};

struct board;

#define BOARD_NET_ACTIVE 2 /* net_poll: a recovery client was served */

/* What the core hands over when it boots an image: every component has
 * been verified and decompressed into RAM (fw_image_load). */
struct board_boot_info {
	int slot;          /* 0 = A, 1 = B */
	int trial;         /* 1 if this is an unconfirmed trial boot */
	uint16_t ver[3];   /* semantic version major.minor.patch */
	uint32_t rollback; /* image's rollback counter */
	/* The loaded image: part[FW_COMP_KERNEL] is always there; initrd
	 * (initramfs or root filesystem), dtb and cmdline when the image
	 * has them; kernel_span, kernel_arm64 and the free RAM after the
	 * components (poort/fw/image.h, struct fw_image_loaded). */
	const struct fw_image_loaded *img;
};

struct board {
	const char *name;
	uint32_t id; /* BOARD_ID_* */

	/* Devices. flash, console and timer are required; wdt and net may be
	 * NULL. */
	const struct drv_flash *flash;
	const struct drv_uart *console;
	const struct drv_timer *timer;
	const struct drv_wdt *wdt;
	const struct drv_net *net;

	/* Flash layout. state must be exactly two erase sectors (one per copy
	 * of the state record); journal at least one erase sector (upload
	 * progress); config is the daemon's area, wiped by factory reset. */
	struct board_area slot[2];
	struct board_area state;
	struct board_area journal;
	struct board_area config;

	/* RAM the image's components are loaded into before it starts. */
	uint8_t *load_addr;
	uint32_t load_max;

	/* Policy. */
	uint32_t recovery_window_ms; /* wait this long for a key on the console */
	/* Recovery with no request from a host (serial frame or network
	 * recovery client) for this long reboots the box if it has an image
	 * it can boot; 0 = wait for a host forever. */
	uint32_t recovery_idle_ms;
	uint32_t max_trial_boots; /* unconfirmed boots before fallback */
	uint32_t wdt_timeout_ms;  /* 0 = do not arm the watchdog */

	/* Returns nonzero while the recovery pin/button is asserted. May be
	 * NULL (no pin). */
	int (*recovery_pin)(const struct board *b);
	/* Starts the verified image. Does not return on hardware once the
	 * image runs; returns a negative FW_E* (FW_EKERNEL, FW_EDTB) when it
	 * cannot start it, so the core tries the next slot and logs why. The
	 * simulator returns 0 after "running" it: boot_main() then returns
	 * BOOT_OK. */
	int (*jump)(const struct board *b, const struct board_boot_info *bi);
	/* Resets the machine. Does not return on hardware; the simulator
	 * returns and boot_main() returns BOOT_RESET. */
	void (*reset)(const struct board *b);

	/* Network recovery (firmware/net/): if non-NULL, boot_recovery()
	 * calls it between serial polls so lwIP (NO_SYS) can run. It feeds
	 * images through fw_sink (poort/fw/sink.h), the same path as serial.
	 * Returns 0 to go on, 1 to have the core reset the board,
	 * BOARD_NET_ACTIVE when it served a recovery client in this poll (that
	 * keeps recovery from timing out, see recovery_idle_ms). */
	int (*net_poll)(const struct board *b);

	void *priv; /* board-specific data */
};

#endif
