/*
 * The upstreams' state for the dashboard (poort/store_upstream.h): rows
 * written through the log writer as the radius child does, read back as
 * the web child does; a row is replaced, not added; a stale row (the
 * radius child stopped reporting) is not believed; a store of version 8
 * gains the table.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poort/store.h"
#include "poort/store_upstream.h"
#include "test.h"

static char dir[] = "/tmp/poort-stups-XXXXXX";

static void
rec_init(struct store_upstream_rec *r, const char *name, int alive, int64_t now)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->address, sizeof(r->address), "127.0.0.1:1812");
	snprintf(r->transport, sizeof(r->transport), "udp");
	r->alive = alive;
	r->rtt_ms = -1;
	r->changed = now;
	r->updated = now;
}

static void
test_write_read(const char *path)
{
	char err[300];
	struct store_logger *lg = store_logger_new(path, 180, 64, err, sizeof(err));
	struct store *st = store_open(path, err, sizeof(err));
	struct store_upstream_rec r, out;
	int64_t now = (int64_t)time(NULL);

	CHECK(lg != NULL && st != NULL);
	if (lg == NULL || st == NULL)
		goto done;
	CHECK_INT(store_upstream_get(st, "flr1", &out), STORE_ENOTFOUND);
	rec_init(&r, "flr1", 1, now - 50);
	CHECK_INT(store_logger_upstream(lg, &r), 0);
	rec_init(&r, "flr2", 0, now - 40);
	snprintf(r.address, sizeof(r.address), "[::1]:2083");
	snprintf(r.transport, sizeof(r.transport), "radsec");
	r.timeouts = 3;
	CHECK_INT(store_logger_upstream(lg, &r), 0);
	store_logger_flush(lg);
	CHECK_INT(store_upstream_get(st, "flr1", &out), 0);
	CHECK_STR(out.name, "flr1");
	CHECK_STR(out.transport, "udp");
	CHECK_INT(out.alive, 1);
	CHECK_INT(out.rtt_ms, -1);
	CHECK_INT(out.last_answer, 0);
	CHECK_INT(out.changed, now - 50);
	CHECK(store_upstream_fresh(&out, now));
	CHECK_INT(store_upstream_get(st, "flr2", &out), 0);
	CHECK_STR(out.address, "[::1]:2083");
	CHECK_STR(out.transport, "radsec");
	CHECK_INT(out.alive, 0);
	CHECK_INT(out.timeouts, 3);
	/* the next report replaces the row: an answer, a round trip, counters */
	rec_init(&r, "flr1", 1, now - 50);
	r.rtt_ms = 12;
	r.last_answer = now - 1;
	r.requests = 7;
	r.updated = now;
	CHECK_INT(store_logger_upstream(lg, &r), 0);
	store_logger_flush(lg);
	CHECK_INT(store_upstream_get(st, "flr1", &out), 0);
	CHECK_INT(out.rtt_ms, 12);
	CHECK_INT(out.last_answer, now - 1);
	CHECK_INT(out.requests, 7);
	{
		sqlite3 *db;
		sqlite3_stmt *q;
		int n = -1;
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM upstream_state", -1, &q, NULL) ==
		    SQLITE_OK) {
			if (sqlite3_step(q) == SQLITE_ROW)
				n = sqlite3_column_int(q, 0);
			sqlite3_finalize(q);
		}
		sqlite3_close(db);
		CHECK_INT(n, 2); /* one row per upstream, whatever the number of reports */
	}
	/* a name is data, never SQL */
	rec_init(&r, "x'); DROP TABLE upstream_state; --", 1, now);
	CHECK_INT(store_logger_upstream(lg, &r), 0);
	store_logger_flush(lg);
	CHECK_INT(store_upstream_get(st, r.name, &out), 0);
	CHECK_INT(store_upstream_get(st, "flr2", &out), 0);
done:
	store_close(st);
	store_logger_free(lg);
}

static void
test_fresh(void)
{
	struct store_upstream_rec r;
	int64_t now = 1764553200;

	rec_init(&r, "flr1", 1, now);
	CHECK(store_upstream_fresh(&r, now));
	r.updated = now - STORE_UPSTREAM_EVERY - 5; /* one refresh late: still believed */
	CHECK(store_upstream_fresh(&r, now));
	r.updated = now - STORE_UPSTREAM_STALE + 1;
	CHECK(store_upstream_fresh(&r, now));
	r.updated = now - STORE_UPSTREAM_STALE; /* the radius child stopped reporting */
	CHECK(!store_upstream_fresh(&r, now));
	r.updated = 0;
	CHECK(!store_upstream_fresh(&r, now));
	r.updated = now + 3600; /* from the future: the clock was set back */
	CHECK(!store_upstream_fresh(&r, now));
}

/* A store of version 8 (main before the dashboard) gains the table. */
static void
test_migrate_v8(const char *path)
{
	char err[300];
	sqlite3 *db;
	sqlite3_stmt *q;
	struct store *st;
	struct store_upstream_rec out;
	int v = -1;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DROP TABLE upstream_state; PRAGMA user_version = 8;", NULL, NULL,
	                   NULL) == SQLITE_OK);
	sqlite3_close(db);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK_INT(store_upstream_get(st, "flr1", &out), STORE_ENOTFOUND);
	store_close(st);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
	CHECK_INT(v, 9);
}

int
main(void)
{
	char path[300], f[340];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	test_write_read(path);
	test_fresh();
	test_migrate_v8(path);
	unlink(path);
	snprintf(f, sizeof(f), "%s-wal", path);
	unlink(f);
	snprintf(f, sizeof(f), "%s-shm", path);
	unlink(f);
	rmdir(dir);
	TEST_DONE();
}
