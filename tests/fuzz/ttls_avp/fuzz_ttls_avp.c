/* The TTLS AVP reader (RFC 5281 10.1), and the writer on what it read. */
#include <stdint.h>
#include <string.h>

#include "eap_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[1 << 17];
	struct rcursor r;
	struct wcursor w;
	struct ttls_avp a;

	rcursor_init(&r, data, size);
	wcursor_init(&w, out, sizeof(out));
	while (eap_ttls_avp_next(&r, &a) > 0) {
		/* what was read must be writable again and read back the same */
		size_t before = w.pos;
		struct rcursor back;
		struct ttls_avp b;
		if (eap_ttls_avp_put(&w, a.code, a.vendor, a.data, a.len) < 0)
			break;
		rcursor_init(&back, out + before, w.pos - before);
		if (eap_ttls_avp_next(&back, &b) != 1 || b.len != a.len || b.code != a.code ||
		    memcmp(b.data, a.data, a.len) != 0)
			__builtin_trap();
	}
	return 0;
}
