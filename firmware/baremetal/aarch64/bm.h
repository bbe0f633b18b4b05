/* Glue of the bare-metal boot stage: CPU setup and the early console. */
#ifndef POORT_BM_H
#define POORT_BM_H

#include <stdint.h>

#include <poort/board.h>

enum bm_mem_kind {
	BM_MEM_NONE,
	BM_MEM_DEVICE,
	BM_MEM_NORMAL,
};

/* Maps the first 4 GiB 1:1, one kind per GiB. */
void bm_mmu_enable(const enum bm_mem_kind kinds[4]);

/* Early console for banners and fatal errors; set once the UART is up. */
void bm_console_set(const struct drv_uart *uart);
void bm_puts(const char *s);
void bm_put_hex(uint64_t v);

/* Called from the exception vectors; prints and stops. */
_Noreturn void bm_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);

/* mbedTLS fatal exit (MBEDTLS_PLATFORM_EXIT_MACRO): reports and stops. */
void bm_fatal_exit(int status);

/* The exception level we were entered at (1 or 2), set by start.S. */
extern uint32_t bm_boot_el;

/* Linux hand-over (linux.c). A flash area as an MTD partition: offset
 * and size in the flash node's address space. */
struct bm_linux_part {
	const char *label;
	uint32_t off;
	uint32_t size;
};
struct bm_linux_board {
	const char *board_name;   /* /chosen/poort,board */
	const void *fdt;          /* the board's device tree, or NULL */
	const char *flash_compat; /* partitions go under the first such node */
	const struct bm_linux_part *parts;
	unsigned nparts;
	const char *bootargs;        /* when the image carries no command line */
	void (*console_flush)(void); /* waits until the UART has sent it all */
};
/* Patches the device tree (the image's, else lb->fdt) into the free RAM
 * after the components, cleans the loaded ranges to PoC and enters the
 * kernel. Returns only on failure: FW_EKERNEL (not an arm64 Image) or
 * FW_EDTB (no usable device tree, or it cannot be patched). */
int bm_linux_boot(const struct bm_linux_board *lb, const struct board_boot_info *bi);

/* Each board directory provides this: brings up its devices and returns
 * its definition, ready for the boot core. */
const struct board *board_bm_init(void);

#endif
