/* Simulated UART over a file descriptor (a pty master), or a null UART
 * (fd -1: writes vanish, reads fail with DRV_ENODEV so a recovery loop
 * returns at once) for tests. */
#ifndef SIM_UART_H
#define SIM_UART_H

#include <poort/drv/timer.h>
#include <poort/drv/uart.h>

struct sim_uart {
	struct drv_uart drv;
	int fd;       /* pty master, or -1 */
	int slave_fd; /* kept open so the master never sees a hang-up */
	char name[128];
	int echo_fd;         /* copy console output here (-1: off) */
	const uint8_t *feed; /* feed mode: bytes still to deliver */
	size_t feed_left;
};

/* Opens a new pty in raw mode; its slave path is in u->name. */
int sim_uart_open_pty(struct sim_uart *u);
void sim_uart_open_null(struct sim_uart *u);
/* A console that delivers p[0..n) in reads of at most 97 bytes (frames
 * straddle reads as on a UART), then fails with DRV_ENODEV; output is
 * dropped. For tests and fuzzing; p must outlive the use. */
void sim_uart_open_feed(struct sim_uart *u, const uint8_t *p, size_t n);
void sim_uart_close(struct sim_uart *u);

extern const struct drv_timer sim_timer;

#endif
