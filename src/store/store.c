#include "poort/store.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "poort/affiliation.h"
#include "poort/store_device.h"
#include "store_db.h"

#define STORE_ACCOUNT_COLUMNS                                                                     \
	"username, given_name, surname, student_number, affiliation, pw_hash, enabled, expires," \
	" created, guest, batch, created_by"

/*
 * Accounts read in the current read snapshot, by name. Inside one snapshot
 * SQLite answers every read of a row alike, so a second lookup of the same
 * account (the rounds of an EAP login, a phone retrying, one user on two
 * access points) is answered from here. A new snapshot, any change made
 * through this connection, or a write transaction makes every entry stale.
 */
enum { STORE_MEMO_SLOTS = 256, STORE_MEMO_WAYS = 4 };

struct store_memo {
	uint64_t gen; /* st->memo_gen when filled; 0: empty */
	int rc;       /* 0, or STORE_ENOTFOUND (then only a.username is set) */
	struct store_account a;
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *get;    /* hot path: one lookup per authentication */
	sqlite3_stmt *nthash;
	unsigned snap_ms;   /* see store_set_read_snapshot() */
	int in_read;        /* the shared read transaction is open */
	int in_write;       /* between store_begin and store_commit or store_rollback */
	struct timespec snap_start;
	struct store_memo *memo;  /* STORE_MEMO_SLOTS, while snapshots are on */
	uint64_t memo_gen;        /* of the open snapshot */
	unsigned memo_next;       /* the way a full set gives up next */
	sqlite3_int64 memo_changes; /* sqlite3_total_changes64 when it opened */
};

