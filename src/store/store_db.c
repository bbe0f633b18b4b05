#include "store_db.h"

#include "poort/store.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char store_schema[] =
	"CREATE TABLE IF NOT EXISTS accounts ("
	" username TEXT PRIMARY KEY COLLATE NOCASE,"
	" given_name TEXT NOT NULL DEFAULT '',"
	" surname TEXT NOT NULL DEFAULT '',"
	" student_number TEXT NOT NULL DEFAULT '',"
	" affiliation TEXT NOT NULL DEFAULT 'student',"
	" pw_hash TEXT NOT NULL,"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" expires INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"
	/* password-equivalent: kept apart, see poort/password.h */
	"CREATE TABLE IF NOT EXISTS account_nthash ("
	" username TEXT PRIMARY KEY COLLATE NOCASE"
	"  REFERENCES accounts(username) ON DELETE CASCADE ON UPDATE CASCADE,"
	" nt_hash BLOB NOT NULL CHECK (length(nt_hash) = 16));"
	"CREATE TABLE IF NOT EXISTS auth_log ("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" client TEXT NOT NULL,"
	" calling_station TEXT NOT NULL,"
	" user_name TEXT NOT NULL,"
	" inner_identity TEXT NOT NULL,"
	" result TEXT NOT NULL,"
	" reason TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS auth_log_time ON auth_log(time);"
	"CREATE TABLE IF NOT EXISTS acct_log ("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" client TEXT NOT NULL,"
	" user_name TEXT NOT NULL,"
	" calling_station TEXT NOT NULL,"
	" session_id TEXT NOT NULL,"
	" status_type INTEGER NOT NULL,"
	" session_time INTEGER NOT NULL,"
	" input_octets INTEGER NOT NULL,"
	" output_octets INTEGER NOT NULL,"
	" framed_ip TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS acct_log_time ON acct_log(time);"
	"";

/* Version 2: the auth log says which pseudonym (CUI) and visited operator. */
static const char store_migrate_2[] =
	"ALTER TABLE auth_log ADD COLUMN cui TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE auth_log ADD COLUMN operator_name TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX IF NOT EXISTS auth_log_cui ON auth_log(cui);"
	"PRAGMA user_version = 2;";

/* Version 3: proxied requests say which upstream answered and how fast. */
static const char store_migrate_3[] =
	"ALTER TABLE auth_log ADD COLUMN upstream TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE auth_log ADD COLUMN ms INTEGER NOT NULL DEFAULT 0;"
	"PRAGMA user_version = 3;";

/*
 * Version 4: RADIUS clients live in the store (poort/store_client.h), with
 * a generation counter the RADIUS side polls to reload its copy, and so do
 * the reply attributes per affiliation (poort/store_reply.h); guest
 * accounts are accounts with a guest flag, a batch and who created them.
 */
static const char store_migrate_4[] =
	"ALTER TABLE accounts ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE accounts ADD COLUMN batch TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE accounts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX accounts_batch ON accounts(batch) WHERE batch != '';"
	"CREATE TABLE reply_attrs ("
	" grp TEXT PRIMARY KEY,"
	" vlan INTEGER NOT NULL DEFAULT 0,"
	" session_timeout INTEGER NOT NULL DEFAULT 0,"
	" source TEXT NOT NULL DEFAULT 'store' CHECK (source IN ('store', 'config')),"
	" updated INTEGER NOT NULL);"
	"CREATE TABLE radius_clients ("
	" name TEXT PRIMARY KEY,"
	" address TEXT NOT NULL,"
	" secret TEXT NOT NULL DEFAULT '',"
	" cert_name TEXT NOT NULL DEFAULT '',"
	" federation INTEGER NOT NULL DEFAULT 0,"
	" source TEXT NOT NULL DEFAULT 'store' CHECK (source IN ('store', 'config')),"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE TABLE generations (what TEXT PRIMARY KEY, gen INTEGER NOT NULL);"
	"INSERT INTO generations VALUES ('clients', 1);"
	"INSERT INTO generations VALUES ('replies', 1);"
	"CREATE TRIGGER reply_attrs_ins AFTER INSERT ON reply_attrs BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'replies'; END;"
	"CREATE TRIGGER reply_attrs_upd AFTER UPDATE ON reply_attrs BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'replies'; END;"
	"CREATE TRIGGER reply_attrs_del AFTER DELETE ON reply_attrs BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'replies'; END;"
	"CREATE TRIGGER radius_clients_ins AFTER INSERT ON radius_clients BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'clients'; END;"
	"CREATE TRIGGER radius_clients_upd AFTER UPDATE ON radius_clients BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'clients'; END;"
	"CREATE TRIGGER radius_clients_del AFTER DELETE ON radius_clients BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'clients'; END;"
	"PRAGMA user_version = 4;";

/*
 * Version 5: per-device client certificates (onboarding). Not tied to the
 * account row by a foreign key: a deleted account's certificates stay,
 * revoked, so the CRL keeps listing them until they expire. upstream: issued
 * in proxy mode to a user of the upstream IdP, who has no account here.
 */
