/* TTLS AVPs (RFC 5281 10.1): Diameter-style, through the cursor only. */
#include "eap_int.h"

int
eap_ttls_avp_next(struct rcursor *r, struct ttls_avp *a)
{
	uint32_t len;
	size_t hdr = 8, pad;

	if (rcursor_left(r) == 0)
		return 0;
	if (rcursor_u32(r, &a->code) < 0 || rcursor_u8(r, &a->flags) < 0 ||
	    rcursor_u24(r, &len) < 0)
		return EAP_EINVAL;
	a->vendor = 0;
	if (a->flags & TTLS_AVP_FLAG_V) {
		if (rcursor_u32(r, &a->vendor) < 0)
			return EAP_EINVAL;
		hdr = 12;
	}
	if (len < hdr)
		return EAP_EINVAL;
	a->len = len - hdr;
	if (rcursor_ptr(r, &a->data, a->len) < 0)
		return EAP_EINVAL;
	/* the last AVP may come without its padding */
	pad = (4 - len % 4) % 4;
	if (pad > rcursor_left(r))
		pad = rcursor_left(r);
	if (rcursor_skip(r, pad) < 0)
		return EAP_EINVAL;
	return 1;
}

int
eap_ttls_avp_put(struct wcursor *w, uint32_t code, uint32_t vendor, const void *data, size_t len)
{
	size_t hdr = vendor != 0 ? 12 : 8, total = hdr + len;

	if (total > 0xffffff)
		return EAP_EINVAL;
	wcursor_u32(w, code);
	wcursor_u8(w, (uint8_t)(TTLS_AVP_FLAG_M | (vendor != 0 ? TTLS_AVP_FLAG_V : 0)));
	wcursor_u24(w, (uint32_t)total);
	if (vendor != 0)
		wcursor_u32(w, vendor);
	wcursor_bytes(w, data, len);
	for (size_t i = total; i % 4 != 0; i++)
		wcursor_u8(w, 0);
	return w->err ? EAP_EINVAL : 0;
}
