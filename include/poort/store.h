/*
 * The persistent store: one SQLite file in the state directory (WAL,
 * synchronous=FULL, mode 0600) with accounts, the authentication log and
 * the accounting log. Schema in src/store/schema.sql.h.
 *
 * Reads and account changes go through a `struct store` on the caller's
 * thread. Log rows go through a `struct store_logger`: a writer thread with
 * its own connection that commits queued rows in batches (every 50 ms or
 * 256 rows), so the event loop never waits for the disk.
 */
#ifndef POORT_STORE_H
#define POORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "poort/password.h"

enum {
	STORE_ENOTFOUND = -201,
	STORE_EEXIST = -202,
	STORE_EDB = -203,   /* SQLite error; see store_errmsg() */
	STORE_EINVAL = -204,
	STORE_EFULL = -205, /* the log queue is full */
	STORE_EBUSY = -206,
	STORE_EREADONLY = -207, /* an entry that mirrors the config file */
};

#define STORE_USERNAME_MAX 64
#define STORE_NAME_MAX 128

struct store_account {
	char username[STORE_USERNAME_MAX + 1]; /* local part, without @realm */
	char given_name[STORE_NAME_MAX + 1];
	char surname[STORE_NAME_MAX + 1];
	char student_number[33];
	char affiliation[33];
	char pw_hash[PASSWORD_HASH_MAX];
	int enabled;
	int64_t expires; /* UTC seconds; 0 = never */
	int64_t created;
	/* guest accounts (eduroam gastgebruik): always with an expiry, which
	 * src/auth enforces like any other; batch groups one event's vouchers */
	int guest;
	char batch[33];
	char created_by[STORE_USERNAME_MAX + 1];
};

struct store;

/*
 * Makes sure the state directory exists (created mode 0700). Returns 1 if
 * it exists but others can read it (the caller warns), 0 if fine, -1 with
 * a message in err.
 */
int store_state_dir(const char *dir, char *err, size_t errlen);
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *st);
const char *store_errmsg(struct store *st);

/*
 * For the daemon: lookups share one read transaction, renewed when it is
 * older than ms milliseconds, instead of taking SQLite's file locks for
 * each. Changes by others become visible within ms. 0 turns it off.
 */
void store_set_read_snapshot(struct store *st, unsigned ms);

/* 1 if name is a valid account name: [a-z0-9._-], starting alphanumeric. */
int store_username_valid(const char *name);
/* 1 if aff is one of the affiliations eduPerson/Entree know. */
int store_affiliation_valid(const char *aff);

int store_account_get(struct store *st, const char *username, struct store_account *out);
int store_account_nthash(struct store *st, const char *username, uint8_t out[16]);
/* Adds a; nthash may be NULL (then MSCHAPv2 is unavailable for it). */
int store_account_add(struct store *st, const struct store_account *a, const uint8_t *nthash);
int store_account_delete(struct store *st, const char *username);
int store_account_set_password(struct store *st, const char *username, const char *hash,
			       const uint8_t *nthash);
int store_account_set_enabled(struct store *st, const char *username, int enabled);
int store_account_set_expiry(struct store *st, const char *username, int64_t expires);
/* Name, student number and affiliation (checked by the caller: accounts_details_check). */
int store_account_set_details(struct store *st, const char *username, const char *given,
			      const char *surname, const char *number, const char *affiliation);
typedef int (*store_account_cb)(const struct store_account *a, void *arg);
/* Calls cb for each account in name order; a non-zero return stops. */
int store_account_foreach(struct store *st, store_account_cb cb, void *arg);

/*
 * Transactions for batches (the CSV import): all or nothing. store_begin
 * ends the shared read snapshot first; the store's own writes inside it
 * join it, outside it each takes its own (never the read snapshot's).
 * store_begin inside one, or store_commit outside one: STORE_EINVAL.
 */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* One authentication, as the eduroam logging rules ask. */
