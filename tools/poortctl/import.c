/*
 * poortctl import [--preview]: accounts from a student administration
 * export through the accounts library (src/accounts): every line is checked
 * and each problem printed as FILE:LINE: problem; only a clean file is
 * written, in one transaction. --preview checks and writes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/accounts.h"
#include "poortctl.h"

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "poortctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(ACCOUNTS_IMPORT_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, ACCOUNTS_IMPORT_MAX_BYTES + 1, f);
	fclose(f);
	if (*len > ACCOUNTS_IMPORT_MAX_BYTES) {
		fprintf(stderr, "poortctl: %s: larger than %u bytes\n", path,
			ACCOUNTS_IMPORT_MAX_BYTES);
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

static void
print_generated(const char *username, const char *password, void *arg)
{
	(void)arg;
	printf("%s\t%s\n", username, password);
}

int
ctl_import(struct ctl *c, int argc, char **argv)
{
	struct accounts_import *im = NULL;
	struct accounts_error err;
	const char *path;
	size_t len = 0, n;
	char *text = NULL, msg[400];
	int preview = 0, errors, rc = 1;

	if (argc == 3 && (strcmp(argv[1], "--preview") == 0 || strcmp(argv[2], "--preview") == 0)) {
		preview = 1;
		path = strcmp(argv[1], "--preview") == 0 ? argv[2] : argv[1];
	} else if (argc == 2) {
		path = argv[1];
	} else {
		fprintf(stderr, "poortctl: import takes one CSV file (and --preview)\n");
		return 2;
	}
	if ((text = read_file(path, &len)) == NULL)
		goto done;
	if ((im = accounts_import_new()) == NULL ||
	    (errors = accounts_import_check(im, c->st, text, len)) < 0) {
		fprintf(stderr, "poortctl: out of memory\n");
		goto done;
	}
	n = accounts_import_count(im);
	if (errors == 1 && accounts_import_error(im, 0)->code == ACCOUNTS_EEMPTY) {
		fprintf(stderr, "poortctl: %s has no accounts; nothing was imported\n", path);
		goto done;
	}
	for (size_t i = 0; i < (size_t)errors; i++) {
		const struct accounts_error *e = accounts_import_error(im, i);
		fprintf(stderr, "%s:%d: %s\n", path, e->line,
			accounts_error_text(e, msg, sizeof(msg)));
	}
	if (errors > 0) {
		fprintf(stderr, "poortctl: %d problem%s in %s; nothing was imported\n", errors,
			errors == 1 ? "" : "s", path);
		goto done;
	}
	if (preview) {
		fprintf(stderr, "poortctl: %s is fine: %zu account%s would be imported; nothing was"
				" written (preview)\n",
			path, n, n == 1 ? "" : "s");
		rc = 0;
		goto done;
	}
	if (accounts_import_commit(im, c->st, c->cost, &err) < 0) {
		ctl_audit(c, "account.import", path, -1, accounts_error_key(err.code));
		if (err.line > 0)
			fprintf(stderr, "%s:%d: cannot add: %s; nothing was imported\n", path, err.line,
				accounts_error_text(&err, msg, sizeof(msg)));
		else
			fprintf(stderr, "poortctl: %s; nothing was imported\n",
				accounts_error_text(&err, msg, sizeof(msg)));
		goto done;
	}
	accounts_import_generated(im, print_generated, NULL);
	snprintf(msg, sizeof(msg), "accounts=%zu", n);
	ctl_audit(c, "account.import", path, 0, msg);
	fprintf(stderr, "poortctl: imported %zu account%s from %s\n", n, n == 1 ? "" : "s", path);
	rc = 0;
done:
	accounts_import_free(im);
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	return rc;
}
