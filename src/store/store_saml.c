/*
 * SSO tables, created here so the base schema (store_db.c) stays the
 * RADIUS side's. Own connection: the SAML code runs on the event loop and
 * must not share a handle with other threads.
 */
#include "poort/store_saml.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/store.h"
#include "store_db.h"

struct store_saml {
	sqlite3 *db;
};

static const char store_saml_schema[] =
	"CREATE TABLE IF NOT EXISTS account_attrs ("
	" username TEXT NOT NULL COLLATE NOCASE"
	"  REFERENCES accounts(username) ON DELETE CASCADE ON UPDATE CASCADE,"
	" name TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" PRIMARY KEY (username, name));"
	"CREATE TABLE IF NOT EXISTS saml_release_log ("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" sp TEXT NOT NULL,"
	" username TEXT NOT NULL,"
	" attrs TEXT NOT NULL,"
	" nameid_format TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS saml_release_user ON saml_release_log(username, time);"
	"CREATE INDEX IF NOT EXISTS saml_release_sp ON saml_release_log(sp, time);"
	"CREATE INDEX IF NOT EXISTS saml_release_time ON saml_release_log(time);"
	"CREATE TABLE IF NOT EXISTS saml_replay ("
	" issuer TEXT NOT NULL,"
	" id TEXT NOT NULL,"
	" expires INTEGER NOT NULL,"
	" PRIMARY KEY (issuer, id));"
	"CREATE TABLE IF NOT EXISTS saml_metadata_status ("
	" source TEXT PRIMARY KEY,"
	" last_ok INTEGER NOT NULL,"
	" last_try INTEGER NOT NULL,"
	" valid_until INTEGER NOT NULL,"
	" sps INTEGER NOT NULL,"
	" error TEXT NOT NULL);";

struct store_saml *
store_saml_open(const char *path, char *err, size_t errlen)
{
	struct store_saml *ss = calloc(1, sizeof(*ss));
	char *msg = NULL;

	if (ss == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((ss->db = store_db_open(path, err, errlen)) == NULL) {
		free(ss);
		return NULL;
	}
	if (sqlite3_exec(ss->db, store_saml_schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg != NULL ? msg : "schema");
		sqlite3_free(msg);
		store_saml_close(ss);
		return NULL;
	}
	return ss;
}

void
store_saml_close(struct store_saml *ss)
{
	if (ss == NULL)
		return;
	sqlite3_close(ss->db);
	free(ss);
}

static int
store_saml_run(struct store_saml *ss, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	(void)ss;
	if (rc == SQLITE_CONSTRAINT)
		return STORE_EEXIST;
	return rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int
store_saml_attr_set(struct store_saml *ss, const char *user, const char *name, const char *value)
{
	sqlite3_stmt *s;
	const char *sql = value != NULL
				  ? "INSERT OR REPLACE INTO account_attrs(username,name,value) VALUES(?,?,?)"
				  : "DELETE FROM account_attrs WHERE username=? AND name=?";

	if (sqlite3_prepare_v2(ss->db, sql, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (value != NULL)
		sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
	return store_saml_run(ss, s);
}

int
store_saml_attr_get(struct store_saml *ss, const char *user, const char *name, char *out,
		    size_t outlen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(ss->db, "SELECT value FROM account_attrs WHERE username=? AND name=?",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store_db_text(s, 0, out, outlen);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
}

int
store_saml_attr_foreach(struct store_saml *ss, const char *user, store_saml_kv_cb cb, void *arg)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(ss->db,
			       "SELECT name, value FROM account_attrs WHERE username=? ORDER BY name",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (cb((const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1), arg) != 0)
			break;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int
store_saml_release_find(struct store_saml *ss, const struct store_release_filter *f,
			store_release_cb cb, void *arg)
{
	struct store_release_rec r;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(ss->db,
			       "SELECT time,sp,username,attrs,nameid_format FROM saml_release_log"
			       " WHERE (?1 IS NULL OR username = ?1) AND (?2 IS NULL OR sp = ?2)"
			       " AND time >= ?3 AND (?4 = 0 OR time <= ?4)"
			       " ORDER BY time DESC, id DESC LIMIT ?5",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	if (f->user != NULL)
		sqlite3_bind_text(s, 1, f->user, -1, SQLITE_STATIC);
	if (f->sp != NULL)
		sqlite3_bind_text(s, 2, f->sp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, f->since);
	sqlite3_bind_int64(s, 4, f->until);
	sqlite3_bind_int64(s, 5, f->limit != 0 ? f->limit : 100);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.time = sqlite3_column_int64(s, 0);
		store_db_text(s, 1, r.sp, sizeof(r.sp));
		store_db_text(s, 2, r.user, sizeof(r.user));
		store_db_text(s, 3, r.attrs, sizeof(r.attrs));
		store_db_text(s, 4, r.nameid_format, sizeof(r.nameid_format));
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int
store_saml_release_query(struct store_saml *ss, const char *user, unsigned limit,
			 store_release_cb cb, void *arg)
{
	struct store_release_filter f = {.user = user, .limit = limit};

	return store_saml_release_find(ss, &f, cb, arg);
}

int
store_saml_replay_load(struct store_saml *ss, int64_t now, store_replay_cb cb, void *arg)
{
	struct store_replay_rec r;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(ss->db, "SELECT issuer,id,expires FROM saml_replay WHERE expires >= ?",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		store_db_text(s, 0, r.issuer, sizeof(r.issuer));
		store_db_text(s, 1, r.id, sizeof(r.id));
		r.expires = sqlite3_column_int64(s, 2);
		if (cb(&r, arg) != 0)
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int
store_saml_meta_status_set(struct store_saml *ss, const struct store_meta_status *m)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(ss->db,
			       "INSERT OR REPLACE INTO saml_metadata_status"
			       "(source,last_ok,last_try,valid_until,sps,error) VALUES(?,?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, m->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, m->last_ok);
	sqlite3_bind_int64(s, 3, m->last_try);
	sqlite3_bind_int64(s, 4, m->valid_until);
	sqlite3_bind_int64(s, 5, m->sps);
	sqlite3_bind_text(s, 6, m->error, -1, SQLITE_STATIC);
	return store_saml_run(ss, s);
}

int
store_saml_meta_status_foreach(struct store_saml *ss, store_meta_status_cb cb, void *arg)
{
	struct store_meta_status m;
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(ss->db,
			       "SELECT source,last_ok,last_try,valid_until,sps,error"
			       " FROM saml_metadata_status ORDER BY source",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&m, 0, sizeof(m));
		store_db_text(s, 0, m.source, sizeof(m.source));
		m.last_ok = sqlite3_column_int64(s, 1);
		m.last_try = sqlite3_column_int64(s, 2);
		m.valid_until = sqlite3_column_int64(s, 3);
		m.sps = (unsigned)sqlite3_column_int64(s, 4);
		store_db_text(s, 5, m.error, sizeof(m.error));
		if (cb(&m, arg) != 0)
			break;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
}
