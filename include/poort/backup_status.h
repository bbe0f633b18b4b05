/*
 * The outcome of the last restore from the admin UI, for the admin to see
 * after the restart: STATE_DIR/restore.json, written by the parent's
 * restore job (root, mode 0644 like firmware.json, temp file + rename)
 * into the restored state directory on success, into the kept one on a
 * failure; read by the web child for /admin/backup and the dashboard.
 *
 *	{"format": 1, "at": 1764553200, "result": "failed", "reason": "io",
 *	 "made": 0, "by": "boss"}
 *
 * result is "restored" (reason "") or "failed" (reason one of the words of
 * backup_status_reason_word); made is when the backup was made (0: not
 * known); by is the admin who asked, as the web child named them. Nothing
 * else: no passphrase, no path. The reader takes nothing on trust: a file
 * it cannot parse is BACKUP_STATUS_EFORMAT, unknown words and names with
 * other characters are refused.
 */
#ifndef POORT_BACKUP_STATUS_H
#define POORT_BACKUP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define BACKUP_STATUS_FILE "restore.json"
#define BACKUP_STATUS_MAX 1024  /* bytes: a larger file is not ours */
#define BACKUP_STATUS_BY_MAX 64 /* bytes of the admin's name */

enum {
	BACKUP_STATUS_ENOENT = -1631,  /* no restore yet */
	BACKUP_STATUS_EFORMAT = -1632, /* not a status file of this format */
	BACKUP_STATUS_EIO = -1633,
};

/* Why a restore failed, as the file says it (a short word, no detail). */
enum backup_status_reason {
	BACKUP_STATUS_OK,       /* restored */
	BACKUP_STATUS_RIO,      /* a file could not be read or written ("io") */
	BACKUP_STATUS_RPASS,    /* "passphrase" */
	BACKUP_STATUS_RDAMAGED, /* damaged, truncated or not a backup ("damaged") */
	BACKUP_STATUS_RVERSION, /* made by a newer Poort ("version") */
	BACKUP_STATUS_RCONTENT, /* authenticated, contents invalid ("content") */
	BACKUP_STATUS_RSTART,   /* the restore job could not run or died ("start") */
	BACKUP_STATUS_ROTHER,   /* memory, crypto, anything else ("other") */
	BACKUP_STATUS_NREASONS
};

struct backup_status {
	int64_t at;                       /* UTC seconds: when the restore ended */
	enum backup_status_reason reason; /* BACKUP_STATUS_OK: restored */
	int64_t made;                     /* UTC seconds the backup was made; 0: not known */
	char by[BACKUP_STATUS_BY_MAX + 1];
};

/* The reason of a restore's result (a BACKUP_E* code, 0 for success). */
enum backup_status_reason backup_status_reason(int code);
/* The file's word for a reason: "", "io", "passphrase", ... */
const char *backup_status_reason_word(enum backup_status_reason r);
/* Copies an admin's name into out, each byte outside [A-Za-z0-9._@+-] as '_'. */
void backup_status_by(char out[BACKUP_STATUS_BY_MAX + 1], const char *name);

/* Replaces dir/BACKUP_STATUS_FILE with s, durably, mode 0644. */
int backup_status_write(const char *dir, const struct backup_status *s, char *err, size_t errlen);
/* Reads dir/BACKUP_STATUS_FILE: 0, BACKUP_STATUS_ENOENT, _EFORMAT or _EIO. */
int backup_status_read(const char *dir, struct backup_status *s);
/* The JSON text of len bytes (not NUL-terminated): 0 or BACKUP_STATUS_EFORMAT. */
int backup_status_parse(const char *text, size_t len, struct backup_status *s);

#endif
