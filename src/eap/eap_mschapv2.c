/*
 * EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2) as the inner method of
 * PEAP and TTLS, and the MS-CHAP2 check TTLS uses without EAP.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "eap_int.h"
#include "mschapv2.h"

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
	uint8_t nt[16], want[24];
	int rc;

	if (c->es->be.nthash(c->es->be.arg, c->acct.user, nt) < 0) {
		c->reason = "no-nt-hash";
		return -1;
	}
	rc = mschapv2_nt_response(chal, peer_chal, name, namelen, nt, want);
	if (rc == 0 && CRYPTO_memcmp(want, ntresp, 24) != 0) {
		c->reason = "wrong-password";
		rc = -1;
	} else if (rc == 0) {
		rc = mschapv2_auth_response(nt, ntresp, peer_chal, chal, name, namelen, authresp);
	}
	if (rc < 0 && c->reason == NULL)
		c->reason = "mschapv2-crypto-failed";
	explicit_bzero(nt, sizeof(nt));
	return rc < 0 ? -1 : 0;
}

int
eap_mschapv2_step(struct eap_mschapv2 *m, struct eap_conv *c, const uint8_t *in, size_t len,
                  struct wcursor *out)
{
	struct rcursor r;
	uint8_t op, msid, vsize, flags;
	uint16_t mslen;
	const uint8_t *peer, *ntresp, *name;
	char authresp[MSCHAPV2_AUTHRESP_LEN + 1];
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
	wcursor_u16(out, (uint16_t)(4 + MSCHAPV2_AUTHRESP_LEN + 5));
	wcursor_bytes(out, authresp, MSCHAPV2_AUTHRESP_LEN);
	wcursor_bytes(out, " M=OK", 5);
	m->success_sent = 1;
	return EAP_M_CONT;
}
