/* qemu-system-aarch64 -M virt -cpu cortex-a53: the emulated board the
 * bare-metal boot stage is tested on. Addresses from qemu's hw/arm/virt.c
 * memory map (qemu 7.2): flash 0x00000000 (two 64 MiB CFI banks, the second
 * at 0x04000000), PL011 UART 0x09000000 with a 24 MHz clock, RAM from
 * 0x40000000, 32 virtio-mmio transports from 0x0a000000 (stride 0x200).
 * No watchdog. A NIC only when qemu is given -device virtio-net-device
 * (modern virtio-mmio: -global virtio-mmio.force-legacy=false); then
 * network recovery runs here as on a real board.
 *
 * qemu writes its device tree at the start of RAM for an ELF that leaves
 * room there (memory.ld links us 1 MiB up); we read the RAM size from it
 * and hand it, patched, to Linux. */
#include <stddef.h>

#include <libfdt.h>

#include "../../drivers/cfi/cfi_flash.h"
#include "../../drivers/gtimer/gtimer.h"
#include "../../drivers/pl011/pl011.h"
#include "../../drivers/virtio/virtio_net.h"
#include "../../firmware/net/netrec.h"
#include "../../firmware/baremetal/aarch64/bm.h"

#define VIRT_FLASH1_BASE 0x04000000u /* -drive if=pflash,unit=1 */
#define VIRT_UART_BASE 0x09000000u
#define VIRT_MMIO_BASE 0x0a000000u
#define VIRT_MMIO_COUNT 32u
#define VIRT_RAM_BASE 0x40000000u
#define VIRT_FDT_ADDR VIRT_RAM_BASE /* where qemu puts its device tree */
/* Components load from RAM + 2 MiB (above this boot stage, memory.ld) to
 * the end of RAM; 128 MiB is qemu's default when the tree says nothing. */
#define VIRT_LOAD_ADDR 0x40200000u
#define VIRT_RAM_DEFAULT (128u << 20)
#define VIRT_RAM_MAX (1024u << 20)      /* the identity map covers 1 GiB of RAM */
#define VIRT_FLASH1_MTD_OFF 0x04000000u /* bank 1 within Linux's flash@0 */
#define PSCI_SYSTEM_RESET 0x84000009u

static struct gtimer virt_gtimer;
static struct pl011 virt_pl011;
static struct cfi_flash virt_cfi;
static struct drv_timer virt_timer = {.ops = &gtimer_ops, .ctx = &virt_gtimer};
static struct drv_uart virt_uart = {.ops = &pl011_uart_ops, .ctx = &virt_pl011};
static struct drv_flash virt_flash;
static struct virtio_net virt_vnet;
static struct drv_net virt_net;

static void
virt_console_flush(void)
{
	pl011_flush(&virt_pl011);
}

/* The boot stage's flash areas as Linux MTD partitions (offsets within
 * the flash@0 node: bank 1 follows bank 0's 64 MiB), plus the whole bank
 * for tools that use the board's own offsets. Kept in step with the
 * flash map in virt_board below. */
static const struct bm_linux_part virt_parts[] = {
    {"poort-state", VIRT_FLASH1_MTD_OFF + 0x0000000, 0x0080000},
    {"poort-journal", VIRT_FLASH1_MTD_OFF + 0x0080000, 0x0040000},
    {"poort-config", VIRT_FLASH1_MTD_OFF + 0x0100000, 0x0100000},
    {"poort-slot-a", VIRT_FLASH1_MTD_OFF + 0x0200000, 0x1800000},
    {"poort-slot-b", VIRT_FLASH1_MTD_OFF + 0x1a00000, 0x1800000},
    {"poort-boot-flash", VIRT_FLASH1_MTD_OFF, 0x4000000},
};

static struct bm_linux_board virt_linux = {
    .board_name = "qemu-virt",
    .fdt = NULL, /* set in board_bm_init when qemu left one */
    .flash_compat = "cfi-flash",
    .parts = virt_parts,
    .nparts = sizeof(virt_parts) / sizeof(virt_parts[0]),
    .bootargs = "console=ttyAMA0",
    .console_flush = virt_console_flush,
};

static int
virt_jump(const struct board *b, const struct board_boot_info *bi)
{
	(void)b;
	return bm_linux_boot(&virt_linux, bi);
}

