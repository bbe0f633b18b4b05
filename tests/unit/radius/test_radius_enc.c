/*
 * radius_enc.c against libfreeradius: every reply the RADIUS side writes
 * itself (EAP Access-Challenge, -Accept and -Reject, PAP accept and reject,
 * Reject with Reply-Message) is byte for byte the reply the old path made
 * (radius_msg_reply, the attributes as pairs, the request's Proxy-State,
 * rad_encode and radius_auth_sign): Message-Authenticator, Response
 * Authenticator, EAP-Message fragments at 253 octets, State, the MS-MPPE
 * keys (with the salt libfreeradius chose), the tagged VLAN attributes,
 * Session-Timeout, CUI. Then the keys our salts encrypt decrypt to the MSK.
 */
#include <stdio.h>
#include <string.h>

#include "radius_msg.h"
#include "test.h"

static const char secret[] = "testing123-secret";

enum { MS_SEND = 16, MS_RECV = 17, VENDOR_MS = 311 };

/* A request as poortd holds it (radius_msg_wrap), with nps Proxy-States. */
static RADIUS_PACKET *
request(int nps)
{
	static const uint8_t zero[16];
	RADIUS_PACKET *p = rad_alloc(NULL, true), *w;
	VALUE_PAIR *vp = fr_pair_afrom_num(p, PW_MESSAGE_AUTHENTICATOR, 0);
	const char *why;

	fr_pair_value_memcpy(vp, zero, sizeof(zero));
	fr_pair_add(&p->vps, vp);
	vp = fr_pair_afrom_num(p, PW_USER_NAME, 0);
	fr_pair_value_strcpy(vp, "anna@school.example");
	fr_pair_add(&p->vps, vp);
	for (int i = 0; i < nps; i++) {
		char st[16];
		snprintf(st, sizeof(st), "hop-%d-state", i);
		vp = fr_pair_afrom_num(p, PW_PROXY_STATE, 0);
		fr_pair_value_memcpy(vp, (const uint8_t *)st, strlen(st));
		fr_pair_add(&p->vps, vp);
	}
	p->code = PW_CODE_ACCESS_REQUEST;
	p->id = 99;
	CHECK_INT(rad_encode(p, NULL, secret), 0);
	CHECK_INT(radius_auth_sign(p->data, p->data_len, NULL, secret), 0);
	w = radius_msg_wrap(NULL, p->data, p->data_len, &why);
	CHECK(w != NULL);
	talloc_free(p);
	return w;
}

/* What one reply holds; the old path and the new are built from it. */
struct set {
	unsigned code;
	size_t eaplen; /* 0: no EAP-Message */
	int state;
	int keys;
	unsigned vlan, session_timeout;
	const char *cui, *reply_message;
};

static void
add(RADIUS_PACKET *r, unsigned attr, unsigned vendor, const void *v, size_t len)
{
	VALUE_PAIR *vp = fr_pair_afrom_num(r, attr, vendor);
	fr_pair_value_memcpy(vp, v, len);
	fr_pair_add(&r->vps, vp);
}

/* The old path, as server.c and radius_eap.c built replies before. */
static RADIUS_PACKET *
old_reply(RADIUS_PACKET *req, const struct set *s, const uint8_t *eap, const uint8_t *state,
          const uint8_t *msk)
{
	RADIUS_PACKET *r = radius_msg_reply(req, s->code);
	VALUE_PAIR *list = NULL;

	if (s->cui)
		add(r, PW_CHARGEABLE_USER_IDENTITY, 0, s->cui, strlen(s->cui));
	for (size_t off = 0; off < s->eaplen; off += 253) {
		VALUE_PAIR *vp = fr_pair_afrom_num(r, PW_EAP_MESSAGE, 0);
		fr_pair_value_memcpy(vp, eap + off, s->eaplen - off < 253 ? s->eaplen - off : 253);
		fr_pair_add(&list, vp);
	}
	if (s->state) {
		VALUE_PAIR *vp = fr_pair_afrom_num(r, PW_STATE, 0);
		fr_pair_value_memcpy(vp, state, 16);
		fr_pair_add(&list, vp);
	}
	if (s->keys) {
		VALUE_PAIR *vp = fr_pair_afrom_num(r, MS_RECV, VENDOR_MS);
		fr_pair_value_memcpy(vp, msk, 32);
		fr_pair_add(&list, vp);
		vp = fr_pair_afrom_num(r, MS_SEND, VENDOR_MS);
		fr_pair_value_memcpy(vp, msk + 32, 32);
		fr_pair_add(&list, vp);
	}
	if (s->vlan)
		CHECK_INT(radius_msg_add_vlan(r, &list, s->vlan), 0);
	if (s->session_timeout) {
		VALUE_PAIR *vp = fr_pair_afrom_num(r, PW_SESSION_TIMEOUT, 0);
		vp->vp_integer = s->session_timeout;
		vp->vp_length = 4;
		fr_pair_add(&list, vp);
	}
	if (s->reply_message) {
		VALUE_PAIR *vp = fr_pair_afrom_num(r, PW_REPLY_MESSAGE, 0);
		fr_pair_value_strcpy(vp, s->reply_message);
		fr_pair_add(&list, vp);
	}
	for (VALUE_PAIR *vp = list; vp != NULL; vp = vp->next)
		fr_pair_add(&r->vps, fr_pair_copy(r, vp));
	fr_pair_list_free(&list);
	radius_msg_copy_proxy_state(r, req);
	CHECK_INT(radius_msg_finish(r, req, secret), 0);
	return r;
}

