/*
 * radius_auth.c against libfreeradius: what one signs the other verifies,
 * for requests and replies, and any flipped byte is refused; a User-Password
 * encrypted again for the next hop is byte for byte what the codec makes.
 */
#include <stdio.h>
#include <string.h>

#include "radius_msg.h"
#include "test.h"

static const char secret[] = "testing123-secret";

/* An Access-Request with a Message-Authenticator, encoded by libfreeradius. */
static RADIUS_PACKET *
request(void)
{
	static const uint8_t zero[16];
	RADIUS_PACKET *p = rad_alloc(NULL, true);
	VALUE_PAIR *vp = fr_pair_afrom_num(p, PW_MESSAGE_AUTHENTICATOR, 0);

	fr_pair_value_memcpy(vp, zero, sizeof(zero));
	fr_pair_add(&p->vps, vp);
	vp = fr_pair_afrom_num(p, PW_USER_NAME, 0);
	fr_pair_value_strcpy(vp, "anna@school.example");
	fr_pair_add(&p->vps, vp);
	p->code = PW_CODE_ACCESS_REQUEST;
	p->id = 42;
	CHECK_INT(rad_encode(p, NULL, secret), 0);
	return p;
}

static void
flips_refused(const uint8_t *pkt, size_t len, const uint8_t *vector)
{
	uint8_t copy[4096];

	for (size_t i = 0; i < len; i++) {
		memcpy(copy, pkt, len);
		copy[i] ^= 0x01;
		/* refused, or no longer carrying a Message-Authenticator at all
		 * (the server requires one before it gets here) */
		struct radius_scan scan;
		int gone = radius_msg_scan(copy, len, &scan) < 0 || !scan.has_ma;
		CHECK(radius_auth_verify(copy, len, vector, secret) < 0 || (gone && vector == NULL));
	}
	CHECK(radius_auth_verify(pkt, len, vector, "another-secret") < 0);
}

/* An Access-Request with vector and password pw (len octets), encoded by libfreeradius. */
static RADIUS_PACKET *
pw_request(const uint8_t vector[16], const char *pw, size_t len, const char *sec)
{
	RADIUS_PACKET *p = rad_alloc(NULL, false);
	VALUE_PAIR *vp = fr_pair_afrom_num(p, PW_USER_PASSWORD, 0);

	fr_pair_value_bstrncpy(vp, pw, len);
	fr_pair_add(&p->vps, vp);
	p->code = PW_CODE_ACCESS_REQUEST;
	p->id = 7;
	memcpy(p->vector, vector, 16);
	CHECK_INT(rad_encode(p, NULL, sec), 0);
	return p;
}

/*
 * radius_auth_pw_recrypt gives the very bytes libfreeradius's decode under
 * the first secret and encode under the second gave (the proxy did that
 * before it forwarded requests undecoded): every length up to past the
 * 128-octet cap, and a NUL inside.
 */
static void
pw_recrypt_matches_the_codec(void)
{
	uint8_t v1[16], v2[16], out[RADIUS_PW_MAX];
	char pw[160];

	for (int i = 0; i < 16; i++) {
		v1[i] = (uint8_t)(i * 7 + 1);
		v2[i] = (uint8_t)(0xf0 - i * 3);
	}
	for (size_t i = 0; i < sizeof(pw); i++)
		pw[i] = (char)('a' + i % 26);
	for (size_t len = 1; len <= 140; len++) {
		for (int nul = 0; nul < 2; nul++) {
			char p[160];
			memcpy(p, pw, len);
			if (nul && len > 3)
				p[len / 2] = '\0';
			RADIUS_PACKET *in = pw_request(v1, p, len, secret);
			size_t got = 0, want = nul && len > 3 ? len / 2 : len > 128 ? 128 : len;
			RADIUS_PACKET *ref = pw_request(v2, p, want, "another-secret");
			/* one attribute each: type, length, value */
			CHECK_INT(radius_auth_pw_recrypt(in->data + 22, in->data[21] - 2u, v1, secret,
							 v2, "another-secret", out, &got),
				  0);
			CHECK_INT((int)got, ref->data[21] - 2);
			CHECK(memcmp(out, ref->data + 22, got) == 0);
			talloc_free(in);
			talloc_free(ref);
		}
	}
}

