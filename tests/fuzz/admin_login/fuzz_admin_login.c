/*
 * The admin login form's fields as the web front will pass them: name,
 * password, TOTP code and peer key, NUL separated, against a store with an
 * admin that has TOTP active (the code parser, the guess-limit keys, the
 * password and dummy-hash paths, the replay check and the audit row).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poort/admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static struct admin *ad;
static char dir[] = "/tmp/poort-fuzz-admin-XXXXXX";

static void
fuzz_cleanup(void)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	char path[300];

	admin_free(ad);
	store_close(st);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/poort.db%s", dir, ext[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
fuzz_setup(void)
{
	const struct admin_who who = {"fuzz", "local"};
	char path[300], err[256], uri[ADMIN_TOTP_URI_MAX], code[8];
	struct store_admin a;

	if (mkdtemp(dir) == NULL)
		abort();
	atexit(fuzz_cleanup);
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	if ((st = store_open(path, err, sizeof(err))) == NULL ||
	    (ad = admin_new(st, 1, NULL)) == NULL ||
	    admin_add(st, 1, &who, "boss", ADMIN_ROLE_ADMIN, "Boss-password-1", NULL) < 0 ||
	    admin_totp_begin(st, &who, "boss", "Fuzz", uri) < 0 || store_admin_get(st, "boss", &a) < 0 ||
	    admin_totp_code(a.totp_pending, 1700000000, 6, code) < 0 ||
	    admin_totp_confirm(st, &who, "boss", code, 1700000000) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[4] = {"", "", "", ""};
	struct admin_session s;
	char *buf;
	size_t n = 0;

	if (st == NULL)
		fuzz_setup();
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	field[n++] = buf;
	for (size_t i = 0; i < size && n < 4; i++)
		if (buf[i] == '\0')
			field[n++] = buf + i + 1;
	/* each run later than the last: the guess limits' windows pass */
	static time_t now = 1700000000;
	now += 301;
	admin_verify(ad, field[0], field[1], field[2], field[3], now, &s);
	free(buf);
	return 0;
}
