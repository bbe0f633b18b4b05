/*
 * The parent's one-shot jobs for the admin UI's backup and restore
 * (poortd.h, POORTD_MSG_BACKUP and _RESTORE): each runs in a process forked
 * from the parent, so the parent's loop never waits for scrypt or the disk,
 * and reports through its exit status. They keep the parent's rights: the
 * backup reads the config file and every key of the state directory, the
 * restore writes them. Neither parses anything before it authenticated
 * (src/backup checks every chunk before the payload parser sees it).
 * A restore also leaves its outcome for the admin UI in STATE_DIR/restore.json
 * (poort/backup_status.h) and, when it failed, an audit row in the kept store.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "poort/admin.h"
#include "poort/backup.h"
#include "poort/backup_status.h"
#include "poort/log.h"
#include "poort/store.h"
#include "poort/store_admin.h"
#include "poortd.h"

/* In the job: nothing of the parent's signal handling may act for it. */
static void
job_detach(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
}

/* A backup code as an exit status (1..255), 0 for success. */
static int
job_exit_code(int rc)
{
	return rc >= 0 ? 0 : rc <= BACKUP_EIO && rc > BACKUP_EIO - 100 ? BACKUP_EIO - rc + 1 : 100;
}

int
poortd_job_result(int status)
{
	int x;

	if (!WIFEXITED(status))
		return BACKUP_EIO;
	x = WEXITSTATUS(status);
	return x == 0 ? 0 : x < 100 ? BACKUP_EIO - (x - 1) : BACKUP_EIO;
}

pid_t
poortd_job_backup(const char *config_path, const char *state_dir, int out, const char *pass,
                  size_t passlen)
{
	struct backup_source src = {.config_path = config_path, .state_dir = state_dir};
	struct backup_error err = {0};
	pid_t pid;
	int rc;

	log_flush();
	if ((pid = fork()) != 0)
		return pid;
	job_detach();
	poortd_set_title("poortd: backup");
	rc = backup_write_fd(&src, out, pass, passlen, &err);
	if (rc < 0)
		log_error("backup failed: %s (%s)", backup_strerror(rc), err.detail);
	log_flush();
	_exit(job_exit_code(rc));
}

/*
 * In the restored store: an audit row, and when the backup was made (its
 * newest backup.* row: the admin UI writes backup.download before it copies
 * the store) for the log line.
 */
static int
job_made_cb(const struct store_audit *r, void *arg)
{
	int64_t *made = arg;

	if (strncmp(r->action, "backup.", 7) != 0)
		return 0;
	*made = r->time;
	return 1;
}

void
poortd_job_report(const char *state_dir, const char *actor, enum backup_status_reason r,
                  int64_t made)
{
	struct backup_status s = {.at = (int64_t)time(NULL), .reason = r, .made = made};
	char err[256];

	backup_status_by(s.by, actor);
	if (backup_status_write(state_dir, &s, err, sizeof(err)) < 0)
		log_warning("restore: cannot write its status for the admin ui: %s", err);
}

/* An audit row in the store of state_dir (the restored one, or the kept one). */
static void
job_audit(const char *state_dir, const char *actor, const char *action, const char *detail)
{
	const struct admin_who who = {.actor = actor, .source = "local"};
	char path[PATH_MAX], err[256];
	struct store *st;

	snprintf(path, sizeof(path), "%s/poort.db", state_dir);
	if ((st = store_open(path, err, sizeof(err))) == NULL) {
		log_warning("restore: the store does not open for its audit row: %s", err);
		return;
	}
	admin_audit(st, &who, action, NULL, NULL, detail);
	store_close(st);
}

static void
job_restored(const char *state_dir, const char *actor)
{
	char path[PATH_MAX], err[256], made_s[32] = "at an unknown time", detail[64] = "";
	const struct store_audit_filter f = {.limit = 100000};
	int64_t made = 0;
	struct store *st;

	snprintf(path, sizeof(path), "%s/poort.db", state_dir);
	if ((st = store_open(path, err, sizeof(err))) == NULL) {
		log_warning("restored, but the store does not open: %s", err);
		poortd_job_report(state_dir, actor, BACKUP_STATUS_OK, 0);
		return;
	}
	store_audit_foreach(st, &f, job_made_cb, &made);
	store_close(st);
	if (made > 0) {
		time_t t = (time_t)made;
		struct tm tm;
		strftime(made_s, sizeof(made_s), "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
		snprintf(detail, sizeof(detail), "made=%s", made_s);
	}
	job_audit(state_dir, actor, "backup.restored", detail[0] ? detail : NULL);
	poortd_job_report(state_dir, actor, BACKUP_STATUS_OK, made);
	log_notice("restored from a backup made %s asked_by=%s", made_s, actor);
}

/* The restore failed: the kept store says so, and the status file for the admin ui. */
static void
job_failed(const char *state_dir, const char *actor, int rc)
{
	enum backup_status_reason r = backup_status_reason(rc);
	char detail[32];

	snprintf(detail, sizeof(detail), "reason=%s", backup_status_reason_word(r));
	job_audit(state_dir, actor, "backup.restore-failed", detail);
	poortd_job_report(state_dir, actor, r, 0);
}

pid_t
poortd_job_restore(const char *config_path, const char *state_dir, int in, const char *actor,
                   const char *pass, size_t passlen)
{
	const struct backup_target t = {
	    .state_dir = state_dir, .config_path = config_path, .replace = 1};
	struct backup_error err = {0};
	pid_t pid;
	int rc;

	log_flush();
	if ((pid = fork()) != 0)
		return pid;
	job_detach();
	poortd_set_title("poortd: restore");
	if (lseek(in, 0, SEEK_SET) < 0)
		rc = BACKUP_EIO;
	else
		rc = backup_restore_fd(in, &t, pass, passlen, &err);
	if (rc < 0) {
		log_error("restore failed, the old state and config stay: %s (%s)",
		          backup_strerror(rc), err.detail);
		job_failed(state_dir, actor, rc);
	} else
		job_restored(state_dir, actor);
	log_flush();
	_exit(job_exit_code(rc));
}
