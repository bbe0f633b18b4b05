/*
 * EAP-TTLSv0 (RFC 5281; TLS 1.3 per RFC 9427) with inner PAP, MSCHAPv2
 * and EAP-MSCHAPv2, carried as AVPs in the tunnel.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "eap_int.h"
#include "poort/auth.h"

enum {
	AVP_USER_NAME = 1,
	AVP_USER_PASSWORD = 2,
	AVP_EAP_MESSAGE = 79,
	VENDOR_MICROSOFT = 311,
	AVP_MS_CHAP_CHALLENGE = 11,
	AVP_MS_CHAP2_RESPONSE = 25,
	AVP_MS_CHAP2_SUCCESS = 26,
};

enum ttls_phase {
	TTLS_TUNNEL,    /* waiting for the first inner AVPs */
	TTLS_EAP,       /* inner EAP-MSCHAPv2 under way */
	TTLS_DONE_WAIT, /* inner auth succeeded; waiting for the ACK of our last data */
};

struct eap_ttls_priv {
	struct eap_tls t;
	enum ttls_phase phase;
	uint8_t inner_id;
	struct eap_mschapv2 ms;
};

static int
ttls_start(struct eap_conv *c, void **priv, struct wcursor *out)
{
	return eap_tls_method_start(c, priv, sizeof(struct eap_ttls_priv), c->es->tunnel_ctx,
				    EAP_TYPE_TTLS, out);
}

static int
ttls_fail(struct eap_conv *c, const char *why)
{
	if (c->reason == NULL)
		c->reason = why;
	return EAP_M_FAIL;
}

static int
ttls_success(struct eap_ttls_priv *p, struct eap_conv *c)
{
	if (eap_tls_msk(&p->t, "ttls keying material", c->msk) < 0)
		return ttls_fail(c, "key-derivation-failed");
	p->t.keep_session = 1;
	return EAP_M_SUCCESS;
}

/* Sends what TLS has pending (tickets, inner answers); success after the peer's ACK. */
static int
ttls_send_or_succeed(struct eap_ttls_priv *p, struct eap_conv *c, struct wcursor *out)
{
	int rc;

	eap_tls_session_remember(&p->t, c);
	rc = eap_tls_flush(&p->t, c, out);

	if (rc < 0)
		return ttls_fail(c, "out-of-memory");
	if (rc > 0) {
		p->phase = TTLS_DONE_WAIT;
		return EAP_M_CONT;
	}
	return ttls_success(p, c);
}

static int
ttls_pap(struct eap_ttls_priv *p, struct eap_conv *c, const struct ttls_avp *pw,
         struct wcursor *out)
{
	size_t len = pw->len;

	/* the peer pads the password to 16 octets with NULs (RFC 5281 11.2.5) */
	while (len > 0 && pw->data[len - 1] == '\0')
		len--;
	if (len == 0 || len >= sizeof(c->verify_pw))
		return ttls_fail(c, "wrong-password");
	if (c->es->be.password_cached(c->es->be.arg, &c->acct, (const char *)pw->data, len) == 1)
		return ttls_send_or_succeed(p, c, out);
	/* the slow hash runs off the event loop; ttls_resume continues */
	memcpy(c->verify_pw, pw->data, len);
	c->verify_pwlen = len;
	return EAP_M_VERIFY;
}

static int
ttls_resume(struct eap_conv *c, void *priv, int verified, struct wcursor *out)
{
	if (verified < 0)
		return ttls_fail(c, auth_reason(verified));
	if (verified == 0)
		return ttls_fail(c, auth_reason(AUTH_EPASSWORD));
	return ttls_send_or_succeed(priv, c, out);
}

