/* Console lines for people watching the serial port (no stdio here). */
#ifndef FW_CON_H
#define FW_CON_H

#include <stdint.h>

#include <poort/board.h>

void con_puts(const struct board *b, const char *s);
void con_putu(const struct board *b, uint32_t v);
/* "key=value" fragments: con_kv(b, " slot=", 1) */
void con_kv(const struct board *b, const char *k, uint32_t v);

#endif
