/*
 * RADIUS clients and reply attributes in the store: the config mirror is
 * idempotent (the generation moves only on a real change), config entries
 * are read-only, bad values change nothing, a v3 store migrates.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "poort/store_client.h"
#include "poort/store_reply.h"
#include "test.h"

static char dir[] = "/tmp/poort-stclient-XXXXXX";
static char path[300];

static const char conf_text[] = "state_dir \"/nonexistent\"\nrealm \"school.example\"\n"
				"client \"ap-hall\" {\n\taddress 192.0.2.0/24\n\tsecret \"hall-secret-1\"\n}\n"
				"client \"v6\" {\n\taddress 2001:db8::/64\n\tsecret \"v6-secret-12\"\n}\n";

static int
count_cb(const struct store_client *c, void *arg)
{
	CHECK(c->from_config || strcmp(c->name, "ap-gym") == 0);
	(*(int *)arg)++;
	return 0;
}

static int
reply_cb(const struct store_reply *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
test_clients(struct store *st)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_parse("t.conf", conf_text, err, sizeof(err));
	struct store_client c;
	struct config_client cc;
	int64_t g0, g1;
	int n = 0;

	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	g0 = store_client_generation(st);
	CHECK(g0 > 0);
	CHECK_INT(store_client_sync_config(st, cfg), 2);
	g1 = store_client_generation(st);
	CHECK(g1 > g0);
	/* again: nothing changes, the generation stays */
	CHECK_INT(store_client_sync_config(st, cfg), 0);
	CHECK_INT(store_client_generation(st), g1);
	/* our own entry */
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "ap-gym");
	snprintf(c.address, sizeof(c.address), "198.51.100.7");
	snprintf(c.secret, sizeof(c.secret), "gym-secret-99");
	CHECK_INT(store_client_add(st, &c), 0);
	CHECK_INT(store_client_add(st, &c), STORE_EEXIST);
	CHECK(store_client_generation(st) > g1);
	/* bad values change nothing */
	g1 = store_client_generation(st);
	snprintf(c.name, sizeof(c.name), "bad");
	snprintf(c.address, sizeof(c.address), "198.51.100.7/16");
	CHECK_INT(store_client_add(st, &c), STORE_EINVAL);
	snprintf(c.address, sizeof(c.address), "198.51.100.8");
	snprintf(c.secret, sizeof(c.secret), "short");
	CHECK_INT(store_client_add(st, &c), STORE_EINVAL);
	c.secret[0] = '\0'; /* neither secret nor cert_name */
	CHECK_INT(store_client_add(st, &c), STORE_EINVAL);
	CHECK_INT(store_client_delete(st, "ap-hall"), STORE_EREADONLY);
	CHECK_INT(store_client_set_secret(st, "ap-hall", "new-secret-123"), STORE_EREADONLY);
	CHECK_INT(store_client_delete(st, "nope"), STORE_ENOTFOUND);
	CHECK_INT(store_client_generation(st), g1);
	CHECK_INT(store_client_foreach(st, count_cb, &n), 0);
	CHECK_INT(n, 3);
	/* the live form: prefix and RadSec-only */
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "flr");
	snprintf(c.address, sizeof(c.address), "2001:db8:1::/48");
	snprintf(c.cert_name, sizeof(c.cert_name), "flr.example");
	CHECK_INT(store_client_to_config(&c, &cc), 0);
	CHECK_INT(cc.prefix, 48);
	CHECK_INT(cc.radsec_only, 1);
	CHECK_STR(cc.secret, "radsec");
	/* a config without the v6 block: its row goes, ours stays */
	config_free(cfg);
	cfg = config_parse("t.conf", "state_dir \"/x\"\nrealm \"s.example\"\nclient \"ap-hall\" {\n\taddress 192.0.2.0/24\n"
				     "\tsecret \"hall-secret-1\"\n}\n",
			   err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	CHECK_INT(store_client_sync_config(st, cfg), 1);
	n = 0;
	store_client_foreach(st, count_cb, &n);
	CHECK_INT(n, 2);
	CHECK_INT(store_client_delete(st, "ap-gym"), 0);
	config_free(cfg);
}

