/*
 * Backup and restore of a box: the store (a consistent copy made with
 * SQLite's online backup API while poortd runs), every file of the state
 * directory (cui.key, saml-pairwise.key, the onboarding CA, metadata caches,
 * keys and certificates kept there) and the config file, in one file
 * encrypted and authenticated under a passphrase.
 *
 * File format, version 1 (all integers big-endian):
 *
 *   header, 72 bytes:
 *     0  "POORTBAK"          magic
 *     8  u16 version         1; a reader refuses a higher one (BACKUP_EVERSION)
 *    10  u8  kdf             1 = scrypt
 *    11  u8  aead            1 = AES-256-GCM
 *    12  u8  log2 N, u8 r, u8 p   scrypt cost (written: 2^17, 8, 1 = 128 MiB)
 *    15  u8  log2 chunk      16: 64 KiB of plaintext per chunk
 *    16  salt[16]            random
 *    32  nonce prefix[8]     random
 *    40  check[32]           HMAC-SHA256(check key, bytes 0..39)
 *   chunks: AES-256-GCM of each chunk of the payload, ciphertext then its
 *     16-byte tag; nonce = prefix || u32 chunk number; AAD = the header and
 *     one byte, 1 on the last chunk, 0 before. Every chunk but the last
 *     holds exactly a full chunk; the last holds less (maybe nothing), so a
 *     file cut at any point, chunks swapped or dropped, fail authentication.
 *   scrypt(passphrase, salt) gives 64 bytes: the AES key, then the check key;
 *     the check tells a wrong passphrase from a damaged file.
 *
 *   payload (checked chunk by chunk before it is parsed): entries
 *     'D' u16 namelen, name, u16 mode             a directory
 *     'F' u16 namelen, name, u16 mode, u64 size, size bytes   a file
 *     'E' u32 count (of D and F entries)           the end; nothing after it
 *   name is "config" (the config file) or "state/" and a relative path in
 *   the state directory (components not empty, ".", ".." or with control
 *   characters; parents before children); "state/poort.db" is the store.
 *
 * Restore is all or nothing: everything is written into a staging
 * directory beside the target and fsynced; only when the whole file has
 * authenticated and parsed is it renamed into place (then the directory
 * fsynced). A wrong passphrase, a damaged, truncated or newer file, or a
 * target that is not fresh, leaves the target as it was.
 */
#ifndef POORT_BACKUP_H
#define POORT_BACKUP_H

#include <stddef.h>
#include <stdint.h>

enum {
	BACKUP_EIO = -1601,         /* reading or writing a file failed (detail names it) */
	BACKUP_EFORMAT = -1602,     /* not a Poort backup, or a malformed header */
	BACKUP_EVERSION = -1603,    /* made by a newer Poort: format version unknown */
	BACKUP_EPASSPHRASE = -1604, /* wrong passphrase (or a damaged header) */
	BACKUP_EDAMAGED = -1605,    /* a chunk failed authentication: damaged or truncated */
	BACKUP_ETRUNCATED = -1606,  /* the file ends early */
	BACKUP_ECONTENT = -1607,    /* authenticated, but the contents are invalid */
	BACKUP_ETARGET = -1608,     /* the target state directory is not fresh (empty) */
	BACKUP_ENOMEM = -1609,
	BACKUP_ECRYPTO = -1610,     /* OpenSSL failed (random bytes, scrypt, cipher) */
	BACKUP_ESTORE = -1611,      /* the store could not be copied */
	BACKUP_EPASSWEAK = -1612,   /* passphrase shorter than BACKUP_PASS_MIN */
};

#define BACKUP_VERSION 1
#define BACKUP_HEADER_LEN 72
#define BACKUP_PASS_MIN 10   /* characters of a new backup's passphrase */
#define BACKUP_NAME_MAX 255  /* bytes of an entry name */

/* A structured error: the code, and a detail (a path, what was wrong) for a person. */
struct backup_error {
	int code;
	char detail[256];
};

/* A short English text for a code (the UI translates by code). */
const char *backup_strerror(int code);

/* What to back up. */
struct backup_source {
	const char *config_path; /* the config file (copied as "config") */
	const char *state_dir;   /* its state directory; the store is STATE_DIR/poort.db */
	unsigned scrypt_log2n;   /* 0 = the default (17); tests may use less (>= 14) */
};

