/*
 * The CSV import: accounts from a student administration export. All or
 * nothing: _check reads every line and collects every problem without
 * writing (that is the preview); _commit hashes all passwords first
 * (_hash, which touches no store: the admin UI runs it on its worker pool,
 * a slice at a time), then adds all accounts in one transaction (_write). A crash or kill at any point
 * leaves the store either untouched or fully imported.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "poort/accounts.h"

struct import_row {
	int line;
	struct store_account a;
	char pw[PASSWORD_MAX + 1];
	int generated;
	uint8_t nt[16];
};

struct accounts_import {
	struct import_row *rows;
	size_t n, cap;
	struct accounts_error *errs;
	size_t nerrs, errcap;
	size_t hashed; /* rows[0..hashed) have their hash (accounts_import_hash) */
	int committed;
};

struct accounts_import *
accounts_import_new(void)
{
	return calloc(1, sizeof(struct accounts_import));
}

static void
import_rows_clear(struct accounts_import *im)
{
	if (im->rows != NULL)
		explicit_bzero(im->rows, im->cap * sizeof(*im->rows));
	free(im->rows);
	im->rows = NULL;
	im->n = im->cap = 0;
}

void
accounts_import_free(struct accounts_import *im)
{
	if (im == NULL)
		return;
	import_rows_clear(im);
	free(im->errs);
	free(im);
}

/* Records an error; detail is copied (never a password). */
static int
import_error(struct accounts_import *im, int code, int line, int field, const char *detail)
{
	struct accounts_error *e;

	if (im->nerrs == im->errcap) {
		size_t ncap = im->errcap ? im->errcap * 2 : 32;
		struct accounts_error *ne = realloc(im->errs, ncap * sizeof(*ne));
		if (ne == NULL)
			return ACCOUNTS_ENOMEM;
		im->errs = ne;
		im->errcap = ncap;
	}
	e = &im->errs[im->nerrs++];
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->line = line;
	e->field = field;
	snprintf(e->detail, sizeof(e->detail), "%s", detail != NULL ? detail : "");
	return 0;
}