int
store_state_dir(const char *dir, char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "state directory %s is not a directory", dir);
		return -1;
	}
	return (sb.st_mode & 077) ? 1 : 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->db = store_db_open(path, err, errlen);
	if (st->db == NULL)
		goto fail;
	if (sqlite3_prepare_v3(st->db,
			       "SELECT " STORE_ACCOUNT_COLUMNS " FROM accounts WHERE username = ?",
			       -1, SQLITE_PREPARE_PERSISTENT, &st->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "SELECT nt_hash FROM account_nthash WHERE username = ?", -1,
			       SQLITE_PREPARE_PERSISTENT, &st->nthash, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_set_read_snapshot(st, 0); /* and the memo */
	sqlite3_finalize(st->get);
	sqlite3_finalize(st->nthash);
	sqlite3_close(st->db);
	free(st);
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

static void
store_read_end(struct store *st)
{
	if (st->in_read)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	st->in_read = 0;
	st->memo_gen++; /* the memo's entries belonged to that snapshot */
}

static void
store_memo_free(struct store *st)
{
	if (st->memo != NULL)
		explicit_bzero(st->memo, STORE_MEMO_SLOTS * sizeof(*st->memo));
	free(st->memo);
	st->memo = NULL;
}

void
store_set_read_snapshot(struct store *st, unsigned ms)
{
	store_read_end(st);
	st->snap_ms = ms;
	if (ms == 0)
		store_memo_free(st);
	else if (st->memo == NULL)
		st->memo = calloc(STORE_MEMO_SLOTS, sizeof(*st->memo)); /* none: no memo */
}

/* Opens or renews the shared read transaction (when enabled). */
static void
store_read_snapshot(struct store *st)
{
	struct timespec now;
	long long age;

	/* inside a write transaction reads see it: no snapshot of their own */
	if (st->snap_ms == 0 || st->in_write)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	age = (now.tv_sec - st->snap_start.tv_sec) * 1000LL +
	      (now.tv_nsec - st->snap_start.tv_nsec) / 1000000;
	if (st->in_read && age < (long long)st->snap_ms)
		return;
	store_read_end(st);
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
		st->in_read = 1;
		st->snap_start = now;
		st->memo_changes = sqlite3_total_changes64(st->db);
	}
}

/*
 * The memo set for username (STORE_MEMO_WAYS entries), or NULL when the memo
 * may not be used now; *hit is the entry holding username, or NULL.
 */
static struct store_memo *
store_memo_set(struct store *st, const char *username, struct store_memo **hit)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	struct store_memo *set;

	*hit = NULL;
	if (st->memo == NULL || !st->in_read || st->in_write ||
	    sqlite3_total_changes64(st->db) != st->memo_changes)
		return NULL;
	for (const char *p = username; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	set = &st->memo[h % (STORE_MEMO_SLOTS / STORE_MEMO_WAYS) * STORE_MEMO_WAYS];
	for (unsigned i = 0; i < STORE_MEMO_WAYS; i++)
		if (set[i].gen == st->memo_gen && strcmp(set[i].a.username, username) == 0)
			*hit = &set[i];
	return set;
}

/* Keeps rc and a (rc 0) for username in set. */
static void
store_memo_put(struct store *st, struct store_memo *set, const char *username, int rc,
	       const struct store_account *a)
{
	struct store_memo *m = NULL;

	if (strlen(username) >= sizeof(set->a.username))
		return;
	for (unsigned i = 0; i < STORE_MEMO_WAYS && m == NULL; i++)
		if (set[i].gen != st->memo_gen)
			m = &set[i]; /* stale: free to take */
	if (m == NULL)
		m = &set[st->memo_next++ % STORE_MEMO_WAYS]; /* all current: in turn */
	if (rc == 0) {
		m->a = *a;
	} else {
		memset(&m->a, 0, sizeof(m->a));
		snprintf(m->a.username, sizeof(m->a.username), "%s", username);
	}
	m->rc = rc;
	m->gen = st->memo_gen;
}

sqlite3 *
store_db_handle(struct store *st)
{
	return st->db;
}

void
store_db_read_end(struct store *st)
{
	store_read_end(st);
}

void
store_db_read_snapshot(struct store *st)
{
	store_read_snapshot(st);
}

sqlite3 *
store_db_reader(struct store *st)
{
	store_read_snapshot(st);
	return st->db;
}

sqlite3 *
store_db_writer(struct store *st)
{
	store_read_end(st);
	return st->db;
}

int
store_username_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > STORE_USERNAME_MAX || !isalnum((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
store_affiliation_valid(const char *aff)
{
	return affiliation_valid(aff);
}

static int
store_step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE)
		return sqlite3_changes(st->db) > 0 ? 0 : STORE_ENOTFOUND;
	if (rc == SQLITE_CONSTRAINT)
		return STORE_EEXIST;
	if (rc == SQLITE_BUSY)
		return STORE_EBUSY;
	return STORE_EDB;
}

/* Reads a row of STORE_ACCOUNT_COLUMNS. */
static void
store_row_account(sqlite3_stmt *s, struct store_account *a)
{
	memset(a, 0, sizeof(*a));
	store_db_text(s, 0, a->username, sizeof(a->username));
	store_db_text(s, 1, a->given_name, sizeof(a->given_name));
	store_db_text(s, 2, a->surname, sizeof(a->surname));
	store_db_text(s, 3, a->student_number, sizeof(a->student_number));
	store_db_text(s, 4, a->affiliation, sizeof(a->affiliation));
	store_db_text(s, 5, a->pw_hash, sizeof(a->pw_hash));
	a->enabled = sqlite3_column_int(s, 6);
	a->expires = sqlite3_column_int64(s, 7);
	a->created = sqlite3_column_int64(s, 8);
	a->guest = sqlite3_column_int(s, 9);
	store_db_text(s, 10, a->batch, sizeof(a->batch));
	store_db_text(s, 11, a->created_by, sizeof(a->created_by));
}

int
store_account_get(struct store *st, const char *username, struct store_account *a)
{
	sqlite3_stmt *s = st->get;
	struct store_memo *set, *m;
	int rc;

	store_read_snapshot(st);
	set = store_memo_set(st, username, &m);
	if (m != NULL) {
		if (m->rc == 0)
			*a = m->a;
		return m->rc;
	}
	sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_row_account(s, a);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (set != NULL && rc != STORE_EDB)
		store_memo_put(st, set, username, rc, a);
	return rc;
}

int
store_account_nthash(struct store *st, const char *username, uint8_t out[16])
{
	sqlite3_stmt *s = st->nthash;
	int rc;

	store_read_snapshot(st);
	sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == 16) {
		memcpy(out, sqlite3_column_blob(s, 0), 16);
		rc = 0;
	} else {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

static int
store_exec_prepared(struct store *st, const char *sql, sqlite3_stmt **out)
{
	return sqlite3_prepare_v2(st->db, sql, -1, out, NULL) == SQLITE_OK ? 0 : STORE_EDB;
}

static int
store_put_nthash(struct store *st, const char *username, const uint8_t *nthash)
{
	sqlite3_stmt *s;
	int rc;

	if (nthash == NULL) {
		if (store_exec_prepared(st, "DELETE FROM account_nthash WHERE username = ?", &s) < 0)
			return STORE_EDB;
		sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : STORE_EDB;
	} else {
		if (store_exec_prepared(st,
					"INSERT OR REPLACE INTO account_nthash(username, nt_hash)"
					" VALUES (?, ?)",
					&s) < 0)
			return STORE_EDB;
		sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 2, nthash, 16, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : STORE_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_account_add(struct store *st, const struct store_account *a, const uint8_t *nthash)
{
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL);
	/*
	 * Our own transaction unless the caller's (store_begin) is open. Not
	 * sqlite3_get_autocommit(): the shared read snapshot is a transaction
	 * too, and a write inside it ran on a stale snapshot (SQLITE_BUSY_SNAPSHOT)
	 * or stayed uncommitted until the snapshot was renewed.
	 */
	int rc, own_txn = !st->in_write;

	if (!store_username_valid(a->username) || !store_affiliation_valid(a->affiliation) ||
	    a->pw_hash[0] != '$')
		return STORE_EINVAL;
	if (own_txn && (rc = store_begin(st)) < 0)
		return rc;
	rc = store_exec_prepared(st,
				 "INSERT INTO accounts(username, given_name, surname, student_number,"
				 " affiliation, pw_hash, enabled, expires, created, updated, guest,"
				 " batch, created_by)"
				 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 &s);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(s, 1, a->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, a->given_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->surname, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->student_number, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->affiliation, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, a->pw_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, a->enabled ? 1 : 0);
	sqlite3_bind_int64(s, 8, a->expires);
	sqlite3_bind_int64(s, 9, now);
	sqlite3_bind_int64(s, 10, now);
	sqlite3_bind_int(s, 11, a->guest != 0);
	sqlite3_bind_text(s, 12, a->batch, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, a->created_by, -1, SQLITE_STATIC);
	rc = store_step_done(st, s);
	sqlite3_finalize(s);
	if (rc < 0)
		goto fail;
	if (nthash != NULL && (rc = store_put_nthash(st, a->username, nthash)) < 0)
		goto fail;
	if (own_txn && (rc = store_commit(st)) < 0)
		goto fail;
	return 0;
fail:
	if (own_txn)
		store_rollback(st);
	return rc;
}

static int
store_update(struct store *st, const char *sql, const char *username, int64_t v, int bind_v)
{
	sqlite3_stmt *s;
	int rc;

	store_read_end(st);
	if ((rc = store_exec_prepared(st, sql, &s)) < 0)
		return rc;
	if (bind_v) {
		sqlite3_bind_int64(s, 1, v);
		sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
		sqlite3_bind_text(s, 3, username, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(s, 1, username, -1, SQLITE_STATIC);
	}
	rc = store_step_done(st, s);
	sqlite3_finalize(s);
	return rc;
}

/* Runs an account change and, when revoke, revokes the account's devices in the same transaction. */
static int
store_update_revoking(struct store *st, const char *sql, const char *username, int64_t v,
		      int bind_v, int revoke)
{
	int rc, own_txn = !st->in_write; /* as in store_account_add */

	if (own_txn && (rc = store_begin(st)) < 0)
		return rc;
	rc = store_update(st, sql, username, v, bind_v);
	if (rc == 0 && revoke)
		rc = store_device_revoke_account(st, username, (int64_t)time(NULL));
	if (rc < 0)
		goto fail;
	if (own_txn && (rc = store_commit(st)) < 0)
		goto fail;
	return 0;
fail:
	if (own_txn)
		store_rollback(st);
	return rc;
}

int
store_account_delete(struct store *st, const char *username)
{
	return store_update_revoking(st, "DELETE FROM accounts WHERE username = ?", username, 0, 0,
				     1);
}

int
store_account_set_enabled(struct store *st, const char *username, int enabled)
{
	return store_update_revoking(st,
				     "UPDATE accounts SET enabled = ?, updated = ? WHERE username = ?",
				     username, enabled ? 1 : 0, 1, !enabled);
}

int
store_account_set_expiry(struct store *st, const char *username, int64_t expires)
{
	return store_update(st, "UPDATE accounts SET expires = ?, updated = ? WHERE username = ?",
			    username, expires, 1);
}

int
store_account_set_details(struct store *st, const char *username, const char *given,
			  const char *surname, const char *number, const char *affiliation)
{
	sqlite3_stmt *s;
	int rc;

	if (!store_affiliation_valid(affiliation))
		return STORE_EINVAL;
	store_read_end(st);
	if ((rc = store_exec_prepared(st,
				      "UPDATE accounts SET given_name = ?, surname = ?,"
				      " student_number = ?, affiliation = ?, updated = ?"
				      " WHERE username = ?",
				      &s)) < 0)
		return rc;
	sqlite3_bind_text(s, 1, given, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, surname, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, affiliation, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (int64_t)time(NULL));
	sqlite3_bind_text(s, 6, username, -1, SQLITE_STATIC);
	rc = store_step_done(st, s);
	sqlite3_finalize(s);
	return rc;
}

int
store_account_set_password(struct store *st, const char *username, const char *hash,
			   const uint8_t *nthash)
{
	sqlite3_stmt *s;
	int rc;

	if (hash[0] != '$')
		return STORE_EINVAL;
	if ((rc = store_begin(st)) < 0)
		return rc;
	if ((rc = store_exec_prepared(
		     st, "UPDATE accounts SET pw_hash = ?, updated = ? WHERE username = ?", &s)) < 0)
		goto fail;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
	sqlite3_bind_text(s, 3, username, -1, SQLITE_STATIC);
	rc = store_step_done(st, s);
	sqlite3_finalize(s);
	if (rc < 0 || (rc = store_put_nthash(st, username, nthash)) < 0 ||
	    (rc = store_commit(st)) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return rc;
}

int
store_account_foreach(struct store *st, store_account_cb cb, void *arg)
{
	sqlite3_stmt *s;
	struct store_account a;
	int rc;

	if ((rc = store_exec_prepared(st,
				      "SELECT " STORE_ACCOUNT_COLUMNS " FROM accounts ORDER BY username",
				      &s)) < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_row_account(s, &a);
		if (cb(&a, arg) != 0)
			break;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}

int
store_begin(struct store *st)
{
	int rc;

	if (st->in_write)
		return STORE_EINVAL; /* no nesting: the caller's commit would be ours */
	store_read_end(st);
	rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		st->in_write = 1;
	return rc == SQLITE_OK ? 0 : rc == SQLITE_BUSY ? STORE_EBUSY : STORE_EDB;
}

int
store_commit(struct store *st)
{
	if (!st->in_write)
		return STORE_EINVAL; /* never the read snapshot's COMMIT */
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return STORE_EDB; /* still open: the caller rolls back */
	st->in_write = 0;
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st->in_write && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_write = 0;
}

/* "anna" -> "anna@%" (LIKE, with '\\' escaping '%' and '_'); "" if too long. */
static void
store_like_prefix(const char *in, const char *tail, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *in != '\0' && o + 3 < outlen; in++) {
		if (*in == '%' || *in == '_' || *in == '\\')
			out[o++] = '\\';
		out[o++] = *in;
	}
	if (*in != '\0' || o + strlen(tail) + 1 > outlen) {
		out[0] = '\0';
		return;
	}
	snprintf(out + o, outlen - o, "%s", tail);
}

int
store_auth_query(struct store *st, const struct store_log_filter *f, store_auth_cb cb, void *arg)
{
	sqlite3_stmt *s;
	struct store_auth_rec r;
	char mac[STORE_MAC_LEN + 2] = "", acct_any[300] = "", like[300] = "";
	char sql[1536]; /* the longest combination of conditions is ~800 */
	int rc;

	/* only the conditions asked for, so that SQLite picks the index that fits */
	snprintf(sql, sizeof(sql), "%s",
		 "SELECT time, client, calling_station, user_name, inner_identity, result, reason,"
		 " cui, operator_name, upstream, ms FROM auth_log WHERE 1");
	if (f->mac != NULL) {
		int n = store_mac_normalise(f->mac, mac);
		if (n == 0)
			return 0; /* no digit: no MAC matches */
		if (n < STORE_MAC_LEN)
			strcat(mac, "*"); /* a prefix: digits hold no GLOB character */
		/* "mac != ''" lets SQLite use the partial index auth_log_mac */
		strcat(sql, n < STORE_MAC_LEN ? " AND mac GLOB ?1 AND mac != ''"
					      : " AND mac = ?1 AND mac != ''");
	}
	if (f->user != NULL) {
		snprintf(like, sizeof(like), "%%%s%%", f->user);
		strcat(sql, " AND (user_name LIKE ?2 OR inner_identity LIKE ?2)");
	}
	if (f->account != NULL) {
		/* without a realm: any realm, or none */
		if (strchr(f->account, '@') == NULL)
			store_like_prefix(f->account, "@%", acct_any, sizeof(acct_any));
		/*
		 * One indexed lookup per column and form, joined: as one OR the
		 * planner walks the whole log in time order instead (1M rows:
		 * 7.5 s against under 1 ms this way).
		 */
		strcat(sql, " AND id IN (SELECT id FROM auth_log WHERE user_name = ?7 COLLATE NOCASE"
			    " UNION ALL SELECT id FROM auth_log WHERE inner_identity = ?7 COLLATE NOCASE");
		if (acct_any[0] != '\0')
			strcat(sql, " UNION ALL SELECT id FROM auth_log WHERE user_name LIKE ?8 ESCAPE '\\'"
				    " UNION ALL SELECT id FROM auth_log"
				    " WHERE inner_identity LIKE ?8 ESCAPE '\\'");
		strcat(sql, ")");
	}
	if (f->cui != NULL)
		strcat(sql, " AND cui = ?6");
	if (f->since != 0)
		strcat(sql, " AND time >= ?3");
	if (f->until != 0)
		strcat(sql, " AND time <= ?4");
	strcat(sql, " ORDER BY time DESC, id DESC LIMIT ?5");
	/* a shared snapshot no older than its limit: a row just logged shows (test login) */
	store_read_snapshot(st);
	if ((rc = store_exec_prepared(st, sql, &s)) < 0)
		return rc;
	sqlite3_bind_text(s, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, like, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, f->since);
	sqlite3_bind_int64(s, 4, f->until);
	sqlite3_bind_int64(s, 5, f->limit ? f->limit : 100);
	sqlite3_bind_text(s, 6, f->cui != NULL ? f->cui : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, f->account != NULL ? f->account : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, acct_any, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.time = sqlite3_column_int64(s, 0);
		store_db_text(s, 1, r.client, sizeof(r.client));
		store_db_text(s, 2, r.calling_station, sizeof(r.calling_station));
		store_db_text(s, 3, r.user_name, sizeof(r.user_name));
		store_db_text(s, 4, r.inner_identity, sizeof(r.inner_identity));
		store_db_text(s, 5, r.result, sizeof(r.result));
		store_db_text(s, 6, r.reason, sizeof(r.reason));
		store_db_text(s, 7, r.cui, sizeof(r.cui));
		store_db_text(s, 8, r.operator_name, sizeof(r.operator_name));
		store_db_text(s, 9, r.upstream, sizeof(r.upstream));
		r.ms = sqlite3_column_int64(s, 10);
		if (cb(&r, arg) != 0)
			break;
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}

int64_t
store_purge_logs(struct store *st, int64_t before)
{
	return store_db_purge(st->db, before);
}
