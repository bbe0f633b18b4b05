/*
 * poortd's privileged parent. It parses no network input: it reads the
 * config, prepares the state directory and the store, binds every listen
 * address, and then only supervises: it starts the radius and web children,
 * restarts one that dies (1 s, doubling to 60 s, reset after a minute of
 * service), hands a reload's config text to both, and stops them on
 * SIGTERM. The children's keys are never loaded here. The admin UI's backup
 * and restore run in one-shot jobs (poortd_job.c, poortd.h): the parent
 * only passes descriptors and, after a restore, re-executes itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "poort/backup.h"
#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/devca.h"
#include "poort/fwhealth.h"
#include "poort/log.h"
#include "poort/lsock.h"
#include "poort/store.h"
#include "poortd.h"

#define KIDS 2
#define BACKOFF_MAX 60 /* seconds */
#define STOP_GRACE 20  /* seconds before SIGKILL on shutdown */

struct kid {
	enum sandbox_role role;
	pid_t pid; /* 0: not running */
	struct bufferevent *ctl; /* writes; reads go through ev_in (descriptors come along) */
	struct event *ev_in;
	struct evbuffer *in;
	int fds[2]; /* received with a header, not yet taken */
	size_t nfds;
	int ready;
	int reload_pending;
	unsigned fails; /* deaths in a row without a minute of service */
	time_t started;
	struct event *ev_restart;
};

struct parent {
	const char *config_path;
	struct config *cfg;
	struct event_base *base;
	struct sandbox_user user;
	struct kid kids[KIDS];
	struct event *ev_sig[4];
	struct event *ev_grace;
	struct fwhealth *fh; /* confirms a trial boot once healthy (flash: parent only) */
	struct poortd_link link; /* the admin UI's test login (poortd.h) */
	int announced; /* both children were ready once */
	int stopping;
	int rc;
	/* the one backup or restore job at a time */
	pid_t job;
	int job_restore;  /* the job is a restore */
	int job_out;      /* backup: the memfd it writes */
	int restore_fd;   /* restore: the upload, until the children are gone */
	char *restore_pass;
	char restore_by[BACKUP_STATUS_BY_MAX + 1]; /* the admin who asked */
	size_t restore_passlen;
	int restoring;    /* children stopping or stopped for a restore */
	int reexec;       /* restored: execute poortd again at the end */
};

/* Static, so the children's copy of it stays reachable (leak checks). */
static struct parent parent = {.job_out = -1, .restore_fd = -1};

static void kid_start(struct parent *p, struct kid *k);

static size_t
parent_nlive(const struct parent *p)
{
	size_t n = 0;
	for (size_t i = 0; i < KIDS; i++)
		n += p->kids[i].pid > 0;
	return n;
}

static void
parent_stop(struct parent *p, int rc)
{
	struct timeval tv = {STOP_GRACE, 0};

	if (p->stopping)
		return;
	p->stopping = 1;
	p->rc = rc;
	for (size_t i = 0; i < KIDS; i++) {
		if (p->kids[i].ev_restart != NULL)
			event_del(p->kids[i].ev_restart);
		if (p->kids[i].pid > 0)
			kill(p->kids[i].pid, SIGTERM);
	}
	if (parent_nlive(p) == 0)
		event_base_loopbreak(p->base);
	else if (p->ev_grace != NULL)
		event_add(p->ev_grace, &tv);
}

static void
parent_on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct parent *p = arg;
	(void)fd;
	(void)what;
	for (size_t i = 0; i < KIDS; i++)
		if (p->kids[i].pid > 0) {
			log_warning("the %s child pid=%d did not stop: killing it",
				    sandbox_role_name(p->kids[i].role), (int)p->kids[i].pid);
			kill(p->kids[i].pid, SIGKILL);
		}
}

static void
parent_reload_done(struct parent *p)
{
	for (size_t i = 0; i < KIDS; i++)
		if (p->kids[i].reload_pending)
			return;
	log_notice("reload done config=%s clients=%zu realms=%zu", p->config_path,
		   p->cfg->nclients, p->cfg->nrealms);
}

