/*
 * The onboarding API's request parsers (authorization query, token form
 * body) and the redirect_uri rule, on the same exact-size input; then a
 * parsed request through the code and token tables with a verifier from the
 * input, which must never yield a token unless the verifier matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/onboard_oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oauth *o;
	struct oauth_authz a;
	struct oauth_token_req t;
	char *buf = malloc(size + 1), code[OAUTH_SECRET_LEN + 1], tok[OAUTH_SECRET_LEN + 1],
	     user[80];
	const char *why;
	int up;

	if (buf == NULL)
		return 0;
	if (o == NULL && (o = oauth_new(4)) == NULL) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (oauth_authz_parse(buf, size, &a, &why) == 0 &&
	    oauth_code_new(o, &a, "fuzz", 0, 1000, code) == 0) {
		memset(&t, 0, sizeof(t));
		memcpy(t.code, code, sizeof(code));
		memcpy(t.client_id, a.client_id, sizeof(t.client_id));
		memcpy(t.redirect_uri, a.redirect_uri, sizeof(t.redirect_uri));
		memcpy(t.verifier, a.challenge, 44 < sizeof(t.verifier) ? 44 : sizeof(t.verifier));
		/* the challenge is not its own verifier (SHA-256 has no such fixed point) */
		if (oauth_token_new(o, &t, 1000, tok, user, sizeof(user), &up) == 0)
			abort();
	}
	(void)oauth_token_parse(buf, size, &t, &why);
	(void)oauth_redirect_ok(buf);
	(void)oauth_token_check(o, buf, 1000, user, sizeof(user), &up);
	free(buf);
	return 0;
}
