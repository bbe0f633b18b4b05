/*
 * poortctl import: accounts from a student administration export. All or
 * nothing: every line is checked first and any problem is reported with its
 * line number and nothing is written; then all passwords are hashed; then
 * all accounts are added in one transaction. A crash or kill at any point
 * leaves the store either untouched or fully imported.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "poort/password.h"
#include "poortctl.h"

#define IMPORT_MAX_BYTES (16u << 20)

struct import_row {
	int line;
	struct store_account a;
	char pw[PASSWORD_MAX + 1];
	int generated;
	unsigned char nt[16];
};

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

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "poortctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(IMPORT_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, IMPORT_MAX_BYTES + 1, f);
	fclose(f);
	if (*len > IMPORT_MAX_BYTES) {
		fprintf(stderr, "poortctl: %s: larger than %u bytes\n", path, IMPORT_MAX_BYTES);
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* Checks one record into row; returns NULL or the problem. */
static const char *
import_check(struct ctl *c, const struct csv_record *rec, struct import_row *row, char *msg,
	     size_t msglen)
{
	struct store_account existing;
	const char *problem;

	if (rec->nfields != 6) {
		snprintf(msg, msglen,
			 "expected 6 fields (username, given name, surname, student number,"
			 " affiliation, password), found %d",
			 rec->nfields);
		return msg;
	}
	for (int i = 0; i < 6; i++)
		if (has_control(rec->field[i]))
			return "a field contains a control character";
	/* exports often capitalise; account names are lower case */
	copy_cut(row->a.username, sizeof(row->a.username), rec->field[0]);
	for (char *p = row->a.username; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strlen(rec->field[0]) > STORE_USERNAME_MAX || !store_username_valid(row->a.username)) {
		snprintf(msg, msglen,
			 "user name \"%.64s\" is not valid (a-z, 0-9, . _ -, starting with a"
			 " letter or digit, at most %d)",
			 rec->field[0], STORE_USERNAME_MAX);
		return msg;
	}
	if (rec->field[1][0] == '\0' || rec->field[2][0] == '\0')
		return "given name and surname must not be empty";
	if (strlen(rec->field[1]) > STORE_NAME_MAX || strlen(rec->field[2]) > STORE_NAME_MAX)
		return "given name or surname is longer than 128 characters";
	if (strlen(rec->field[3]) >= sizeof(row->a.student_number))
		return "student number is longer than 32 characters";
	copy_cut(row->a.given_name, sizeof(row->a.given_name), rec->field[1]);
	copy_cut(row->a.surname, sizeof(row->a.surname), rec->field[2]);
	copy_cut(row->a.student_number, sizeof(row->a.student_number), rec->field[3]);
	copy_cut(row->a.affiliation, sizeof(row->a.affiliation), rec->field[4]);
	for (char *p = row->a.affiliation; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!store_affiliation_valid(row->a.affiliation)) {
		snprintf(msg, msglen,
			 "affiliation \"%.32s\" is not one of student, employee, staff, faculty,"
			 " member, affiliate",
			 rec->field[4]);
		return msg;
	}
	if (strcmp(rec->field[5], "generate") == 0) {
		row->generated = 1;
	} else {
		if ((problem = ctl_password_problem(rec->field[5])) != NULL)
			return problem;
		copy_cut(row->pw, sizeof(row->pw), rec->field[5]);
	}
	if (store_account_get(c->st, row->a.username, &existing) == 0) {
		snprintf(msg, msglen, "account \"%s\" already exists", row->a.username);
		return msg;
	}
	row->a.enabled = 1;
	return NULL;
}

static void
import_free(struct import_row *rows, size_t n)
{
	if (rows != NULL)
		explicit_bzero(rows, n * sizeof(*rows));
	free(rows);
}

int
ctl_import(struct ctl *c, int argc, char **argv)
{
	struct csv_reader rd;
	struct csv_record *rec = malloc(sizeof(*rec));
	struct import_row *rows = NULL;
	size_t n = 0, cap = 0, len = 0;
	char *text = NULL, msg[300];
	int errors = 0, r, rc = 1, first = 1;

	if (argc != 2) {
		fprintf(stderr, "poortctl: import takes one CSV file\n");
		free(rec);
		return 2;
	}
	if (rec == NULL || (text = read_file(argv[1], &len)) == NULL)
		goto done;
	csv_init(&rd, text, len);
	while ((r = csv_next(&rd, rec, msg, sizeof(msg))) != 0) {
		const char *problem;
		if (r < 0) {
			fprintf(stderr, "%s:%d: %s\n", argv[1], rd.line, msg);
			errors++;
			continue;
		}
		if (first && strcasecmp(rec->field[0], "username") == 0) {
			first = 0; /* header row */
			continue;
		}
		first = 0;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct import_row *nr = calloc(ncap, sizeof(*nr));
			if (nr == NULL) {
				fprintf(stderr, "poortctl: out of memory\n");
				goto done;
			}
			if (rows != NULL)
				memcpy(nr, rows, n * sizeof(*rows));
			import_free(rows, cap);
			rows = nr;
			cap = ncap;
		}
		memset(&rows[n], 0, sizeof(rows[n]));
		rows[n].line = rd.line;
		if ((problem = import_check(c, rec, &rows[n], msg, sizeof(msg))) != NULL) {
			fprintf(stderr, "%s:%d: %s\n", argv[1], rd.line, problem);
			errors++;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(rows[i].a.username, rows[n].a.username) == 0) {
				fprintf(stderr, "%s:%d: user name \"%s\" also on line %d\n", argv[1],
					rd.line, rows[n].a.username, rows[i].line);
				errors++;
				goto next;
			}
		n++;
	next:;
	}
	if (errors > 0) {
		fprintf(stderr, "poortctl: %d problem%s in %s; nothing was imported\n", errors,
			errors == 1 ? "" : "s", argv[1]);
		goto done;
	}
	if (n == 0) {
		fprintf(stderr, "poortctl: %s has no accounts; nothing was imported\n", argv[1]);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].generated && password_generate(rows[i].pw, 12) < 0)
			goto done;
		if (ctl_hash(c, rows[i].pw, rows[i].a.pw_hash, rows[i].nt) < 0)
			goto done;
	}
	if (store_begin(c->st) < 0) {
		fprintf(stderr, "poortctl: cannot start a transaction: %s\n", store_errmsg(c->st));
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		int arc = store_account_add(c->st, &rows[i].a, rows[i].nt);
		if (arc < 0) {
			fprintf(stderr, "%s:%d: cannot add \"%s\": %s; nothing was imported\n", argv[1],
				rows[i].line, rows[i].a.username,
				arc == STORE_EEXIST ? "already exists" : store_errmsg(c->st));
			store_rollback(c->st);
			goto done;
		}
	}
	if (store_commit(c->st) < 0) {
		fprintf(stderr, "poortctl: commit failed: %s; nothing was imported\n",
			store_errmsg(c->st));
		store_rollback(c->st);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].generated)
			printf("%s\t%s\n", rows[i].a.username, rows[i].pw);
	fprintf(stderr, "poortctl: imported %zu account%s from %s\n", n, n == 1 ? "" : "s",
		argv[1]);
	rc = 0;
done:
	import_free(rows, cap);
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	free(rec);
	return rc;
}
