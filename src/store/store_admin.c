/* Admin accounts and the audit log in the store: see poort/store_admin.h. */
#include "poort/store_admin.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

#define ADMIN_COLUMNS                                                                            \
	"name, pw_hash, role, enabled, must_change, totp_secret, totp_pending, totp_last, "      \
	"created, last_login"

static int
sadmin_rc(int rc)
{
	switch (rc) {
	case SQLITE_DONE:
	case SQLITE_OK:
		return 0;
	case SQLITE_CONSTRAINT:
		return STORE_EEXIST;
	case SQLITE_BUSY:
		return STORE_EBUSY;
	default:
		return STORE_EDB;
	}
}

static int
sadmin_role_valid(const char *role)
{
	return strcmp(role, "admin") == 0 || strcmp(role, "helpdesk") == 0;
}

int
store_admin_add(struct store *st, const struct store_admin *a)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int rc;

	if (!store_username_valid(a->name) || !sadmin_role_valid(a->role) ||
	    a->pw_hash[0] == '\0')
		return STORE_EINVAL;
	db = store_db_writer(st);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO admins(" ADMIN_COLUMNS ")"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, -1, ?, 0)",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->role, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, a->enabled != 0);
	sqlite3_bind_int(s, 5, a->must_change != 0);
	sqlite3_bind_text(s, 6, a->totp_secret, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, a->totp_pending, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, a->created != 0 ? a->created : (int64_t)time(NULL));
	rc = sadmin_rc(sqlite3_step(s));
	sqlite3_finalize(s);
	return rc;
}

static void
sadmin_row(sqlite3_stmt *s, struct store_admin *a, int secrets)
{
	memset(a, 0, sizeof(*a));
	store_db_text(s, 0, a->name, sizeof(a->name));
	store_db_text(s, 2, a->role, sizeof(a->role));
	a->enabled = sqlite3_column_int(s, 3);
	a->must_change = sqlite3_column_int(s, 4);
	if (secrets) {
		store_db_text(s, 1, a->pw_hash, sizeof(a->pw_hash));
		store_db_text(s, 5, a->totp_secret, sizeof(a->totp_secret));
		store_db_text(s, 6, a->totp_pending, sizeof(a->totp_pending));
	} else {
		/* say whether there is one, never what it is */
		if (sqlite3_column_bytes(s, 5) > 0)
			strcpy(a->totp_secret, "*");
		if (sqlite3_column_bytes(s, 6) > 0)
			strcpy(a->totp_pending, "*");
	}
	a->totp_last = sqlite3_column_int64(s, 7);
	a->created = sqlite3_column_int64(s, 8);
	a->last_login = sqlite3_column_int64(s, 9);
}

