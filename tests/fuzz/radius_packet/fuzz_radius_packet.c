/* The RADIUS intake: raw attribute walk (and the raw field a dropped request is
 * logged with), structure check, the EAP path's raw reads and a reply written
 * with its EAP-Message and Proxy-States (radius_enc.c), decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/config.h"
#include "poort/realm.h"
#include "radius_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static struct config *cfg;
	char err[CONFIG_ERR_MAX];
	const char *why;
	RADIUS_PACKET *p;

	if (!ready) {
		if (radius_msg_init(POORT_DICT_DIR, err, sizeof(err)) < 0)
			abort();
		cfg = config_parse("fuzz", "state_dir /s\nrealm school.example\n", err, sizeof(err));
		if (cfg == NULL)
			abort();
		ready = 1;
	}
	if (size > 4096)
		return 0;
	/* what the log of a dropped request reads, before any check */
	char field[254];
	radius_msg_raw_field(data, size, PW_USER_NAME, field, sizeof(field));
	if (strlen(field) >= sizeof(field))
		abort();
	struct radius_scan scan;
	/* the same gate as the server: see radius_msg_scan() */
	if (radius_msg_scan(data, size, &scan) < 0 || scan.has_encrypted)
		return 0;
	p = radius_msg_wrap(NULL, data, size, &why);
	if (p == NULL)
		return 0;
	(void)rad_verify(p, NULL, "fuzz-secret");
	/* what the EAP path and the reply encoder read from the received bytes */
	{
		struct rcursor c;
		const uint8_t *val;
		uint8_t type, msg[4096];
		size_t len, msglen = 0;
		struct radius_enc e;
		radius_msg_attrs(p, &c);
		while (radius_msg_attr_next(&c, &type, &val, &len) > 0)
			if (type == PW_EAP_MESSAGE && msglen + len <= sizeof(msg)) {
				memcpy(msg + msglen, val, len);
				msglen += len;
			}
		(void)radius_msg_raw(p, PW_STATE, &len);
		radius_enc_begin(&e, PW_CODE_ACCESS_CHALLENGE, p->id);
		(void)radius_enc_split(&e, PW_EAP_MESSAGE, msg, msglen);
		if (radius_enc_proxy_state(&e, p) == 0 && radius_enc_finish(&e, p->vector,
		                                                             "fuzz-secret", &len) == 0 &&
		    (len < RADIUS_HDR_LEN || len > sizeof(e.buf)))
			abort();
		radius_enc_clear(&e);
	}
	if (rad_decode(p, NULL, "fuzz-secret") == 0) {
		size_t len;
		const char *name = radius_msg_str(p, PW_USER_NAME, &len);
		struct realm_result rr;
		if (name != NULL)
			realm_classify(cfg, name, len, &rr);
		(void)radius_msg_int(p, PW_ACCT_STATUS_TYPE, 0);
	}
	talloc_free(p);
	return 0;
}
