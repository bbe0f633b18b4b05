/* Per-device client certificates in the store (see poort/store_device.h). */
#include "poort/store_device.h"

#include <ctype.h>
#include <sqlite3.h>
#include <string.h>

#include "store_db.h"

#define DEVICE_COLUMNS                                                                           \
	"serial, username, pseudonym, label, key_type, created, expires, revoked, upstream"

static int
device_serial_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_SERIAL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

static void
device_row(sqlite3_stmt *s, struct store_device *d)
{
	memset(d, 0, sizeof(*d));
	store_db_text(s, 0, d->serial, sizeof(d->serial));
	store_db_text(s, 1, d->username, sizeof(d->username));
	store_db_text(s, 2, d->pseudonym, sizeof(d->pseudonym));
	store_db_text(s, 3, d->label, sizeof(d->label));
	store_db_text(s, 4, d->key_type, sizeof(d->key_type));
	d->created = sqlite3_column_int64(s, 5);
	d->expires = sqlite3_column_int64(s, 6);
	d->revoked = sqlite3_column_int64(s, 7);
	d->upstream = sqlite3_column_int(s, 8);
}

int
store_device_add(struct store *st, const struct store_device *d)
{
	sqlite3 *db = store_db_writer(st);
	sqlite3_stmt *s;
	int rc;

	if (!device_serial_valid(d->serial) || !store_username_valid(d->username) ||
	    d->pseudonym[0] == '\0' ||
	    (strcmp(d->key_type, "ec") != 0 && strcmp(d->key_type, "rsa") != 0))
		return STORE_EINVAL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO devices(" DEVICE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, d->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, d->pseudonym, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, d->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, d->key_type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, d->created);
	sqlite3_bind_int64(s, 7, d->expires);
	sqlite3_bind_int(s, 8, d->upstream ? 1 : 0);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return STORE_EEXIST;
	return rc == SQLITE_BUSY ? STORE_EBUSY : STORE_EDB;
}

int
store_device_get(struct store *st, const char *serial, struct store_device *out)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!device_serial_valid(serial))
		return STORE_ENOTFOUND;
	if (sqlite3_prepare_v2(db, "SELECT " DEVICE_COLUMNS " FROM devices WHERE serial = ?", -1, &s,
			       NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		device_row(s, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

static int
device_query(sqlite3 *db, sqlite3_stmt *s, store_device_cb cb, void *arg)
{
	struct store_device d;
	int rc;

	(void)db;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		device_row(s, &d);
		if (cb(&d, arg) != 0)
			break;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}

int
store_device_foreach(struct store *st, const char *username, store_device_cb cb, void *arg)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db,
			       "SELECT " DEVICE_COLUMNS " FROM devices WHERE (?1 IS NULL OR"
			       " username = ?1) ORDER BY created, serial",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	if (username != NULL)
		sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
	return device_query(db, s, cb, arg);
}

int
store_device_foreach_revoked(struct store *st, int64_t now, store_device_cb cb, void *arg)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db,
			       "SELECT " DEVICE_COLUMNS " FROM devices WHERE revoked != 0 AND"
			       " expires > ? ORDER BY revoked, serial",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, now);
	return device_query(db, s, cb, arg);
}

int
store_device_count_active(struct store *st, const char *username, int64_t now)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM devices WHERE username = ? AND revoked = 0"
			       " AND expires > ?",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}

static int
device_revoke(struct store *st, const char *sql, const char *key, int64_t now, int one)
{
	sqlite3 *db = store_db_writer(st);
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, now > 0 ? now : 1);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_BUSY ? STORE_EBUSY : STORE_EDB;
	return one && sqlite3_changes(db) == 0 ? STORE_ENOTFOUND : 0;
}

int
store_device_revoke(struct store *st, const char *serial, int64_t now)
{
	return device_revoke(st, "UPDATE devices SET revoked = ? WHERE serial = ? AND revoked = 0",
			     serial, now, 1);
}

int
store_device_revoke_account(struct store *st, const char *username, int64_t now)
{
	return device_revoke(st,
			     "UPDATE devices SET revoked = ? WHERE username = ? AND revoked = 0"
			     " AND upstream = 0",
			     username, now, 0);
}

int
store_device_revoke_user(struct store *st, const char *username, int64_t now)
{
	return device_revoke(st,
			     "UPDATE devices SET revoked = ? WHERE username = ? AND revoked = 0",
			     username, now, 0);
}
