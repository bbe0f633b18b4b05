/* pty-backed UART and a CLOCK_MONOTONIC timer for the simulator. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim_uart.h"

static int
sim_uart_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	struct sim_uart *u = ctx;
	struct pollfd p;
	ssize_t n;
	int rc;

	if (u->fd < 0)
		return DRV_ENODEV; /* tests: recovery ends at once */
	p.fd = u->fd;
	p.events = POLLIN;
	rc = poll(&p, 1, (int)timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : DRV_EIO;
	if (rc == 0)
		return 0;
	n = read(u->fd, buf, len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : DRV_EIO;
	return (int)n;
}

static int
sim_uart_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct sim_uart *u = ctx;

	if (u->echo_fd >= 0) {
		/* debugging aid: mirror the line, frames and all */
		if (write(u->echo_fd, buf, len) < 0) {
			/* the log is best effort */
		}
	}
	if (u->fd < 0)
		return 0;
	while (len) {
		ssize_t n = write(u->fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = {.fd = u->fd, .events = POLLOUT};
				poll(&p, 1, 100);
				continue;
			}
			return DRV_EIO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static const struct drv_uart_ops sim_uart_ops = {
    .read = sim_uart_read,
    .write = sim_uart_write,
};

static int
sim_feed_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	struct sim_uart *u = ctx;
	size_t n = len < 97 ? len : 97;

	(void)timeout_ms;
	if (!u->feed_left)
		return DRV_ENODEV; /* end of input ends a recovery loop */
	n = n < u->feed_left ? n : u->feed_left;
	memcpy(buf, u->feed, n);
	u->feed += n;
	u->feed_left -= n;
	return (int)n;
}

static int
sim_feed_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static const struct drv_uart_ops sim_feed_ops = {
    .read = sim_feed_read,
    .write = sim_feed_write,
};

void
sim_uart_open_feed(struct sim_uart *u, const uint8_t *p, size_t n)
{
	sim_uart_open_null(u);
	u->drv.ops = &sim_feed_ops;
	u->feed = p;
	u->feed_left = n;
}

int
sim_uart_open_pty(struct sim_uart *u)
{
	struct termios t;
	const char *name;

	memset(u, 0, sizeof(*u));
	u->drv.ops = &sim_uart_ops;
	u->drv.ctx = u;
	u->echo_fd = -1;
	u->slave_fd = -1;
	u->fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (u->fd < 0 || grantpt(u->fd) < 0 || unlockpt(u->fd) < 0)
		return -1;
	name = ptsname(u->fd);
	if (!name)
		return -1;
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->slave_fd = open(u->name, O_RDWR | O_NOCTTY);
	if (u->slave_fd < 0 || tcgetattr(u->slave_fd, &t) < 0)
		return -1;
	cfmakeraw(&t);
	if (tcsetattr(u->slave_fd, TCSANOW, &t) < 0)
		return -1;
	return 0;
}

void
sim_uart_open_null(struct sim_uart *u)
{
	memset(u, 0, sizeof(*u));
	u->drv.ops = &sim_uart_ops;
	u->drv.ctx = u;
	u->fd = -1;
	u->slave_fd = -1;
	u->echo_fd = -1;
}

void
sim_uart_close(struct sim_uart *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->slave_fd >= 0)
		close(u->slave_fd);
	u->fd = u->slave_fd = -1;
}

static uint32_t
sim_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static void
sim_delay_ms(void *ctx, uint32_t ms)
{
	(void)ctx;
	usleep(ms * 1000);
}

static const struct drv_timer_ops sim_timer_ops = {
    .now_ms = sim_now_ms,
    .delay_ms = sim_delay_ms,
};

const struct drv_timer sim_timer = {.ops = &sim_timer_ops, .ctx = NULL};