static int
ttls_mschapv2(struct eap_ttls_priv *p, struct eap_conv *c, const struct ttls_avp *chal,
              const struct ttls_avp *resp, const struct ttls_avp *name, struct wcursor *out)
{
	uint8_t want[17], reply[1 + 42];
	char authresp[43];
	struct wcursor w;
	uint8_t buf[128];

	/* RFC 5281 11.2.4: challenge and ident come from the tunnel, not the peer */
	if (eap_tls_export(&p->t, "ttls challenge", want, sizeof(want)) < 0)
		return ttls_fail(c, "key-derivation-failed");
	if (chal->len != 16 || resp->len != 50 || CRYPTO_memcmp(chal->data, want, 16) != 0 ||
	    resp->data[0] != want[16])
		return ttls_fail(c, "mschapv2-challenge-mismatch");
	if (eap_mschapv2_verify(c, want, resp->data + 2, resp->data + 26, (const char *)name->data,
	                        name->len, authresp) < 0)
		return EAP_M_FAIL;
	reply[0] = want[16];
	memcpy(reply + 1, authresp, 42);
	/* the ticket must come before the AVP: a peer reads no records after it */
	eap_tls_session_remember(&p->t, c);
	wcursor_init(&w, buf, sizeof(buf));
	if (eap_ttls_avp_put(&w, AVP_MS_CHAP2_SUCCESS, VENDOR_MICROSOFT, reply, sizeof(reply)) <
	        0 ||
	    eap_tls_write(&p->t, buf, w.pos) < 0)
		return ttls_fail(c, "tls-write-failed");
	return ttls_send_or_succeed(p, c, out);
}

/* Inner EAP: identity first, then EAP-MSCHAPv2, each request in an EAP-Message AVP. */
static int
ttls_eap(struct eap_ttls_priv *p, struct eap_conv *c, const uint8_t *pkt, size_t len,
         struct wcursor *out)
{
	struct rcursor r;
	uint8_t code, id, type, buf[512], avp[600];
	uint16_t plen;
	const uint8_t *data;
	size_t dlen;
	struct wcursor w, aw;
	int rc;

	rcursor_init(&r, pkt, len);
	if (rcursor_u8(&r, &code) < 0 || rcursor_u8(&r, &id) < 0 || rcursor_u16(&r, &plen) < 0 ||
	    plen < 5 || plen > len || code != EAP_CODE_RESPONSE)
		return ttls_fail(c, "malformed-inner-eap");
	rcursor_init(&r, pkt + 4, (size_t)plen - 4);
	rcursor_u8(&r, &type);
	dlen = rcursor_left(&r);
	rcursor_ptr(&r, &data, dlen);
	wcursor_init(&w, buf + 4, sizeof(buf) - 4);
	if (p->phase == TTLS_TUNNEL) {
		if (type != EAP_TYPE_IDENTITY)
			return ttls_fail(c, "expected-inner-identity");
		if (eap_conv_inner_identity(c, (const char *)data, dlen) < 0)
			return EAP_M_FAIL;
		p->inner_id = (uint8_t)(id + 1);
		if (eap_mschapv2_begin(&p->ms, p->inner_id, &w) < 0)
			return ttls_fail(c, "out-of-memory");
		p->phase = TTLS_EAP;
	} else {
		if (type != EAP_TYPE_MSCHAPV2 || id != p->inner_id)
			return ttls_fail(c, type == EAP_TYPE_NAK ? "inner-method-refused"
			                                         : "unexpected-inner-type");
		rc = eap_mschapv2_step(&p->ms, c, data, dlen, &w);
		if (rc == EAP_M_SUCCESS)
			return ttls_send_or_succeed(p, c, out);
		if (rc != EAP_M_CONT)
			return rc;
		p->inner_id++;
	}
	if (w.err)
		return ttls_fail(c, "inner-request-too-large");
	buf[0] = EAP_CODE_REQUEST;
	buf[1] = p->inner_id;
	buf[2] = (uint8_t)((w.pos + 4) >> 8);
	buf[3] = (uint8_t)(w.pos + 4);
	wcursor_init(&aw, avp, sizeof(avp));
	if (eap_ttls_avp_put(&aw, AVP_EAP_MESSAGE, 0, buf, w.pos + 4) < 0 ||
	    eap_tls_write(&p->t, avp, aw.pos) < 0 || eap_tls_flush(&p->t, c, out) <= 0)
		return ttls_fail(c, "tls-write-failed");
	return EAP_M_CONT;
}

