#include <string.h>

#include "virtio_net.h"

#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_ID_NET 1u

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LO 0x080
#define R_QUEUE_DESC_HI 0x084
#define R_QUEUE_AVAIL_LO 0x090
#define R_QUEUE_AVAIL_HI 0x094
#define R_QUEUE_USED_LO 0x0a0
#define R_QUEUE_USED_HI 0x0a4
#define R_CONFIG 0x100

#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u

#define F_NET_MAC (1u << 5)   /* word 0 */
#define F_VERSION_1 (1u << 0) /* word 1: feature bit 32 */

#define DESC_F_WRITE 2u
#define Q_RX 0u
#define Q_TX 1u
/* qemu completes a transmit within the notify; real devices within
 * microseconds. The bound turns a wedged device into an error. */
#define VNET_TX_TIMEOUT_MS 100u

static inline uint32_t
vnet_rd(const struct virtio_net *n, uint32_t reg)
{
	return *(volatile uint32_t *)(n->base + reg);
}

static inline void
vnet_wr(const struct virtio_net *n, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(n->base + reg) = v;
}

/* The device reads the rings from memory: our writes must be visible
 * before the index update, and the index before the notify. */
static inline void
vnet_wmb(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}

static inline void
vnet_mb(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static int
vnet_queue_setup(struct virtio_net *n, uint32_t qi, struct vnet_queue *q)
{
	uintptr_t d = (uintptr_t)q->desc, a = (uintptr_t)&q->avail, u = (uintptr_t)&q->used;

	vnet_wr(n, R_QUEUE_SEL, qi);
	if (vnet_rd(n, R_QUEUE_READY) || vnet_rd(n, R_QUEUE_NUM_MAX) < VNET_QSIZE)
		return DRV_ENODEV;
	memset(q->desc, 0, sizeof(q->desc));
	memset(&q->avail, 0, sizeof(q->avail));
	memset(&q->used, 0, sizeof(q->used));
	q->last_used = 0;
	for (unsigned i = 0; i < VNET_QSIZE; i++) {
		q->desc[i].addr = (uint64_t)(uintptr_t)q->buf[i];
		q->desc[i].len = VNET_BUF;
		q->desc[i].flags = qi == Q_RX ? DESC_F_WRITE : 0;
	}
	vnet_wr(n, R_QUEUE_NUM, VNET_QSIZE);
	vnet_wr(n, R_QUEUE_DESC_LO, (uint32_t)d);
	vnet_wr(n, R_QUEUE_DESC_HI, (uint32_t)((uint64_t)d >> 32));
	vnet_wr(n, R_QUEUE_AVAIL_LO, (uint32_t)a);
	vnet_wr(n, R_QUEUE_AVAIL_HI, (uint32_t)((uint64_t)a >> 32));
	vnet_wr(n, R_QUEUE_USED_LO, (uint32_t)u);
	vnet_wr(n, R_QUEUE_USED_HI, (uint32_t)((uint64_t)u >> 32));
	vnet_wr(n, R_QUEUE_READY, 1);
	return 0;
}

static void
vnet_rx_post(struct virtio_net *n, uint16_t id)
{
	struct vnet_queue *q = &n->rx;

	q->desc[id].len = VNET_BUF;
	q->avail.ring[q->avail.idx % VNET_QSIZE] = id;
	vnet_wmb();
	q->avail.idx++;
	vnet_mb();
	vnet_wr(n, R_QUEUE_NOTIFY, Q_RX);
}

static int
vnet_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct virtio_net *n = ctx;
	struct vnet_queue *q = &n->tx;
	const struct drv_timer *t = n->timer;
	uint16_t id = n->tx_next;
	uint32_t start;

	if (len > VNET_BUF - VNET_HDR)
		return DRV_ERANGE;
	/* One buffer per frame: a zeroed header (no offloads) and the frame. */
	memset(q->buf[id], 0, VNET_HDR);
	memcpy(q->buf[id] + VNET_HDR, frame, len);
	q->desc[id].len = (uint32_t)(VNET_HDR + len);
	q->avail.ring[q->avail.idx % VNET_QSIZE] = id;
	vnet_wmb();
	q->avail.idx++;
	vnet_mb();
	vnet_wr(n, R_QUEUE_NOTIFY, Q_TX);
	n->tx_next = (uint16_t)((id + 1) % VNET_QSIZE);
	/* Wait until the device has taken it: the buffer is reused after
	 * VNET_QSIZE more frames, and a wedged device should say so. */
	start = t->ops->now_ms(t->ctx);
	while (*(volatile uint16_t *)&q->used.idx == q->last_used) {
		if ((uint32_t)(t->ops->now_ms(t->ctx) - start) > VNET_TX_TIMEOUT_MS)
			return DRV_EIO;
	}
	q->last_used = *(volatile uint16_t *)&q->used.idx;
	vnet_wr(n, R_INT_ACK, vnet_rd(n, R_INT_STATUS));
	return 0;
}

