/* Accounting sessions (see poort/store_session.h). */
#include "poort/store_session.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store_db.h"

#define SESSION_COLUMNS                                                                          \
	"client, session_id, user_name, calling_station, mac, framed_ip, started, updated,"      \
	" prev_update, session_time, input_octets, output_octets, ended, end_cause"

static void
session_row(sqlite3_stmt *s, struct store_session *o)
{
	memset(o, 0, sizeof(*o));
	store_db_text(s, 0, o->client, sizeof(o->client));
	store_db_text(s, 1, o->session_id, sizeof(o->session_id));
	store_db_text(s, 2, o->user_name, sizeof(o->user_name));
	store_db_text(s, 3, o->calling_station, sizeof(o->calling_station));
	store_db_text(s, 4, o->mac, sizeof(o->mac));
	store_db_text(s, 5, o->framed_ip, sizeof(o->framed_ip));
	o->started = sqlite3_column_int64(s, 6);
	o->updated = sqlite3_column_int64(s, 7);
	o->prev_update = sqlite3_column_int64(s, 8);
	o->session_time = (uint32_t)sqlite3_column_int64(s, 9);
	o->input_octets = (uint64_t)sqlite3_column_int64(s, 10);
	o->output_octets = (uint64_t)sqlite3_column_int64(s, 11);
	o->ended = sqlite3_column_int64(s, 12);
	store_db_text(s, 13, o->end_cause, sizeof(o->end_cause));
}

int
store_session_query(struct store *st, const struct store_session_filter *f, store_session_cb cb,
		    void *arg)
{
	sqlite3 *db = store_db_reader(st);
	sqlite3_stmt *s;
	struct store_session row;
	char sql[768], mac[STORE_MAC_LEN + 2] = "", any[300] = "";
	int rc;

	snprintf(sql, sizeof(sql), "%s", "SELECT " SESSION_COLUMNS " FROM acct_session WHERE 1");
	if (f->open_only)
		strcat(sql, " AND ended = 0");
	if (f->updated_since != 0)
		strcat(sql, " AND updated >= ?1");
	if (f->mac != NULL) {
		int n = store_mac_normalise(f->mac, mac);
		if (n == 0)
			return 0;
		if (n < STORE_MAC_LEN)
			strcat(mac, "*");
		strcat(sql, n < STORE_MAC_LEN ? " AND mac GLOB ?2" : " AND mac = ?2");
	}
	if (f->account != NULL) {
		/* any realm: only for names GLOB reads literally */
		if (strpbrk(f->account, "@*?[") == NULL)
			snprintf(any, sizeof(any), "%s@*", f->account);
		strcat(sql, " AND (lower(user_name) = lower(?3) OR lower(user_name) GLOB lower(?4))");
	}
	strcat(sql, " ORDER BY updated DESC LIMIT ?5");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, f->updated_since);
	sqlite3_bind_text(s, 2, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->account != NULL ? f->account : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, any[0] != '\0' ? any : "-", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, f->limit != 0 ? f->limit : 1000);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		session_row(s, &row);
		if (cb(&row, arg) != 0)
			break;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}