/* The salt of the Microsoft attribute vtype in an encoded reply (NULL: none). */
static const uint8_t *
ms_salt(const uint8_t *pkt, size_t len, uint8_t vtype)
{
	for (size_t i = 20; i + 2 <= len && pkt[i + 1] >= 2; i += pkt[i + 1])
		if (pkt[i] == PW_VENDOR_SPECIFIC && pkt[i + 1] >= 10 && pkt[i + 2] == 0 &&
		    pkt[i + 3] == 0 && pkt[i + 4] == 0x01 && pkt[i + 5] == 0x37 &&
		    pkt[i + 6] == vtype)
			return pkt + i + 8;
	return NULL;
}

/* The new path, as server.c and radius_eap.c build replies now. */
static size_t
new_reply(struct radius_enc *e, RADIUS_PACKET *req, const struct set *s, const uint8_t *eap,
          const uint8_t *state, const uint8_t *msk, const uint8_t *salt_recv,
          const uint8_t *salt_send)
{
	size_t len = 0;

	radius_enc_begin(e, s->code, req->id);
	if (s->cui)
		radius_enc_attr(e, PW_CHARGEABLE_USER_IDENTITY, s->cui, strlen(s->cui));
	if (s->eaplen)
		CHECK_INT(radius_enc_split(e, PW_EAP_MESSAGE, eap, s->eaplen), 0);
	if (s->state)
		radius_enc_attr(e, PW_STATE, state, 16);
	if (s->keys) {
		CHECK_INT(radius_enc_mppe_key(e, MS_RECV, msk, 32, req->vector, secret, salt_recv),
		          0);
		CHECK_INT(
		    radius_enc_mppe_key(e, MS_SEND, msk + 32, 32, req->vector, secret, salt_send),
		    0);
	}
	if (s->vlan)
		radius_enc_vlan(e, s->vlan);
	if (s->session_timeout)
		radius_enc_int(e, PW_SESSION_TIMEOUT, s->session_timeout);
	if (s->reply_message)
		radius_enc_attr(e, PW_REPLY_MESSAGE, s->reply_message, strlen(s->reply_message));
	CHECK_INT(radius_enc_proxy_state(e, req), 0);
	CHECK_INT(radius_enc_finish(e, req->vector, secret, &len), 0);
	return len;
}