/* The control socket's end: writer, reader and descriptors not yet taken. */
static void
kid_ctl_close(struct kid *k)
{
	if (k->ev_in != NULL)
		event_free(k->ev_in);
	if (k->in != NULL)
		evbuffer_free(k->in);
	if (k->ctl != NULL)
		bufferevent_free(k->ctl);
	for (size_t i = 0; i < k->nfds; i++)
		close(k->fds[i]);
	k->ev_in = NULL;
	k->in = NULL;
	k->ctl = NULL;
	k->nfds = 0;
}

static void
pass_free(char *pass, size_t len)
{
	if (pass != NULL) {
		explicit_bzero(pass, len);
		free(pass);
	}
}

static int
parent_send_done(struct kid *k, int32_t result, int fd)
{
	struct poortd_hdr h = {.type = POORTD_MSG_BACKUP_DONE, .len = sizeof(result),
			       .fds = fd >= 0};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
			       {.iov_base = &result, .iov_len = sizeof(result)}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	struct cmsghdr *cm;

	/* sent at once, so only when nothing is queued before it (a reload's text) */
	if (k->ctl == NULL || evbuffer_get_length(bufferevent_get_output(k->ctl)) > 0)
		return -1;
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(bufferevent_getfd(k->ctl), &msg, MSG_NOSIGNAL) ==
			       (ssize_t)(sizeof(h) + sizeof(result))
		       ? 0
		       : -1;
}

/* BACKUP from the web child: a job writes it into a memfd. */
static void
parent_backup(struct parent *p, struct kid *k, char *pass, size_t len)
{
	int out;

	if (p->job > 0 || p->restoring) {
		parent_send_done(k, POORTD_EBUSY, -1);
		return;
	}
	out = memfd_create("poort-backup", MFD_CLOEXEC);
	if (out < 0) {
		log_error("backup: memfd_create: %s", strerror(errno));
		parent_send_done(k, BACKUP_EIO, -1);
		return;
	}
	p->job = poortd_job_backup(p->config_path, p->cfg->state_dir, out, pass, len);
	if (p->job < 0) {
		log_error("backup: fork: %s", strerror(errno));
		p->job = 0;
		close(out);
		parent_send_done(k, BACKUP_EIO, -1);
		return;
	}
	p->job_restore = 0;
	p->job_out = out;
	log_notice("backup started for the admin ui job=%d", (int)p->job);
}

static void
parent_backup_done(struct parent *p, int status)
{
	struct kid *web = &p->kids[1];
	int rc = poortd_job_result(status);

	if (rc == 0 && lseek(p->job_out, 0, SEEK_SET) < 0)
		rc = BACKUP_EIO;
	log_notice("backup done result=%s", rc == 0 ? "ok" : backup_strerror(rc));
	if (parent_send_done(web, rc, rc == 0 ? p->job_out : -1) < 0)
		log_warning("backup: cannot hand it to the web child");
	close(p->job_out);
	p->job_out = -1;
}

static void kid_stop_all(struct parent *p);
static void parent_restore_run(struct parent *p);
static void parent_restore_end(struct parent *p, int rc);

/* RESTORE from the web child: the children stop first (kid_exited goes on). */
static void
parent_restore(struct parent *p, int fd, char *pass, size_t len)
{
	if (p->job > 0 || p->restoring) {
		log_warning("restore refused: a backup or restore is running");
		close(fd);
		pass_free(pass, len);
		return;
	}
	p->restore_fd = fd;
	p->restore_pass = pass;
	p->restore_passlen = len;
	p->restoring = 1;
	log_notice("restore asked by the admin ui: stopping the children");
	kid_stop_all(p);
}

