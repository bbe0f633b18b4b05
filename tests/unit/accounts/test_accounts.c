/*
 * The accounts library: password policy, dates, the CSV import's
 * structured errors, preview writing nothing, all-or-nothing commit.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "poort/accounts.h"
#include "test.h"

static char dir[] = "/tmp/poort-accounts-XXXXXX";
static char path[300];

static int
count_cb(const struct store_account *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static int
count(struct store *st)
{
	int n = 0;
	store_account_foreach(st, count_cb, &n);
	return n;
}

static void
gen_cb(const char *user, const char *pw, void *arg)
{
	CHECK_INT(strlen(pw), ACCOUNTS_GENERATED_LEN);
	CHECK(user[0] != '\0');
	(*(int *)arg)++;
}

static void
test_rules(void)
{
	int64_t t;
	char buf[200];
	struct accounts_error e = {.code = ACCOUNTS_EPW_SHORT};

	CHECK_INT(accounts_password_check("short"), ACCOUNTS_EPW_SHORT);
	CHECK_INT(accounts_password_check("\xff\xfe-not-utf8"), ACCOUNTS_EPW_UTF8);
	CHECK_INT(accounts_password_check("Correct-horse-1"), 0);
	CHECK_STR(accounts_error_text(&e, buf, sizeof(buf)), "password is shorter than 8 characters");
	CHECK_STR(accounts_error_key(ACCOUNTS_EPW_SHORT), "account.password.short");
	CHECK_INT(accounts_date_parse("2027-07-31", &t), 0);
	CHECK_INT(t, 1817078399); /* 2027-07-31T23:59:59Z (date -u -d ... +%s) */
	CHECK_INT(accounts_date_parse("never", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(accounts_date_parse("31-07-2027", &t), ACCOUNTS_EDATE);
	CHECK_INT(accounts_date_parse("2027-07-31x", &t), ACCOUNTS_EDATE);
}

static void
test_import_errors(struct store *st)
{
	static const char text[] = "username;given;surname;nr;aff;pw\n"
				   "anna;Anna;A;1;student;generate\n"
				   "Bad Name;B;B;2;student;generate\n"
				   "cees;C;C;3;wizard;generate\n"
				   "dirk;D;D;4;student;short\n"
				   "anna;A;A;5;student;generate\n"
				   "erik;E;E;6;student\n";
	struct accounts_import *im = accounts_import_new();
	const struct accounts_error *e;

	CHECK_INT(accounts_import_check(im, st, text, sizeof(text) - 1), 5);
	e = accounts_import_error(im, 0);
	CHECK_INT(e->code, ACCOUNTS_EUSERNAME);
	CHECK_INT(e->line, 3);
	CHECK_INT(e->field, ACCOUNTS_F_USERNAME);
	CHECK_STR(e->detail, "Bad Name");
	e = accounts_import_error(im, 1);
	CHECK_INT(e->code, ACCOUNTS_EAFFILIATION);
	CHECK_INT(e->field, ACCOUNTS_F_AFFILIATION);
	e = accounts_import_error(im, 2);
	CHECK_INT(e->code, ACCOUNTS_EPW_SHORT);
	CHECK_INT(e->line, 5);
	CHECK_INT(e->field, ACCOUNTS_F_PASSWORD);
	CHECK(strstr(e->detail, "short") == NULL); /* never the password */
	e = accounts_import_error(im, 3);
	CHECK_INT(e->code, ACCOUNTS_EDUPLICATE);
	CHECK_INT(e->other_line, 2);
	e = accounts_import_error(im, 4);
	CHECK_INT(e->code, ACCOUNTS_EFIELDS);
	CHECK_INT(e->line, 7);
	/* not clean: commit refuses and writes nothing */
	struct accounts_error err;
	CHECK(accounts_import_commit(im, st, 1, &err) < 0);
	CHECK_INT(count(st), 0);
	accounts_import_free(im);
}

static void
test_import_commit(struct store *st)
{
	/* more rows than the first allocation holds (256): all of them count */
	size_t cap = 400 * 48, len = 0;
	char *text = malloc(cap);
	struct accounts_import *im = accounts_import_new();
	struct accounts_error err;
	int generated = 0;

	for (int i = 0; i < 400; i++)
		len += (size_t)snprintf(text + len, cap - len, "s%05d,G,S,%d,student,%s\n", i, i,
					i == 0 ? "Own-pass-123" : "generate");
	CHECK_INT(accounts_import_check(im, st, text, len), 0);
	CHECK_INT(accounts_import_count(im), 400);
	CHECK_INT(count(st), 0); /* the preview wrote nothing */
	/* in steps, as the admin UI does: no write before every hash is made */
	CHECK_INT(accounts_import_hash(im, 1, 150, &err), 250);
	CHECK_INT(accounts_import_write(im, st, &err), ACCOUNTS_EHASH);
	CHECK_INT(count(st), 0);
	CHECK_INT(accounts_import_hash(im, 1, 150, &err), 100);
	CHECK_INT(accounts_import_commit(im, st, 1, &err), 0);
	CHECK_INT(count(st), 400);
	accounts_import_generated(im, gen_cb, &generated);
	CHECK_INT(generated, 399);
	accounts_import_free(im);
	/* again: every line exists now */
	im = accounts_import_new();
	CHECK_INT(accounts_import_check(im, st, text, len), 400);
	CHECK_INT(accounts_import_error(im, 0)->code, ACCOUNTS_EEXISTS);
	accounts_import_free(im);
	/* empty */
	im = accounts_import_new();
	CHECK_INT(accounts_import_check(im, st, "username,a,b,c,d,e\n", 19), 1);
	CHECK_INT(accounts_import_error(im, 0)->code, ACCOUNTS_EEMPTY);
	accounts_import_free(im);
	free(text);
}

static void
test_guests(struct store *st)
{
	struct accounts_guest_req req = {.prefix = "open", .count = 5,
					 .expires = (int64_t)time(NULL) + 3600, .batch = "opendag",
					 .created_by = "helpdesk1"};
	struct accounts_error err;
	struct store_account a;
	char batch[33];
	int n = 0, before = count(st);

	CHECK_INT(accounts_guest_batch(st, &req, 1, batch, gen_cb, &n, &err), 0);
	CHECK_INT(n, 5);
	CHECK_STR(batch, "opendag");
	CHECK_INT(count(st), before + 5);
	/* the same batch again: new names, no clash */
	CHECK_INT(accounts_guest_batch(st, &req, 1, batch, gen_cb, &n, &err), 0);
	CHECK_INT(count(st), before + 10);
	/* refused, nothing written */
	req.count = 0;
	CHECK_INT(accounts_guest_batch(st, &req, 1, batch, gen_cb, &n, &err), ACCOUNTS_ECOUNT);
	CHECK_INT(err.field, ACCOUNTS_F_COUNT);
	req.count = 2;
	req.expires = (int64_t)time(NULL) - 1;
	CHECK_INT(accounts_guest_batch(st, &req, 1, batch, gen_cb, &n, &err), ACCOUNTS_EEXPIRY);
	req.expires = (int64_t)time(NULL) + 60;
	req.prefix = "Bad prefix";
	CHECK_INT(accounts_guest_batch(st, &req, 1, batch, gen_cb, &n, &err), ACCOUNTS_EUSERNAME);
	CHECK_INT(count(st), before + 10);
	CHECK_INT(n, 10);
	/* in steps: no write before every hash is made */
	{
		struct accounts_guest *g;

		req.count = 3;
		req.prefix = "step";
		req.batch = "steps";
		n = 0;
		CHECK((g = accounts_guest_new(st, &req, &err)) != NULL);
		CHECK_INT(accounts_guest_hash(g, 1, 2, &err), 1);
		CHECK_INT(accounts_guest_write(g, st, batch, gen_cb, &n, &err), ACCOUNTS_EHASH);
		CHECK_INT(count(st), before + 10);
		CHECK_INT(accounts_guest_hash(g, 1, 2, &err), 0);
		CHECK_INT(accounts_guest_write(g, st, batch, gen_cb, &n, &err), 0);
		CHECK_INT(count(st), before + 13);
		CHECK_INT(n, 3);
		accounts_guest_free(g);
		req.count = 0;
		CHECK(accounts_guest_new(st, &req, &err) == NULL);
		CHECK_INT(err.code, ACCOUNTS_ECOUNT);
	}
	/* generated batch id, flags kept */
	req.prefix = NULL;
	req.batch = NULL;
	req.count = 1;
	n = 0;
	CHECK_INT(accounts_guest_batch(st, &req, 1, batch, gen_cb, &n, &err), 0);
	CHECK_INT(strlen(batch), 13); /* YYYYMMDD-xxxx */
	CHECK(store_account_get(st, "open-nonexistent", &a) == STORE_ENOTFOUND);
}

static int
guest_cb(const struct store_account *a, void *arg)
{
	if (a->guest && strcmp(a->batch, "opendag") == 0) {
		CHECK_STR(a->created_by, "helpdesk1");
		CHECK_STR(a->affiliation, "affiliate");
		CHECK(a->expires > 0);
		CHECK(strncmp(a->username, "open-", 5) == 0);
		(*(int *)arg)++;
	}
	return 0;
}

/* An edit's details: the one rule (accounts_details_check) and the store's update. */
static void
test_details(struct store *st)
{
	struct store_account a;
	char long_name[STORE_NAME_MAX + 2];
	int field;

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_INT(accounts_details_check("Jan", "Vries", "", "employee", &field), 0);
	CHECK_INT(field, ACCOUNTS_F_NONE);
	CHECK_INT(accounts_details_check("", "Vries", "1", "student", &field), ACCOUNTS_ENAME_EMPTY);
	CHECK_INT(field, ACCOUNTS_F_GIVEN);
	CHECK_INT(accounts_details_check("Jan", "", "1", "student", &field), ACCOUNTS_ENAME_EMPTY);
	CHECK_INT(field, ACCOUNTS_F_SURNAME);
	CHECK_INT(accounts_details_check("Jan", long_name, "1", "student", &field),
		  ACCOUNTS_ENAME_LONG);
	CHECK_INT(field, ACCOUNTS_F_SURNAME);
	CHECK_INT(accounts_details_check("Jan", "V", "123456789012345678901234567890123", "student",
					 &field),
		  ACCOUNTS_ENUMBER_LONG);
	CHECK_INT(accounts_details_check("Jan", "V\n", "1", "student", &field), ACCOUNTS_ECONTROL);
	CHECK_INT(field, ACCOUNTS_F_SURNAME);
	CHECK_INT(accounts_details_check("Jan", "V", "1", "Student", &field),
		  ACCOUNTS_EAFFILIATION);
	CHECK_INT(field, ACCOUNTS_F_AFFILIATION);
	/* the store: the fields change, the rest stays */
	CHECK_INT(store_account_set_details(st, "s00001", "Anna", "Bakker", "77", "employee"), 0);
	CHECK_INT(store_account_get(st, "s00001", &a), 0);
	CHECK_STR(a.given_name, "Anna");
	CHECK_STR(a.surname, "Bakker");
	CHECK_STR(a.student_number, "77");
	CHECK_STR(a.affiliation, "employee");
	CHECK_INT(a.enabled, 1);
	CHECK(a.pw_hash[0] == '$');
	CHECK_INT(store_account_set_details(st, "s00001", "A", "B", "", "nobody"), STORE_EINVAL);
	CHECK_INT(store_account_set_details(st, "nobody", "A", "B", "", "student"),
		  STORE_ENOTFOUND);
}

int
main(void)
{
	char err[300];
	struct store *st;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	if (st == NULL)
		return 1;
	test_rules();
	test_import_errors(st);
	test_import_commit(st);
	test_guests(st);
	test_details(st);
	{
		int g = 0;
		store_account_foreach(st, guest_cb, &g);
		CHECK_INT(g, 10);
	}
	store_close(st);
	unlink(path);
	snprintf(err, sizeof(err), "%s/poort.db-wal", dir);
	unlink(err);
	snprintf(err, sizeof(err), "%s/poort.db-shm", dir);
	unlink(err);
	rmdir(dir);
	TEST_DONE();
}