static int
vnet_recv(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	struct virtio_net *n = ctx;
	struct vnet_queue *q = &n->rx;
	const struct drv_timer *t = n->timer;
	uint32_t start = t->ops->now_ms(t->ctx);
	uint32_t id, len;
	int rc = 0;

	while (*(volatile uint16_t *)&q->used.idx == q->last_used) {
		if ((uint32_t)(t->ops->now_ms(t->ctx) - start) >= timeout_ms)
			return 0;
	}
	vnet_wmb(); /* read the entry only after seeing the index move */
	id = q->used.ring[q->last_used % VNET_QSIZE].id;
	len = q->used.ring[q->last_used % VNET_QSIZE].len;
	q->last_used++;
	if (id >= VNET_QSIZE)
		return DRV_EIO; /* a device that names a buffer we never gave */
	if (len > VNET_HDR && len <= VNET_BUF && len - VNET_HDR <= cap) {
		memcpy(buf, q->buf[id] + VNET_HDR, len - VNET_HDR);
		rc = (int)(len - VNET_HDR);
	}
	/* Too short or too long frames are dropped, as a MAC would. */
	vnet_rx_post(n, (uint16_t)id);
	vnet_wr(n, R_INT_ACK, vnet_rd(n, R_INT_STATUS));
	return rc;
}

static void
vnet_get_mac(void *ctx, uint8_t mac[6])
{
	struct virtio_net *n = ctx;

	memcpy(mac, n->mac, 6);
}

static const struct drv_net_ops vnet_ops = {
    .send = vnet_send,
    .recv = vnet_recv,
    .get_mac = vnet_get_mac,
};

static int
vnet_init_at(struct virtio_net *n)
{
	uint32_t f0, f1;

	vnet_wr(n, R_STATUS, 0); /* reset */
	vnet_wr(n, R_STATUS, ST_ACK);
	vnet_wr(n, R_STATUS, ST_ACK | ST_DRIVER);
	vnet_wr(n, R_DEV_FEATURES_SEL, 0);
	f0 = vnet_rd(n, R_DEV_FEATURES);
	vnet_wr(n, R_DEV_FEATURES_SEL, 1);
	f1 = vnet_rd(n, R_DEV_FEATURES);
	if (!(f1 & F_VERSION_1))
		return DRV_ENODEV;
	/* Only the MAC: no offloads, no mergeable buffers, no control queue. */
	vnet_wr(n, R_DRV_FEATURES_SEL, 0);
	vnet_wr(n, R_DRV_FEATURES, f0 & F_NET_MAC);
	vnet_wr(n, R_DRV_FEATURES_SEL, 1);
	vnet_wr(n, R_DRV_FEATURES, F_VERSION_1);
	vnet_wr(n, R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(vnet_rd(n, R_STATUS) & ST_FEATURES_OK))
		return DRV_ENODEV;
	if (vnet_queue_setup(n, Q_RX, &n->rx) || vnet_queue_setup(n, Q_TX, &n->tx))
		return DRV_ENODEV;
	if (f0 & F_NET_MAC) {
		for (unsigned i = 0; i < 6; i++)
			n->mac[i] = *(volatile uint8_t *)(n->base + R_CONFIG + i);
	} else {
		static const uint8_t fallback[6] = {0x02, 0x50, 0x4f, 0x52, 0x00, 0x02};

		memcpy(n->mac, fallback, 6);
	}
	vnet_wr(n, R_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	for (uint16_t i = 0; i < VNET_QSIZE; i++)
		vnet_rx_post(n, i);
	return 0;
}

int
virtio_net_probe(struct virtio_net *n, uintptr_t base, unsigned count,
                 const struct drv_timer *timer, struct drv_net *drv)
{
	memset(n, 0, sizeof(*n));
	n->timer = timer;
	for (unsigned i = 0; i < count; i++) {
		n->base = base + i * 0x200u;
		if (vnet_rd(n, R_MAGIC) != VIRTIO_MAGIC || vnet_rd(n, R_VERSION) != 2 ||
		    vnet_rd(n, R_DEVICE_ID) != VIRTIO_ID_NET)
			continue;
		if (vnet_init_at(n) == 0) {
			drv->ops = &vnet_ops;
			drv->ctx = n;
			drv->mtu = 1500;
			return 0;
		}
	}
	return DRV_ENODEV;
}
