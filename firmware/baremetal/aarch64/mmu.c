/* Identity-mapped MMU for the boot stage. With the MMU off every data access
 * is Device memory, where unaligned loads fault and nothing is cached; lwIP
 * and mbedTLS do unaligned accesses on packed wire data, and the verify path
 * hashes megabytes, so we map RAM as normal cacheable memory and the rest as
 * device memory, in 1 GiB blocks (coarse, but a boot stage needs no more). */
#include "bm.h"

#define MAIR_DEVICE_NGNRNE 0x00u
#define MAIR_NORMAL_WB 0xffu
#define ATTR_DEVICE 0u /* MAIR index */
#define ATTR_NORMAL 1u

#define DESC_BLOCK 0x1ull
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)

/* 32-bit VA space (T0SZ = 32): the walk starts at level 1 with 4 entries. */
static uint64_t bm_l1_table[4] __attribute__((aligned(4096), section(".pagetables")));

void
bm_mmu_enable(const enum bm_mem_kind kinds[4])
{
	uint64_t tcr, sctlr;

	for (unsigned i = 0; i < 4; i++) {
		uint64_t pa = (uint64_t)i << 30;

		if (kinds[i] == BM_MEM_NORMAL)
			bm_l1_table[i] =
			    pa | DESC_BLOCK | DESC_ATTR(ATTR_NORMAL) | DESC_SH_INNER | DESC_AF;
		else if (kinds[i] == BM_MEM_DEVICE)
			bm_l1_table[i] = pa | DESC_BLOCK | DESC_ATTR(ATTR_DEVICE) | DESC_AF |
			                 DESC_PXN | DESC_UXN;
		else
			bm_l1_table[i] = 0; /* unmapped: a stray access faults */
	}
	/* T0SZ=32, inner/outer write-back walks, inner shareable, 4 KiB
	 * granule, TTBR1 walks disabled (EPD1), 32-bit physical addresses. */
	tcr = 32u | (1u << 8) | (1u << 10) | (3u << 12) | (1u << 23);
	__asm__ volatile("msr mair_el1, %0" ::"r"((uint64_t)MAIR_DEVICE_NGNRNE |
	                                          ((uint64_t)MAIR_NORMAL_WB << 8)));
	__asm__ volatile("msr tcr_el1, %0" ::"r"(tcr));
	__asm__ volatile("msr ttbr0_el1, %0" ::"r"((uint64_t)(uintptr_t)bm_l1_table));
	__asm__ volatile("dsb ish; tlbi vmalle1; dsb ish; isb" ::: "memory");
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	sctlr |= (1u << 0) | (1u << 2) | (1u << 12); /* M, C, I */
	sctlr &= ~(uint64_t)((1u << 1) | (1u << 3)); /* no alignment checks */
	__asm__ volatile("msr sctlr_el1, %0; isb" ::"r"(sctlr) : "memory");
}
