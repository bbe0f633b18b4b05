/*
 * EAP-TTLS phase 2 with the tunnel up (see tests/fuzz/eap_tunnel): each
 * record goes in as decrypted AVPs, reaching inner PAP (the store's
 * yescrypt hash and the verified-password cache), MSCHAPv2 (the tunnel's
 * challenge, the NT hash), EAP-MSCHAPv2 in EAP-Message AVPs, TLS 1.3
 * tickets after phase 2, key derivation and resumption.
 *
 * FZ_OP_SMART builds what a supplicant sends: data[0] bits 0-1 pick PAP,
 * MSCHAPv2 or inner EAP (the answer to the server's last inner request),
 * bit 4 = wrong password, bit 5 = no User-Name; data[1..] = the name
 * (default anna@realm).
 */
#include <stdint.h>
#include <string.h>

#include "eap_int.h"
#include "fz_tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	AVP_USER_NAME = 1,
	AVP_USER_PASSWORD = 2,
	AVP_EAP_MESSAGE = 79,
	VENDOR_MS = 311,
	AVP_MS_CHAP_CHALLENGE = 11,
	AVP_MS_CHAP2_RESPONSE = 25,
};

/* The inner EAP request in the server's last EAP-Message AVPs. */
static size_t
ttls_last_eap(struct fz_peer *p, uint8_t *out, size_t cap)
{
	struct rcursor r;
	struct ttls_avp a;
	size_t n = 0;

	rcursor_init(&r, p->plain, p->plainlen);
	while (eap_ttls_avp_next(&r, &a) > 0)
		if (a.vendor == 0 && a.code == AVP_EAP_MESSAGE && n + a.len <= cap) {
			memcpy(out + n, a.data, a.len);
			n += a.len;
		}
	return n;
}

static size_t
ttls_smart(struct fz_peer *p, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	static const char def[] = FZ_USER "@" FZ_REALM;
	uint8_t mode = n > 0 ? d[0] : 0;
	const char *name = n > 1 ? (const char *)d + 1 : def;
	const char *pw = (mode & 0x10) ? "wrong horse" : FZ_PASSWORD;
	size_t namelen = n > 1 ? n - 1 : sizeof(def) - 1;
	struct wcursor w;

	if (namelen > 512)
		namelen = 512;
	wcursor_init(&w, out, cap);
	if ((mode & 3) != 2 && !(mode & 0x20))
		eap_ttls_avp_put(&w, AVP_USER_NAME, 0, name, namelen);
	if ((mode & 3) == 0) {
		/* PAP: padded to 16 octets with NULs, as wpa_supplicant does */
		uint8_t pad[32] = {0};
		size_t l = strlen(pw);
		memcpy(pad, pw, l);
		eap_ttls_avp_put(&w, AVP_USER_PASSWORD, 0, pad, (l + 15) / 16 * 16);
	} else if ((mode & 3) == 1) {
		uint8_t chal[17], resp[50], value[49];
		if (fz_peer_export(p, "ttls challenge", chal, sizeof(chal)) < 0 ||
		    fz_mschapv2_value(chal, name, namelen, pw, value) < 0)
			return 0;
		/* Ident, Flags, Peer-Challenge, Reserved, NT-Response */
		resp[0] = chal[16];
		resp[1] = 0;
		memcpy(resp + 2, value, 48);
		eap_ttls_avp_put(&w, AVP_MS_CHAP_CHALLENGE, VENDOR_MS, chal, 16);
		eap_ttls_avp_put(&w, AVP_MS_CHAP2_RESPONSE, VENDOR_MS, resp, sizeof(resp));
	} else {
		uint8_t req[1024], msg[600];
		size_t rl = ttls_last_eap(p, req, sizeof(req)), o = 4;
		uint8_t id = rl >= 2 ? req[1] : 0;
		if (namelen > 400)
			namelen = 400;
		if (rl >= 26 && req[4] == 26 && req[5] == 1 && req[9] == 16) {
			uint8_t value[49];
			if (fz_mschapv2_value(req + 10, name, namelen, pw, value) < 0)
				return 0;
			msg[o++] = 26;
			msg[o++] = 2;
			msg[o++] = req[6];
			msg[o++] = (uint8_t)((4 + 1 + 49 + namelen) >> 8);
			msg[o++] = (uint8_t)(4 + 1 + 49 + namelen);
			msg[o++] = 49;
			memcpy(msg + o, value, 49);
			o += 49;
			memcpy(msg + o, name, namelen);
			o += namelen;
		} else if (rl >= 6 && req[4] == 26 && req[5] == 3) {
			msg[o++] = 26;
			msg[o++] = 3;
		} else {
			msg[o++] = 1; /* Identity first */
			memcpy(msg + o, name, namelen);
			o += namelen;
		}
		msg[0] = 2;
		msg[1] = id;
		msg[2] = (uint8_t)(o >> 8);
		msg[3] = (uint8_t)o;
		eap_ttls_avp_put(&w, AVP_EAP_MESSAGE, 0, msg, o);
	}
	return w.err ? 0 : w.pos;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env *env;

	if (env == NULL && (env = fz_env_get("ttls")) == NULL)
		__builtin_trap();
	if (size > 20000)
		return 0;
	fz_run(env, 21, data, size, NULL, ttls_smart);
	return 0;
}
