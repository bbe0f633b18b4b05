/* The store: accounts, transactions, the log writer, queries, purge. */
#include <event2/event.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "poort/store.h"
#include "poort/store_admin.h"
#include "../../../src/store/store_db.h"
#include "test.h"

static char dir[] = "/tmp/poort-store-XXXXXX";
static char path[300];

static struct store_account
make(const char *name)
{
	struct store_account a;
	memset(&a, 0, sizeof(a));
	snprintf(a.username, sizeof(a.username), "%s", name);
	snprintf(a.affiliation, sizeof(a.affiliation), "student");
	snprintf(a.given_name, sizeof(a.given_name), "Given");
	snprintf(a.pw_hash, sizeof(a.pw_hash), "$y$fake");
	a.enabled = 1;
	return a;
}

static int
count_cb(const struct store_account *a, void *arg)
{
	(void)a;
	(*(int *)arg)++;
	return 0;
}

static void
test_accounts(struct store *st)
{
	struct store_account a = make("anna"), got;
	uint8_t nt[16] = {1, 2, 3}, nt2[16];
	struct stat sb;
	int n = 0;

	CHECK_INT(store_account_add(st, &a, nt), 0);
	CHECK_INT(store_account_add(st, &a, nt), STORE_EEXIST);
	CHECK_INT(store_account_get(st, "ANNA", &got), 0); /* case-insensitive */
	CHECK_STR(got.given_name, "Given");
	CHECK_INT(got.enabled, 1);
	CHECK_INT(store_account_nthash(st, "anna", nt2), 0);
	CHECK(memcmp(nt, nt2, 16) == 0);
	CHECK_INT(store_account_set_enabled(st, "anna", 0), 0);
	CHECK_INT(store_account_get(st, "anna", &got), 0);
	CHECK_INT(got.enabled, 0);
	CHECK_INT(store_account_set_expiry(st, "anna", 12345), 0);
	CHECK_INT(store_account_get(st, "anna", &got), 0);
	CHECK_INT(got.expires, 12345);
	CHECK_INT(store_account_set_password(st, "anna", "$y$new", NULL), 0);
	CHECK_INT(store_account_get(st, "anna", &got), 0);
	CHECK_STR(got.pw_hash, "$y$new");
	CHECK_INT(store_account_nthash(st, "anna", nt2), STORE_ENOTFOUND); /* MSCHAPv2 off */
	CHECK_INT(store_account_set_password(st, "nobody", "$y$x", NULL), STORE_ENOTFOUND);
	CHECK_INT(store_account_get(st, "nobody", &got), STORE_ENOTFOUND);
	CHECK_INT(store_account_set_enabled(st, "nobody", 1), STORE_ENOTFOUND);

	a = make("Bad Name");
	CHECK_INT(store_account_add(st, &a, NULL), STORE_EINVAL);
	a = make("carl");
	snprintf(a.affiliation, sizeof(a.affiliation), "wizard");
	CHECK_INT(store_account_add(st, &a, NULL), STORE_EINVAL);

	/* a rolled back batch leaves nothing */
	CHECK_INT(store_begin(st), 0);
	a = make("dave");
	CHECK_INT(store_account_add(st, &a, NULL), 0);
	store_rollback(st);
	CHECK_INT(store_account_get(st, "dave", &got), STORE_ENOTFOUND);

	CHECK_INT(store_account_foreach(st, count_cb, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(store_account_delete(st, "anna"), 0);
	CHECK_INT(store_account_delete(st, "anna"), STORE_ENOTFOUND);

	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_mode & 077, 0); /* password hashes: owner only */

	CHECK(store_username_valid("a.b_c-1"));
	CHECK(!store_username_valid(".a"));
	CHECK(!store_username_valid("Anna"));
	CHECK(!store_username_valid(""));
	CHECK(!store_username_valid("a@b"));
}

static int
auth_collect(const struct store_auth_rec *r, void *arg)
{
	struct store_auth_rec *out = arg;
	*out = *r;
	out[1].time++; /* count in the next slot */
	return 0;
}

/*
 * Writes while the daemon's shared read snapshot is open (an earlier read
 * left it): each is committed at once (another connection sees it) and not
 * refused for a stale snapshot when another connection wrote meanwhile.
 */
static void
test_snapshot_writes(struct store *st)
{
	char err[256];
	struct store *other = store_open(path, err, sizeof(err));
	struct store_account a = make("snap1"), got;
	uint8_t nt[16] = {7};

	CHECK(other != NULL);
	if (other == NULL)
		return;
	store_set_read_snapshot(st, 60000);
	CHECK_INT(store_account_get(st, "nobody", &got), STORE_ENOTFOUND); /* opens it */
	CHECK_INT(store_account_add(st, &a, nt), 0);
	CHECK_INT(store_account_get(other, "snap1", &got), 0); /* committed, not pending */
	CHECK_INT(store_account_set_enabled(st, "snap1", 0), 0);
	CHECK_INT(store_account_get(other, "snap1", &got), 0);
	CHECK_INT(got.enabled, 0);
	/* someone else writes after the snapshot began: ours is not stale */
	CHECK_INT(store_account_get(st, "nobody", &got), STORE_ENOTFOUND);
	a = make("snap2");
	CHECK_INT(store_account_add(other, &a, NULL), 0);
	a = make("snap3");
	CHECK_INT(store_account_add(st, &a, nt), 0);
	CHECK_INT(store_account_get(other, "snap3", &got), 0);
	/* in the caller's transaction: joined, all or nothing */
	CHECK_INT(store_begin(st), 0);
	CHECK_INT(store_begin(st), STORE_EINVAL); /* no nesting */
	a = make("snap4");
	CHECK_INT(store_account_add(st, &a, nt), 0);
	CHECK_INT(store_account_get(st, "snap4", &got), 0); /* it reads its own write */
	store_rollback(st);
	CHECK_INT(store_account_get(other, "snap4", &got), STORE_ENOTFOUND);
	CHECK_INT(store_commit(st), STORE_EINVAL); /* none open */
	CHECK_INT(store_account_delete(st, "snap1"), 0);
	store_set_read_snapshot(st, 0);
	store_close(other);
}

/*
 * Accounts read inside one read snapshot are remembered (store.c's memo):
 * the answers must be exactly what SQLite's snapshot gives, for more
 * accounts than the memo holds, and a change through this connection (the
 * store API or a bare statement) shows at once.
 */
static void
test_snapshot_memo(struct store *st)
{
	char err[256], name[32];
	struct store *other = store_open(path, err, sizeof(err));
	struct store_account a = make("memo1"), got;
	int bad = 0;

	CHECK(other != NULL);
	if (other == NULL)
		return;
	CHECK_INT(store_account_add(st, &a, NULL), 0);
	store_set_read_snapshot(st, 60000);
	CHECK_INT(store_account_get(st, "memo1", &got), 0);
	CHECK_INT(got.enabled, 1);
	/* another connection's change: not in our snapshot, memo or not */
	CHECK_INT(store_account_set_enabled(other, "memo1", 0), 0);
	CHECK_INT(store_account_get(st, "memo1", &got), 0);
	CHECK_INT(got.enabled, 1);
	/* our own change shows at once */
	CHECK_INT(store_account_set_expiry(st, "memo1", 4102444800LL), 0);
	CHECK_INT(store_account_get(st, "memo1", &got), 0);
	CHECK_INT(got.enabled, 0);
	CHECK_INT(got.expires, 4102444800LL);
	/* a name that is not there, then is (another connection), then ours */
	CHECK_INT(store_account_get(st, "memo2", &got), STORE_ENOTFOUND);
	a = make("memo2");
	CHECK_INT(store_account_add(other, &a, NULL), 0);
	CHECK_INT(store_account_get(st, "memo2", &got), STORE_ENOTFOUND);
	store_set_read_snapshot(st, 60000); /* a new snapshot */
	CHECK_INT(store_account_get(st, "memo2", &got), 0);
	CHECK_INT(store_account_delete(st, "memo2"), 0);
	CHECK_INT(store_account_get(st, "memo2", &got), STORE_ENOTFOUND);
	/* a bare statement on our connection, inside the snapshot */
	CHECK_INT(store_account_get(st, "memo1", &got), 0);
	CHECK_INT(sqlite3_exec(store_db_handle(st),
			       "UPDATE accounts SET given_name = 'Changed' WHERE username = 'memo1'",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	CHECK_INT(store_account_get(st, "memo1", &got), 0);
	CHECK_STR(got.given_name, "Changed");
	store_set_read_snapshot(st, 0);
	/* more accounts than the memo's 256 entries, each read three times */
	CHECK_INT(store_begin(other), 0);
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "m%03d", i);
		a = make(name);
		snprintf(a.student_number, sizeof(a.student_number), "%d", i);
		CHECK_INT(store_account_add(other, &a, NULL), 0);
	}
	CHECK_INT(store_commit(other), 0);
	store_set_read_snapshot(st, 60000);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 610; i++) {
			snprintf(name, sizeof(name), "m%03d", i);
			int rc = store_account_get(st, name, &got);
			if (i >= 600 ? rc != STORE_ENOTFOUND
				     : rc != 0 || strcmp(got.username, name) != 0 ||
					       atoi(got.student_number) != i)
				bad++;
		}
	CHECK_INT(bad, 0);
	store_set_read_snapshot(st, 0);
	store_close(other);
}

