/*
 * The one way into libfreeradius-radius's headers.
 *
 * Debian 12's headers do not compile as shipped: RCSIDH is used before
 * build.h defines it, size_t is used before anything includes stddef.h and
 * freeradius/automask.h is missing (see compat/freeradius/). Never put
 * /usr/include/freeradius itself on the include path: its features.h would
 * shadow glibc's.
 */
#ifndef POORT_FR_H
#define POORT_FR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#ifndef RCSIDH
#define RCSIDH(h, id)
#endif
#ifndef RCSID
#define RCSID(id)
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <freeradius/libradius.h>
#pragma GCC diagnostic pop
#endif
