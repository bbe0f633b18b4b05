/*
 * The send queue of a batch (radius_batch_begin/queue/end, server.c):
 * nothing leaves before the batch ends, then everything in order, also past
 * the queue's size; outside a batch nothing is queued; a send the kernel
 * refuses is reported to its fail callback after the batch, the others go.
 * Real UDP sockets on loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "radius_int.h"
#include "test.h"

static int failures, fail_err;

static void
on_fail(void *arg, int err)
{
	(void)arg;
	failures++;
	fail_err = err;
}

/* A UDP socket bound on 127.0.0.1 (*port gets its port), non-blocking. */
static int
udp_bound(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	CHECK(fd >= 0);
	CHECK_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_INT(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int
udp_connected(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	CHECK(fd >= 0);
	CHECK_INT(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

int
main(void)
{
	struct radius_server rs;
	uint16_t port, gone;
	int rx, tx, dead, closed;
	uint8_t msg[8], buf[64];
	unsigned n = 0;

	memset(&rs, 0, sizeof(rs));
	rs.sendq = calloc(1, sizeof(*rs.sendq));
	CHECK(rs.sendq != NULL);
	rx = udp_bound(&port);
	tx = udp_connected(port);
	/* a port nobody listens on: after one datagram's ICMP, sends are refused */
	closed = udp_bound(&gone);
	close(closed);
	dead = udp_connected(gone);
	CHECK(send(dead, "x", 1, 0) == 1);
	usleep(100 * 1000);

	/* outside a batch: not queued, the caller sends */
	CHECK_INT(radius_batch_queue(&rs, tx, (const uint8_t *)"a", 1, on_fail, NULL), 0);

	radius_batch_begin(&rs);
	for (unsigned i = 0; i < SEND_BATCH + 10; i++) {
		memcpy(msg, &i, sizeof(i));
		CHECK_INT(radius_batch_queue(&rs, tx, msg, sizeof(i), on_fail, NULL), 1);
		if (i == 3)
			CHECK_INT(radius_batch_queue(&rs, dead, msg, 1, on_fail, NULL), 1);
	}
	/* the first SEND_BATCH went when the queue was full; the rest wait */
	CHECK_INT(failures, 1);
	CHECK_INT(fail_err, ECONNREFUSED);
	for (; recv(rx, buf, sizeof(buf), 0) == sizeof(unsigned); n++) {
		unsigned got;
		memcpy(&got, buf, sizeof(got));
		CHECK_INT((int)got, (int)n);
	}
	CHECK_INT((int)n, SEND_BATCH - 1); /* one of the first SEND_BATCH was for dead */
	radius_batch_end(&rs);
	for (; recv(rx, buf, sizeof(buf), 0) == sizeof(unsigned); n++) {
		unsigned got;
		memcpy(&got, buf, sizeof(got));
		CHECK_INT((int)got, (int)n);
	}
	CHECK_INT((int)n, SEND_BATCH + 10);
	CHECK_INT(failures, 1);

	close(rx);
	close(tx);
	close(dead);
	free(rs.sendq);
	TEST_DONE();
}
