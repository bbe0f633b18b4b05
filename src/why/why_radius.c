/* The test login's RADIUS reply check (see poort/why_test.h). */
#include <string.h>

#include "poort/cursor.h"
#include "poort/why_test.h"
#include "radius_msg.h"

enum { ATTR_REPLY_MESSAGE = 18, ATTR_STATE = 24, ATTR_EAP = 79, ATTR_MA = 80 };

int
why_radius_parse(const uint8_t *pkt, size_t len, uint8_t id, const uint8_t req_auth[16],
		 const char *secret, struct why_radius_reply *out)
{
	struct rcursor c;
	uint8_t code, pid;
	uint16_t plen;
	const uint8_t *resp_auth;
	size_t ma_off = 0;

	memset(out, 0, sizeof(out->code) + sizeof(out->id));
	out->eaplen = out->statelen = 0;
	out->reply_message[0] = '\0';
	rcursor_init(&c, pkt, len);
	if (rcursor_u8(&c, &code) < 0 || rcursor_u8(&c, &pid) < 0 || rcursor_u16(&c, &plen) < 0 ||
	    rcursor_ptr(&c, &resp_auth, 16) < 0)
		return -1;
	if (pid != id || plen < 20 || plen > len || plen > WHY_RADIUS_MAX)
		return -1;
	rcursor_init(&c, pkt + 20, (size_t)plen - 20);
	while (rcursor_left(&c) > 0) {
		uint8_t type, alen;
		const uint8_t *v;
		size_t off = (size_t)plen - rcursor_left(&c);
		if (rcursor_u8(&c, &type) < 0 || rcursor_u8(&c, &alen) < 0 || alen < 2 ||
		    rcursor_ptr(&c, &v, (size_t)alen - 2) < 0)
			return -1;
		alen -= 2;
		if (type == ATTR_EAP) {
			if (out->eaplen + alen > sizeof(out->eap))
				return -1;
			memcpy(out->eap + out->eaplen, v, alen);
			out->eaplen += alen;
		} else if (type == ATTR_STATE && alen <= sizeof(out->state)) {
			memcpy(out->state, v, alen);
			out->statelen = alen;
		} else if (type == ATTR_REPLY_MESSAGE && out->reply_message[0] == '\0') {
			for (size_t i = 0; i < alen && i + 1 < sizeof(out->reply_message); i++)
				out->reply_message[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
			out->reply_message[alen < sizeof(out->reply_message) ? alen : 253] = '\0';
		} else if (type == ATTR_MA) {
			if (alen != 16 || ma_off != 0)
				return -1;
			ma_off = off + 2;
		}
	}
	if (ma_off == 0)
		return -1; /* BlastRADIUS: no answer without one is trusted */
	/* Response Authenticator and Message-Authenticator: the server's own code */
	if (radius_auth_verify(pkt, plen, req_auth, secret) < 0)
		return -1;
	out->code = code;
	out->id = pid;
	return 0;
}
