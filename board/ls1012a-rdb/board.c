/* NXP LS1012A-RDB: the real board the bare-metal port targets first. A
 * single Cortex-A53 (up to 800 MHz, about 1 W), two GbE MACs in the packet
 * forwarding engine (PFE), a 16550 DUART and 64 MiB of QSPI NOR: a small,
 * cool, fanless gateway, close to what a school cupboard box needs.
 *
 * Figures and where they come from:
 *   DDR        0x80000000, 1 GiB      U-Boot include/configs/ls1012a_common.h
 *                                     (CONFIG_SYS_DDR_SDRAM_BASE); RDB guide
 *   QSPI NOR   0x40000000 (AHB window) ls1012a_common.h CONFIG_SYS_FSL_QSPI_BASE
 *   flash part Spansion S25FS512S,     Linux fsl-ls1012a-rdb.dts (qflash0);
 *              64 MiB, 256 KiB sectors Cypress S25FS512S datasheet
 *   console    DUART0 at 0x021c0500,  Linux fsl-ls1012a.dtsi (duart0); 16550
 *              byte registers          (U-Boot CONFIG_SYS_NS16550_REG_SIZE 1)
 *   GPIO1      0x02300000, big-endian  Linux fsl-ls1012a.dtsi (gpio0), the
 *                                     mpc8xxx GPIO block: GPDAT at +0x08
 *   WDOG1      0x02ad0000 (i.MX-style) Linux fsl-ls1012a.dtsi (wdog0)
 *
 * What is not there yet (see firmware/README.md): the QSPI controller's
 * program/erase path (its LUT sequencer), the PFE Ethernet driver (needs
 * the PFE firmware blob) and the WDOG driver. Until then the flash is read
 * through the memory-mapped AHB window, which is enough to verify and boot
 * an image, and recovery writes answer DRV_ENODEV.
 */
#include <stddef.h>
#include <string.h>

#include "../../drivers/gtimer/gtimer.h"
#include "../../drivers/ns16550/ns16550.h"
#include "../../firmware/baremetal/aarch64/bm.h"

#define RDB_QSPI_AHB_BASE 0x40000000u
#define RDB_QSPI_SIZE (64u << 20)
#define RDB_QSPI_SECTOR (256u << 10)
#define RDB_DUART0_BASE 0x021c0500u
#define RDB_GPIO1_BASE 0x02300000u
#define RDB_GPIO_GPDAT 0x08u
/* Recovery jumper: GPIO1_24 on the RDB's expansion header, pulled up,
 * jumper to ground asserts it. This pin is Poort's choice for the carrier
 * wiring, not a function NXP assigns; change it here with the carrier. */
#define RDB_RECOVERY_GPIO_BIT 24u
#define RDB_LOAD_ADDR 0x90000000u /* DRAM + 256 MiB */
#define RDB_LOAD_MAX (64u << 20)
#define PSCI_SYSTEM_RESET 0x84000009u

static struct gtimer rdb_gtimer;
static struct ns16550 rdb_uart_dev;
static struct drv_timer rdb_timer = {.ops = &gtimer_ops, .ctx = &rdb_gtimer};
static struct drv_uart rdb_uart = {.ops = &ns16550_uart_ops, .ctx = &rdb_uart_dev};

/* Read-only flash through the QSPI AHB window (see above). */
static int
rdb_flash_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > RDB_QSPI_SIZE || len > RDB_QSPI_SIZE - off)
		return DRV_ERANGE;
	memcpy(buf, (const void *)(uintptr_t)(RDB_QSPI_AHB_BASE + off), len);
	return 0;
}

static int
rdb_flash_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return DRV_ENODEV;
}

static int
rdb_flash_erase(void *ctx, uint32_t off, size_t len)
{
	(void)ctx;
	(void)off;
	(void)len;
	return DRV_ENODEV;
}

static const struct drv_flash_ops rdb_flash_ops = {
    .read = rdb_flash_read,
    .write = rdb_flash_write,
    .erase = rdb_flash_erase,
};

static struct drv_flash rdb_flash = {
    .ops = &rdb_flash_ops,
    .ctx = NULL,
    .size = RDB_QSPI_SIZE,
    .erase_size = RDB_QSPI_SECTOR,
    .write_align = 1,
};

