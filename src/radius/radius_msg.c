#include "radius_msg.h"

#include <stdio.h>
#include <string.h>

#include "poort/cursor.h"
#include "poort/log.h"

int
radius_msg_init(const char *dict_dir, char *err, size_t errlen)
{
	static int done;

	if (done)
		return 0;
	if (dict_init(dict_dir, "dictionary") < 0) {
		snprintf(err, errlen, "cannot load RADIUS dictionaries from %s: %s", dict_dir,
			 fr_strerror());
		return -1;
	}
	done = 1;
	return 0;
}

/* Vendor-Specific: is it Microsoft's MS-MPPE-Send-Key or -Recv-Key? */
static int
radius_msg_vsa_encrypted(const uint8_t *val, size_t len)
{
	struct rcursor c;
	uint32_t vendor;
	uint8_t type;

	rcursor_init(&c, val, len);
	if (rcursor_u32(&c, &vendor) < 0 || vendor != VENDORPEC_MICROSOFT)
		return 0;
	while (rcursor_u8(&c, &type) == 0) {
		uint8_t vlen;
		if (type == PW_MSCHAP_MPPE_SEND_KEY || type == PW_MSCHAP_MPPE_RECV_KEY)
			return 1;
		if (rcursor_u8(&c, &vlen) < 0 || vlen < 2 || rcursor_skip(&c, (size_t)vlen - 2) < 0)
			return 0;
	}
	return 0;
}

int
radius_msg_scan(const uint8_t *pkt, size_t len, struct radius_scan *out)
{
	struct rcursor c;

	memset(out, 0, sizeof(*out));
	rcursor_init(&c, pkt, len);
	if (rcursor_skip(&c, RADIUS_HDR_LEN) < 0)
		return -1;
	while (rcursor_left(&c) > 0) {
		uint8_t type, alen;
		const uint8_t *val;
		if (rcursor_u8(&c, &type) < 0 || rcursor_u8(&c, &alen) < 0 || alen < 2 ||
		    rcursor_ptr(&c, &val, (size_t)alen - 2) < 0)
			return -1;
		if (type == PW_MESSAGE_AUTHENTICATOR) {
			if (alen != 18 || out->has_ma)
				return -1;
			out->has_ma = 1;
		} else if (type == PW_TUNNEL_PASSWORD ||
			   (type == PW_VENDOR_SPECIFIC && radius_msg_vsa_encrypted(val, alen - 2u))) {
			out->has_encrypted = 1;
		}
	}
	return 0;
}

static const char *
radius_msg_fail_reason(decode_fail_t r)
{
	switch (r) {
	case DECODE_FAIL_MIN_LENGTH_PACKET:
	case DECODE_FAIL_MIN_LENGTH_FIELD:
	case DECODE_FAIL_MIN_LENGTH_MISMATCH:
		return "bad-length";
	case DECODE_FAIL_HEADER_OVERFLOW:
		return "header-overflow";
	case DECODE_FAIL_UNKNOWN_PACKET_CODE:
		return "unknown-code";
	case DECODE_FAIL_MA_INVALID_LENGTH:
		return "bad-message-authenticator-length";
	case DECODE_FAIL_TOO_MANY_ATTRIBUTES:
		return "too-many-attributes";
	case DECODE_FAIL_MA_MISSING:
		return "missing-message-authenticator";
	default:
		return "malformed-attributes";
	}
}

RADIUS_PACKET *
radius_msg_wrap(TALLOC_CTX *ctx, const uint8_t *pkt, size_t len, const char **reason)
{
	RADIUS_PACKET *p = rad_alloc(ctx, false);
	decode_fail_t why = DECODE_FAIL_NONE;

	if (p == NULL) {
		*reason = "out-of-memory";
		return NULL;
	}
	p->data = talloc_memdup(p, pkt, len);
	if (p->data == NULL) {
		*reason = "out-of-memory";
		goto fail;
	}
	p->data_len = len;
	if (!rad_packet_ok(p, 0, &why)) {
		*reason = radius_msg_fail_reason(why);
		goto fail;
	}
	/* the header fields, whatever rad_packet_ok chose to fill in */
	p->code = pkt[0];
	p->id = pkt[1];
	memcpy(p->vector, pkt + 4, sizeof(p->vector));
	return p;
fail:
	talloc_free(p);
	return NULL;
}