/* A message from k; 0, or -1 when it was malformed. */
static int
kid_message(struct parent *p, struct kid *k, const struct poortd_hdr *h)
{
	char *pass;
	int fd = -1;

	if (h->type == POORTD_MSG_READY && h->len == 0) {
		k->ready = 1;
		if (p->announced) {
			log_notice("the %s child pid=%d is serving again", sandbox_role_name(k->role),
				   (int)k->pid);
			return 0;
		}
		if (!p->kids[0].ready || !p->kids[1].ready)
			return 0;
		p->announced = 1;
		log_notice("poortd %s ready config=%s state_dir=%s realms=%zu clients=%zu"
			   " radius=%d web=%d",
			   POORT_VERSION, p->config_path, p->cfg->state_dir, p->cfg->nrealms,
			   p->cfg->nclients, (int)p->kids[0].pid, (int)p->kids[1].pid);
		return 0;
	}
	if (h->type == POORTD_MSG_RELOADED && h->len == 0) {
		k->reload_pending = 0;
		parent_reload_done(p);
		return 0;
	}
	if (k->role != SANDBOX_WEB || h->len > POORTD_PASS_MAX ||
	    (h->type != POORTD_MSG_BACKUP && h->type != POORTD_MSG_RESTORE) ||
	    h->fds != (h->type == POORTD_MSG_RESTORE) || k->nfds < h->fds)
		return -1;
	if (h->fds) {
		fd = k->fds[0];
		memmove(k->fds, k->fds + 1, (--k->nfds) * sizeof(int));
	}
	if ((pass = malloc((size_t)h->len + 1)) == NULL) {
		evbuffer_drain(k->in, h->len);
		if (fd >= 0)
			close(fd);
		if (h->type == POORTD_MSG_BACKUP)
			parent_send_done(k, BACKUP_ENOMEM, -1);
		return 0;
	}
	evbuffer_remove(k->in, pass, h->len);
	pass[h->len] = '\0';
	if (h->type == POORTD_MSG_RESTORE) {
		/* the admin's name, a NUL, the passphrase */
		if (memchr(pass, '\0', h->len) == NULL) {
			close(fd);
			pass_free(pass, h->len);
			return -1;
		}
		parent_restore(p, fd, pass, h->len);
		return 0;
	}
	parent_backup(p, k, pass, h->len);
	pass_free(pass, h->len);
	return 0;
}

static void
kid_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct kid *k = arg;
	struct parent *p = &parent;
	char buf[4096];
	struct poortd_hdr h;
	ssize_t n;
	(void)what;

	n = poortd_ctl_recv(fd, buf, sizeof(buf), k->fds, &k->nfds,
			    sizeof(k->fds) / sizeof(k->fds[0]));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || evbuffer_add(k->in, buf, (size_t)n) < 0) {
		explicit_bzero(buf, sizeof(buf));
		kid_ctl_close(k); /* its end: kid_exited follows */
		return;
	}
	explicit_bzero(buf, sizeof(buf)); /* a passphrase may have come */
	while (evbuffer_copyout(k->in, &h, sizeof(h)) == (ev_ssize_t)sizeof(h)) {
		if (h.len > POORTD_PASS_MAX) {
			h.type = 0;
		} else if (evbuffer_get_length(k->in) < sizeof(h) + h.len) {
			return;
		}
		evbuffer_drain(k->in, sizeof(h));
		if (h.type == 0 || kid_message(p, k, &h) < 0) {
			log_error("bad message from the %s child: killing it",
				  sandbox_role_name(k->role));
			kill(k->pid, SIGKILL);
			kid_ctl_close(k);
			return;
		}
	}
}

static void
kid_on_ctl_event(struct bufferevent *bev, short what, void *arg)
{
	struct kid *k = arg;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		kid_ctl_close(k);
}

static void
kid_on_restart(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kid_start(&parent, arg);
}

/*
 * In the new child: nothing of the parent's may act for it. The loop is
 * re-made first (event_reinit), so freeing it never touches the epoll set
 * the parent still uses.
 */
static void
kid_detach(struct parent *p)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if (event_reinit(p->base) < 0)
		_exit(1);
	for (size_t i = 0; i < KIDS; i++) {
		kid_ctl_close(&p->kids[i]);
		event_free(p->kids[i].ev_restart);
		p->kids[i].ev_restart = NULL;
	}
	for (size_t i = 0; i < 4; i++) {
		event_free(p->ev_sig[i]);
		p->ev_sig[i] = NULL;
	}
	event_free(p->ev_grace);
	p->ev_grace = NULL;
	if (p->job_out >= 0)
		close(p->job_out);
	if (p->restore_fd >= 0)
		close(p->restore_fd);
	pass_free(p->restore_pass, p->restore_passlen);
	p->restore_pass = NULL;
	event_base_free(p->base);
	p->base = NULL;
}

