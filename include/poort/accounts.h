/*
 * Account administration as a library, for poortctl and the admin UI:
 * password policy, hashing, expiry dates, and the CSV import (all or
 * nothing, with a preview that validates without writing). Nothing here
 * prints: problems come back as structured errors (a code, the line and
 * field they concern, a message key for the UI's catalogue, and a detail
 * such as the offending value), and accounts_error_text() gives the
 * English sentence poortctl prints.
 */
#ifndef POORT_ACCOUNTS_H
#define POORT_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "poort/password.h"
#include "poort/store.h"

enum accounts_code {
	ACCOUNTS_OK = 0,
	ACCOUNTS_EPW_SHORT = -301,   /* password shorter than ACCOUNTS_PW_MIN */
	ACCOUNTS_EPW_LONG = -302,    /* longer than PASSWORD_MAX bytes */
	ACCOUNTS_EPW_UTF8 = -303,    /* not valid UTF-8 */
	ACCOUNTS_EUSERNAME = -304,   /* not a valid account name */
	ACCOUNTS_EAFFILIATION = -305,
	ACCOUNTS_EDATE = -306,       /* not YYYY-MM-DD (or "never") */
	ACCOUNTS_EFIELDS = -307,     /* CSV: wrong number of fields */
	ACCOUNTS_ECONTROL = -308,    /* CSV: a control character */
	ACCOUNTS_ENAME_EMPTY = -309, /* CSV: given name or surname empty */
	ACCOUNTS_ENAME_LONG = -310,
	ACCOUNTS_ENUMBER_LONG = -311,
	ACCOUNTS_EEXISTS = -312,     /* the account is already in the store */
	ACCOUNTS_EDUPLICATE = -313,  /* CSV: the name is also on an earlier line */
	ACCOUNTS_ECSV = -314,        /* CSV: malformed record (quotes, too many fields) */
	ACCOUNTS_EEMPTY = -315,      /* CSV: no accounts at all */
	ACCOUNTS_ETOOBIG = -316,     /* CSV: larger than ACCOUNTS_IMPORT_MAX_BYTES */
	ACCOUNTS_ESTORE = -317,      /* the store failed; detail has its message */
	ACCOUNTS_EHASH = -318,       /* hashing failed */
	ACCOUNTS_ENOMEM = -319,
	ACCOUNTS_ECOUNT = -320,      /* guest batch: count out of 1..ACCOUNTS_GUEST_MAX */
	ACCOUNTS_EEXPIRY = -321,     /* guest: no expiry, or one in the past */
};

/* Which field an error is about (CSV column order). */
enum accounts_field {
	ACCOUNTS_F_NONE = -1,
	ACCOUNTS_F_USERNAME = 0,
	ACCOUNTS_F_GIVEN,
	ACCOUNTS_F_SURNAME,
	ACCOUNTS_F_NUMBER,
	ACCOUNTS_F_AFFILIATION,
	ACCOUNTS_F_PASSWORD,
	ACCOUNTS_F_EXPIRES,
	ACCOUNTS_F_COUNT,
	ACCOUNTS_F_BATCH,
};

struct accounts_error {
	int code;  /* enum accounts_code */
	int line;  /* CSV line, 0 when not from a file */
	int field; /* enum accounts_field */
	int other_line; /* ACCOUNTS_EDUPLICATE: the earlier line */
	char detail[200]; /* the value concerned or the store's message; never a password */
};

#define ACCOUNTS_PW_MIN 8
#define ACCOUNTS_GENERATED_LEN 12
#define ACCOUNTS_IMPORT_MAX_BYTES (16u << 20)

/* Message key for the UI catalogue, e.g. "account.password.short". */
const char *accounts_error_key(int code);
/* The English sentence (poortctl's wording) into buf; returns buf. */
const char *accounts_error_text(const struct accounts_error *e, char *buf, size_t buflen);

/* The password policy: 0 or ACCOUNTS_EPW_*. */
int accounts_password_check(const char *pw);
/* A new random password of ACCOUNTS_GENERATED_LEN characters; out needs 1 more. */
int accounts_password_generate(char *out);
/* yescrypt hash at cost plus the NT hash; 0 or ACCOUNTS_EHASH. */
int accounts_password_hash(const char *pw, unsigned cost, char hash[PASSWORD_HASH_MAX],
			   uint8_t nthash[16]);
