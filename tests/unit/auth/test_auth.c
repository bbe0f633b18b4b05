/*
 * src/auth, the one home of "may this account log in": the account rule
 * (expires <= now is expired), password checks with the dummy hash for
 * refused accounts (a valid yescrypt hash at the configured cost, as slow
 * as a real one), the cache, MS-CHAPv2 behind the interface, the reasons.
 */
#include <crypt.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../../src/auth/mschapv2.h"
#include "poort/auth.h"
#include "test.h"

#define COST 5

static char dir[] = "/tmp/poort-auth-XXXXXX";
static char path[300];

static void
add(struct store *st, const char *name, const char *pw, int enabled, int64_t expires, int nt)
{
	struct store_account a;
	uint8_t h[16];

	memset(&a, 0, sizeof(a));
	snprintf(a.username, sizeof(a.username), "%s", name);
	snprintf(a.affiliation, sizeof(a.affiliation), "student");
	CHECK_INT(password_hash(pw, COST, a.pw_hash), 0);
	CHECK_INT(password_nthash(pw, strlen(pw), h), 0);
	a.enabled = enabled;
	a.expires = expires;
	CHECK_INT(store_account_add(st, &a, nt ? h : NULL), 0);
}

/* The whole check as a caller runs it, the slow part inline. */
static int
login(struct auth *au, const char *user, const char *pw, time_t now, int *cached)
{
	struct auth_pw chk;
	int done = auth_pw_begin(au, user, pw, strlen(pw), now, &chk);

	if (cached != NULL)
		*cached = done;
	if (!done)
		auth_pw_run(&chk);
	return auth_pw_end(au, &chk, now);
}

/* "$y$" params "$": the part of a yescrypt setting that holds the cost. */
static void
params(const char *hash, char *out, size_t outlen)
{
	const char *p = hash + 3, *e = strchr(p, '$');
	size_t n = e != NULL ? (size_t)(e - p) : 0;

	snprintf(out, outlen, "%.*s", (int)n, p);
}

static double
ms_verify(const char *pw, const char *hash)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	(void)password_verify(pw, strlen(pw), hash);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
test_dummy(struct store *st)
{
	struct auth *au = auth_new(st, COST, 0, 0);
	char real[PASSWORD_HASH_MAX], p1[32], p2[32];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	double td[7], tr[7], ratio;

	CHECK(au != NULL && cd != NULL);
	if (au == NULL || cd == NULL)
		return;
	/* a valid yescrypt hash with the configured cost, which crypt() accepts */
	CHECK_INT(password_hash("whatever-1", COST, real), 0);
	CHECK(strncmp(auth_dummy_hash(au), "$y$", 3) == 0);
	params(auth_dummy_hash(au), p1, sizeof(p1));
	params(real, p2, sizeof(p2));
	CHECK_STR(p1, p2);
	CHECK(crypt_rn("guess", auth_dummy_hash(au), cd, sizeof(*cd)) != NULL &&
	      cd->output[0] == '$' && strncmp(cd->output, auth_dummy_hash(au), 3) == 0);
	CHECK_INT(password_verify("guess", 5, auth_dummy_hash(au)), 0); /* no error, no match */
	/* and it costs what a real check costs (median of 7; generous bound for a busy box) */
	for (int i = 0; i < 7; i++) {
		td[i] = ms_verify("guess", auth_dummy_hash(au));
		tr[i] = ms_verify("guess", real);
	}
	qsort(td, 7, sizeof(td[0]), cmp_double);
	qsort(tr, 7, sizeof(tr[0]), cmp_double);
	ratio = td[3] / (tr[3] > 0 ? tr[3] : 1e-9);
	fprintf(stderr, "dummy %.2f ms, real %.2f ms, ratio %.2f\n", td[3], tr[3], ratio);
	CHECK(ratio > 0.33 && ratio < 3.0);
	free(cd);
	auth_free(au);
}