static int
rdb_recovery_pin(const struct board *b)
{
	volatile uint32_t *gpdat =
	    (volatile uint32_t *)(uintptr_t)(RDB_GPIO1_BASE + RDB_GPIO_GPDAT);
	/* The mpc8xxx GPIO block is big-endian and numbers bit 0 as the MSB. */
	uint32_t v = __builtin_bswap32(*gpdat);

	(void)b;
	return !(v & (0x80000000u >> RDB_RECOVERY_GPIO_BIT)); /* active low */
}

static void
rdb_console_flush(void)
{
	ns16550_flush(&rdb_uart_dev);
}

/* The boot stage's QSPI areas as MTD partitions under the flash node of
 * the image's device tree; kept in step with the flash map below. */
static const struct bm_linux_part rdb_parts[] = {
    {"poort-state", 0x0300000, 0x080000},   {"poort-journal", 0x0380000, 0x040000},
    {"poort-config", 0x0400000, 0x0400000}, {"poort-slot-a", 0x0800000, 0x1c00000},
    {"poort-slot-b", 0x2400000, 0x1c00000},
};

/* No device tree of our own: TF-A passes none to BL33 on this board, so
 * the image must carry the RDB's (fsl-ls1012a-rdb.dtb) as its dtb
 * component; without it the hand-over refuses with FW_EDTB. */
static const struct bm_linux_board rdb_linux = {
    .board_name = "ls1012a-rdb",
    .fdt = NULL,
    .flash_compat = "jedec,spi-nor",
    .parts = rdb_parts,
    .nparts = sizeof(rdb_parts) / sizeof(rdb_parts[0]),
    .bootargs = "console=ttyS0,115200",
    .console_flush = rdb_console_flush,
};

static int
rdb_jump(const struct board *b, const struct board_boot_info *bi)
{
	(void)b;
	/* The same hand-over as qemu-virt (aarch64/linux.c): x0 = patched
	 * device tree, MMU and caches off, EL2 when TF-A gave us EL2. Not
	 * run on hardware yet. */
	return bm_linux_boot(&rdb_linux, bi);
}

static void
rdb_reset(const struct board *b)
{
	(void)b;
	/* TF-A implements PSCI SYSTEM_RESET at EL3 on Layerscape. */
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_RESET;
	__asm__ volatile("smc #0" : "+r"(x0)::"memory");
	for (;;)
		__asm__ volatile("wfe");
}

static struct board rdb_board = {
    .name = "ls1012a-rdb",
    .id = BOARD_ID_FIRST_REAL,
    .flash = &rdb_flash,
    .console = &rdb_uart,
    .timer = &rdb_timer,
    .wdt = NULL,
    .net = NULL,
    /* QSPI NOR map (256 KiB sectors). 0-3 MiB belong to the earlier
     * stages (RCW/PBI, TF-A BL2/FIP with this boot stage as BL33) and the
     * PFE firmware; Poort never writes there. */
    .state = {.off = 0x0300000, .size = 0x080000},
    .journal = {.off = 0x0380000, .size = 0x040000},
    .config = {.off = 0x0400000, .size = 0x0400000},
    .slot = {{.off = 0x0800000, .size = 0x1c00000}, {.off = 0x2400000, .size = 0x1c00000}},
    .load_addr = (uint8_t *)(uintptr_t)RDB_LOAD_ADDR,
    .load_max = RDB_LOAD_MAX,
    .recovery_window_ms = 2000,
    .recovery_idle_ms = 600000, /* 10 min with no host: back to the image */
    .max_trial_boots = 3,
    .wdt_timeout_ms = 0,
    .recovery_pin = rdb_recovery_pin,
    .jump = rdb_jump,
    .reset = rdb_reset,
};

const struct board *
board_bm_init(void)
{
	/* GiB 0: CCSR devices; GiB 1: the QSPI AHB window, read-only here,
	 * so normal memory (memcpy may do unaligned loads, which fault on
	 * device memory); the program path, once written, must invalidate
	 * the cached range after each write. GiB 2: the 1 GiB of DRAM. */
	static const enum bm_mem_kind map[4] = {BM_MEM_DEVICE, BM_MEM_NORMAL, BM_MEM_NORMAL,
	                                        BM_MEM_NONE};

	bm_mmu_enable(map);
	gtimer_init(&rdb_gtimer);
	ns16550_init(&rdb_uart_dev, RDB_DUART0_BASE, 0, 115200, &rdb_timer);
	bm_console_set(&rdb_uart);
	return &rdb_board;
}