static void
kid_start(struct parent *p, struct kid *k)
{
	int sv[2];
	pid_t pid;

	k->ready = 0;
	k->reload_pending = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("cannot start the %s child: socketpair: %s", sandbox_role_name(k->role),
			  strerror(errno));
		goto retry;
	}
	log_flush();
	pid = fork();
	if (pid < 0) {
		log_error("cannot start the %s child: fork: %s", sandbox_role_name(k->role),
			  strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto retry;
	}
	if (pid == 0) {
		close(sv[0]);
		kid_detach(p);
		exit(poortd_child_run(k->role, p->cfg, &p->user, sv[1], &p->link));
	}
	close(sv[1]);
	k->pid = pid;
	k->started = time(NULL);
	k->ctl = bufferevent_socket_new(p->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	k->ev_in = event_new(p->base, sv[0], EV_READ | EV_PERSIST, kid_on_read, k);
	k->in = evbuffer_new();
	if (k->ctl == NULL || k->ev_in == NULL || k->in == NULL || event_add(k->ev_in, NULL) < 0) {
		if (k->ctl == NULL)
			close(sv[0]);
		kid_ctl_close(k);
		log_error("cannot watch the %s child: killing it", sandbox_role_name(k->role));
		kill(pid, SIGKILL);
		return;
	}
	bufferevent_setcb(k->ctl, NULL, NULL, kid_on_ctl_event, k);
	bufferevent_enable(k->ctl, EV_WRITE);
	log_info("started the %s child pid=%d", sandbox_role_name(k->role), (int)pid);
	return;
retry:
	if (!p->announced) {
		parent_stop(p, 1);
		return;
	}
	{
		struct timeval tv = {BACKOFF_MAX, 0};
		event_add(k->ev_restart, &tv);
	}
}

static void
kid_stop_all(struct parent *p)
{
	struct timeval tv = {STOP_GRACE, 0};

	for (size_t i = 0; i < KIDS; i++) {
		event_del(p->kids[i].ev_restart);
		if (p->kids[i].pid > 0)
			kill(p->kids[i].pid, SIGTERM);
	}
	if (parent_nlive(p) == 0)
		parent_restore_run(p);
	else
		event_add(p->ev_grace, &tv);
}

/* Both children are gone: the restore job runs on the quiet state. */
static void
parent_restore_run(struct parent *p)
{
	event_del(p->ev_grace);
	{
	size_t alen = strlen(p->restore_pass) + 1; /* the admin's name, then the passphrase */

	backup_status_by(p->restore_by, p->restore_pass);

	p->job = poortd_job_restore(p->config_path, p->cfg->state_dir, p->restore_fd,
				    p->restore_pass, p->restore_pass + alen,
				    p->restore_passlen - alen);
	pass_free(p->restore_pass, p->restore_passlen);
	p->restore_pass = NULL;
	}
	close(p->restore_fd);
	p->restore_fd = -1;
	if (p->job < 0) {
		log_error("restore failed, the old state and config stay: fork: %s",
			  strerror(errno));
		p->job = 0;
		poortd_job_report(p->cfg->state_dir, p->restore_by, BACKUP_STATUS_RSTART, 0);
		parent_restore_end(p, BACKUP_EIO);
		return;
	}
	p->job_restore = 1;
	log_notice("restore running job=%d state_dir=%s config=%s", (int)p->job,
		   p->cfg->state_dir, p->config_path);
}

/* After the restore job: poortd again on the restored config, or the children again. */
static void
parent_restore_end(struct parent *p, int rc)
{
	p->restoring = 0;
	if (rc == 0) {
		log_notice("restored from a backup: the old state and config are kept beside them"
			   " as *.before-restore-*; starting again");
		p->reexec = 1;
		parent_stop(p, 0);
		return;
	}
	log_error("restore failed (%s): starting the children on the old state",
		  backup_strerror(rc));
	for (size_t i = 0; i < KIDS && !p->stopping; i++) {
		p->kids[i].fails = 0;
		kid_start(p, &p->kids[i]);
	}
}

static void
parent_job_exited(struct parent *p, int status)
{
	int restore = p->job_restore;

	p->job = 0;
	p->job_restore = 0;
	if (restore && !WIFEXITED(status)) /* the job reports unless it died */
		poortd_job_report(p->cfg->state_dir, p->restore_by, BACKUP_STATUS_RSTART, 0);
	if (restore)
		parent_restore_end(p, poortd_job_result(status));
	else
		parent_backup_done(p, status);
}

static void
kid_exited(struct parent *p, struct kid *k, int status)
{
	char how[48];
	unsigned delay;

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	k->pid = 0;
	k->ready = 0;
	kid_ctl_close(k); /* its end of file may not have been read yet */
	if (k->reload_pending) {
		k->reload_pending = 0;
		parent_reload_done(p);
	}
	if (p->restoring && !p->stopping) {
		log_info("the %s child %s", sandbox_role_name(k->role), how);
		if (parent_nlive(p) == 0)
			parent_restore_run(p);
		return;
	}
	if (p->stopping) {
		log_info("the %s child %s", sandbox_role_name(k->role), how);
		if (parent_nlive(p) == 0)
			event_base_loopbreak(p->base);
		return;
	}
	if (!p->announced) {
		log_error("the %s child failed to start (%s): stopping",
			  sandbox_role_name(k->role), how);
		parent_stop(p, 1);
		return;
	}
	if (time(NULL) - k->started >= BACKOFF_MAX)
		k->fails = 0;
	delay = k->fails < 6 ? 1u << k->fails : BACKOFF_MAX;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	k->fails++;
	log_error("the %s child %s: restarting it in %u s", sandbox_role_name(k->role), how,
		  delay);
	{
		struct timeval tv = {delay, 0};
		event_add(k->ev_restart, &tv);
	}
}

static void
parent_on_chld(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	int status;
	pid_t pid;
	(void)sig;
	(void)what;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == p->job) {
			parent_job_exited(p, status);
			continue;
		}
		for (size_t i = 0; i < KIDS; i++)
			if (p->kids[i].pid == pid)
				kid_exited(p, &p->kids[i], status);
	}
}

