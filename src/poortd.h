/*
 * poortd's processes (README "How poortd runs"): a privileged parent
 * (poortd_parent.c) that binds the sockets, prepares the store and starts,
 * restarts and reloads two unprivileged children (poortd_child.c).
 */
#ifndef POORTD_H
#define POORTD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "poort/backup_status.h"
#include "poort/sandbox.h"

#define POORT_VERSION "0.1.0"

struct config;

/*
 * The control socket between the parent and a child: a header, then len
 * bytes. Descriptors come along with the header (SCM_RIGHTS).
 *
 * Backup and restore (the admin UI, web child only; the parent refuses
 * them from the radius child): the web child holds neither the config
 * file's secrets nor the right to write it, so the parent does both in a
 * one-shot process (poortd_job.c) and its loop never waits.
 *  BACKUP: the passphrase (len bytes, cleared after use, never logged). The
 *    job writes the backup into a memfd; BACKUP_DONE answers.
 *  BACKUP_DONE: an int32 result (0 or a BACKUP_E* code, POORTD_EBUSY while
 *    another job runs); fds = 1 with the memfd (at offset 0) on success.
 *  RESTORE: the admin's name, a NUL and the passphrase, with the uploaded
 *    backup's descriptor (fds = 1),
 *    which the web child verified: the parent never opens a path the web
 *    child chose. The parent stops both children, restores onto its state
 *    directory and config file (all or nothing, the old ones kept aside)
 *    and re-executes itself with its first argv, so the restored config
 *    applies (same pid); a failure is logged and the children start again
 *    on the old state. No answer: the web child answered its browser first.
 */
enum poortd_msg {
	POORTD_MSG_READY = 1,  /* child -> parent: serving */
	POORTD_MSG_RELOAD = 2, /* parent -> child: the new config file's text */
	POORTD_MSG_RELOADED = 3, /* child -> parent: applied */
	POORTD_MSG_BACKUP = 4,      /* web child -> parent: make a backup */
	POORTD_MSG_BACKUP_DONE = 5, /* parent -> web child: its result and file */
	POORTD_MSG_RESTORE = 6,     /* web child -> parent: restore this file */
};
struct poortd_hdr {
	uint32_t type;
	uint32_t len;
	uint32_t fds; /* RELOAD: which of the EAP files came along, POORTD_FD_*;
		       * BACKUP_DONE, RESTORE: the number of descriptors (0 or 1) */
};
#define POORTD_PASS_MAX 1024 /* bytes of a BACKUP or RESTORE passphrase */
#define POORTD_EBUSY (-1)    /* BACKUP_DONE: another backup or restore is running */

/*
 * A reload re-reads the EAP certificate files, which the radius child's
 * user may not read: the parent sends their contents as memfds with the
 * RELOAD header (SCM_RIGHTS), in this order, one bit each in fds.
 */
enum { POORTD_FD_CERT, POORTD_FD_KEY, POORTD_FD_CLIENT_CA, POORTD_FD_CRL, POORTD_FD_N };
#define POORTD_MSG_MAX (1u << 20)

/*
 * The admin UI's test login: a datagram socketpair the parent makes once,
 * fd[0] the radius child's end (an internal RADIUS client named
 * POORTD_TEST_CLIENT), fd[1] the web child's, and a per-boot secret for
 * it. Both ends stay open in the parent, so either child restarts alone;
 * each child closes the end that is not its own.
 */
#define POORTD_TEST_CLIENT "admin-ui-test"
struct poortd_link {
	int fd[2];
	char secret[65]; /* 32 random bytes in hex */
};

/* The path of EAP file i (POORTD_FD_*) in cfg; "" when not set. */
char *poortd_eap_file(struct config *cfg, unsigned i);

/*
 * Reads what waits on a control socket: at most len bytes into buf, and the
 * descriptors that came with them (SCM_RIGHTS, close-on-exec) appended to
 * fds[*nfds..max); any beyond max are closed. recvmsg's result: 0 at the
 * other end's close, -1 with errno (EAGAIN, EINTR: nothing yet).
 */
ssize_t poortd_ctl_recv(int fd, void *buf, size_t len, int *fds, size_t *nfds, size_t max);

/* Runs a child until SIGTERM or the parent's end; returns the exit status. */
int poortd_child_run(enum sandbox_role role, struct config *cfg, const struct sandbox_user *u,
		     int ctl, struct poortd_link *link);
/* -n: starts and stops every module of both children in this process. */
int poortd_child_check(const struct config *cfg);
/* Runs the parent until SIGTERM; returns the exit status. */
int poortd_parent_run(const char *config_path, struct config *cfg);
/* Names this process in ps and top ("poortd: radius"). */
void poortd_set_title(const char *title);
/* poortd's own argv as it started, for the re-exec after a restore. */
extern char **poortd_argv;

/* The one-shot jobs (poortd_job.c): the job's pid (< 0: fork failed). */
pid_t poortd_job_backup(const char *config_path, const char *state_dir, int out,
			const char *pass, size_t passlen);
/* actor: the admin who asked, for the restored store's audit row and the log. */
pid_t poortd_job_restore(const char *config_path, const char *state_dir, int in,
			 const char *actor, const char *pass, size_t passlen);
/* A job's wait status as 0 or a BACKUP_E* code. */
int poortd_job_result(int status);
/* A restore's outcome in STATE_DIR/restore.json (poort/backup_status.h) for the
 * admin ui; made: the backup's time, 0 unknown. A failure is logged. */
void poortd_job_report(const char *state_dir, const char *actor, enum backup_status_reason r,
		       int64_t made);

#endif
