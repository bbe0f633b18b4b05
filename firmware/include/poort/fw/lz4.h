/* LZ4 block decoder: no heap, bounds-checked, for untrusted input. */
#ifndef POORT_FW_LZ4_H
#define POORT_FW_LZ4_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one LZ4 block (src, slen) into dst (capacity dcap). Returns the
 * number of bytes produced, or FW_EDECOMP if the block is malformed or
 * would overflow dst. */
long fw_lz4_decode(const uint8_t *src, size_t slen, uint8_t *dst, size_t dcap);

#endif