/* A copy of path's contents in a memfd, or -1 (the child then tries the
 * path itself and reports what is wrong with it). */
static int
parent_memfd(const char *path)
{
	char buf[8192];
	struct stat sb;
	int in, out = -1;
	ssize_t n;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	if (fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode))
		goto fail;
	out = memfd_create("poortd-eap", MFD_CLOEXEC);
	if (out < 0)
		goto fail;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto fail;
	if (n < 0 || lseek(out, 0, SEEK_SET) < 0)
		goto fail;
	explicit_bzero(buf, sizeof(buf));
	close(in);
	return out;
fail:
	explicit_bzero(buf, sizeof(buf));
	close(in);
	if (out >= 0)
		close(out);
	return -1;
}

/*
 * The RELOAD header to the radius child, with the EAP files it will re-read
 * as memfds: the key stays readable by root only on disk. Sent at once, so
 * only when nothing else is queued before it.
 */
static int
parent_send_reload(struct kid *k, struct config *cfg, size_t len)
{
	struct poortd_hdr h = {.type = POORTD_MSG_RELOAD, .len = (uint32_t)len};
	int fds[POORTD_FD_N], nfds = 0, fd = bufferevent_getfd(k->ctl), rc = -1;
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &h, .iov_len = sizeof(h)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (k->role != SANDBOX_RADIUS || !cfg->eap.enabled ||
	    evbuffer_get_length(bufferevent_get_output(k->ctl)) > 0)
		return bufferevent_write(k->ctl, &h, sizeof(h));
	for (unsigned i = 0; i < POORTD_FD_N; i++) {
		const char *path = poortd_eap_file(cfg, i);
		int m = path[0] != '\0' ? parent_memfd(path) : -1;
		if (m >= 0) {
			fds[nfds++] = m;
			h.fds |= 1u << i;
		}
	}
	if (nfds > 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(h))
		rc = 0;
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return rc;
}