static int
ttls_inner(struct eap_ttls_priv *p, struct eap_conv *c, struct wcursor *out)
{
	struct ttls_avp a, name = {0}, pw = {0}, chal = {0}, resp = {0};
	uint8_t eapbuf[1024];
	size_t eaplen = 0;
	struct rcursor r;
	int rc, have_eap = 0;

	rcursor_init(&r, p->t.app, p->t.applen);
	while ((rc = eap_ttls_avp_next(&r, &a)) > 0) {
		if (a.vendor == 0 && a.code == AVP_USER_NAME)
			name = a;
		else if (a.vendor == 0 && a.code == AVP_USER_PASSWORD)
			pw = a;
		else if (a.vendor == VENDOR_MICROSOFT && a.code == AVP_MS_CHAP_CHALLENGE)
			chal = a;
		else if (a.vendor == VENDOR_MICROSOFT && a.code == AVP_MS_CHAP2_RESPONSE)
			resp = a;
		else if (a.vendor == 0 && a.code == AVP_EAP_MESSAGE) {
			if (eaplen + a.len > sizeof(eapbuf))
				return ttls_fail(c, "oversize-inner-eap");
			memcpy(eapbuf + eaplen, a.data, a.len);
			eaplen += a.len;
			have_eap = 1;
		} else if (a.flags & TTLS_AVP_FLAG_M) {
			return ttls_fail(c, "unsupported-mandatory-avp");
		}
	}
	if (rc < 0)
		return ttls_fail(c, "malformed-avp");
	if (have_eap)
		return ttls_eap(p, c, eapbuf, eaplen, out);
	if (p->phase != TTLS_TUNNEL)
		return ttls_fail(c, "unexpected-avps");
	if (name.data == NULL)
		return ttls_fail(c, "no-inner-user-name");
	if (eap_conv_inner_identity(c, (const char *)name.data, name.len) < 0)
		return EAP_M_FAIL;
	if (pw.data != NULL)
		return ttls_pap(p, c, &pw, out);
	if (chal.data != NULL && resp.data != NULL)
		return ttls_mschapv2(p, c, &chal, &resp, &name, out);
	return ttls_fail(c, "unsupported-inner-method");
}

static int
ttls_process(struct eap_conv *c, void *priv, const uint8_t *in, size_t len, struct wcursor *out)
{
	struct eap_ttls_priv *p = priv;
	int rc;

	switch (eap_tls_recv(&p->t, c, in, len, out)) {
	case EAP_TLS_SENT:
		return EAP_M_CONT;
	case EAP_TLS_FAILED:
		return EAP_M_FAIL;
	case EAP_TLS_READY:
		break;
	}
	if (p->t.just_established && c->resumed && p->phase == TTLS_TUNNEL) {
		/* a returning peer skips phase 2 (RFC 5281 10.1 allows it) */
		rc = eap_tls_session_recall(&p->t, c);
		if (rc < 0)
			return EAP_M_FAIL;
		if (rc > 0 && p->t.applen == 0)
			return ttls_success(p, c);
	}
	/*
	 * After phase 2 succeeded: an ACK, or (TLS 1.3) the peer answering our
	 * ticket with its phase 2 AVPs again, as if asked twice. Either way done.
	 */
	if (p->phase == TTLS_DONE_WAIT)
		return ttls_success(p, c);
	if (p->t.applen > 0)
		return ttls_inner(p, c, out);
	rc = eap_tls_flush(&p->t, c, out);
	if (rc < 0)
		return ttls_fail(c, "out-of-memory");
	if (rc > 0)
		return EAP_M_CONT;
	if (!p->t.established)
		return ttls_fail(c, "tls-stalled");
	if (p->phase != TTLS_TUNNEL)
		return ttls_fail(c, "missing-inner-response");
	/* tunnel up and nothing to say: an empty request asks for the inner credentials */
	eap_tls_ack(&p->t, out);
	return EAP_M_CONT;
}

static void
ttls_free(void *priv)
{
	eap_tls_method_free(priv, sizeof(struct eap_ttls_priv));
}

static const struct eap_method eap_ttls_method = {
    .type = EAP_TYPE_TTLS,
    .name = "ttls",
    .start = ttls_start,
    .process = ttls_process,
    .resume = ttls_resume,
    .free = ttls_free,
};

const struct eap_method *
eap_ttls_register(void)
{
	return &eap_ttls_method;
}
