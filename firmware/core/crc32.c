/* CRC-32 (IEEE 802.3, reflected, as zlib), bitwise: small beats fast for
 * a boot stage, and 4 KiB frames at serial rates are no strain. */
#include <poort/fw/proto.h>

uint32_t
fw_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
