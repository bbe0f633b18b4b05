/*
 * PEAPv0 (draft-kamath-pppext-peapv0) with inner EAP-MSCHAPv2. Inside the
 * tunnel PEAPv0 leaves out the EAP header (code, id, length) of inner
 * packets, except for the Result TLV (type 33) that ends phase 2.
 */
#include <stdlib.h>
#include <string.h>

#include "eap_int.h"

enum peap_phase {
	PEAP_HANDSHAKE,
	PEAP_IDENTITY, /* inner Identity request sent */
	PEAP_MSCHAPV2,
	PEAP_RESULT, /* Result TLV (success) sent */
};

struct eap_peap_priv {
	struct eap_tls t;
	enum peap_phase phase;
	uint8_t inner_id;
	struct eap_mschapv2 ms;
};

static int
peap_start(struct eap_conv *c, void **priv, struct wcursor *out)
{
	int rc = eap_tls_method_start(c, priv, sizeof(struct eap_peap_priv), c->es->tunnel_ctx,
				      EAP_TYPE_PEAP, out);

	if (*priv != NULL)
		((struct eap_peap_priv *)*priv)->inner_id = c->id;
	return rc;
}

/* Encrypts an inner packet and starts sending it. */
static int
peap_send(struct eap_peap_priv *p, struct eap_conv *c, const uint8_t *pkt, size_t len,
          struct wcursor *out)
{
	if (eap_tls_write(&p->t, pkt, len) < 0 || eap_tls_flush(&p->t, c, out) <= 0) {
		c->reason = "tls-write-failed";
		return EAP_M_FAIL;
	}
	return EAP_M_CONT;
}

static int peap_result(struct eap_peap_priv *p, struct eap_conv *c, struct wcursor *out);

/* Phase 2: one decrypted inner response. */
static int
peap_inner(struct eap_peap_priv *p, struct eap_conv *c, struct wcursor *out)
{
	uint8_t buf[1024];
	struct wcursor w;
	struct rcursor r;
	const uint8_t *data;
	uint8_t type, code, id;
	uint16_t len;
	size_t dlen;
	int rc;

	rcursor_init(&r, p->t.app, p->t.applen);
	wcursor_init(&w, buf, sizeof(buf));
	if (p->phase == PEAP_RESULT) {
		/* the one inner packet with a full header: Response/TLV with Result TLVs */
		uint16_t tlv, tlen, status = 0;
		if (rcursor_u8(&r, &code) < 0 || rcursor_u8(&r, &id) < 0 ||
		    rcursor_u16(&r, &len) < 0 || rcursor_u8(&r, &type) < 0 ||
		    code != EAP_CODE_RESPONSE || type != EAP_TYPE_TLV) {
			c->reason = "malformed-peap-result";
			return EAP_M_FAIL;
		}
		while (rcursor_left(&r) >= 4) {
			struct rcursor v;
			if (rcursor_u16(&r, &tlv) < 0 || rcursor_u16(&r, &tlen) < 0 ||
			    rcursor_sub(&r, &v, tlen) < 0)
				break;
			if ((tlv & 0x3fff) == 3 && tlen == 2)
				rcursor_u16(&v, &status);
		}
		if (r.err || status != 1) {
			c->reason = "peap-result-failure";
			return EAP_M_FAIL;
		}
		if (eap_tls_msk(&p->t, "client EAP encryption", c->msk) < 0) {
			c->reason = "key-derivation-failed";
			return EAP_M_FAIL;
		}
		p->t.keep_session = 1;
		return EAP_M_SUCCESS;
	}

	/* a peer may send the full header anyway; accept both forms */
	if (p->t.applen >= 5 && p->t.app[0] == EAP_CODE_RESPONSE &&
	    ((size_t)p->t.app[2] << 8 | p->t.app[3]) == p->t.applen)
		rcursor_skip(&r, 4);
	if (rcursor_u8(&r, &type) < 0) {
		c->reason = "malformed-inner-eap";
		return EAP_M_FAIL;
	}
	dlen = rcursor_left(&r);
	rcursor_ptr(&r, &data, dlen);
	if (p->phase == PEAP_IDENTITY) {
		if (type != EAP_TYPE_IDENTITY) {
			c->reason = "expected-inner-identity";
			return EAP_M_FAIL;
		}
		if (eap_conv_inner_identity(c, (const char *)data, dlen) < 0)
			return EAP_M_FAIL;
		if (eap_mschapv2_begin(&p->ms, ++p->inner_id, &w) < 0) {
			c->reason = "out-of-memory";
			return EAP_M_FAIL;
		}
		p->phase = PEAP_MSCHAPV2;
		return peap_send(p, c, buf, w.pos, out);
	}
	if (type == EAP_TYPE_NAK) {
		c->reason = "inner-method-refused";
		return EAP_M_FAIL;
	}
	if (type != EAP_TYPE_MSCHAPV2) {
		c->reason = "unexpected-inner-type";
		return EAP_M_FAIL;
	}
	rc = eap_mschapv2_step(&p->ms, c, data, dlen, &w);
	if (rc == EAP_M_CONT)
		return peap_send(p, c, buf, w.pos, out);
	if (rc != EAP_M_SUCCESS)
		return rc;
	eap_tls_session_remember(&p->t, c);
	return peap_result(p, c, out);
}

