/* Minimal freestanding <stdlib.h>: the boot stage has no heap, so there is no
 * malloc here on purpose; mbedTLS gets its allocator from a static arena
 * (MBEDTLS_MEMORY_BUFFER_ALLOC_C), lwIP uses its static pools. */
#ifndef POORT_BM_STDLIB_H
#define POORT_BM_STDLIB_H
#include <stddef.h>

int atoi(const char *s);
_Noreturn void abort(void);

#endif