static void
same_bytes(const struct set *s, int nps)
{
	uint8_t eap[1500], state[16], msk[64];
	struct radius_enc e;
	RADIUS_PACKET *req = request(nps), *old, *back;
	const uint8_t *sr = NULL, *ss = NULL;
	const char *why;
	size_t len;

	for (size_t i = 0; i < sizeof(eap); i++)
		eap[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(state); i++)
		state[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(msk); i++)
		msk[i] = (uint8_t)(i * 13 + 5);
	old = old_reply(req, s, eap, state, msk);
	if (s->keys) {
		sr = ms_salt(old->data, old->data_len, MS_RECV);
		ss = ms_salt(old->data, old->data_len, MS_SEND);
		CHECK(sr != NULL && ss != NULL);
		if (sr == NULL || ss == NULL)
			goto done;
	}
	len = new_reply(&e, req, s, eap, state, msk, sr, ss);
	CHECK_INT(len, old->data_len);
	CHECK(len == old->data_len && memcmp(e.buf, old->data, len) == 0);
	if (len != old->data_len || memcmp(e.buf, old->data, len) != 0) {
		fprintf(stderr, "code %u eaplen %zu:\n", s->code, s->eaplen);
		for (size_t i = 0; i < old->data_len || i < len; i++)
			fprintf(stderr, "%4zu %02x %02x\n", i, i < old->data_len ? old->data[i] : 0,
			        i < len ? e.buf[i] : 0);
	}
	CHECK_INT(radius_auth_verify(e.buf, len, req->vector, secret), 0);

	/* our own salts: the peer's decode gives the MSK back */
	if (s->keys) {
		uint8_t salt[2][2];
		radius_enc_salt(salt[0]);
		radius_enc_salt(salt[1]);
		CHECK((salt[0][0] & 0x80) && (salt[1][0] & 0x80) && salt[0][0] != salt[1][0]);
		len = new_reply(&e, req, s, eap, state, msk, salt[0], salt[1]);
		back = radius_msg_wrap(req, e.buf, len, &why);
		CHECK(back != NULL);
		if (back != NULL) {
			CHECK_INT(rad_verify(back, req, secret), 0);
			CHECK_INT(rad_decode(back, req, secret), 0);
			VALUE_PAIR *r = fr_pair_find_by_num(back->vps, MS_RECV, VENDOR_MS, TAG_ANY);
			VALUE_PAIR *t = fr_pair_find_by_num(back->vps, MS_SEND, VENDOR_MS, TAG_ANY);
			CHECK(r != NULL && r->vp_length == 32 &&
			      memcmp(r->vp_octets, msk, 32) == 0);
			CHECK(t != NULL && t->vp_length == 32 &&
			      memcmp(t->vp_octets, msk + 32, 32) == 0);
		}
	}
	radius_enc_clear(&e);
done:
	talloc_free(req);
}

int
main(void)
{
	char err[256];
	const struct set sets[] = {
	    /* EAP rounds: one fragment, fragment boundaries, a full TLS flight */
	    {PW_CODE_ACCESS_CHALLENGE, 6, 1, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_CHALLENGE, 253, 1, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_CHALLENGE, 254, 1, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_CHALLENGE, 506, 1, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_CHALLENGE, 1024, 1, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_CHALLENGE, 1400, 1, 0, 0, 0, NULL, NULL},
	    /* EAP outcomes: Success with keys, with and without the reply attributes */
	    {PW_CODE_ACCESS_ACCEPT, 4, 0, 1, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_ACCEPT, 4, 0, 1, 42, 3600, NULL, NULL},
	    {PW_CODE_ACCESS_ACCEPT, 4, 0, 1, 4094, 0, "cui-pseudonym-0123456789abcdef", NULL},
	    {PW_CODE_ACCESS_ACCEPT, 4, 0, 1, 0, 86400, NULL, NULL},
	    {PW_CODE_ACCESS_REJECT, 4, 0, 0, 0, 0, NULL, NULL},
	    /* PAP, and the realm rules' rejects */
	    {PW_CODE_ACCESS_ACCEPT, 0, 0, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_ACCEPT, 0, 0, 0, 0, 0, "another-cui", NULL},
	    {PW_CODE_ACCESS_REJECT, 0, 0, 0, 0, 0, NULL, NULL},
	    {PW_CODE_ACCESS_REJECT, 0, 0, 0, 0, 0, NULL, "This realm is not served here."},
	};

	CHECK_INT(radius_msg_init(POORT_DICT_DIR, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		for (int nps = 0; nps <= 2; nps++)
			same_bytes(&sets[i], nps);

	/* too long for one packet: an error, never a truncated reply */
	{
		struct radius_enc e;
		uint8_t big[RADIUS_MAX_PACKET];
		size_t len;
		memset(big, 0x5a, sizeof(big));
		radius_enc_begin(&e, PW_CODE_ACCESS_CHALLENGE, 1);
		CHECK(radius_enc_split(&e, PW_EAP_MESSAGE, big, sizeof(big)) < 0);
		CHECK(radius_enc_finish(&e, big, secret, &len) < 0);
		radius_enc_begin(&e, PW_CODE_ACCESS_CHALLENGE, 1);
		CHECK(radius_enc_attr(&e, PW_REPLY_MESSAGE, big, 254) < 0);
		CHECK(radius_enc_finish(&e, big, secret, &len) < 0);
	}
	radius_auth_forget();
	TEST_DONE();
}
