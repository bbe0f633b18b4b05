/* LZ4 block decoder on hostile input, into a buffer of a size the input
 * picks, so the output bound is exercised at every length. */
#include <stdlib.h>

#include <poort/fw/err.h>
#include <poort/fw/lz4.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap;
	uint8_t *out;
	long n;

	if (size < 2)
		return 0;
	cap = ((size_t)data[0] << 8 | data[1]) % (1u << 16);
	out = malloc(cap ? cap : 1); /* exact size: ASan sees overruns */
	if (!out)
		return 0;
	n = fw_lz4_decode(data + 2, size - 2, out, cap);
	if (n != FW_EDECOMP && (n < 0 || (size_t)n > cap))
		__builtin_trap();
	free(out);
	return 0;
}