static const char store_migrate_5[] =
	"CREATE TABLE IF NOT EXISTS devices ("
	" serial TEXT PRIMARY KEY,"
	" username TEXT NOT NULL COLLATE NOCASE,"
	" pseudonym TEXT NOT NULL UNIQUE,"
	" label TEXT NOT NULL DEFAULT '',"
	" key_type TEXT NOT NULL DEFAULT 'ec',"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" upstream INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS devices_user ON devices(username);"
	"PRAGMA user_version = 5;";

/*
 * Version 6: admin accounts of the web UI (poort/store_admin.h), apart from
 * the student accounts, and the audit log of every admin change and login.
 * The audit log is not purged with the auth and accounting logs.
 */
static const char store_migrate_6[] =
	"CREATE TABLE IF NOT EXISTS admins ("
	" name TEXT PRIMARY KEY COLLATE NOCASE,"
	" pw_hash TEXT NOT NULL,"
	" role TEXT NOT NULL CHECK (role IN ('admin', 'helpdesk')),"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" must_change INTEGER NOT NULL DEFAULT 0,"
	" totp_secret TEXT NOT NULL DEFAULT '',"
	" totp_pending TEXT NOT NULL DEFAULT '',"
	" totp_last INTEGER NOT NULL DEFAULT -1,"
	" created INTEGER NOT NULL,"
	" last_login INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS audit_log ("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object TEXT NOT NULL DEFAULT '',"
	" source TEXT NOT NULL DEFAULT '',"
	" outcome TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS audit_log_time ON audit_log(time);"
	"CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor, time);"
	"PRAGMA user_version = 6;";

/*
 * Version 7: per-SP attribute release rules (poort/store_sp.h): one row per
 * SP entity ID, the release list as canonical plain names separated by
 * spaces; config_sig is the contents of the poortd.conf sp block last
 * imported ('' for the school's own rules). Own tables and generation row:
 * independent of other migrations.
 */
static const char store_migrate_7[] =
	"CREATE TABLE IF NOT EXISTS sp_rules ("
	" entity TEXT PRIMARY KEY,"
	" nameid TEXT NOT NULL DEFAULT 'transient'"
	"  CHECK (nameid IN ('transient', 'persistent', 'uid')),"
	" profile TEXT NOT NULL DEFAULT 'uri' CHECK (profile IN ('uri', 'entree')),"
	" release TEXT NOT NULL DEFAULT '',"
	" config_sig TEXT NOT NULL DEFAULT '',"
	" updated INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO generations VALUES ('sp_rules', 1);"
	"CREATE TRIGGER IF NOT EXISTS sp_rules_ins AFTER INSERT ON sp_rules BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'sp_rules'; END;"
	"CREATE TRIGGER IF NOT EXISTS sp_rules_upd AFTER UPDATE ON sp_rules BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'sp_rules'; END;"
	"CREATE TRIGGER IF NOT EXISTS sp_rules_del AFTER DELETE ON sp_rules BEGIN"
	" UPDATE generations SET gen = gen + 1 WHERE what = 'sp_rules'; END;"
	"PRAGMA user_version = 7;";

/*
 * Version 8 ("why can't X log in", "online now"): the auth log keeps the
 * Calling-Station-Id normalised (mac: 12 lower-case hex digits, see
 * store_mac_normalise) and indexed, as are the identities, so a helpdesk
 * search by MAC or account does not scan the log; accounting keeps one row
 * per session (acct_session: client + Acct-Session-Id), updated by the log
 * writer with each Start, Interim-Update and Stop, and ended by a Stop or
 * the access point's Accounting-On/Off (end_cause).
 */
static const char store_migrate_8_column[] =
	"ALTER TABLE auth_log ADD COLUMN mac TEXT NOT NULL DEFAULT '';";
/* the rest may run again (a store put back to an older version number) */
static const char store_migrate_8[] =
	"UPDATE auth_log SET mac = poort_mac(calling_station);"
	"CREATE INDEX IF NOT EXISTS auth_log_mac ON auth_log(mac) WHERE mac != '';"
	"CREATE INDEX IF NOT EXISTS auth_log_user ON auth_log(user_name COLLATE NOCASE);"
	"CREATE INDEX IF NOT EXISTS auth_log_inner ON auth_log(inner_identity COLLATE NOCASE);"
	"CREATE TABLE IF NOT EXISTS acct_session ("
	" client TEXT NOT NULL,"
	" session_id TEXT NOT NULL,"
	" user_name TEXT NOT NULL,"
	" calling_station TEXT NOT NULL,"
	" mac TEXT NOT NULL,"
	" framed_ip TEXT NOT NULL,"
	" started INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" prev_update INTEGER NOT NULL DEFAULT 0,"
	" session_time INTEGER NOT NULL,"
	" input_octets INTEGER NOT NULL,"
	" output_octets INTEGER NOT NULL,"
	" ended INTEGER NOT NULL DEFAULT 0,"
	" end_cause TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (client, session_id));"
	"CREATE INDEX IF NOT EXISTS acct_session_open ON acct_session(updated) WHERE ended = 0;"
	"PRAGMA user_version = 8;";

