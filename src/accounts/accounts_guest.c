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

struct accounts_guest {
	struct guest_row *rows;
	size_t n, hashed;
	char batch[33];
};

void
accounts_guest_free(struct accounts_guest *g)
{
	if (g == NULL)
		return;
	if (g->rows != NULL)
		explicit_bzero(g->rows, g->n * sizeof(*g->rows));
	free(g->rows);
	free(g);
}

struct accounts_guest *
accounts_guest_new(struct store *st, const struct accounts_guest_req *req,
		   struct accounts_error *err)
{
	const char *prefix = req->prefix != NULL ? req->prefix : "guest";
	struct accounts_guest *g = NULL;
	size_t n = req->count;

	memset(err, 0, sizeof(*err));
	err->field = ACCOUNTS_F_NONE;
	if (n == 0 || n > ACCOUNTS_GUEST_MAX) {
		guest_fail(err, ACCOUNTS_ECOUNT, ACCOUNTS_F_COUNT, NULL);
		return NULL;
	}
	if (req->expires <= (int64_t)time(NULL)) {
		guest_fail(err, ACCOUNTS_EEXPIRY, ACCOUNTS_F_EXPIRES, NULL);
		return NULL;
	}
	if (!guest_prefix_valid(prefix)) {
		guest_fail(err, ACCOUNTS_EUSERNAME, ACCOUNTS_F_USERNAME, prefix);
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL || (g->rows = calloc(n, sizeof(*g->rows))) == NULL) {
		free(g);
		guest_fail(err, ACCOUNTS_ENOMEM, ACCOUNTS_F_NONE, NULL);
		return NULL;
	}
	g->n = n;
	if (req->batch != NULL && req->batch[0] != '\0') {
		if (strlen(req->batch) >= sizeof(g->batch) || !store_username_valid(req->batch)) {
			guest_fail(err, ACCOUNTS_EUSERNAME, ACCOUNTS_F_BATCH, req->batch);
			goto fail;
		}
		snprintf(g->batch, sizeof(g->batch), "%s", req->batch);
	} else {
		char r[8];
		struct tm tm;
		time_t now = time(NULL);
		gmtime_r(&now, &tm);
		if (guest_random(r, 4) < 0) {
			guest_fail(err, ACCOUNTS_EHASH, ACCOUNTS_F_NONE, NULL);
			goto fail;
		}
		snprintf(g->batch, sizeof(g->batch), "%04d%02d%02d-%s", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, r);
	}
	for (size_t i = 0; i < n; i++) {
		struct store_account *a = &g->rows[i].a;
		if (guest_name(st, prefix, g->rows, i, a->username, sizeof(a->username)) < 0) {
			guest_fail(err, ACCOUNTS_EHASH, ACCOUNTS_F_NONE, NULL);
			goto fail;
		}
		snprintf(a->affiliation, sizeof(a->affiliation), "affiliate");
		snprintf(a->given_name, sizeof(a->given_name), "Guest");
		snprintf(a->surname, sizeof(a->surname), "%s", g->batch);
		snprintf(a->batch, sizeof(a->batch), "%s", g->batch);
		snprintf(a->created_by, sizeof(a->created_by), "%.64s",
			 req->created_by != NULL ? req->created_by : "");
		a->enabled = 1;
		a->guest = 1;
		a->expires = req->expires;
	}
	return g;
fail:
	accounts_guest_free(g);
	return NULL;
}

int
accounts_guest_hash(struct accounts_guest *g, unsigned cost, size_t max,
		    struct accounts_error *err)
{
	memset(err, 0, sizeof(*err));
	err->field = ACCOUNTS_F_NONE;
	for (size_t k = 0; k < max && g->hashed < g->n; k++, g->hashed++) {
		struct guest_row *row = &g->rows[g->hashed];
		if (accounts_password_generate(row->pw) < 0 ||
		    accounts_password_hash(row->pw, cost, row->a.pw_hash, row->nt) < 0)
			return guest_fail(err, ACCOUNTS_EHASH, ACCOUNTS_F_NONE, NULL);
	}
	return (int)(g->n - g->hashed);
}

int
accounts_guest_write(struct accounts_guest *g, struct store *st, char batch_out[33],
		     accounts_cred_fn fn, void *arg, struct accounts_error *err)
{
	int rc;

	memset(err, 0, sizeof(*err));
	err->field = ACCOUNTS_F_NONE;
	if (g->hashed < g->n)
		return guest_fail(err, ACCOUNTS_EHASH, ACCOUNTS_F_NONE, "not hashed");
	if (store_begin(st) < 0)
		return guest_fail(err, ACCOUNTS_ESTORE, ACCOUNTS_F_NONE, store_errmsg(st));
	for (size_t i = 0; i < g->n; i++)
		if ((rc = store_account_add(st, &g->rows[i].a, g->rows[i].nt)) < 0) {
			guest_fail(err, rc == STORE_EEXIST ? ACCOUNTS_EEXISTS : ACCOUNTS_ESTORE,
				   ACCOUNTS_F_USERNAME,
				   rc == STORE_EEXIST ? g->rows[i].a.username : store_errmsg(st));
			store_rollback(st);
			return err->code;
		}
	if (store_commit(st) < 0) {
		rc = guest_fail(err, ACCOUNTS_ESTORE, ACCOUNTS_F_NONE, store_errmsg(st));
		store_rollback(st);
		return rc;
	}
	snprintf(batch_out, 33, "%s", g->batch);
	for (size_t i = 0; i < g->n; i++)
		fn(g->rows[i].a.username, g->rows[i].pw, arg);
	return 0;
}

int
accounts_guest_batch(struct store *st, const struct accounts_guest_req *req, unsigned cost,
		     char batch_out[33], accounts_cred_fn fn, void *arg, struct accounts_error *err)
{
	struct accounts_guest *g = accounts_guest_new(st, req, err);
	int rc;

	if (g == NULL)
		return err->code;
	rc = accounts_guest_hash(g, cost, (size_t)-1, err);
	if (rc == 0)
		rc = accounts_guest_write(g, st, batch_out, fn, arg, err);
	accounts_guest_free(g);
	return rc;
}