int
store_admin_get(struct store *st, const char *name, struct store_admin *out)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db, "SELECT " ADMIN_COLUMNS " FROM admins WHERE name = ?", -1, &s,
			       NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		sadmin_row(s, out, 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Runs an UPDATE/DELETE with text ?1 = name and up to two more binds. */
static int
sadmin_exec(struct store *st, const char *sql, const char *name, const char *t2, int64_t i3,
	    int n)
{
	sqlite3 *db = store_db_writer(st);
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (n >= 2)
		sqlite3_bind_text(s, 2, t2, -1, SQLITE_STATIC);
	if (n >= 3)
		sqlite3_bind_int64(s, 3, i3);
	rc = sadmin_rc(sqlite3_step(s));
	if (rc == 0 && sqlite3_changes(db) == 0)
		rc = STORE_ENOTFOUND;
	sqlite3_finalize(s);
	return rc;
}

int
store_admin_delete(struct store *st, const char *name)
{
	return sadmin_exec(st, "DELETE FROM admins WHERE name = ?1", name, NULL, 0, 1);
}

int
store_admin_set_enabled(struct store *st, const char *name, int enabled)
{
	return sadmin_exec(st, "UPDATE admins SET enabled = ?3 WHERE name = ?1", name, "",
			   enabled != 0, 3);
}

int
store_admin_set_role(struct store *st, const char *name, const char *role)
{
	if (role == NULL || (strcmp(role, "admin") != 0 && strcmp(role, "helpdesk") != 0))
		return STORE_EINVAL;
	return sadmin_exec(st, "UPDATE admins SET role = ?2 WHERE name = ?1", name, role, 0, 2);
}

int
store_admin_set_password(struct store *st, const char *name, const char *hash, int must_change)
{
	if (hash == NULL || hash[0] == '\0')
		return STORE_EINVAL;
	return sadmin_exec(st, "UPDATE admins SET pw_hash = ?2, must_change = ?3 WHERE name = ?1",
			   name, hash, must_change != 0, 3);
}

int
store_admin_set_totp_pending(struct store *st, const char *name, const char *secret)
{
	if (strlen(secret) > STORE_TOTP_SECRET_MAX)
		return STORE_EINVAL;
	return sadmin_exec(st, "UPDATE admins SET totp_pending = ?2 WHERE name = ?1", name, secret,
			   0, 2);
}

int
store_admin_totp_activate(struct store *st, const char *name, const char *pending, int64_t step)
{
	if (pending[0] == '\0')
		return STORE_EINVAL;
	return sadmin_exec(st,
			   "UPDATE admins SET totp_secret = totp_pending, totp_pending = '',"
			   " totp_last = ?3 WHERE name = ?1 AND totp_pending = ?2",
			   name, pending, step, 3);
}

int
store_admin_totp_clear(struct store *st, const char *name)
{
	return sadmin_exec(st,
			   "UPDATE admins SET totp_secret = '', totp_pending = '', totp_last = -1"
			   " WHERE name = ?1",
			   name, NULL, 0, 1);
}

int
store_admin_totp_use(struct store *st, const char *name, int64_t step)
{
	int rc = sadmin_exec(st, "UPDATE admins SET totp_last = ?3 WHERE name = ?1 AND totp_last < ?3",
			     name, "", step, 3);
	return rc == STORE_ENOTFOUND ? STORE_EEXIST : rc;
}

int
store_admin_set_last_login(struct store *st, const char *name, int64_t when)
{
	return sadmin_exec(st, "UPDATE admins SET last_login = ?3 WHERE name = ?1", name, "", when,
			   3);
}

int
store_admin_foreach(struct store *st, store_admin_cb cb, void *arg)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	struct store_admin a;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT " ADMIN_COLUMNS " FROM admins ORDER BY name", -1, &s,
			       NULL) != SQLITE_OK)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sadmin_row(s, &a, 0);
		if (cb(&a, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int
store_admin_count_enabled(struct store *st, const char *role)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM admins WHERE enabled = 1 AND role = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, role, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}

/* ---- audit log ---- */

int
store_audit_add(struct store *st, const struct store_audit *r)
{
	sqlite3 *db = store_db_writer(st);
	sqlite3_stmt *s;
	int rc;

	if (r->actor[0] == '\0' || r->action[0] == '\0' || r->outcome[0] == '\0')
		return STORE_EINVAL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO audit_log(time, actor, action, object, source, outcome,"
			       " detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, r->time != 0 ? r->time : (int64_t)time(NULL));
	sqlite3_bind_text(s, 2, r->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->object, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->detail, -1, SQLITE_STATIC);
	rc = sadmin_rc(sqlite3_step(s));
	sqlite3_finalize(s);
	return rc;
}

int
store_audit_foreach(struct store *st, const struct store_audit_filter *f, store_audit_cb cb,
		    void *arg)
{
	static const char sql[] =
		"SELECT id, time, actor, action, object, source, outcome, detail FROM audit_log"
		" WHERE (?1 IS NULL OR actor = ?1 OR substr(actor, 1, length(?1) + 1) = ?1 || ':')"
		" AND (?2 IS NULL OR object = ?2)"
		" AND (?3 = 0 OR time >= ?3) AND (?4 = 0 OR time <= ?4)"
		" ORDER BY time DESC, id DESC LIMIT ?5";
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	struct store_audit r;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	if (f->actor != NULL)
		sqlite3_bind_text(s, 1, f->actor, -1, SQLITE_STATIC);
	if (f->object != NULL)
		sqlite3_bind_text(s, 2, f->object, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, f->since);
	sqlite3_bind_int64(s, 4, f->until);
	sqlite3_bind_int64(s, 5, f->limit != 0 ? f->limit : 100);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(s, 0);
		r.time = sqlite3_column_int64(s, 1);
		store_db_text(s, 2, r.actor, sizeof(r.actor));
		store_db_text(s, 3, r.action, sizeof(r.action));
		store_db_text(s, 4, r.object, sizeof(r.object));
		store_db_text(s, 5, r.source, sizeof(r.source));
		store_db_text(s, 6, r.outcome, sizeof(r.outcome));
		store_db_text(s, 7, r.detail, sizeof(r.detail));
		if (cb(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : STORE_EDB;
}
