/* POSIX serial port handling for poort-flash. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "serial.h"

static int
serial_speed(unsigned baud, speed_t *sp)
{
	static const struct {
		unsigned baud;
		speed_t sp;
	} map[] = {
	    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
	    {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
	    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
	    {1500000, B1500000}, {2000000, B2000000}, {3000000, B3000000}, {4000000, B4000000},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].baud == baud) {
			*sp = map[i].sp;
			return 0;
		}
	}
	return -1;
}

int
serial_open(const char *path, unsigned baud, char *err, size_t errlen)
{
	struct termios t;
	speed_t sp;
	int fd;

	if (serial_speed(baud, &sp)) {
		snprintf(err, errlen, "baud rate %u is not a standard rate", baud);
		return -1;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) < 0) {
		snprintf(err, errlen, "%s is not a serial port: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) < 0 || cfsetospeed(&t, sp) < 0 || tcsetattr(fd, TCSANOW, &t) < 0) {
		snprintf(err, errlen, "%s: the adapter does not take %u baud: %s", path, baud,
		         strerror(errno));
		close(fd);
		return -1;
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

int
serial_read(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int rc;

	rc = poll(&p, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	if (rc == 0)
		return 0;
	if (p.revents & (POLLERR | POLLNVAL))
		return -1;
	n = read(fd, buf, len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0 && (p.revents & POLLHUP))
		return -1;
	return (int)n;
}

int
serial_write(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* a line that stops taking bytes for a while is slow,
				 * not gone (an unplugged adapter fails at once) */
				struct pollfd p = {.fd = fd, .events = POLLOUT};
				if (poll(&p, 1, 30000) <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
					return -1;
				continue;
			}
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

char **
serial_list(void)
{
	static const char *const pats[] = {"/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*"};
	char **list = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!list)
		return NULL;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		glob_t g;

		if (glob(pats[i], 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			char **nl = realloc(list, (n + 2) * sizeof(char *));
			if (!nl)
				break;
			list = nl;
			list[n++] = strdup(g.gl_pathv[j]);
			list[n] = NULL;
		}
		globfree(&g);
		if (n)
			break; /* by-id names the same adapters as ttyUSB */
	}
	return list;
}

void
serial_list_free(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}
