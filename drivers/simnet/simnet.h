/* Simulated Ethernet port for the host simulator: whole Ethernet frames
 * (no FCS) as messages on a SOCK_SEQPACKET unix socket, whose other end is
 * a test driver in the same machine. No real network is touched. */
#ifndef POORT_SIMNET_H
#define POORT_SIMNET_H

#include <stdint.h>

#include <poort/drv/net.h>

struct simnet {
	int fd;
	uint8_t mac[6];
	uint64_t rx_frames, tx_frames;
};

/* Wraps an open SOCK_SEQPACKET (or SOCK_DGRAM) socket; fills drv. */
void simnet_init(struct simnet *n, int fd, struct drv_net *drv);

#endif