/*
 * Writes a backup to path: through a temp file beside it, fsynced and
 * renamed, so a failure leaves no partial file. The passphrase must have
 * BACKUP_PASS_MIN characters. Returns 0 or a BACKUP_E* code, with err.
 */
int backup_write(const struct backup_source *src, const char *path, const char *pass,
		 size_t passlen, struct backup_error *err);
/* The same onto an open descriptor (a pipe, a download); no temp file. */
int backup_write_fd(const struct backup_source *src, int fd, const char *pass, size_t passlen,
		    struct backup_error *err);

/* Where to restore. */
struct backup_target {
	const char *state_dir;   /* must be absent or empty, unless replace */
	const char *config_path; /* where the config goes; NULL: not restored */
	int replace; /* a non-empty state_dir is moved aside to STATE_DIR.before-restore-TIME,
		      * an existing config to CONFIG.before-restore-TIME */
};

/*
 * Restores the backup at path onto t, all or nothing (see above). The
 * caller stops poortd first. Returns 0 or a BACKUP_E* code, with err.
 */
int backup_restore(const char *path, const struct backup_target *t, const char *pass,
		   size_t passlen, struct backup_error *err);
/* The same from an open descriptor, read from its current offset. */
int backup_restore_fd(int fd, const struct backup_target *t, const char *pass, size_t passlen,
		      struct backup_error *err);

/* What a verified backup holds. */
struct backup_info {
	uint32_t entries; /* files and directories, the config and the store included */
	uint64_t bytes;   /* of all files */
	int has_config;
};
/*
 * Checks the backup on fd as a restore would (passphrase, every chunk's
 * authentication, the payload's structure, a store and a config in it)
 * and writes nothing: the restore's own reader with a sink that drops the
 * bytes. Returns 0 (info filled) or the code a restore would give.
 */
int backup_verify_fd(int fd, const char *pass, size_t passlen, struct backup_info *info,
		     struct backup_error *err);

/* ---- the parsers, exposed for tests and the fuzz harness (backup_format.c) ---- */

struct backup_header {
	uint16_t version;
	uint8_t kdf, aead, log2n, r, p, log2chunk;
	uint8_t salt[16];
	uint8_t nonce[8];
	uint8_t check[32];
};
/* Parses and bounds-checks a header: 0, BACKUP_EFORMAT, BACKUP_EVERSION or ETRUNCATED. */
int backup_header_parse(const uint8_t *buf, size_t len, struct backup_header *h);
/* Writes h (check included) as BACKUP_HEADER_LEN bytes. */
void backup_header_write(const struct backup_header *h, uint8_t out[BACKUP_HEADER_LEN]);

enum backup_entry_type { BACKUP_ENTRY_DIR = 'D', BACKUP_ENTRY_FILE = 'F' };
struct backup_entry {
	enum backup_entry_type type;
	char name[BACKUP_NAME_MAX + 1]; /* validated: "config" or "state/..." */
	unsigned mode;                  /* permission bits */
	uint64_t size;                  /* files */
};
/* Callbacks of the payload parser; a non-zero return stops it with that code. */
struct backup_sink {
	int (*entry)(void *arg, const struct backup_entry *e);
	int (*data)(void *arg, const uint8_t *p, size_t n);
	int (*entry_end)(void *arg);
	void *arg;
};
struct backup_parser {
	struct backup_sink sink;
	int state;
	uint8_t hdr[1 + 2 + BACKUP_NAME_MAX + 2 + 8];
	size_t hlen, need;
	uint64_t left; /* bytes of the current file still to come */
	uint32_t count;
};
void backup_parser_init(struct backup_parser *bp, const struct backup_sink *sink);
/* Feeds payload bytes in any split: 0, BACKUP_ECONTENT or a sink's code. */
int backup_parser_feed(struct backup_parser *bp, const uint8_t *p, size_t n);
/* At the end of the payload: 0 if it ended with a complete 'E', else BACKUP_ECONTENT. */
int backup_parser_finish(const struct backup_parser *bp);
/* 1 if name is a valid entry name. */
int backup_name_valid(const char *name);

#endif