static void
parent_on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	char err[CONFIG_ERR_MAX];
	struct config *cfg;
	size_t len = 0;
	char *text;
	(void)sig;
	(void)what;

	if (p->stopping)
		return;
	text = config_read(p->config_path, &len, err, sizeof(err));
	cfg = text != NULL ? config_parse(p->config_path, text, err, sizeof(err)) : NULL;
	if (cfg == NULL) {
		log_error("reload refused, running config kept: %s", err);
		goto done;
	}
	if (strcmp(cfg->state_dir, p->cfg->state_dir) != 0)
		log_warning("state_dir changed: it takes effect at the next restart");
	if (strcmp(cfg->user, p->cfg->user) != 0)
		log_warning("user changed: it takes effect at the next restart");
	/* a new listen address: bound now, so a child can take it when it restarts */
	if (lsock_bind_config(cfg, err, sizeof(err)) < 0)
		log_warning("%s: it takes effect at the next restart", err);
	log_init("poortd", cfg->log_level, cfg->log_syslog);
	config_free(p->cfg);
	p->cfg = cfg;
	for (size_t i = 0; i < KIDS; i++) {
		struct kid *k = &p->kids[i];
		if (k->pid <= 0 || k->ctl == NULL)
			continue; /* a restart takes the new config */
		if (parent_send_reload(k, cfg, len) == 0 &&
		    bufferevent_write(k->ctl, text, len) == 0)
			k->reload_pending = 1;
	}
	parent_reload_done(p);
done:
	config_text_free(text, len);
}

static void
parent_on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	(void)what;
	log_notice("signal %d: shutting down", (int)sig);
	parent_stop(p, 0);
}

/*
 * onboarding { }: the client CA is made here at the first start, before
 * either child runs, as only the parent may write the state dir before the
 * children exist; later starts leave the key alone (only the web child opens
 * it, while it still has the rights). Its certificate goes to the children's
 * user: the radius child reads it again at a reload (eap.device_ca). The key
 * stays the parent's (mode 0600): the web child reads it before it drops.
 */
static int
parent_onboard_ca(struct parent *p)
{
	const struct config *cfg = p->cfg;
	char err[CONFIG_ERR_MAX], key[PATH_MAX + 32], pem[PATH_MAX + 32];

	snprintf(key, sizeof(key), "%s/" DEVCA_KEY_FILE, cfg->state_dir);
	snprintf(pem, sizeof(pem), "%s/" DEVCA_CERT_FILE, cfg->state_dir);
	if (access(key, F_OK) < 0 && errno == ENOENT && access(pem, F_OK) < 0 &&
	    errno == ENOENT) {
		struct devca *ca = devca_open(cfg->state_dir, 1, err, sizeof(err));
		if (ca == NULL) {
			log_error("onboarding: %s", err);
			return -1;
		}
		devca_free(ca);
		log_notice("onboarding: made the client CA %s", pem);
	}
	if (p->user.do_switch && chown(pem, p->user.uid, p->user.gid) < 0 && errno != ENOENT) {
		log_error("cannot give %s to user %s: %s", pem, p->user.name, strerror(errno));
		return -1;
	}
	return 0;
}

