/* qemu-system-aarch64 -M virt -cpu cortex-a53: the emulated board the
 * bare-metal boot stage is tested on. Addresses from qemu's hw/arm/virt.c
 * memory map (qemu 7.2): flash 0x00000000 (two 64 MiB CFI banks, the second
 * at 0x04000000), PL011 UART 0x09000000 with a 24 MHz clock, RAM from
 * 0x40000000, 32 virtio-mmio transports from 0x0a000000 (stride 0x200).
 * No watchdog. A NIC only when qemu is given -device virtio-net-device
 * (modern virtio-mmio: -global virtio-mmio.force-legacy=false); then
 * network recovery runs here as on a real board. */
#include <stddef.h>

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
#define VIRT_LOAD_ADDR 0x44000000u /* RAM + 64 MiB, clear of the image */
#define VIRT_LOAD_MAX (32u << 20)
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
virt_jump(const struct board *b, const struct board_boot_info *bi)
{
	(void)b;
	/* A real board enters the kernel here (x0 = device tree). The test
	 * images are random payloads, so the emulated board stops after
	 * saying what it would start. */
	bm_puts("boot: image ready slot=");
	bm_puts(bi->slot ? "B" : "A");
	bm_puts(bi->trial ? " trial=1" : " trial=0");
	bm_puts(" load=");
	bm_put_hex((uintptr_t)bi->load_addr);
	bm_puts(" size=");
	bm_put_hex(bi->load_size);
	bm_puts("\r\nboot: qemu-virt halts here (no kernel in test images)\r\n");
	for (;;)
		__asm__ volatile("wfe");
}

static void
virt_reset(const struct board *b)
{
	(void)b;
	/* qemu's built-in PSCI answers HVC when no EL2/EL3 firmware runs. */
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_RESET;
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
    .load_max = VIRT_LOAD_MAX,
    .recovery_window_ms = 1000,
    .recovery_idle_ms = 600000, /* 10 min with no host: back to the image */
    .max_trial_boots = 3,
    .wdt_timeout_ms = 0,
    .recovery_pin = NULL,
    .jump = virt_jump,
    .reset = virt_reset,
};

const struct board *
board_bm_init(void)
{
	/* GiB 0: flash and devices; GiB 1: RAM (128 MiB used of it). */
	static const enum bm_mem_kind map[4] = {BM_MEM_DEVICE, BM_MEM_NORMAL, BM_MEM_NONE,
	                                        BM_MEM_NONE};

	bm_mmu_enable(map);
	gtimer_init(&virt_gtimer);
	/* clk 0: keep qemu's divisor; a pty ignores the rate anyway. */
	pl011_init(&virt_pl011, VIRT_UART_BASE, 0, 115200, &virt_timer);
	bm_console_set(&virt_uart);
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
