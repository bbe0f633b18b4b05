#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <poort/drv/flash.h> /* DRV_E* */

#include "simnet.h"

static int
simnet_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct simnet *n = ctx;
	ssize_t w;

	do {
		w = send(n->fd, frame, len, MSG_NOSIGNAL);
	} while (w < 0 && errno == EINTR);
	if (w < 0) {
		/* A peer that went away is a cable pulled out: frames are
		 * lost, the stack above times out as on hardware. */
		return (errno == EPIPE || errno == ECONNRESET) ? 0 : DRV_EIO;
	}
	n->tx_frames++;
	return 0;
}

static int
simnet_recv(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	struct simnet *n = ctx;
	struct pollfd p = {.fd = n->fd, .events = POLLIN};
	ssize_t r;
	int rc;

	do {
		rc = poll(&p, 1, (int)timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return DRV_EIO;
	if (rc == 0)
		return 0;
	r = recv(n->fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* The test driver hung up (with or without frames of ours unread):
	 * the end of the session, as an unplugged cable is for the box. */
	if (r == 0 || (r < 0 && errno == ECONNRESET))
		return DRV_ENODEV;
	if (r < 0)
		return DRV_EIO;
	if ((size_t)r > cap)
		return 0; /* oversized frame: dropped, as a MAC would */
	n->rx_frames++;
	return (int)r;
}

static void
simnet_get_mac(void *ctx, uint8_t mac[6])
{
	struct simnet *n = ctx;

	memcpy(mac, n->mac, 6);
}

static const struct drv_net_ops simnet_ops = {
    .send = simnet_send,
    .recv = simnet_recv,
    .get_mac = simnet_get_mac,
};

void
simnet_init(struct simnet *n, int fd, struct drv_net *drv)
{
	/* Locally administered, unicast: 02:50:4f:52 is "PO R"(oort). */
	static const uint8_t mac[6] = {0x02, 0x50, 0x4f, 0x52, 0x00, 0x01};

	memset(n, 0, sizeof(*n));
	n->fd = fd;
	memcpy(n->mac, mac, sizeof(mac));
	drv->ops = &simnet_ops;
	drv->ctx = n;
	drv->mtu = 1500;
}
