/*
 * EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2) as the inner method of
 * PEAP and TTLS, and the MS-CHAP2 check TTLS uses without EAP.
 */
#include <openssl/rand.h>
#include <string.h>

#include "eap_int.h"
#include "poort/auth.h"

enum {
	MS_CHALLENGE = 1,
	MS_RESPONSE = 2,
	MS_SUCCESS = 3,
	MS_FAILURE = 4,
};

static const char ms_server_name[] = "poort";

int
eap_mschapv2_begin(struct eap_mschapv2 *m, uint8_t id, struct wcursor *out)
{
	memset(m, 0, sizeof(*m));
	if (RAND_bytes(m->chal, sizeof(m->chal)) != 1)
		return -1;
	m->msid = id;
	wcursor_u8(out, EAP_TYPE_MSCHAPV2);
	wcursor_u8(out, MS_CHALLENGE);
	wcursor_u8(out, m->msid);
	wcursor_u16(out, (uint16_t)(4 + 1 + 16 + sizeof(ms_server_name) - 1));
	wcursor_u8(out, 16);
	wcursor_bytes(out, m->chal, 16);
	wcursor_bytes(out, ms_server_name, sizeof(ms_server_name) - 1);
	return out->err ? -1 : 0;
}

int
eap_mschapv2_verify(struct eap_conv *c, const uint8_t chal[16], const uint8_t peer_chal[16],
                    const uint8_t ntresp[24], const char *name, size_t namelen, char authresp[43])
{
	/* the NT hash stays with the backend (src/auth): only the verdict comes back */
	int rc = c->es->be.mschapv2(c->es->be.arg, &c->acct, chal, peer_chal, ntresp, name, namelen,
	                            authresp);

	if (rc != 0) {
		c->reason = auth_reason(rc < 0 ? rc : AUTH_EPASSWORD);
		return -1;
	}
	return 0;
}

int
eap_mschapv2_step(struct eap_mschapv2 *m, struct eap_conv *c, const uint8_t *in, size_t len,
                  struct wcursor *out)
{
	struct rcursor r;
	uint8_t op, msid, vsize, flags;
	uint16_t mslen;
	const uint8_t *peer, *ntresp, *name;
	char authresp[AUTH_MSCHAPV2_AUTHRESP_LEN + 1];
	size_t namelen;

	rcursor_init(&r, in, len);
	if (rcursor_u8(&r, &op) < 0) {
		c->reason = "malformed-mschapv2";
		return EAP_M_FAIL;
	}
	if (m->success_sent) {
		if (op != MS_SUCCESS) {
			c->reason = "mschapv2-success-not-acknowledged";
			return EAP_M_FAIL;
		}
		return EAP_M_SUCCESS;
	}
	if (op != MS_RESPONSE) {
		c->reason =
		    op == MS_FAILURE ? "mschapv2-peer-failure" : "unexpected-mschapv2-opcode";
		return EAP_M_FAIL;
	}
	if (rcursor_u8(&r, &msid) < 0 || rcursor_u16(&r, &mslen) < 0 ||
	    rcursor_u8(&r, &vsize) < 0 || vsize != 49 || rcursor_ptr(&r, &peer, 16) < 0 ||
	    rcursor_skip(&r, 8) < 0 || rcursor_ptr(&r, &ntresp, 24) < 0 ||
	    rcursor_u8(&r, &flags) < 0) {
		c->reason = "malformed-mschapv2";
		return EAP_M_FAIL;
	}
	namelen = rcursor_left(&r);
	if (rcursor_ptr(&r, &name, namelen) < 0 || msid != m->msid) {
		c->reason = "malformed-mschapv2";
		return EAP_M_FAIL;
	}
	if (eap_mschapv2_verify(c, m->chal, peer, ntresp, (const char *)name, namelen, authresp) <
	    0)
		return EAP_M_FAIL;
	wcursor_u8(out, EAP_TYPE_MSCHAPV2);
	wcursor_u8(out, MS_SUCCESS);
	wcursor_u8(out, m->msid);
	wcursor_u16(out, (uint16_t)(4 + AUTH_MSCHAPV2_AUTHRESP_LEN + 5));
	wcursor_bytes(out, authresp, AUTH_MSCHAPV2_AUTHRESP_LEN);
	wcursor_bytes(out, " M=OK", 5);
	m->success_sent = 1;
	return EAP_M_CONT;
}
