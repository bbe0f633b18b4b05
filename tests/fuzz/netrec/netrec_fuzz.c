/* Fuzz target: Ethernet frames from the wire into network recovery (lwIP's
 * ARP/IPv4/ICMP/UDP input, lwIP's TFTP server, our TFTP-to-sink glue and
 * the sink itself) on the simulator board with in-memory flash.
 *
 * Input: a sequence of frames, each a 16-bit little-endian length and that
 * many bytes (a zero length is a quiet moment: timers run). The harness's
 * lwIP has checksum checks off (POORT_LWIP_FUZZ) so mutations get deep. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lwip/timeouts.h>

#include <poort/fw/err.h>

#include "../../../board/sim/board_sim.h"
#include "../../../firmware/net/netrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_wire {
	const uint8_t *p;
	size_t left;
};

static struct fuzz_wire wire;
static uint32_t fake_ms;

static uint32_t fuzz_now_ms(void *ctx)
{
	(void)ctx;
	return fake_ms;
}

static void fuzz_delay_ms(void *ctx, uint32_t ms)
{
	(void)ctx;
	fake_ms += ms;
}

static const struct drv_timer_ops fuzz_timer_ops = {.now_ms = fuzz_now_ms,
						    .delay_ms = fuzz_delay_ms};
static const struct drv_timer fuzz_timer = {.ops = &fuzz_timer_ops, .ctx = NULL};

static int fuzz_send(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)frame;
	(void)len;
	return 0;
}

static int fuzz_recv(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	size_t len;

	(void)ctx;
	/* Time moves with every look at the wire, so lwIP's timers (ARP, TFTP
	 * retransmit and give-up) fire within one input. Not on every look
	 * at the clock: lwIP's timer loop would then never catch up. */
	fake_ms += 37u + timeout_ms;
	if (wire.left < 2)
		return DRV_ENODEV; /* input used up: the peer is gone */
	len = (size_t)wire.p[0] | (size_t)wire.p[1] << 8;
	wire.p += 2;
	wire.left -= 2;
	if (len > wire.left)
		len = wire.left;
	if (len > cap)
		len = cap;
	memcpy(buf, wire.p, len);
	wire.p += len;
	wire.left -= len;
	return (int)len;
}

static void fuzz_get_mac(void *ctx, uint8_t mac[6])
{
	static const uint8_t m[6] = {0x02, 0x50, 0x4f, 0x52, 0x00, 0x01};

	(void)ctx;
	memcpy(mac, m, 6);
}

static const struct drv_net_ops fuzz_net_ops = {
	.send = fuzz_send, .recv = fuzz_recv, .get_mac = fuzz_get_mac};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_board sb;
	static struct netrec nr;
	struct drv_net net = {.ops = &fuzz_net_ops, .ctx = NULL, .mtu = 1500};
	size_t rounds = size + 8;

	if (sim_flash_open(&sb.flash, NULL, SIM_FLASH_SIZE, SIM_ERASE))
		return 0;
	sim_uart_open_null(&sb.uart);
	sim_board_init(&sb);
	sb.b.timer = &fuzz_timer;
	sb.b.net = &net;
	wire.p = data;
	wire.left = size;
	if (netrec_init(&nr, &sb.b, &fw_boot_pubkey) == 0) {
		/* lwIP keeps its timers across inputs: let every one-shot
		 * timer of the previous input run out, so inputs do not
		 * depend on each other. */
		fake_ms += 100000;
		sys_check_timeouts();
		/* Bounded: every round consumes at least two bytes or ends. */
		while (rounds--) {
			int rc = netrec_poll(&nr, 0);

			if (rc == NETREC_DOWN || rc < 0)
				break;
		}
		netrec_free(&nr);
	}
	sim_flash_close(&sb.flash);
	return 0;
}
