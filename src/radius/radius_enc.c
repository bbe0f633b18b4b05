/*
 * Replies to Access-Requests written straight into their bytes (see
 * radius_msg.h). libfreeradius built every reply as a talloc'd pair list,
 * copied it into the reply and encoded it: ~55 k instructions per EAP
 * round, about a tenth of a tunnel login. The attributes a reply to an
 * Access-Request carries here are few and fixed (EAP-Message, State, the
 * MS-MPPE keys, the RFC 3580 VLAN, Session-Timeout, Reply-Message, CUI,
 * Proxy-State), so they are written with the cursor, in the order and form
 * libfreeradius gave them (tests/unit/radius/test_radius_enc.c compares the
 * bytes with its output).
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* MD5_CTX, as radius_auth.c */
#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <string.h>

#include "radius_msg.h"

enum { TUNNEL_TYPE_VLAN = 13, TUNNEL_MEDIUM_802 = 6 }; /* RFC 2868, RFC 3580 */

void
radius_enc_begin(struct radius_enc *e, unsigned code, uint8_t id)
{
	static const uint8_t zero[16];

	wcursor_init(&e->w, e->buf, sizeof(e->buf));
	wcursor_u8(&e->w, (uint8_t)code);
	wcursor_u8(&e->w, id);
	wcursor_u16(&e->w, 0);          /* the length, at the end */
	wcursor_bytes(&e->w, zero, 16); /* the Response Authenticator, at the end */
	/* BlastRADIUS: Message-Authenticator first in every reply */
	radius_enc_attr(e, PW_MESSAGE_AUTHENTICATOR, zero, sizeof(zero));
}

int
radius_enc_attr(struct radius_enc *e, uint8_t type, const void *val, size_t len)
{
	/* the codec writes no attribute of an empty value */
	if (len == 0)
		return 0;
	if (len > RADIUS_MAX_STRING) {
		e->w.err = 1;
		return -1;
	}
	wcursor_u8(&e->w, type);
	wcursor_u8(&e->w, (uint8_t)(len + 2));
	return wcursor_bytes(&e->w, val, len);
}

int
radius_enc_split(struct radius_enc *e, uint8_t type, const void *val, size_t len)
{
	const uint8_t *p = val;

	for (size_t off = 0; off < len; off += RADIUS_MAX_STRING) {
		size_t n = len - off < RADIUS_MAX_STRING ? len - off : RADIUS_MAX_STRING;
		if (radius_enc_attr(e, type, p + off, n) < 0)
			return -1;
	}
	return e->w.err ? -1 : 0;
}

int
radius_enc_int(struct radius_enc *e, uint8_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	return radius_enc_attr(e, type, b, sizeof(b));
}

int
radius_enc_vlan(struct radius_enc *e, unsigned vlan)
{
	char text[12];
	int n = snprintf(text, sizeof(text), "%u", vlan);

	/* tag 0, as radius_msg_add_vlan: the integers' first octet is the tag,
	 * and a string gets no tag octet at all */
	radius_enc_int(e, PW_TUNNEL_TYPE, TUNNEL_TYPE_VLAN);
	radius_enc_int(e, PW_TUNNEL_MEDIUM_TYPE, TUNNEL_MEDIUM_802);
	return radius_enc_attr(e, PW_TUNNEL_PRIVATE_GROUP_ID, text, (size_t)n);
}

void
radius_enc_salt(uint8_t salt[2])
{
	static unsigned counter;

	/* as libfreeradius: the high bit set, a counter so that the keys of one
	 * reply differ, the rest random (RFC 2548 2.4.2) */
	salt[0] = (uint8_t)(0x80 | ((counter++ & 0x0f) << 3) | (fr_rand() & 0x07));
	salt[1] = (uint8_t)fr_rand();
}

int
radius_enc_mppe_key(struct radius_enc *e, uint8_t vtype, const uint8_t *key, size_t keylen,
                    const uint8_t req_vector[16], const char *secret, const uint8_t salt[2])
{
	/* RFC 2548 2.4.2: the length octet, the key, zeros to 16-octet blocks */
	uint8_t plain[RADIUS_MPPE_KEY_MAX + 16], b[16];
	size_t plen = (keylen + 1 + 15) / 16 * 16;
	uint8_t *out;
	MD5_CTX c;

	if (keylen > RADIUS_MPPE_KEY_MAX) {
		e->w.err = 1;
		return -1;
	}
	memset(plain, 0, sizeof(plain));
	plain[0] = (uint8_t)keylen;
	memcpy(plain + 1, key, keylen);
	wcursor_u8(&e->w, PW_VENDOR_SPECIFIC);
	wcursor_u8(&e->w, (uint8_t)(2 + 4 + 2 + 2 + plen));
	wcursor_u32(&e->w, VENDORPEC_MICROSOFT);
	wcursor_u8(&e->w, vtype);
	wcursor_u8(&e->w, (uint8_t)(2 + 2 + plen));
	wcursor_bytes(&e->w, salt, 2);
	if (wcursor_reserve(&e->w, &out, plen) < 0) {
		OPENSSL_cleanse(plain, sizeof(plain));
		return -1;
	}
	/* b(1) = MD5(secret + Request Authenticator + salt), b(i) = MD5(secret + c(i-1)) */
	for (size_t i = 0; i < plen; i += 16) {
		MD5_Init(&c);
		MD5_Update(&c, secret, strlen(secret));
		if (i == 0) {
			MD5_Update(&c, req_vector, 16);
			MD5_Update(&c, salt, 2);
		} else {
			MD5_Update(&c, out + i - 16, 16);
		}
		MD5_Final(b, &c);
		for (size_t j = 0; j < 16; j++)
			out[i + j] = plain[i + j] ^ b[j];
	}
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(b, sizeof(b));
	OPENSSL_cleanse(&c, sizeof(c));
	return 0;
}

int
radius_enc_proxy_state(struct radius_enc *e, const RADIUS_PACKET *req)
{
	struct rcursor c;
	const uint8_t *val;
	uint8_t type;
	size_t len;

	/* from the received bytes, in order, as radius_msg_copy_proxy_state */
	radius_msg_attrs(req, &c);
	while (radius_msg_attr_next(&c, &type, &val, &len) > 0)
		if (type == PW_PROXY_STATE && radius_enc_attr(e, type, val, len) < 0)
			return -1;
	return 0;
}

int
radius_enc_finish(struct radius_enc *e, const uint8_t req_vector[16], const char *secret,
                  size_t *len)
{
	if (e->w.err)
		return -1;
	e->buf[2] = (uint8_t)(e->w.pos >> 8);
	e->buf[3] = (uint8_t)e->w.pos;
	if (radius_auth_sign(e->buf, e->w.pos, req_vector, secret) < 0)
		return -1;
	*len = e->w.pos;
	return 0;
}

void
radius_enc_clear(struct radius_enc *e)
{
	/* what was written: the rest of buf was never touched */
	OPENSSL_cleanse(e->buf, e->w.pos);
}
