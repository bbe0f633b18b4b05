/* mbedTLS 2.28 configuration of the bare-metal boot stage: exactly what
 * image verification needs (SHA-256, ECDSA P-256 verify) and nothing that
 * wants an OS (no entropy source, no file system, no time, no stdio).
 * Selected with -DMBEDTLS_CONFIG_FILE="poort_mbedtls_config.h". */
#ifndef POORT_MBEDTLS_CONFIG_H
#define POORT_MBEDTLS_CONFIG_H

/* The bignum code allocates; the boot stage has no heap, so mbedTLS gets a
 * static arena through memory_buffer_alloc (set up in bm_main). */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* The arena allocator stops the program when it finds its heap corrupt;
 * there is no exit() here, so it reports and halts (aarch64/console.c). */
#define MBEDTLS_PLATFORM_EXIT_MACRO bm_fatal_exit
void bm_fatal_exit(int status);

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
/* Verify only: the internal RNG blinds private-key operations, which the
 * boot stage never does, and it would need a DRBG and an entropy source. */
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_SHA256_C
/* Deliberately no MBEDTLS_SHA256_SMALLER: verifying a multi-MiB image is
 * the boot stage's slowest step, the unrolled code is worth its 2 KiB. */

#include "mbedtls/check_config.h"

#endif