static int
audit_count(const struct store_audit *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
test_logger(struct store *st)
{
	char err[256];
	struct store_logger *lg = store_logger_new(path, 30, 4, err, sizeof(err));
	struct store_auth_rec r, got[2];
	struct store_log_filter f = {0};
	int64_t now = (int64_t)time(NULL);

	CHECK(lg != NULL);
	if (lg == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.time = now;
	snprintf(r.client, sizeof(r.client), "ap1");
	snprintf(r.calling_station, sizeof(r.calling_station), "AA-BB-CC-DD-EE-FF");
	snprintf(r.user_name, sizeof(r.user_name), "anna@school.example");
	snprintf(r.result, sizeof(r.result), "accept");
	CHECK_INT(store_logger_auth(lg, &r), 0);
	r.time = now - 40 * 86400; /* older than retention */
	snprintf(r.user_name, sizeof(r.user_name), "old@school.example");
	CHECK_INT(store_logger_auth(lg, &r), 0);
	store_logger_flush(lg);

	memset(got, 0, sizeof(got));
	f.mac = "aa:bb:cc:dd:ee:ff"; /* other separators, other case */
	CHECK_INT(store_auth_query(st, &f, auth_collect, got), 0);
	CHECK_INT(got[1].time, 2);
	memset(got, 0, sizeof(got));
	f.mac = NULL;
	f.user = "anna";
	CHECK_INT(store_auth_query(st, &f, auth_collect, got), 0);
	CHECK_INT(got[1].time, 1);
	CHECK_STR(got[0].client, "ap1");
	CHECK_INT(store_purge_logs(st, now - 30 * 86400), 1);
	store_logger_free(lg);

	/* the writer purges by itself when it starts (and hourly after) */
	lg = store_logger_new(path, 30, 4, err, sizeof(err));
	r.time = now - 31 * 86400;
	CHECK_INT(store_logger_auth(lg, &r), 0);
	store_logger_flush(lg);
	store_logger_free(lg);
	lg = store_logger_new(path, 30, 4, err, sizeof(err));
	memset(got, 0, sizeof(got));
	f.user = "old@";
	CHECK_INT(store_auth_query(st, &f, auth_collect, got), 0);
	CHECK_INT(got[1].time, 0);
	store_logger_free(lg);

	/* admin audit rows: their own retention, none until it is set */
	{
		struct store_audit a = {.actor = "boss", .action = "account.add", .outcome = "ok"};
		struct store_audit_filter af = {0};
		int rows = 0;

		a.time = now - 800 * 86400;
		CHECK_INT(store_audit_add(st, &a), 0);
		a.time = now - 400 * 86400;
		CHECK_INT(store_audit_add(st, &a), 0);
		lg = store_logger_new(path, 30, 4, err, sizeof(err));
		CHECK_INT(store_logger_auth(lg, &r), 0);
		store_logger_flush(lg); /* the start's purge: auth log only */
		CHECK_INT(store_audit_foreach(st, &af, audit_count, &rows), 0);
		CHECK_INT(rows, 2);
		store_logger_set_audit_retention(lg, 730);
		CHECK_INT(store_logger_auth(lg, &r), 0);
		store_logger_flush(lg); /* purged with the new setting at once */
		rows = 0;
		CHECK_INT(store_audit_foreach(st, &af, audit_count, &rows), 0);
		CHECK_INT(rows, 1);
		store_logger_free(lg);
	}

	/* a bounded queue says so when full instead of growing */
	lg = store_logger_new(path, 30, 1, err, sizeof(err));
	CHECK(lg != NULL);
	int full = 0;
	for (int i = 0; i < 1000 && !full; i++)
		full = store_logger_auth(lg, &r) == STORE_EFULL;
	CHECK(full);
	store_logger_free(lg);
}

/*
 * Rows are written from their ring slots while the loop keeps pushing: a
 * small ring wrapped many times over must yield every row once, intact.
 */
static void
test_logger_stream(void)
{
	enum { N = 5000 };
	char err[256];
	struct store_logger *lg = store_logger_new(path, 30, 64, err, sizeof(err));
	struct store_auth_rec r;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	CHECK(lg != NULL);
	if (lg == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.time = (int64_t)time(NULL);
	snprintf(r.result, sizeof(r.result), "accept");
	for (int i = 0; i < N; i++) {
		snprintf(r.user_name, sizeof(r.user_name), "stream%05d@school.example", i);
		snprintf(r.reason, sizeof(r.reason), "%05d", i);
		snprintf(r.calling_station, sizeof(r.calling_station), "02-00-00-00-%02x-%02x",
			 i >> 8 & 0xff, i & 0xff);
		while (store_logger_auth(lg, &r) == STORE_EFULL)
			usleep(50);
	}
	store_logger_flush(lg);
	store_logger_free(lg);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db,
				     "SELECT COUNT(*), COUNT(DISTINCT user_name),"
				     " SUM(user_name = 'stream' || reason || '@school.example'"
				     " AND mac = printf('02000000%04x', CAST(reason AS INTEGER)))"
				     " FROM auth_log WHERE user_name LIKE 'stream%'",
				     -1, &s, NULL),
		  SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int(s, 0), N);
	CHECK_INT(sqlite3_column_int(s, 1), N);
	CHECK_INT(sqlite3_column_int(s, 2), N);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

struct acct_wait {
	int calls, rc;
	int64_t rows; /* acct_log rows another connection saw when the callback ran */
	struct event_base *base;
};

static void
acct_done(void *arg, int rc)
{
	struct acct_wait *w = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	w->calls++;
	w->rc = rc;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM acct_log", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		w->rows = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	event_base_loopbreak(w->base);
}

/* An accounting row's callback runs on the loop, after its batch committed. */
static void
test_logger_acct(void)
{
	char err[256];
	struct event_base *base = event_base_new();
	struct store_logger *lg = store_logger_new(path, 30, 8, err, sizeof(err));
	struct acct_wait w = {.base = base};
	struct store_acct_rec r;
	struct timeval limit = {10, 0};

	CHECK(base != NULL && lg != NULL);
	if (base == NULL || lg == NULL)
		return;
	CHECK_INT(store_logger_attach(lg, base), 0);
	memset(&r, 0, sizeof(r));
	r.time = (int64_t)time(NULL);
	snprintf(r.session_id, sizeof(r.session_id), "s-1");
	CHECK_INT(store_logger_acct(lg, &r, acct_done, &w), 0);
	CHECK_INT(w.calls, 0); /* never from inside the call */
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	CHECK_INT(w.calls, 1);
	CHECK_INT(w.rc, 0);
	CHECK_INT(w.rows, 1); /* committed before the callback ran */

	/* a full queue refuses the row and never calls back */
	for (int i = 0; i < 100; i++)
		if (store_logger_acct(lg, &r, NULL, NULL) == STORE_EFULL)
			break;
	store_logger_flush(lg);
	store_logger_run_done(lg);
	CHECK_INT(w.calls, 1);

	/* callbacks the loop has not run yet count against the bound: a loop
	 * that falls behind gets STORE_EFULL, never more than max_queue waiting */
	struct acct_wait many = {.base = base};
	int accepted = 0;
	for (int i = 0; i < 400; i++) {
		/* slowly, so some rows come while a batch is being written */
		struct timespec ts = {0, 250 * 1000};
		if (store_logger_acct(lg, &r, acct_done, &many) == 0)
			accepted++;
		nanosleep(&ts, NULL);
	}
	store_logger_flush(lg);
	CHECK_INT(accepted, 8);
	store_logger_run_done(lg);
	CHECK_INT(many.calls, accepted);
	CHECK_INT(many.rc, 0);
	store_logger_free(lg);
	event_base_free(base);
}

/* A store written by the first schema opens and gains the new columns. */
static void
test_migration(void)
{
	char old[400], err[256];
	sqlite3 *db;
	struct store *st;
	struct store_log_filter f = {.cui = "x"};
	struct store_auth_rec got[2];

	snprintf(old, sizeof(old), "%s/old.db", dir);
	CHECK_INT(sqlite3_open(old, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db,
			       "CREATE TABLE auth_log (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
			       " client TEXT NOT NULL, calling_station TEXT NOT NULL, user_name TEXT"
			       " NOT NULL, inner_identity TEXT NOT NULL, result TEXT NOT NULL, reason"
			       " TEXT NOT NULL);"
			       "INSERT INTO auth_log VALUES (1, 5, 'ap', 'mac', 'u@x.nl', '-', 'accept',"
			       " '-');"
			       "PRAGMA user_version = 1;",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	st = store_open(old, err, sizeof(err));
	CHECK(st != NULL);
	if (st == NULL)
		return;
	memset(got, 0, sizeof(got));
	CHECK_INT(store_auth_query(st, &f, auth_collect, got), 0);
	CHECK_INT(got[1].time, 0); /* no row has that CUI, and the query works */
	f.cui = NULL;
	CHECK_INT(store_auth_query(st, &f, auth_collect, got), 0);
	CHECK_INT(got[1].time, 1);
	CHECK_STR(got[0].user_name, "u@x.nl");
	CHECK_STR(got[0].upstream, ""); /* version 3 columns, empty for old rows */
	CHECK_INT(got[0].ms, 0);
	store_close(st);
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
	if (st != NULL) {
		test_accounts(st);
		test_snapshot_writes(st);
		test_snapshot_memo(st);
		test_logger(st);
		test_logger_stream();
		test_logger_acct();
		store_close(st);
	}
	test_migration();
	CHECK(store_open("/nonexistent/dir/x.db", err, sizeof(err)) == NULL);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
	TEST_DONE();
}
