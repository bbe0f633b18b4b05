/*
 * Restoring a backup (poort/backup.h), all or nothing: every chunk is
 * authenticated before its bytes are parsed; the entries are written into
 * a staging directory beside the state directory (same file system, so a
 * rename moves it) and the config into a temp file beside the config, each
 * fsynced; only after the last chunk authenticated and the payload ended
 * properly are they renamed into place. Any failure removes the staging.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_int.h"

struct br {
	struct backup_error *err;
	char staging[PATH_MAX];   /* STATE_DIR.restore-XXXXXX */
	char config_tmp[PATH_MAX]; /* CONFIG.restore-XXXXXX */
	int config_fd;
	int fd;             /* the file being written */
	char cur[PATH_MAX]; /* and its path */
	int have_config, have_store;
	int want_config;
	int verify; /* backup_verify_fd: nothing written */
	const struct backup_target *t;
	struct backup_info info;
};

/* The directory part of path in out. */
static void
br_dirname(const char *path, char *out, size_t outlen)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(out, outlen, "%s", dirname(tmp));
}

static int
br_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
br_entry(void *arg, const struct backup_entry *e)
{
	struct br *b = arg;
	char path[PATH_MAX];

	b->info.entries++;
	if (e->type == BACKUP_ENTRY_FILE)
		b->info.bytes += e->size;
	if (strcmp(e->name, "config") == 0) {
		if (b->have_config++)
			return backup_fail(b->err, BACKUP_ECONTENT, "two config entries");
		b->fd = b->want_config && !b->verify ? b->config_fd : -2; /* -2: read and dropped */
		snprintf(b->cur, sizeof(b->cur), "%s", b->config_tmp);
		return 0;
	}
	if (b->verify) {
		b->have_store |= strcmp(e->name, "state/poort.db") == 0;
		b->fd = -2;
		return 0;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", b->staging, e->name + 6) >= sizeof(path))
		return backup_fail(b->err, BACKUP_ECONTENT, "%s: path too long", e->name);
	if (e->type == BACKUP_ENTRY_DIR) {
		if (mkdir(path, 0700) < 0)
			return backup_fail(b->err, errno == EEXIST || errno == ENOENT ? BACKUP_ECONTENT
										   : BACKUP_EIO,
					   "%s: %s", e->name, strerror(errno));
		chmod(path, (e->mode & 0750) | 0700);
		return 0;
	}
	if (strcmp(e->name, "state/poort.db") == 0)
		b->have_store = 1;
	/* new files only, no symlink followed; keys stay 0600 (no bits for others) */
	b->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b->fd < 0)
		return backup_fail(b->err,
				   errno == EEXIST || errno == ENOENT || errno == ENOTDIR
					   ? BACKUP_ECONTENT
					   : BACKUP_EIO,
				   "%s: %s", e->name, strerror(errno));
	fchmod(b->fd, (e->mode & 0640) | 0600);
	snprintf(b->cur, sizeof(b->cur), "%s", path);
	return 0;
}

