/* C entry of the bare-metal boot stage: the board brings up its devices,
 * then the portable boot core (firmware/core) takes over, exactly as in
 * the host simulator. */
#include <mbedtls/memory_buffer_alloc.h>

#include <poort/fw/boot.h>
#include <poort/fw/err.h>

#include "../net/netrec.h"
#include "aarch64/bm.h"

/* mbedTLS's bignum code allocates; one P-256 verify peaks well under 8 KiB
 * (measured by the host build), the arena leaves room for two in flight. */
static unsigned char bm_mbedtls_arena[24 * 1024] __attribute__((aligned(16)));
static struct netrec bm_netrec;

_Noreturn void bm_main(void);

_Noreturn void
bm_main(void)
{
	const struct board *b = board_bm_init();
	int rc;

	mbedtls_memory_buffer_alloc_init(bm_mbedtls_arena, sizeof(bm_mbedtls_arena));
	bm_puts("\r\nPoort boot stage (bare-metal aarch64) board=");
	bm_puts(b->name);
	bm_puts("\r\n");
	if (!b->flash) {
		bm_puts("boot: no flash, nothing to do\r\n");
		for (;;)
			__asm__ volatile("wfe");
	}
	/* Network recovery only where the board has a NIC; the board's
	 * net_poll then points at netrec_board_poll. */
	if (b->net && netrec_init(&bm_netrec, b, &fw_boot_pubkey) != 0)
		bm_puts("boot: network recovery unavailable\r\n");
	rc = boot_main(b);
	/* boot_main returns only when the board's jump/reset returned, which
	 * they do not on hardware; a negative code is a dead console. */
	bm_puts("boot: boot core returned rc=");
	bm_put_hex((uint64_t)(int64_t)rc);
	bm_puts("; resetting\r\n");
	b->reset(b);
	for (;;)
		__asm__ volatile("wfe");
}
