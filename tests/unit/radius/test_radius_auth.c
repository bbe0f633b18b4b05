/*
 * radius_auth.c against libfreeradius: what one signs the other verifies,
 * for requests and replies, and any flipped byte is refused.
 */
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
	TEST_DONE();
}