static void
virt_reset(const struct board *b)
{
	(void)b;
	/* qemu's built-in PSCI: HVC when there is no EL2, SMC when qemu
	 * emulates EL2 (virtualization=on; our EL2 stub owns HVC then). */
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_RESET;
	if (bm_boot_el == 2)
		__asm__ volatile("smc #0" : "+r"(x0)::"memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0)::"memory");
	for (;;)
		__asm__ volatile("wfe");
}

static struct board virt_board = {
    .name = "qemu-virt",
    .id = BOARD_ID_QEMU_VIRT,
    .flash = &virt_flash,
    .console = &virt_uart,
    .timer = &virt_timer,
    .wdt = NULL,
    .net = NULL,
    /* Flash map of the 64 MiB second bank, 256 KiB sectors. */
    .state = {.off = 0x000000, .size = 0x080000},
    .journal = {.off = 0x080000, .size = 0x040000},
    .config = {.off = 0x100000, .size = 0x100000},
    .slot = {{.off = 0x0200000, .size = 0x1800000}, {.off = 0x1a00000, .size = 0x1800000}},
    .load_addr = (uint8_t *)(uintptr_t)VIRT_LOAD_ADDR,
    .load_max = VIRT_RAM_DEFAULT - (VIRT_LOAD_ADDR - VIRT_RAM_BASE),
    .recovery_window_ms = 1000,
    .recovery_idle_ms = 600000, /* 10 min with no host: back to the image */
    .max_trial_boots = 3,
    .wdt_timeout_ms = 0,
    .recovery_pin = NULL,
    .jump = virt_jump,
    .reset = virt_reset,
};

/* Size of the RAM bank at 0x40000000 from the tree's memory node. */
static uint64_t
virt_fdt_ram_size(const void *fdt)
{
	int node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", 7);
	const fdt32_t *reg;
	int len;

	if (node < 0)
		return VIRT_RAM_DEFAULT;
	reg = fdt_getprop(fdt, node, "reg", &len);
	/* qemu virt: #address-cells = #size-cells = 2 */
	if (!reg || len < 16 || fdt32_to_cpu(reg[1]) != VIRT_RAM_BASE)
		return VIRT_RAM_DEFAULT;
	return (uint64_t)fdt32_to_cpu(reg[2]) << 32 | fdt32_to_cpu(reg[3]);
}

const struct board *
board_bm_init(void)
{
	/* GiB 0: flash and devices; GiB 1: RAM (128 MiB used of it). */
	static const enum bm_mem_kind map[4] = {BM_MEM_DEVICE, BM_MEM_NORMAL, BM_MEM_NONE,
	                                        BM_MEM_NONE};

	const void *fdt = (const void *)(uintptr_t)VIRT_FDT_ADDR;

	bm_mmu_enable(map);
	gtimer_init(&virt_gtimer);
	/* clk 0: keep qemu's divisor; a pty ignores the rate anyway. */
	pl011_init(&virt_pl011, VIRT_UART_BASE, 0, 115200, &virt_timer);
	bm_console_set(&virt_uart);
	if (fdt_check_header(fdt) == 0) {
		uint64_t ram = virt_fdt_ram_size(fdt);

		virt_linux.fdt = fdt;
		if (ram > VIRT_RAM_MAX)
			ram = VIRT_RAM_MAX;
		if (ram > VIRT_LOAD_ADDR - VIRT_RAM_BASE + (16u << 20))
			virt_board.load_max = (uint32_t)(ram - (VIRT_LOAD_ADDR - VIRT_RAM_BASE));
	} else {
		bm_puts("boot: no device tree from qemu at 0x40000000 (is the boot stage "
		        "linked at >= 0x40100000?)\r\n");
	}
	if (cfi_flash_probe(&virt_cfi, VIRT_FLASH1_BASE, &virt_timer, &virt_flash)) {
		bm_puts("boot: no CFI flash at 0x04000000 (start qemu with "
		        "-drive if=pflash,unit=1,format=raw,file=...)\r\n");
		virt_board.flash = NULL;
	}
	if (virtio_net_probe(&virt_vnet, VIRT_MMIO_BASE, VIRT_MMIO_COUNT, &virt_timer, &virt_net) ==
	    0) {
		virt_board.net = &virt_net;
		virt_board.net_poll = netrec_board_poll;
	}
	return &virt_board;
}