static void
test_replies(struct store *st)
{
	struct store_reply r = {.group = "student", .vlan = 20};
	int64_t g = store_reply_generation(st);
	int n = 0;

	CHECK(g > 0);
	CHECK_INT(store_reply_set(st, &r), 0);
	CHECK(store_reply_generation(st) > g);
	r.vlan = 4095;
	CHECK_INT(store_reply_set(st, &r), STORE_EINVAL);
	snprintf(r.group, sizeof(r.group), "wizard");
	r.vlan = 5;
	CHECK_INT(store_reply_set(st, &r), STORE_EINVAL);
	CHECK_INT(store_reply_foreach(st, reply_cb, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(store_reply_delete(st, "student"), 0);
	CHECK_INT(store_reply_delete(st, "student"), STORE_ENOTFOUND);
}

/* The store's PRAGMA user_version in file; with devices, -1 unless the
 * onboarding devices table (version 5) is there. */
static int
test_db_version(const char *file, int devices)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int v = -1;

	if (sqlite3_open(file, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	if (devices && sqlite3_exec(db, "SELECT serial, username, pseudonym, revoked, upstream"
					" FROM devices",
				    NULL, NULL, NULL) != SQLITE_OK)
		v = -1;
	/* version 6: the admins and the audit log */
	if (devices && sqlite3_exec(db, "SELECT name, role, totp_secret, totp_last FROM admins;"
					" SELECT actor, action, object, source, outcome FROM audit_log",
				    NULL, NULL, NULL) != SQLITE_OK)
		v = -1;
	/* version 7: the release rules per SP */
	if (devices && sqlite3_exec(db, "SELECT entity, release, config_sig FROM sp_rules",
				    NULL, NULL, NULL) != SQLITE_OK)
		v = -1;
	sqlite3_close(db);
	return v;
}

/* A store of schema 3 (before clients lived here) opens and gains the tables. */
static void
test_migrate_v3(void)
{
	char p3[320], err[400];
	sqlite3 *db;
	struct store *st;

	snprintf(p3, sizeof(p3), "%s/v3.db", dir);
	CHECK(sqlite3_open(p3, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "CREATE TABLE accounts (username TEXT PRIMARY KEY COLLATE NOCASE,"
			   " given_name TEXT NOT NULL DEFAULT '', surname TEXT NOT NULL DEFAULT '',"
			   " student_number TEXT NOT NULL DEFAULT '',"
			   " affiliation TEXT NOT NULL DEFAULT 'student', pw_hash TEXT NOT NULL,"
			   " enabled INTEGER NOT NULL DEFAULT 1, expires INTEGER NOT NULL DEFAULT 0,"
			   " created INTEGER NOT NULL, updated INTEGER NOT NULL);"
			   "INSERT INTO accounts(username, pw_hash, created, updated)"
			   " VALUES ('old', '$y$x', 1, 1);"
			   "CREATE TABLE auth_log (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
			   " client TEXT NOT NULL, calling_station TEXT NOT NULL,"
			   " user_name TEXT NOT NULL, inner_identity TEXT NOT NULL,"
			   " result TEXT NOT NULL, reason TEXT NOT NULL, cui TEXT NOT NULL DEFAULT '',"
			   " operator_name TEXT NOT NULL DEFAULT '', upstream TEXT NOT NULL DEFAULT '',"
			   " ms INTEGER NOT NULL DEFAULT 0);"
			   "PRAGMA user_version = 3;",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	st = store_open(p3, err, sizeof(err));
	CHECK(st != NULL);
	if (st != NULL) {
		struct store_account a;
		CHECK_INT(store_account_get(st, "old", &a), 0);
		CHECK_INT(a.guest, 0);
		CHECK(store_client_generation(st) > 0);
		store_close(st);
	}
	CHECK_INT(test_db_version(p3, 1), 9);
	/* a store at version 4 (clients, replies, guests: main before the
	 * devices table, which came as version 5) gains the devices table and
	 * keeps its rows */
	CHECK(sqlite3_open(p3, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "DROP TABLE devices; DROP TABLE acct_session; DROP INDEX auth_log_mac;"
			   " ALTER TABLE auth_log DROP COLUMN mac; PRAGMA user_version = 4;",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(test_db_version(p3, 0), 4);
	st = store_open(p3, err, sizeof(err));
	CHECK(st != NULL);
	if (st != NULL) {
		struct store_account a;
		CHECK_INT(store_account_get(st, "old", &a), 0);
		CHECK(store_client_generation(st) > 0);
		store_close(st);
	}
	CHECK_INT(test_db_version(p3, 1), 9);
	unlink(p3);
	snprintf(err, sizeof(err), "%s-wal", p3);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", p3);
	unlink(err);
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
	test_clients(st);
	test_replies(st);
	store_close(st);
	test_migrate_v3();
	unlink(path);
	snprintf(err, sizeof(err), "%s/poort.db-wal", dir);
	unlink(err);
	snprintf(err, sizeof(err), "%s/poort.db-shm", dir);
	unlink(err);
	rmdir(dir);
	TEST_DONE();
}
