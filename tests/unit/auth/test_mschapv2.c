/* MS-CHAPv2 against the RFC 2759 vectors in vectors/mschapv2.txt. */
#include <stdlib.h>

#include "../../../src/auth/mschapv2.h"
#include "test.h"

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
main(void)
{
	FILE *f = fopen("vectors/mschapv2.txt", "r");
	char line[1024];
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		TEST_DONE();
	while (fgets(line, sizeof(line), f) != NULL) {
		char *field[6], *save = NULL;
		uint8_t nt[16], ac[16], pc[16], want[24], got[24];
		char resp[MSCHAPV2_AUTHRESP_LEN + 1];
		int k = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (char *t = strtok_r(line, "|", &save); t != NULL && k < 6;
		     t = strtok_r(NULL, "|", &save))
			field[k++] = t;
		CHECK_INT(k, 6);
		if (k != 6)
			continue;
		CHECK(unhex(field[1], nt, 16) == 0 && unhex(field[2], ac, 16) == 0 &&
		      unhex(field[3], pc, 16) == 0 && unhex(field[4], want, 24) == 0);
		CHECK_INT(mschapv2_nt_response(ac, pc, field[0], strlen(field[0]), nt, got), 0);
		CHECK(memcmp(got, want, 24) == 0);
		CHECK_INT(mschapv2_auth_response(nt, got, pc, ac, field[0], strlen(field[0]), resp),
		          0);
		CHECK_STR(resp, field[5]);
		/* one bit off in the hash: a different response */
		nt[0] ^= 1;
		CHECK_INT(mschapv2_nt_response(ac, pc, field[0], strlen(field[0]), nt, got), 0);
		CHECK(memcmp(got, want, 24) != 0);
		n++;
	}
	fclose(f);
	CHECK(n >= 1);
	TEST_DONE();
}
