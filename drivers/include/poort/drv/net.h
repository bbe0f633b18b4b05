/* Ethernet driver for network recovery (lwIP NO_SYS netif glue lives in
 * firmware/net/, owned by H2). Raw frames in and out. */
#ifndef POORT_DRV_NET_H
#define POORT_DRV_NET_H

#include <stddef.h>
#include <stdint.h>

#include <poort/drv/err.h>

struct drv_net_ops {
	/* Sends one Ethernet frame (no FCS). Returns 0 or a negative DRV_E*. */
	int (*send)(void *ctx, const uint8_t *frame, size_t len);
	/* Receives one frame into buf; returns its length, 0 if none arrived
	 * within timeout_ms, or a negative DRV_E*. */
	int (*recv)(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms);
	void (*get_mac)(void *ctx, uint8_t mac[6]);
};

struct drv_net {
	const struct drv_net_ops *ops;
	void *ctx;
	uint16_t mtu;
};

#endif
