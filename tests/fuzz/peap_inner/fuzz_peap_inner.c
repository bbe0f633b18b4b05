/*
 * PEAPv0 phase 2 with the tunnel up: the peer (tests/fuzz/eap_tunnel) runs a
 * real TLS 1.2 or 1.3 handshake with the EAP server, then each record of the
 * input goes in as decrypted inner data: the inner Identity and its
 * account lookup in the store, EAP-MSCHAPv2 (Response, Success ack) against
 * the account's NT hash, the Result TLV, key derivation, and resumption.
 *
 * FZ_OP_SMART answers what the server asked last, as a supplicant would:
 * data[0] bit 0 = wrong password, bit 1 = with the full EAP header, bit 2 =
 * Result TLV failure; data[1..] = the name to use (default anna@realm).
 */
#include <stdint.h>
#include <string.h>

#include "fz_tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
peap_smart(struct fz_peer *p, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	static const char def[] = FZ_USER "@" FZ_REALM;
	uint8_t mode = n > 0 ? d[0] : 0;
	const char *name = n > 1 ? (const char *)d + 1 : def;
	size_t namelen = n > 1 ? n - 1 : sizeof(def) - 1, o = 0, hdr;
	const uint8_t *q = p->plain;
	size_t ql = p->plainlen;

	if (namelen > 256)
		namelen = 256;
	if (cap < 300 + namelen)
		return 0;
	/* the server's request may come with or without its EAP header */
	if (ql >= 5 && q[0] == 1 && ((size_t)q[2] << 8 | q[3]) == ql && q[4] != 33) {
		q += 4;
		ql -= 4;
	}
	hdr = (mode & 2) ? 4 : 0;
	o = hdr;
	if (ql >= 5 && p->plain[0] == 1 && p->plain[4] == 33) {
		/* Result TLV: always with its header */
		uint8_t r[] = {2, p->plain[1], 0, 11, 33, 0x80, 0x03, 0, 2, 0, (mode & 4) ? 2 : 1};
		memcpy(out, r, sizeof(r));
		return sizeof(r);
	}
	if (ql >= 1 && q[0] == 1) { /* Identity */
		out[o++] = 1;
		memcpy(out + o, name, namelen);
		o += namelen;
	} else if (ql >= 22 && q[0] == 26 && q[1] == 1 && q[5] == 16) { /* Challenge */
		uint8_t value[49];
		if (fz_mschapv2_value(q + 6, name, namelen,
		                      (mode & 1) ? "wrong horse" : FZ_PASSWORD, value) < 0)
			return 0;
		out[o++] = 26;
		out[o++] = 2;
		out[o++] = q[2];
		out[o++] = (uint8_t)((4 + 1 + 49 + namelen) >> 8);
		out[o++] = (uint8_t)(4 + 1 + 49 + namelen);
		out[o++] = 49;
		memcpy(out + o, value, 49);
		o += 49;
		memcpy(out + o, name, namelen);
		o += namelen;
	} else if (ql >= 2 && q[0] == 26 && q[1] == 3) { /* Success: acknowledged */
		out[o++] = 26;
		out[o++] = 3;
	} else {
		return 0;
	}
	if (hdr) {
		out[0] = 2;
		out[1] = 0;
		out[2] = (uint8_t)(o >> 8);
		out[3] = (uint8_t)o;
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env *env;

	if (env == NULL && (env = fz_env_get("peap")) == NULL)
		__builtin_trap();
	if (size > 20000)
		return 0;
	fz_run(env, 25, data, size, NULL, peap_smart);
	return 0;
}