static int
parent_state_dir(struct parent *p)
{
	const struct config *cfg = p->cfg;
	char err[CONFIG_ERR_MAX], path[PATH_MAX + 16];
	static const char *const files[] = {"", "/poort.db", "/poort.db-wal", "/poort.db-shm"};
	struct store *st;
	int rc = store_state_dir(cfg->state_dir, err, sizeof(err));

	if (rc < 0) {
		log_error("%s", err);
		return -1;
	}
	if (rc > 0)
		log_warning("state_dir %s is accessible to others; it holds password hashes:"
			    " chmod 700 it",
			    cfg->state_dir);
	/* the schema is made once, here, before two children open it */
	snprintf(path, sizeof(path), "%s/poort.db", cfg->state_dir);
	st = store_open(path, err, sizeof(err));
	if (st == NULL) {
		log_error("cannot open the store: %s", err);
		return -1;
	}
	store_close(st);
	if (cfg->onboard.enabled && parent_onboard_ca(p) < 0)
		return -1;
	/* the children write the store and the metadata cache as their user */
	for (size_t i = 0; p->user.do_switch && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", cfg->state_dir, files[i]);
		if (chown(path, p->user.uid, p->user.gid) < 0 && errno != ENOENT) {
			log_error("cannot give %s to user %s: %s", path, p->user.name,
				  strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* After a restore: the same pid starts again, reading the restored config. */
static void
parent_reexec(void)
{
	log_notice("restarting poortd on the restored config");
	log_close();
	if (poortd_argv != NULL && poortd_argv[0] != NULL)
		execv("/proc/self/exe", poortd_argv);
	log_init("poortd", LOG_LVL_INFO, 0);
	log_error("cannot restart poortd: %s: stopping", strerror(errno));
}

/* The admin UI's test login link (poortd.h): loopback inside the box only. */
static int
parent_link(struct poortd_link *l)
{
	uint8_t r[32];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r) ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, l->fd) < 0) {
		log_error("cannot make the admin ui's test login link: %s", strerror(errno));
		explicit_bzero(r, sizeof(r));
		return -1;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(l->secret + 2 * i, 3, "%02x", r[i]);
	explicit_bzero(r, sizeof(r));
	return 0;
}

int
poortd_parent_run(const char *config_path, struct config *cfg)
{
	struct parent *p = &parent;
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGCHLD};
	event_callback_fn fns[] = {parent_on_hup, parent_on_stop, parent_on_stop, parent_on_chld};
	char err[CONFIG_ERR_MAX], path[PATH_MAX + 16];

	p->config_path = config_path;
	p->cfg = cfg;
	p->rc = 1;
	p->link.fd[0] = p->link.fd[1] = -1;
	poortd_set_title("poortd: parent");
	signal(SIGPIPE, SIG_IGN);
	if (sandbox_user_lookup(cfg->user, &p->user, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto done;
	}
	if (!p->user.do_switch)
		log_notice("not started as root: the children keep uid %u", (unsigned)getuid());
	if (parent_state_dir(p) < 0)
		goto done;
	if (lsock_bind_config(cfg, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto done;
	}
	if (parent_link(&p->link) < 0)
		goto done;
	p->base = event_base_new();
	if (p->base == NULL)
		goto fail_loop;
	for (size_t i = 0; i < 4; i++) {
		p->ev_sig[i] = evsignal_new(p->base, sigs[i], fns[i], p);
		if (p->ev_sig[i] == NULL || evsignal_add(p->ev_sig[i], NULL) < 0)
			goto fail_loop;
	}
	p->ev_grace = evtimer_new(p->base, parent_on_grace, p);
	if (p->ev_grace == NULL)
		goto fail_loop;
	for (size_t i = 0; i < KIDS; i++) {
		p->kids[i].role = i == 0 ? SANDBOX_RADIUS : SANDBOX_WEB;
		p->kids[i].ev_restart = evtimer_new(p->base, kid_on_restart, &p->kids[i]);
		if (p->kids[i].ev_restart == NULL)
			goto fail_loop;
	}
	p->rc = 0;
	for (size_t i = 0; i < KIDS && !p->stopping; i++)
		kid_start(p, &p->kids[i]);
	snprintf(path, sizeof(path), "%s/poort.db", cfg->state_dir);
	p->fh = fwhealth_start(p->base, cfg, path);
	while (!event_base_got_break(p->base)) {
		if (event_base_loop(p->base, EVLOOP_ONCE) < 0) {
			log_error("event loop failed");
			p->rc = 1;
			break;
		}
		log_flush();
	}
	goto done;
fail_loop:
	log_error("cannot create the event loop");
done:
	fwhealth_stop(p->fh);
	p->fh = NULL;
	for (size_t i = 0; i < KIDS; i++) {
		if (p->kids[i].pid > 0) {
			kill(p->kids[i].pid, SIGKILL);
			waitpid(p->kids[i].pid, NULL, 0);
		}
		kid_ctl_close(&p->kids[i]);
		if (p->kids[i].ev_restart != NULL)
			event_free(p->kids[i].ev_restart);
	}
	if (p->job > 0) /* a restore is all or nothing: let it end */
		waitpid(p->job, NULL, 0);
	if (p->job_out >= 0)
		close(p->job_out);
	if (p->restore_fd >= 0)
		close(p->restore_fd);
	pass_free(p->restore_pass, p->restore_passlen);
	for (size_t i = 0; i < 4; i++)
		if (p->ev_sig[i] != NULL)
			event_free(p->ev_sig[i]);
	if (p->ev_grace != NULL)
		event_free(p->ev_grace);
	if (p->base != NULL)
		event_base_free(p->base);
	lsock_close_all();
	for (size_t i = 0; i < 2; i++)
		if (p->link.fd[i] >= 0)
			close(p->link.fd[i]);
	explicit_bzero(p->link.secret, sizeof(p->link.secret));
	config_free(p->cfg);
	if (p->reexec)
		parent_reexec();
	if (p->rc == 0)
		log_notice("stopped");
	log_close();
	return p->rc;
}
