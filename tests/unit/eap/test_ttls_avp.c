/* TTLS AVPs: what eap_ttls_avp_put writes, eap_ttls_avp_next reads back;
 * every prefix of a packet in an exact-size heap buffer (sanitizers watch). */
#include <stdlib.h>

#include "../../../src/eap/eap_int.h"
#include "test.h"

int
main(void)
{
	uint8_t buf[256];
	struct wcursor w;
	struct rcursor r;
	struct ttls_avp a;
	size_t full;

	wcursor_init(&w, buf, sizeof(buf));
	CHECK_INT(eap_ttls_avp_put(&w, 1, 0, "anna@school.example", 19), 0);
	CHECK_INT(eap_ttls_avp_put(&w, 25, 311, "x", 1), 0);
	CHECK_INT(w.pos % 4, 0);
	full = w.pos;
	CHECK_INT(full, 28 + 16);

	rcursor_init(&r, buf, full);
	CHECK_INT(eap_ttls_avp_next(&r, &a), 1);
	CHECK_INT(a.code, 1);
	CHECK_INT(a.vendor, 0);
	CHECK_INT(a.len, 19);
	CHECK(memcmp(a.data, "anna@school.example", 19) == 0);
	CHECK_INT(eap_ttls_avp_next(&r, &a), 1);
	CHECK_INT(a.code, 25);
	CHECK_INT(a.vendor, 311);
	CHECK_INT(a.len, 1);
	CHECK_INT(eap_ttls_avp_next(&r, &a), 0);

	/* every truncation is either a clean end, a short last AVP or an error */
	for (size_t n = 0; n < full; n++) {
		uint8_t *copy = malloc(n + 1);
		int rc, count = 0;
		memcpy(copy, buf, n);
		rcursor_init(&r, copy, n);
		while ((rc = eap_ttls_avp_next(&r, &a)) > 0)
			count++;
		CHECK(rc == 0 || rc == EAP_EINVAL);
		CHECK(count <= 2);
		free(copy);
	}
	/* a length below the header size */
	{
		static const uint8_t bad[] = {0, 0, 0, 1, 0x40, 0, 0, 4};
		rcursor_init(&r, bad, sizeof(bad));
		CHECK_INT(eap_ttls_avp_next(&r, &a), EAP_EINVAL);
	}
	TEST_DONE();
}
