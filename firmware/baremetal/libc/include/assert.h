/* <assert.h> for the boot stage: mbedTLS includes it for its internal
 * checks; the boot stage ships without them, as an NDEBUG build would. */
#ifndef POORT_BM_ASSERT_H
#define POORT_BM_ASSERT_H
#define assert(x) ((void)0)
#define static_assert _Static_assert
#endif
