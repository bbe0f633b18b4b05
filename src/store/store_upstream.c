/* The upstreams' state for the dashboard (see poort/store_upstream.h). */
#include "poort/store_upstream.h"

#include <sqlite3.h>
#include <string.h>

#include "store_db.h"

#define UPSTREAM_COLUMNS                                                                           \
	"name, address, transport, alive, rtt_ms, last_answer, changed, requests, timeouts,"       \
	" updated"

int
store_db_upstream_write(sqlite3 *db, sqlite3_stmt **stmt, const struct store_upstream_rec *r)
{
	sqlite3_stmt *s;
	int rc;

	if (*stmt == NULL &&
	    sqlite3_prepare_v3(db,
	                       "INSERT OR REPLACE INTO upstream_state(" UPSTREAM_COLUMNS ")"
	                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	                       -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return -1;
	}
	s = *stmt;
	sqlite3_bind_text(s, 1, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->transport, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, r->alive != 0);
	sqlite3_bind_int64(s, 5, r->rtt_ms);
	sqlite3_bind_int64(s, 6, r->last_answer);
	sqlite3_bind_int64(s, 7, r->changed);
	sqlite3_bind_int64(s, 8, r->requests);
	sqlite3_bind_int64(s, 9, r->timeouts);
	sqlite3_bind_int64(s, 10, r->updated);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_upstream_get(struct store *st, const char *name, struct store_upstream_rec *out)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db, "SELECT " UPSTREAM_COLUMNS " FROM upstream_state WHERE name = ?",
	                       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_db_text(s, 0, out->name, sizeof(out->name));
		store_db_text(s, 1, out->address, sizeof(out->address));
		store_db_text(s, 2, out->transport, sizeof(out->transport));
		out->alive = sqlite3_column_int(s, 3);
		out->rtt_ms = sqlite3_column_int64(s, 4);
		out->last_answer = sqlite3_column_int64(s, 5);
		out->changed = sqlite3_column_int64(s, 6);
		out->requests = sqlite3_column_int64(s, 7);
		out->timeouts = sqlite3_column_int64(s, 8);
		out->updated = sqlite3_column_int64(s, 9);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
}

int
store_upstream_fresh(const struct store_upstream_rec *r, int64_t now)
{
	/* a row from the future (the clock was set back) is not believed either */
	return r->updated > 0 && now - r->updated < STORE_UPSTREAM_STALE &&
	       r->updated <= now + STORE_UPSTREAM_EVERY;
}
