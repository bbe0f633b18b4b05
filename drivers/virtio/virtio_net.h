/* virtio-net over virtio-mmio (modern, version 2 register layout), polled:
 * qemu's -M virt offers it with -device virtio-net-device (and
 * -global virtio-mmio.force-legacy=false). It gives the emulated board a
 * NIC so network recovery runs on the bare-metal build too.
 * Reference: OASIS Virtual I/O Device (VIRTIO) 1.1, sections 2.6 (split
 * virtqueues), 4.2.2 (MMIO registers) and 5.1 (network device). */
#ifndef POORT_VIRTIO_NET_H
#define POORT_VIRTIO_NET_H

#include <stdint.h>

#include <poort/drv/net.h>
#include <poort/drv/timer.h>

#define VNET_QSIZE 8
#define VNET_HDR 12 /* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define VNET_BUF 1536

struct vnet_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vnet_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[VNET_QSIZE];
	uint16_t used_event;
};

struct vnet_used {
	uint16_t flags;
	uint16_t idx;
	struct {
		uint32_t id;
		uint32_t len;
	} ring[VNET_QSIZE];
	uint16_t avail_event;
};

struct vnet_queue {
	struct vnet_desc desc[VNET_QSIZE] __attribute__((aligned(16)));
	struct vnet_avail avail __attribute__((aligned(2)));
	struct vnet_used used __attribute__((aligned(4)));
	uint16_t last_used;
	uint8_t buf[VNET_QSIZE][VNET_BUF] __attribute__((aligned(16)));
};

struct virtio_net {
	uintptr_t base;
	const struct drv_timer *timer;
	uint8_t mac[6];
	struct vnet_queue rx, tx;
	uint16_t tx_next;
};

/* Scans count virtio-mmio transports from base (stride 0x200) for a net
 * device and brings it up. Returns 0 and fills drv, or DRV_ENODEV. */
int virtio_net_probe(struct virtio_net *n, uintptr_t base, unsigned count,
                     const struct drv_timer *timer, struct drv_net *drv);

#endif
