/* Host serial port: raw 8N1 at a chosen baud rate, non-blocking reads. */
#ifndef FLASH_SERIAL_H
#define FLASH_SERIAL_H

#include <stddef.h>
#include <stdint.h>

/* Opens and configures a port. Returns the fd or -1 with a message in
 * err (size errlen). */
int serial_open(const char *path, unsigned baud, char *err, size_t errlen);
/* Reads what is there, waiting at most timeout_ms for the first byte.
 * Returns bytes read, 0 on timeout, -1 if the port went away. */
int serial_read(int fd, uint8_t *buf, size_t len, int timeout_ms);
/* Writes everything; returns 0 or -1. */
int serial_write(int fd, const uint8_t *buf, size_t len);
/* Candidate ports on this machine (USB adapters, onboard UARTs), NULL
 * terminated, malloc'ed; free with serial_list_free. */
char **serial_list(void);
void serial_list_free(char **list);

#endif