/* Result TLV: success (its own full EAP header). */
static int
peap_result(struct eap_peap_priv *p, struct eap_conv *c, struct wcursor *out)
{
	uint8_t buf[16];
	struct wcursor w;

	p->phase = PEAP_RESULT;
	wcursor_init(&w, buf, sizeof(buf));
	wcursor_u8(&w, EAP_CODE_REQUEST);
	wcursor_u8(&w, ++p->inner_id);
	wcursor_u16(&w, 11);
	wcursor_u8(&w, EAP_TYPE_TLV);
	wcursor_u16(&w, 0x8003); /* mandatory, Result */
	wcursor_u16(&w, 2);
	wcursor_u16(&w, 1); /* Success */
	return peap_send(p, c, buf, w.pos, out);
}

static int
peap_process(struct eap_conv *c, void *priv, const uint8_t *in, size_t len, struct wcursor *out)
{
	struct eap_peap_priv *p = priv;
	int rc;

	switch (eap_tls_recv(&p->t, c, in, len, out)) {
	case EAP_TLS_SENT:
		return EAP_M_CONT;
	case EAP_TLS_FAILED:
		return EAP_M_FAIL;
	case EAP_TLS_READY:
		break;
	}
	/* our handshake flight (or TLS 1.3 tickets) goes first; phase 2 after the ACK */
	rc = eap_tls_flush(&p->t, c, out);
	if (rc != 0) {
		if (rc < 0)
			c->reason = "out-of-memory";
		return rc < 0 ? EAP_M_FAIL : EAP_M_CONT;
	}
	if (!p->t.established) {
		c->reason = "tls-stalled";
		return EAP_M_FAIL;
	}
	if (p->phase == PEAP_HANDSHAKE && c->resumed) {
		/* fast reconnect: the tunnel's session remembers its phase 2 */
		rc = eap_tls_session_recall(&p->t, c);
		if (rc < 0)
			return EAP_M_FAIL;
		if (rc > 0)
			return peap_result(p, c, out);
	}
	if (p->phase == PEAP_HANDSHAKE) {
		static const uint8_t identity_req[] = {EAP_TYPE_IDENTITY};
		p->phase = PEAP_IDENTITY;
		return peap_send(p, c, identity_req, sizeof(identity_req), out);
	}
	if (p->t.applen == 0) {
		c->reason = "missing-inner-response";
		return EAP_M_FAIL;
	}
	return peap_inner(p, c, out);
}

static void
peap_free(void *priv)
{
	eap_tls_method_free(priv, sizeof(struct eap_peap_priv));
}

static const struct eap_method eap_peap_method = {
    .type = EAP_TYPE_PEAP,
    .name = "peap",
    .start = peap_start,
    .process = peap_process,
    .free = peap_free,
};

const struct eap_method *
eap_peap_register(void)
{
	return &eap_peap_method;
}
