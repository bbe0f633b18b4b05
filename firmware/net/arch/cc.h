/* lwIP compiler/platform glue for Poort (both the bare-metal boot stage and
 * the host simulator). The bare-metal libc has no <inttypes.h> and no
 * stdio, so lwIP's printf formats and diagnostics are our own. */
#ifndef POORT_LWIP_ARCH_CC_H
#define POORT_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 0
#define LWIP_ERRNO_STDINCLUDE 1
#define BYTE_ORDER LITTLE_ENDIAN

typedef uintptr_t mem_ptr_t;

/* Diagnostics go nowhere (LWIP_DEBUG is off); an assertion is a bug in our
 * use of lwIP and stops the boot stage with the place in the log. */
void netrec_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) netrec_assert((x), __FILE__, __LINE__)

#endif