static int
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Copies src, cut to fit: callers check lengths first and report them. */
static void
copy_cut(char *dst, size_t dstlen, const char *src)
{
	size_t n = strnlen(src, dstlen - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Checks one record into row: 0, or an error code with *field and detail set. */
static int
import_check_row(struct store *st, const struct csv_record *rec, struct import_row *row,
		 int *field, char *detail, size_t dlen)
{
	struct store_account existing;
	int rc;

	*field = ACCOUNTS_F_NONE;
	detail[0] = '\0';
	if (rec->nfields != 6) {
		snprintf(detail, dlen, "%d", rec->nfields);
		return ACCOUNTS_EFIELDS;
	}
	for (int i = 0; i < 6; i++)
		if (has_control(rec->field[i])) {
			*field = i;
			return ACCOUNTS_ECONTROL;
		}
	/* exports often capitalise; account names are lower case */
	copy_cut(row->a.username, sizeof(row->a.username), rec->field[0]);
	for (char *p = row->a.username; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strlen(rec->field[0]) > STORE_USERNAME_MAX || !store_username_valid(row->a.username)) {
		*field = ACCOUNTS_F_USERNAME;
		snprintf(detail, dlen, "%.64s", rec->field[0]);
		return ACCOUNTS_EUSERNAME;
	}
	if (rec->field[1][0] == '\0' || rec->field[2][0] == '\0') {
		*field = rec->field[1][0] == '\0' ? ACCOUNTS_F_GIVEN : ACCOUNTS_F_SURNAME;
		return ACCOUNTS_ENAME_EMPTY;
	}
	if (strlen(rec->field[1]) > STORE_NAME_MAX || strlen(rec->field[2]) > STORE_NAME_MAX) {
		*field = strlen(rec->field[1]) > STORE_NAME_MAX ? ACCOUNTS_F_GIVEN : ACCOUNTS_F_SURNAME;
		return ACCOUNTS_ENAME_LONG;
	}
	if (strlen(rec->field[3]) >= sizeof(row->a.student_number)) {
		*field = ACCOUNTS_F_NUMBER;
		return ACCOUNTS_ENUMBER_LONG;
	}
	copy_cut(row->a.given_name, sizeof(row->a.given_name), rec->field[1]);
	copy_cut(row->a.surname, sizeof(row->a.surname), rec->field[2]);
	copy_cut(row->a.student_number, sizeof(row->a.student_number), rec->field[3]);
	copy_cut(row->a.affiliation, sizeof(row->a.affiliation), rec->field[4]);
	for (char *p = row->a.affiliation; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!store_affiliation_valid(row->a.affiliation)) {
		*field = ACCOUNTS_F_AFFILIATION;
		snprintf(detail, dlen, "%.32s", rec->field[4]);
		return ACCOUNTS_EAFFILIATION;
	}
	if (strcmp(rec->field[5], "generate") == 0) {
		row->generated = 1;
	} else {
		if ((rc = accounts_password_check(rec->field[5])) < 0) {
			*field = ACCOUNTS_F_PASSWORD;
			return rc;
		}
		copy_cut(row->pw, sizeof(row->pw), rec->field[5]);
	}
	if (store_account_get(st, row->a.username, &existing) == 0) {
		*field = ACCOUNTS_F_USERNAME;
		snprintf(detail, dlen, "%s", row->a.username);
		return ACCOUNTS_EEXISTS;
	}
	row->a.enabled = 1;
	return 0;
}

static int
import_grow(struct accounts_import *im)
{
	size_t ncap = im->cap ? im->cap * 2 : 256;
	struct import_row *nr = calloc(ncap, sizeof(*nr));
	size_t n = im->n;
	if (nr == NULL)
		return ACCOUNTS_ENOMEM;
	if (im->rows != NULL)
		memcpy(nr, im->rows, n * sizeof(*nr));
	import_rows_clear(im);
	im->rows = nr;
	im->n = n;
	im->cap = ncap;
	return 0;
}

int
accounts_import_check(struct accounts_import *im, struct store *st, const char *text, size_t len)
{
	struct csv_reader rd;
	struct csv_record *rec;
	char detail[300];
	int r, first = 1, field, code;
	size_t n0;

	import_rows_clear(im);
	im->nerrs = 0;
	im->hashed = 0;
	im->committed = 0;
	if (len > ACCOUNTS_IMPORT_MAX_BYTES)
		return import_error(im, ACCOUNTS_ETOOBIG, 0, ACCOUNTS_F_NONE, NULL) < 0
			       ? ACCOUNTS_ENOMEM
			       : 1;
	if ((rec = malloc(sizeof(*rec))) == NULL)
		return ACCOUNTS_ENOMEM;
	csv_init(&rd, text, len);
	while ((r = csv_next(&rd, rec, detail, sizeof(detail))) != 0) {
		if (r < 0) {
			if (import_error(im, ACCOUNTS_ECSV, rd.line, ACCOUNTS_F_NONE, detail) < 0)
				goto oom;
			continue;
		}
		if (first && strcasecmp(rec->field[0], "username") == 0) {
			first = 0; /* header row */
			continue;
		}
		first = 0;
		if (im->n == im->cap && import_grow(im) < 0)
			goto oom;
		n0 = im->n;
		memset(&im->rows[n0], 0, sizeof(im->rows[n0]));
		im->rows[n0].line = rd.line;
		code = import_check_row(st, rec, &im->rows[n0], &field, detail, sizeof(detail));
		if (code < 0) {
			if (import_error(im, code, rd.line, field, detail) < 0)
				goto oom;
			continue;
		}
		for (size_t i = 0; i < n0; i++)
			if (strcmp(im->rows[i].a.username, im->rows[n0].a.username) == 0) {
				if (import_error(im, ACCOUNTS_EDUPLICATE, rd.line, ACCOUNTS_F_USERNAME,
						 im->rows[n0].a.username) < 0)
					goto oom;
				im->errs[im->nerrs - 1].other_line = im->rows[i].line;
				goto next;
			}
		im->n++;
	next:;
	}
	if (im->nerrs == 0 && im->n == 0 &&
	    import_error(im, ACCOUNTS_EEMPTY, 0, ACCOUNTS_F_NONE, NULL) < 0)
		goto oom;
	explicit_bzero(rec, sizeof(*rec));
	free(rec);
	return (int)im->nerrs;
oom:
	explicit_bzero(rec, sizeof(*rec));
	free(rec);
	return ACCOUNTS_ENOMEM;
}

size_t
accounts_import_nerrors(const struct accounts_import *im)
{
	return im->nerrs;
}

const struct accounts_error *
accounts_import_error(const struct accounts_import *im, size_t i)
{
	return i < im->nerrs ? &im->errs[i] : NULL;
}

size_t
accounts_import_count(const struct accounts_import *im)
{
	return im->n;
}

/* Only a clean, uncommitted check may go on to the hash and the write. */
static int
import_ready(const struct accounts_import *im, struct accounts_error *err)
{
	memset(err, 0, sizeof(*err));
	err->field = ACCOUNTS_F_NONE;
	if (im->nerrs > 0 || im->n == 0 || im->committed) {
		err->code = im->n == 0 ? ACCOUNTS_EEMPTY : ACCOUNTS_ESTORE;
		snprintf(err->detail, sizeof(err->detail), "the import was not checked clean");
		return err->code;
	}
	return 0;
}

int
accounts_import_hash(struct accounts_import *im, unsigned cost, size_t max,
		     struct accounts_error *err)
{
	int rc;

	if ((rc = import_ready(im, err)) < 0)
		return rc;
	for (size_t k = 0; k < max && im->hashed < im->n; k++, im->hashed++) {
		struct import_row *row = &im->rows[im->hashed];
		if ((row->generated && accounts_password_generate(row->pw) < 0) ||
		    accounts_password_hash(row->pw, cost, row->a.pw_hash, row->nt) < 0) {
			err->code = ACCOUNTS_EHASH;
			err->line = row->line;
			return err->code;
		}
	}
	return (int)(im->n - im->hashed);
}

int
accounts_import_write(struct accounts_import *im, struct store *st, struct accounts_error *err)
{
	int rc;

	if ((rc = import_ready(im, err)) < 0)
		return rc;
	if (im->hashed < im->n) {
		err->code = ACCOUNTS_EHASH;
		snprintf(err->detail, sizeof(err->detail), "the passwords were not hashed");
		return err->code;
	}
	if (store_begin(st) < 0) {
		err->code = ACCOUNTS_ESTORE;
		snprintf(err->detail, sizeof(err->detail), "cannot start a transaction: %s",
			 store_errmsg(st));
		return err->code;
	}
	for (size_t i = 0; i < im->n; i++) {
		if ((rc = store_account_add(st, &im->rows[i].a, im->rows[i].nt)) < 0) {
			err->code = rc == STORE_EEXIST ? ACCOUNTS_EEXISTS : ACCOUNTS_ESTORE;
			err->line = im->rows[i].line;
			err->field = ACCOUNTS_F_USERNAME;
			snprintf(err->detail, sizeof(err->detail), "%s",
				 rc == STORE_EEXIST ? im->rows[i].a.username : store_errmsg(st));
			store_rollback(st);
			return err->code;
		}
	}
	if (store_commit(st) < 0) {
		err->code = ACCOUNTS_ESTORE;
		snprintf(err->detail, sizeof(err->detail), "commit failed: %s", store_errmsg(st));
		store_rollback(st);
		return err->code;
	}
	im->committed = 1;
	return 0;
}

int
accounts_import_commit(struct accounts_import *im, struct store *st, unsigned cost,
		       struct accounts_error *err)
{
	int rc = accounts_import_hash(im, cost, (size_t)-1, err);

	return rc < 0 ? rc : accounts_import_write(im, st, err);
}

void
accounts_import_generated(const struct accounts_import *im, accounts_cred_fn fn, void *arg)
{
	if (!im->committed)
		return;
	for (size_t i = 0; i < im->n; i++)
		if (im->rows[i].generated)
			fn(im->rows[i].a.username, im->rows[i].pw, arg);
}
