/* LZ4 block decoder. The payload is signed before it gets here, but the
 * decoder is still written for hostile input (it is fuzzed): every length
 * is checked against what is left of src and dst before use. */
#include <poort/fw/err.h>
#include <poort/fw/lz4.h>

/* Reads an LZ4 length extension (bytes of 255 continue). */
static int
lz4_read_len(const uint8_t *src, size_t slen, size_t *si, size_t *n)
{
	uint8_t b;

	do {
		if (*si >= slen)
			return FW_EDECOMP;
		b = src[(*si)++];
		if (*n > (size_t)0x7fffffff)
			return FW_EDECOMP; /* absurd; also keeps sums small */
		*n += b;
	} while (b == 255);
	return 0;
}

long
fw_lz4_decode(const uint8_t *src, size_t slen, uint8_t *dst, size_t dcap)
{
	size_t si = 0, di = 0;

	if (slen == 0)
		return FW_EDECOMP;
	for (;;) {
		size_t lit, mlen, off;
		uint8_t tok;

		if (si >= slen)
			return FW_EDECOMP;
		tok = src[si++];
		lit = tok >> 4;
		if (lit == 15 && lz4_read_len(src, slen, &si, &lit))
			return FW_EDECOMP;
		if (lit > slen - si || lit > dcap - di)
			return FW_EDECOMP;
		for (size_t k = 0; k < lit; k++)
			dst[di + k] = src[si + k];
		si += lit;
		di += lit;
		if (si == slen)
			break; /* the last sequence is literals only */
		if (slen - si < 2)
			return FW_EDECOMP;
		off = (size_t)src[si] | (size_t)src[si + 1] << 8;
		si += 2;
		if (off == 0 || off > di)
			return FW_EDECOMP;
		mlen = tok & 15u;
		if (mlen == 15 && lz4_read_len(src, slen, &si, &mlen))
			return FW_EDECOMP;
		mlen += 4;
		if (mlen > dcap - di)
			return FW_EDECOMP;
		/* byte by byte: matches may overlap their own output */
		for (size_t k = 0; k < mlen; k++)
			dst[di + k] = dst[di + k - off];
		di += mlen;
	}
	return (long)di;
}