struct store_auth_rec {
	int64_t time; /* UTC seconds */
	char client[64];
	char calling_station[64];
	char user_name[254];
	char inner_identity[254];
	char result[16]; /* accept | reject */
	char reason[128];
	char cui[80];            /* Chargeable-User-Identity sent or received */
	char operator_name[128]; /* the visited institution (Operator-Name) */
	char upstream[64];       /* proxied: the upstream that answered, else empty */
	int64_t ms;              /* proxied: milliseconds until it answered */
};

struct store_acct_rec {
	int64_t time;
	char client[64];
	char user_name[254];
	char calling_station[64];
	char session_id[64];
	uint32_t status_type; /* Acct-Status-Type */
	uint32_t session_time;
	uint64_t input_octets;
	uint64_t output_octets;
	char framed_ip[48];
};

/*
 * A MAC address as the logs keep it: the first 12 hex digits of a
 * Calling-Station-Id in lower case, whatever the notation (aa:bb:cc:dd:ee:ff,
 * AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff, aabbccddeeff; a ":SSID" after it is
 * ignored). Returns how many digits out holds: 12 for a whole MAC, fewer for
 * a prefix or anything else (out then holds what was read).
 */
#define STORE_MAC_LEN 12
int store_mac_normalise(const char *in, char out[STORE_MAC_LEN + 1]);

struct store_log_filter {
	const char *user;    /* substring of outer or inner identity, or NULL */
	/*
	 * An account, or NULL: "anna" matches an outer or inner identity of
	 * anna with any realm (or none), "anna@school.example" only that one;
	 * either case. The indexed way to find one person's logins.
	 */
	const char *account;
	/* Calling-Station-Id in any notation (store_mac_normalise), or NULL;
	 * fewer than 12 digits match as a prefix (a vendor's range) */
	const char *mac;
	const char *cui;     /* exact Chargeable-User-Identity, or NULL */
	int64_t since, until; /* 0 = unbounded */
	unsigned limit;
};
typedef int (*store_auth_cb)(const struct store_auth_rec *r, void *arg);
int store_auth_query(struct store *st, const struct store_log_filter *f, store_auth_cb cb,
		     void *arg);
/* Deletes log rows older than `before`; returns rows deleted or < 0. */
int64_t store_purge_logs(struct store *st, int64_t before);

struct store_logger;

/*
 * Starts the writer thread on its own connection to path. Rows older than
 * retention_days are purged at start and every hour.
 */
struct store_logger *store_logger_new(const char *path, unsigned retention_days,
				      unsigned max_queue, char *err, size_t errlen);
void store_logger_set_retention(struct store_logger *lg, unsigned retention_days);
/*
 * Admin audit rows (audit_log) older than days are purged with the logs;
 * 0 (the default of a new writer) keeps them all.
 */
void store_logger_set_audit_retention(struct store_logger *lg, unsigned days);
/* Queues a copy of the row. STORE_EFULL when the queue is at its bound. */
int store_logger_auth(struct store_logger *lg, const struct store_auth_rec *r);
/*
 * rc is 0 once the row's batch has committed, < 0 if it could not be
 * written. Runs on the loop the logger is attached to.
 */
typedef void (*store_logger_done_fn)(void *arg, int rc);
/*
 * Queues an accounting row; done (if not NULL) is called with arg once the
 * row is committed, not before: RFC 2866 acknowledges only what is recorded.
 */
int store_logger_acct(struct store_logger *lg, const struct store_acct_rec *r,
		      store_logger_done_fn done, void *arg);
/* Runs the done callbacks on base's loop; needed before any row has one. */
struct event_base;
int store_logger_attach(struct store_logger *lg, struct event_base *base);
/* Runs the callbacks of the batches committed so far, on the caller's thread. */
void store_logger_run_done(struct store_logger *lg);
/* Blocks until everything queued so far is committed. */
void store_logger_flush(struct store_logger *lg);
/* Commits what is queued, stops the thread and frees. Callbacks not yet run
 * are dropped: store_logger_flush and store_logger_run_done first. */
void store_logger_free(struct store_logger *lg);

#endif
