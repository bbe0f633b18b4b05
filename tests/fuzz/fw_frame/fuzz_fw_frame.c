/* Serial frame decoder: any byte stream, any frame that comes out must
 * re-encode to something that decodes to the same frame. */
#include <string.h>

#include <poort/fw/err.h>
#include <poort/fw/proto.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fw_frame_dec d, d2;
	static uint8_t wire[FW_PROTO_MAX_WIRE];
	struct fw_frame f, g;

	fw_frame_dec_init(&d);
	for (size_t i = 0; i < size; i++) {
		int rc = fw_frame_dec_push(&d, data[i], &f);
		long n;

		if (rc != 1)
			continue;
		n = fw_frame_encode(f.cmd, f.seq, f.payload, f.len, wire, sizeof(wire));
		if (n < 0)
			__builtin_trap();
		fw_frame_dec_init(&d2);
		rc = 0;
		for (long k = 0; k < n; k++)
			rc = fw_frame_dec_push(&d2, wire[k], &g);
		if (rc != 1 || g.cmd != f.cmd || g.seq != f.seq || g.len != f.len ||
		    memcmp(g.payload, f.payload, f.len) != 0)
			__builtin_trap();
	}
	return 0;
}