static void
test_accounts(struct store *st)
{
	struct auth *au = auth_new(st, COST, 16, 60);
	struct store_account a;
	time_t now = time(NULL);
	int cached;

	CHECK(au != NULL);
	if (au == NULL)
		return;
	add(st, "anna", "Anna-pass-1", 1, 0, 1);
	add(st, "dirk", "Dirk-pass-1", 0, 0, 1);
	add(st, "eva", "Eva-pass-1", 1, (int64_t)now, 1); /* expires now: expired */
	add(st, "finn", "Finn-pass-1", 1, (int64_t)now + 100, 0);
	add(st, "gone", "Gone-pass-1", 1, 0, 1);
	CHECK_INT(store_account_delete(st, "gone"), 0);

	CHECK_INT(auth_account_get(au, "anna", now, &a), 0);
	CHECK_STR(a.affiliation, "student");
	CHECK_INT(auth_account_get(au, "dirk", now, &a), AUTH_EDISABLED);
	CHECK(a.username[0] == '\0' && a.pw_hash[0] == '\0'); /* nothing of a refused one */
	CHECK_INT(auth_account_get(au, "eva", now, NULL), AUTH_EEXPIRED);
	CHECK_INT(auth_account_get(au, "eva", now - 1, NULL), 0);
	CHECK_INT(auth_account_get(au, "finn", now, NULL), 0);
	CHECK_INT(auth_account_get(au, "finn", now + 99, NULL), 0);
	CHECK_INT(auth_account_get(au, "finn", now + 100, NULL), AUTH_EEXPIRED);
	CHECK_INT(auth_account_get(au, "gone", now, NULL), AUTH_EUNKNOWN);
	CHECK_INT(auth_account_get(au, "nobody", now, NULL), AUTH_EUNKNOWN);
	CHECK_INT(auth_account_get(au, "Bad Name", now, NULL), AUTH_EUNKNOWN);
	CHECK_INT(auth_account_get(au, "", now, NULL), AUTH_EUNKNOWN);

	/* passwords: the account's reason wins over the password's */
	CHECK_INT(login(au, "anna", "Anna-pass-1", now, &cached), 0);
	CHECK_INT(cached, 0);
	CHECK_INT(login(au, "anna", "Anna-pass-1", now, &cached), 0);
	CHECK_INT(cached, 1); /* remembered */
	CHECK_INT(login(au, "anna", "Anna-pass-2", now, NULL), AUTH_EPASSWORD);
	CHECK_INT(login(au, "anna", "", now, NULL), AUTH_EPASSWORD);
	CHECK_INT(login(au, "dirk", "Dirk-pass-1", now, NULL), AUTH_EDISABLED);
	CHECK_INT(login(au, "eva", "Eva-pass-1", now, NULL), AUTH_EEXPIRED);
	CHECK_INT(login(au, "gone", "Gone-pass-1", now, NULL), AUTH_EUNKNOWN);
	CHECK_INT(login(au, "nobody", "x", now, NULL), AUTH_EUNKNOWN);
	/* a remembered password does not outlive poortctl disable */
	CHECK_INT(store_account_set_enabled(st, "anna", 0), 0);
	CHECK_INT(login(au, "anna", "Anna-pass-1", now, &cached), AUTH_EDISABLED);
	CHECK_INT(cached, 0);
	CHECK_INT(store_account_set_enabled(st, "anna", 1), 0);
	auth_free(au);
}

static void
test_mschapv2(struct store *st)
{
	struct auth *au = auth_new(st, COST, 0, 0);
	uint8_t ac[16], pc[16], nt[16], resp[24];
	char ar[AUTH_MSCHAPV2_AUTHRESP_LEN + 1];
	time_t now = time(NULL);

	CHECK(au != NULL);
	if (au == NULL)
		return;
	memset(ac, 0x11, sizeof(ac));
	memset(pc, 0x22, sizeof(pc));
	CHECK_INT(password_nthash("Anna-pass-1", 11, nt), 0);
	CHECK_INT(mschapv2_nt_response(ac, pc, "anna", 4, nt, resp), 0);
	memset(ar, 0, sizeof(ar));
	CHECK_INT(auth_mschapv2(au, "anna", now, ac, pc, resp, "anna", 4, ar), 0);
	CHECK(strncmp(ar, "S=", 2) == 0 && strlen(ar) == AUTH_MSCHAPV2_AUTHRESP_LEN);
	resp[0] ^= 1;
	CHECK_INT(auth_mschapv2(au, "anna", now, ac, pc, resp, "anna", 4, ar), AUTH_EPASSWORD);
	/* the account rule applies to MS-CHAPv2 too */
	CHECK_INT(password_nthash("Dirk-pass-1", 11, nt), 0);
	CHECK_INT(mschapv2_nt_response(ac, pc, "dirk", 4, nt, resp), 0);
	CHECK_INT(auth_mschapv2(au, "dirk", now, ac, pc, resp, "dirk", 4, ar), AUTH_EDISABLED);
	CHECK_INT(auth_mschapv2(au, "finn", now, ac, pc, resp, "finn", 4, ar), AUTH_ENONTHASH);
	CHECK_INT(auth_mschapv2(au, "nobody", now, ac, pc, resp, "nobody", 6, ar), AUTH_EUNKNOWN);
	auth_free(au);
}

static void
test_reasons(void)
{
	CHECK_STR(auth_reason(0), "-");
	CHECK_STR(auth_reason(AUTH_EUNKNOWN), "unknown-user");
	CHECK_STR(auth_reason(AUTH_EDISABLED), "account-disabled");
	CHECK_STR(auth_reason(AUTH_EEXPIRED), "account-expired");
	CHECK_STR(auth_reason(AUTH_EPASSWORD), "wrong-password");
	CHECK_STR(auth_reason(AUTH_ENONTHASH), "no-nt-hash");
	CHECK_STR(auth_reason(AUTH_EBUSY), "server-busy");
	CHECK_STR(auth_reason(-1), "password-check-failed");
}

int
main(void)
{
	char err[256];
	struct store *st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	if (st == NULL)
		TEST_DONE();
	test_reasons();
	test_accounts(st);
	test_mschapv2(st);
	test_dummy(st);
	store_close(st);
	unlink(path);
	{
		char p[320];
		snprintf(p, sizeof(p), "%s-wal", path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", path);
		unlink(p);
	}
	rmdir(dir);
	TEST_DONE();
}
