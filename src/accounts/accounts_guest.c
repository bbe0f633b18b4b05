/* Guest account batches: see accounts_guest_batch() in poort/accounts.h. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poort/accounts.h"

struct guest_row {
	struct store_account a;
	char pw[ACCOUNTS_GENERATED_LEN + 1];
	uint8_t nt[16];
};

/* n random characters from [a-z2-9] without look-alikes, into out. */
static int
guest_random(char *out, size_t n)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	uint8_t b[32];

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[b[i] % (sizeof(alphabet) - 1)];
	out[n] = '\0';
	return 0;
}

static int
guest_prefix_valid(const char *p)
{
	size_t len = strlen(p);
	if (len == 0 || len > 16)
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static int
guest_fail(struct accounts_error *err, int code, int field, const char *detail)
{
	err->code = code;
	err->field = field;
	snprintf(err->detail, sizeof(err->detail), "%s", detail != NULL ? detail : "");
	return code;
}

/* A name PREFIX-xxxxx not in the store and not among rows[0..n). */
static int
guest_name(struct store *st, const char *prefix, const struct guest_row *rows, size_t n,
	   char *out, size_t outlen)
{
	struct store_account tmp;
	char r[8];

	for (int tries = 0; tries < 100; tries++) {
		int dup = 0;
		if (guest_random(r, 5) < 0)
			return -1;
		snprintf(out, outlen, "%s-%s", prefix, r);
		for (size_t i = 0; i < n && !dup; i++)
			dup = strcmp(rows[i].a.username, out) == 0;
		if (!dup && store_account_get(st, out, &tmp) == STORE_ENOTFOUND)
			return 0;
	}
	return -1;
}

int
accounts_guest_batch(struct store *st, const struct accounts_guest_req *req, unsigned cost,
		     char batch_out[33], accounts_cred_fn fn, void *arg, struct accounts_error *err)
{
	const char *prefix = req->prefix != NULL ? req->prefix : "guest";
	struct guest_row *rows = NULL;
	char batch[33];
	size_t n = req->count;
	int rc;

	memset(err, 0, sizeof(*err));
	err->field = ACCOUNTS_F_NONE;
	if (n == 0 || n > ACCOUNTS_GUEST_MAX)
		return guest_fail(err, ACCOUNTS_ECOUNT, ACCOUNTS_F_COUNT, NULL);
	if (req->expires <= (int64_t)time(NULL))
		return guest_fail(err, ACCOUNTS_EEXPIRY, ACCOUNTS_F_EXPIRES, NULL);
	if (!guest_prefix_valid(prefix))
		return guest_fail(err, ACCOUNTS_EUSERNAME, ACCOUNTS_F_USERNAME, prefix);
	if (req->batch != NULL && req->batch[0] != '\0') {
		if (strlen(req->batch) >= sizeof(batch) || !store_username_valid(req->batch))
			return guest_fail(err, ACCOUNTS_EUSERNAME, ACCOUNTS_F_BATCH, req->batch);
		snprintf(batch, sizeof(batch), "%s", req->batch);
	} else {
		char r[8];
		struct tm tm;
		time_t now = time(NULL);
		gmtime_r(&now, &tm);
		if (guest_random(r, 4) < 0)
			return guest_fail(err, ACCOUNTS_EHASH, ACCOUNTS_F_NONE, NULL);
		snprintf(batch, sizeof(batch), "%04d%02d%02d-%s", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, r);
	}
	if ((rows = calloc(n, sizeof(*rows))) == NULL)
		return guest_fail(err, ACCOUNTS_ENOMEM, ACCOUNTS_F_NONE, NULL);
	for (size_t i = 0; i < n; i++) {
		struct store_account *a = &rows[i].a;
		if (guest_name(st, prefix, rows, i, a->username, sizeof(a->username)) < 0 ||
		    accounts_password_generate(rows[i].pw) < 0 ||
		    accounts_password_hash(rows[i].pw, cost, a->pw_hash, rows[i].nt) < 0) {
			rc = guest_fail(err, ACCOUNTS_EHASH, ACCOUNTS_F_NONE, NULL);
			goto done;
		}
		snprintf(a->affiliation, sizeof(a->affiliation), "affiliate");
		snprintf(a->given_name, sizeof(a->given_name), "Guest");
		snprintf(a->surname, sizeof(a->surname), "%s", batch);
		snprintf(a->batch, sizeof(a->batch), "%s", batch);
		snprintf(a->created_by, sizeof(a->created_by), "%.64s",
			 req->created_by != NULL ? req->created_by : "");
		a->enabled = 1;
		a->guest = 1;
		a->expires = req->expires;
	}
	if (store_begin(st) < 0) {
		rc = guest_fail(err, ACCOUNTS_ESTORE, ACCOUNTS_F_NONE, store_errmsg(st));
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = store_account_add(st, &rows[i].a, rows[i].nt)) < 0) {
			guest_fail(err, rc == STORE_EEXIST ? ACCOUNTS_EEXISTS : ACCOUNTS_ESTORE,
				   ACCOUNTS_F_USERNAME,
				   rc == STORE_EEXIST ? rows[i].a.username : store_errmsg(st));
			store_rollback(st);
			rc = err->code;
			goto done;
		}
	if (store_commit(st) < 0) {
		rc = guest_fail(err, ACCOUNTS_ESTORE, ACCOUNTS_F_NONE, store_errmsg(st));
		store_rollback(st);
		goto done;
	}
	snprintf(batch_out, 33, "%s", batch);
	for (size_t i = 0; i < n; i++)
		fn(rows[i].a.username, rows[i].pw, arg);
	rc = 0;
done:
	explicit_bzero(rows, n * sizeof(*rows));
	free(rows);
	return rc;
}