static int
br_data(void *arg, const uint8_t *p, size_t n)
{
	struct br *b = arg;

	if (b->fd == -2)
		return 0;
	while (n > 0) {
		ssize_t w = write(b->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return backup_fail(b->err, BACKUP_EIO, "%s: %s", b->cur, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
br_entry_end(void *arg)
{
	struct br *b = arg;
	char dir[PATH_MAX];
	int rc = 0;

	if (b->fd == -2 || b->fd == b->config_fd) {
		b->fd = -1;
		return 0; /* the config's temp file is fsynced before its rename */
	}
	if (fsync(b->fd) < 0)
		rc = backup_fail(b->err, BACKUP_EIO, "%s: %s", b->cur, strerror(errno));
	if (close(b->fd) < 0 && rc == 0)
		rc = backup_fail(b->err, BACKUP_EIO, "%s: %s", b->cur, strerror(errno));
	b->fd = -1;
	br_dirname(b->cur, dir, sizeof(dir));
	if (rc == 0 && br_fsync_dir(dir) < 0)
		rc = backup_fail(b->err, BACKUP_EIO, "%s: %s", dir, strerror(errno));
	return rc;
}

static int
br_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* 1 if dir is absent or empty, 0 if it has entries, < 0 if it cannot be read. */
static int
br_fresh(const char *dir)
{
	struct stat sb;
	char probe[PATH_MAX + 8];
	int n;
	struct dirent **list = NULL;

	if (lstat(dir, &sb) < 0)
		return errno == ENOENT ? 1 : -1;
	if (!S_ISDIR(sb.st_mode))
		return 0;
	snprintf(probe, sizeof(probe), "%s", dir);
	if ((n = scandir(probe, &list, NULL, NULL)) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return n <= 2; /* . and .. */
}

/* Moves the staged state and config into place. */
static int
br_swap(struct br *b, const struct backup_target *t)
{
	char parent[PATH_MAX], aside[PATH_MAX + 48];
	int fresh = br_fresh(t->state_dir);

	if (fresh < 0)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", t->state_dir, strerror(errno));
	if (!fresh && !t->replace)
		return backup_fail(b->err, BACKUP_ETARGET, "%s", t->state_dir);
	if (b->want_config && (fsync(b->config_fd) < 0 || close(b->config_fd) < 0)) {
		b->config_fd = -1;
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", b->config_tmp, strerror(errno));
	}
	b->config_fd = -1;
	snprintf(aside, sizeof(aside), "%s.before-restore-%lld", t->state_dir,
		 (long long)time(NULL));
	if (!fresh && rename(t->state_dir, aside) < 0)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", t->state_dir, strerror(errno));
	if (fresh && rmdir(t->state_dir) < 0 && errno != ENOENT)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", t->state_dir, strerror(errno));
	if (rename(b->staging, t->state_dir) < 0)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", t->state_dir, strerror(errno));
	b->staging[0] = '\0';
	br_dirname(t->state_dir, parent, sizeof(parent));
	if (br_fsync_dir(parent) < 0)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", parent, strerror(errno));
	if (!b->want_config)
		return 0;
	/* the running config stays readable under its name until the rename */
	snprintf(aside, sizeof(aside), "%s.before-restore-%lld", t->config_path,
		 (long long)time(NULL));
	if (access(t->config_path, F_OK) == 0 && link(t->config_path, aside) < 0 && errno != EEXIST)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", aside, strerror(errno));
	if (rename(b->config_tmp, t->config_path) < 0)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", t->config_path, strerror(errno));
	b->config_tmp[0] = '\0';
	br_dirname(t->config_path, parent, sizeof(parent));
	if (br_fsync_dir(parent) < 0)
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", parent, strerror(errno));
	return 0;
}

static int
br_stage(struct br *b, const struct backup_target *t)
{
	if ((size_t)snprintf(b->staging, sizeof(b->staging), "%s.restore-XXXXXX", t->state_dir) >=
		    sizeof(b->staging) ||
	    mkdtemp(b->staging) == NULL) {
		b->staging[0] = '\0';
		return backup_fail(b->err, BACKUP_EIO, "%s: cannot make a staging directory: %s",
				   t->state_dir, strerror(errno));
	}
	if (!b->want_config)
		return 0;
	if ((size_t)snprintf(b->config_tmp, sizeof(b->config_tmp), "%s.restore-XXXXXX",
			     t->config_path) >= sizeof(b->config_tmp) ||
	    (b->config_fd = mkostemp(b->config_tmp, O_CLOEXEC)) < 0) {
		b->config_tmp[0] = '\0';
		return backup_fail(b->err, BACKUP_EIO, "%s: %s", t->config_path, strerror(errno));
	}
	fchmod(b->config_fd, 0600);
	return 0;
}

/* Authenticates and parses the whole stream on fd into b's sink. */
static int
br_run(struct br *b, int fd, const char *pass, size_t passlen)
{
	struct backup_sink sink = {br_entry, br_data, br_entry_end, b};
	struct backup_stream s;
	struct backup_parser bp;
	const uint8_t *p;
	size_t n;
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = backup_stream_open(&s, fd, pass, passlen, b->err)) < 0)
		goto done;
	if (!b->verify && (rc = br_stage(b, b->t)) < 0)
		goto done;
	backup_parser_init(&bp, &sink);
	while (!s.eof) {
		if ((rc = backup_stream_read(&s, &p, &n)) < 0 ||
		    (rc = backup_parser_feed(&bp, p, n)) < 0)
			goto done;
	}
	if (backup_parser_finish(&bp) < 0 || !b->have_store || (b->want_config && !b->have_config)) {
		rc = backup_fail(b->err, BACKUP_ECONTENT, "incomplete: %s",
				 !b->have_store ? "no store" : "no config or no end");
		goto done;
	}
	b->info.has_config = b->have_config > 0;
	rc = 0;
done:
	backup_stream_free(&s);
	return rc;
}

int
backup_restore_fd(int fd, const struct backup_target *t, const char *pass, size_t passlen,
		  struct backup_error *err)
{
	struct br b;
	int rc;

	memset(&b, 0, sizeof(b));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	b.err = err;
	b.t = t;
	b.fd = b.config_fd = -1;
	b.want_config = t->config_path != NULL;
	/* refuse early what the swap would refuse late */
	if ((rc = br_fresh(t->state_dir)) < 0)
		return backup_fail(err, BACKUP_EIO, "%s: %s", t->state_dir, strerror(errno));
	if (rc == 0 && !t->replace)
		return backup_fail(err, BACKUP_ETARGET, "%s", t->state_dir);
	if ((rc = br_run(&b, fd, pass, passlen)) == 0)
		rc = br_swap(&b, t);
	if (rc < 0 && err != NULL && err->code == 0)
		backup_fail(err, rc, "%s", backup_strerror(rc));
	if (b.fd >= 0 && b.fd != b.config_fd)
		close(b.fd);
	if (b.config_fd >= 0)
		close(b.config_fd);
	if (b.config_tmp[0] != '\0')
		unlink(b.config_tmp);
	if (b.staging[0] != '\0')
		nftw(b.staging, br_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

int
backup_restore(const char *path, const struct backup_target *t, const char *pass,
	       size_t passlen, struct backup_error *err)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (err != NULL)
			memset(err, 0, sizeof(*err));
		return backup_fail(err, BACKUP_EIO, "%s: %s", path, strerror(errno));
	}
	rc = backup_restore_fd(fd, t, pass, passlen, err);
	close(fd);
	return rc;
}

int
backup_verify_fd(int fd, const char *pass, size_t passlen, struct backup_info *info,
		 struct backup_error *err)
{
	struct br b;
	int rc;

	memset(&b, 0, sizeof(b));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	b.err = err;
	b.fd = b.config_fd = -1;
	b.verify = 1;
	b.want_config = 1;
	rc = br_run(&b, fd, pass, passlen);
	if (rc < 0 && err != NULL && err->code == 0)
		backup_fail(err, rc, "%s", backup_strerror(rc));
	if (info != NULL)
		*info = b.info;
	return rc;
}
