/*
 * The parent's one-shot jobs for the admin UI's backup and restore
 * (poortd.h, POORTD_MSG_BACKUP and _RESTORE): each runs in a process forked
 * from the parent, so the parent's loop never waits for scrypt or the disk,
 * and reports through its exit status. They keep the parent's rights: the
 * backup reads the config file and every key of the state directory, the
 * restore writes them. Neither parses anything before it authenticated
 * (src/backup checks every chunk before the payload parser sees it).
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

static void
job_restored(const char *state_dir, const char *actor)
{
	char path[PATH_MAX], err[256], made_s[32] = "at an unknown time", detail[64] = "";
	const struct store_audit_filter f = {.limit = 100000};
	const struct admin_who who = {.actor = actor, .source = "local"};
	int64_t made = 0;
	struct store *st;

	snprintf(path, sizeof(path), "%s/poort.db", state_dir);
	if ((st = store_open(path, err, sizeof(err))) == NULL) {
		log_warning("restored, but the store does not open: %s", err);
		return;
	}
	store_audit_foreach(st, &f, job_made_cb, &made);
	if (made > 0) {
		time_t t = (time_t)made;
		struct tm tm;
		strftime(made_s, sizeof(made_s), "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
		snprintf(detail, sizeof(detail), "made=%s", made_s);
	}
	admin_audit(st, &who, "backup.restored", NULL, NULL, detail[0] ? detail : NULL);
	store_close(st);
	log_notice("restored from a backup made %s asked_by=%s", made_s, actor);
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
	if (rc < 0)
		log_error("restore failed, the old state and config stay: %s (%s)",
		          backup_strerror(rc), err.detail);
	else
		job_restored(state_dir, actor);
	log_flush();
	_exit(job_exit_code(rc));
}
