/* Reached only through #include_next from the compiler's own <limits.h>,
 * which already defines everything a freestanding program needs. */
#ifndef POORT_BM_LIMITS_H
#define POORT_BM_LIMITS_H
#endif