/*
 * Version 9 (dashboard): the eduroam upstreams' state as the radius child
 * sees it, one row per upstream by name, rewritten by its log writer on a
 * change and every 30 s (poort/store_upstream.h). Status, not history.
 */
static const char store_migrate_9[] =
	"CREATE TABLE IF NOT EXISTS upstream_state ("
	" name TEXT PRIMARY KEY,"
	" address TEXT NOT NULL DEFAULT '',"
	" transport TEXT NOT NULL DEFAULT 'udp',"
	" alive INTEGER NOT NULL,"
	" rtt_ms INTEGER NOT NULL DEFAULT -1,"
	" last_answer INTEGER NOT NULL DEFAULT 0,"
	" changed INTEGER NOT NULL,"
	" requests INTEGER NOT NULL DEFAULT 0,"
	" timeouts INTEGER NOT NULL DEFAULT 0,"
	" updated INTEGER NOT NULL);"
	"PRAGMA user_version = 9;";

/* poort_mac(text): store_mac_normalise for SQL (migration 8 fills the column with it). */
static void
store_db_sql_mac(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char out[STORE_MAC_LEN + 1];
	const unsigned char *in = sqlite3_value_text(argv[0]);
	(void)argc;
	store_mac_normalise(in != NULL ? (const char *)in : "", out);
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

int
store_mac_normalise(const char *in, char out[STORE_MAC_LEN + 1])
{
	size_t n = 0;
	const char *p = in;

	/* hex digits, separated by ':', '-', '.' or nothing, until 12 are read;
	 * what follows the 12th (":SSID" on some access points) is ignored */
	while (*p == ' ')
		p++;
	for (; *p != '\0' && n < STORE_MAC_LEN; p++) {
		if (isxdigit((unsigned char)*p))
			out[n++] = (char)tolower((unsigned char)*p);
		else if (*p != ':' && *p != '-' && *p != '.')
			break;
	}
	out[n] = '\0';
	return (int)n;
}

/* 1 if table has column (PRAGMA table_info), else 0. */
static int
store_db_has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *s;
	char sql[96];
	int found = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	while (!found && sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(s, 1);
		found = name != NULL && strcmp((const char *)name, column) == 0;
	}
	sqlite3_finalize(s);
	return found;
}

static int
store_db_version(sqlite3 *db)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Brings the schema up to date in one transaction; 0 or an SQLite code. */
static int
store_db_migrate(sqlite3 *db, char **msg)
{
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, msg);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_exec(db, store_schema, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 2)
		rc = sqlite3_exec(db, store_migrate_2, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 3)
		rc = sqlite3_exec(db, store_migrate_3, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 4)
		rc = sqlite3_exec(db, store_migrate_4, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 5)
		rc = sqlite3_exec(db, store_migrate_5, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 6)
		rc = sqlite3_exec(db, store_migrate_6, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 7)
		rc = sqlite3_exec(db, store_migrate_7, NULL, NULL, msg);
	if (rc == SQLITE_OK && store_db_version(db) < 8) {
		if (!store_db_has_column(db, "auth_log", "mac"))
			rc = sqlite3_exec(db, store_migrate_8_column, NULL, NULL, msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, store_migrate_8, NULL, NULL, msg);
	}
	if (rc == SQLITE_OK && store_db_version(db) < 9)
		rc = sqlite3_exec(db, store_migrate_9, NULL, NULL, msg);
	if (rc == SQLITE_OK)
		return sqlite3_exec(db, "COMMIT", NULL, NULL, msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

sqlite3 *
store_db_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	mode_t old;
	int rc;

	/* SQLite's memory statistics take a global mutex on every allocation
	 * (a tenth of a cached PAP login's CPU); nothing here reads them. Only
	 * possible before SQLite initialises: the first open of the process. */
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
		/* initialised already (a later open): the setting stands */
	}
	/* password hashes live here: owner only, from the first byte on */
	old = umask(077);
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				       SQLITE_OPEN_NOMUTEX, NULL);
	/* before the first statement: two children open the store at once, and
	 * even the journal_mode pragma must wait for the other's lock */
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, 10000);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db,
				  "PRAGMA journal_mode = WAL;"
				  "PRAGMA synchronous = FULL;"
				  "PRAGMA foreign_keys = ON;",
				  NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "poort_mac", 1,
					     SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
					     store_db_sql_mac, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = store_db_migrate(db, &msg);
	umask(old);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void
store_db_text(sqlite3_stmt *s, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	snprintf(out, outlen, "%s", t != NULL ? (const char *)t : "");
}

int64_t
store_db_purge(sqlite3 *db, int64_t before)
{
	static const char *const sql[] = {"DELETE FROM auth_log WHERE time < ?",
					  "DELETE FROM acct_log WHERE time < ?",
					  "DELETE FROM acct_session WHERE updated < ?"};
	int64_t total = 0;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(db, sql[i], -1, &s, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(s, 1, before);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return -1;
		}
		total += sqlite3_changes(db);
		sqlite3_finalize(s);
	}
	return total;
}