/* YYYY-MM-DD (the end of that day, UTC) or "never" (0); 0 or ACCOUNTS_EDATE. */
int accounts_date_parse(const char *s, int64_t *out);
/*
 * The rules for an account's details (an edit): given name and surname
 * not empty, at most STORE_NAME_MAX bytes; student number may be empty,
 * at most 32; no control character; a known affiliation. 0, or an
 * ACCOUNTS_E* code with *field set (enum accounts_field).
 */
int accounts_details_check(const char *given, const char *surname, const char *number,
			   const char *affiliation, int *field);

/*
 * The CSV import. Columns: username, given name, surname, student number,
 * affiliation, password (or "generate"); ',' or ';' separated; an optional
 * header row. _check validates every line against the rules and the store
 * and collects all errors (the preview: nothing is written); _commit hashes
 * and adds every account in one transaction, only when _check found none.
 */
struct accounts_import;

struct accounts_import *accounts_import_new(void);
/* Borrows text for the call. Returns the number of errors, or < 0 (ENOMEM). */
int accounts_import_check(struct accounts_import *im, struct store *st, const char *text,
			  size_t len);
size_t accounts_import_nerrors(const struct accounts_import *im);
const struct accounts_error *accounts_import_error(const struct accounts_import *im, size_t i);
/* Accounts that would be (or were) imported. */
size_t accounts_import_count(const struct accounts_import *im);
/* 0, or an error code with err filled; on error nothing was written. */
int accounts_import_commit(struct accounts_import *im, struct store *st, unsigned cost,
			   struct accounts_error *err);
/*
 * _commit in two steps, for a caller that hashes off its event loop:
 * _hash hashes (and generates) the passwords of the next max rows and
 * returns how many are left (0: all), or an error code with err filled; it
 * touches no store and no shared state, so it may run on a worker thread
 * (one thread per import at a time). _write then adds every account in one
 * transaction: 0, or an error code with err filled and nothing written.
 */
int accounts_import_hash(struct accounts_import *im, unsigned cost, size_t max,
			 struct accounts_error *err);
int accounts_import_write(struct accounts_import *im, struct store *st, struct accounts_error *err);
/* After a commit: each account whose password was generated, in file order. */
typedef void (*accounts_cred_fn)(const char *username, const char *password, void *arg);
void accounts_import_generated(const struct accounts_import *im, accounts_cred_fn fn, void *arg);
/* Clears passwords from memory and frees. */
void accounts_import_free(struct accounts_import *im);

/*
 * Guest accounts (eduroam gastgebruik): count accounts named PREFIX-xxxxx
 * (random, unused), affiliation "affiliate", flagged guest, with generated
 * passwords, all expiring at `expires` (they stop working by themselves
 * through the one account rule in src/auth), in one transaction. batch
 * names the event (generated when empty, returned in batch_out). fn gets
 * each name and password once, after the commit.
 */
#define ACCOUNTS_GUEST_MAX 500
struct accounts_guest_req {
	const char *prefix;     /* [a-z0-9], 1-16 characters; "guest" when NULL */
	unsigned count;
	int64_t expires;        /* UTC seconds, in the future */
	const char *batch;      /* may be NULL */
	const char *created_by; /* who asked (admin or shell user) */
};
int accounts_guest_batch(struct store *st, const struct accounts_guest_req *req, unsigned cost,
			 char batch_out[33], accounts_cred_fn fn, void *arg,
			 struct accounts_error *err);
/*
 * _batch in steps, for a caller that hashes off its event loop: _new checks
 * req and picks the names (NULL with err filled); _hash generates and
 * hashes the next max passwords and returns how many are left, touching no
 * store (a worker thread may run it); _write adds them all in one
 * transaction (0, or an error code with err filled and nothing written)
 * and then gives fn each name and password.
 */
struct accounts_guest;
struct accounts_guest *accounts_guest_new(struct store *st, const struct accounts_guest_req *req,
					  struct accounts_error *err);
int accounts_guest_hash(struct accounts_guest *g, unsigned cost, size_t max,
			struct accounts_error *err);
int accounts_guest_write(struct accounts_guest *g, struct store *st, char batch_out[33],
			 accounts_cred_fn fn, void *arg, struct accounts_error *err);
/* Clears the passwords and frees. */
void accounts_guest_free(struct accounts_guest *g);

#endif