RADIUS_PACKET *
radius_msg_reply(RADIUS_PACKET *req, unsigned code)
{
	static const uint8_t zero[16];
	RADIUS_PACKET *reply = rad_alloc_reply(req, req);
	VALUE_PAIR *vp;

	if (reply == NULL)
		return NULL;
	reply->code = code;
	/* BlastRADIUS: Message-Authenticator first in every reply */
	vp = fr_pair_afrom_num(reply, PW_MESSAGE_AUTHENTICATOR, 0);
	if (vp == NULL) {
		talloc_free(reply);
		return NULL;
	}
	fr_pair_value_memcpy(vp, zero, sizeof(zero));
	fr_pair_add(&reply->vps, vp);
	return reply;
}

void
radius_msg_copy_proxy_state(RADIUS_PACKET *reply, const RADIUS_PACKET *req)
{
	for (VALUE_PAIR *vp = req->vps; vp != NULL; vp = vp->next) {
		if (vp->da->vendor == 0 && vp->da->attr == PW_PROXY_STATE) {
			VALUE_PAIR *copy = fr_pair_copy(reply, vp);
			if (copy != NULL)
				fr_pair_add(&reply->vps, copy);
		}
	}
}

int
radius_msg_finish(RADIUS_PACKET *reply, RADIUS_PACKET *req, const char *secret)
{
	if (rad_encode(reply, req, secret) < 0)
		return -1;
	/* accounting: the Message-Authenticator over a zero vector, as
	 * libfreeradius (and radclient) have it; not worth a copy of that rule */
	if (reply->code == PW_CODE_ACCOUNTING_RESPONSE && req->code != PW_CODE_STATUS_SERVER)
		return rad_sign(reply, req, secret) < 0 ? -1 : 0;
	if (radius_auth_sign(reply->data, reply->data_len, req->vector, secret) < 0)
		return -1;
	return 0;
}

const char *
radius_msg_str(const RADIUS_PACKET *p, unsigned attr, size_t *len)
{
	VALUE_PAIR *vp = fr_pair_find_by_num(p->vps, attr, 0, TAG_ANY);

	if (vp == NULL)
		return NULL;
	*len = vp->vp_length;
	return vp->vp_strvalue;
}

uint32_t
radius_msg_int(const RADIUS_PACKET *p, unsigned attr, uint32_t def)
{
	VALUE_PAIR *vp = fr_pair_find_by_num(p->vps, attr, 0, TAG_ANY);
	return vp != NULL ? vp->vp_integer : def;
}

int
radius_msg_has(const RADIUS_PACKET *p, unsigned attr)
{
	return fr_pair_find_by_num(p->vps, attr, 0, TAG_ANY) != NULL;
}

static int
radius_msg_add_tagged_int(TALLOC_CTX *ctx, VALUE_PAIR **list, unsigned attr, uint32_t v)
{
	VALUE_PAIR *vp = fr_pair_afrom_num(ctx, attr, 0);

	if (vp == NULL)
		return -1;
	vp->vp_integer = v;
	vp->vp_length = 4;
	vp->tag = 0;
	fr_pair_add(list, vp);
	return 0;
}

int
radius_msg_add_vlan(TALLOC_CTX *ctx, VALUE_PAIR **list, unsigned vlan)
{
	enum { TUNNEL_TYPE_VLAN = 13, TUNNEL_MEDIUM_802 = 6 }; /* RFC 2868, RFC 3580 */
	char text[12];
	VALUE_PAIR *vp;

	if (radius_msg_add_tagged_int(ctx, list, PW_TUNNEL_TYPE, TUNNEL_TYPE_VLAN) < 0 ||
	    radius_msg_add_tagged_int(ctx, list, PW_TUNNEL_MEDIUM_TYPE, TUNNEL_MEDIUM_802) < 0)
		return -1;
	vp = fr_pair_afrom_num(ctx, PW_TUNNEL_PRIVATE_GROUP_ID, 0);
	if (vp == NULL)
		return -1;
	snprintf(text, sizeof(text), "%u", vlan);
	fr_pair_value_strcpy(vp, text);
	vp->tag = 0;
	fr_pair_add(list, vp);
	return 0;
}

void
radius_msg_raw_field(const uint8_t *pkt, size_t n, uint8_t type, char *out, size_t outlen)
{
	struct rcursor c;
	size_t len = n >= RADIUS_HDR_LEN ? (size_t)pkt[2] << 8 | pkt[3] : 0;

	out[0] = '\0';
	if (len < RADIUS_HDR_LEN || len > n)
		return;
	rcursor_init(&c, pkt + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN);
	while (rcursor_left(&c) > 0) {
		uint8_t t, alen;
		const uint8_t *v;
		if (rcursor_u8(&c, &t) < 0 || rcursor_u8(&c, &alen) < 0 || alen < 2 ||
		    rcursor_ptr(&c, &v, (size_t)alen - 2) < 0)
			return;
		if (t == type) {
			log_escape(out, outlen, v, (size_t)alen - 2);
			return;
		}
	}
}