/* The raw lookups the proxy uses give what the codec's decode gives. */
static void
raw_lookups(void)
{
	static const uint8_t pkt[] = {1, 9, 0, 20 + 2 + 6 + 4 + 4 + 4,
				      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				      33, 2,                   /* an empty Proxy-State: no attribute */
				      1, 6, 'a', '@', 'b', 'c', /* User-Name */
				      33, 4, 'x', 'y',         /* Proxy-State */
				      1, 4, 'z', 'z',          /* a second User-Name */
				      33, 4, 'p', 'q'};        /* Proxy-State */
	const char *why;
	RADIUS_PACKET *p = radius_msg_wrap(NULL, pkt, sizeof(pkt), &why);
	RADIUS_PACKET *reply;
	const uint8_t *v;
	size_t len = 0;

	if (p == NULL)
		fprintf(stderr, "wrap: %s\n", why);
	CHECK(p != NULL);
	v = radius_msg_raw(p, PW_USER_NAME, &len);
	CHECK(v != NULL && len == 4 && memcmp(v, "a@bc", 4) == 0);
	CHECK(radius_msg_raw(p, PW_CALLING_STATION_ID, &len) == NULL);
	reply = radius_msg_reply(p, PW_CODE_ACCESS_ACCEPT);
	radius_msg_copy_proxy_state(reply, p);
	CHECK_INT(rad_decode(p, NULL, secret), 0);
	{
		/* the same Proxy-State values, in order, as decoding gives */
		VALUE_PAIR *a = reply->vps->next, *b = p->vps;
		int n = 0;
		for (; b != NULL; b = b->next) {
			if (b->da->attr != PW_PROXY_STATE)
				continue;
			CHECK(a != NULL && a->vp_length == b->vp_length &&
			      memcmp(a->vp_octets, b->vp_octets, b->vp_length) == 0);
			a = a != NULL ? a->next : NULL;
			n++;
		}
		CHECK_INT(n, 2);
		CHECK(a == NULL);
	}
	talloc_free(p);
}

int
main(void)
{
	char err[256];
	RADIUS_PACKET *req, *wrapped, *reply;
	const char *why;

	CHECK_INT(radius_msg_init(POORT_DICT_DIR, err, sizeof(err)), 0);

	/* a request we sign, libfreeradius verifies */
	req = request();
	CHECK_INT(radius_auth_sign(req->data, req->data_len, NULL, secret), 0);
	wrapped = radius_msg_wrap(NULL, req->data, req->data_len, &why);
	CHECK(wrapped != NULL);
	CHECK_INT(rad_verify(wrapped, NULL, secret), 0);
	CHECK_INT(radius_auth_verify(req->data, req->data_len, NULL, secret), 0);
	flips_refused(req->data, req->data_len, NULL);

	/* a reply libfreeradius signs, we verify; and the other way round */
	reply = radius_msg_reply(wrapped, PW_CODE_ACCESS_ACCEPT);
	CHECK(reply != NULL);
	CHECK_INT(rad_encode(reply, wrapped, secret), 0);
	CHECK_INT(rad_sign(reply, wrapped, secret), 0);
	CHECK_INT(radius_auth_verify(reply->data, reply->data_len, wrapped->vector, secret), 0);
	flips_refused(reply->data, reply->data_len, wrapped->vector);
	memset(reply->data + 4, 0, 16);
	memset(reply->data + 22, 0, 16);
	CHECK_INT(radius_auth_sign(reply->data, reply->data_len, wrapped->vector, secret), 0);
	{
		RADIUS_PACKET *back = radius_msg_wrap(req, reply->data, reply->data_len, &why);
		CHECK(back != NULL);
		CHECK_INT(rad_verify(back, req, secret), 0);
	}
	/* no Message-Authenticator: only the Response Authenticator counts */
	CHECK_INT(radius_auth_verify(reply->data, 20, wrapped->vector, secret) < 0, 1);

	talloc_free(reply);
	talloc_free(wrapped);
	talloc_free(req);
	pw_recrypt_matches_the_codec();
	raw_lookups();
	TEST_DONE();
}
