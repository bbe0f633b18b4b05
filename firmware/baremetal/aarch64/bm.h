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

/* Each board directory provides this: brings up its devices and returns
 * its definition, ready for the boot core. */
const struct board *board_bm_init(void);

#endif
