/*
 * Making a backup (poort/backup.h): the config file, a consistent copy of
 * the store (SQLite's online backup API, safe while poortd writes: it
 * copies one read snapshot), then every other file and directory of the
 * state directory, into the encrypted stream.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_int.h"

#define BW_DEPTH_MAX 8

struct bw {
	struct backup_stream s;
	struct backup_error *err;
	uint32_t count;
	char tmpdir[PATH_MAX]; /* the store's copy lives here while it is read */
};

static int
bw_entry_head(struct bw *w, uint8_t type, const char *name, unsigned mode, const uint64_t *size)
{
	uint8_t h[1 + 2 + BACKUP_NAME_MAX + 2 + 8];
	size_t nl = strlen(name), n = 0;

	if (!backup_name_valid(name))
		return backup_fail(w->err, BACKUP_ECONTENT, "cannot back up %s: unusual name", name);
	h[n++] = type;
	h[n++] = (uint8_t)(nl >> 8);
	h[n++] = (uint8_t)nl;
	memcpy(h + n, name, nl);
	n += nl;
	h[n++] = (uint8_t)((mode & 07777u) >> 8);
	h[n++] = (uint8_t)mode;
	for (int i = 7; size != NULL && i >= 0; i--)
		h[n++] = (uint8_t)(*size >> (8 * i));
	w->count++;
	return backup_stream_write(&w->s, h, n);
}

/* One file, streamed; its size as it was opened (a file growing meanwhile is cut there). */
static int
bw_file(struct bw *w, const char *path, const char *name)
{
	uint8_t buf[16384];
	struct stat sb;
	uint64_t left;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return backup_fail(w->err, BACKUP_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return backup_fail(w->err, BACKUP_EIO, "%s: not a regular file", path);
	}
	left = (uint64_t)sb.st_size;
	if ((rc = bw_entry_head(w, 'F', name, sb.st_mode, &left)) < 0)
		goto done;
	while (left > 0) {
		size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t r = read(fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* shrank while read: the entry's size is promised, so fail */
			rc = backup_fail(w->err, BACKUP_EIO, "%s: changed while read", path);
			goto done;
		}
		if ((rc = backup_stream_write(&w->s, buf, (size_t)r)) < 0)
			goto done;
		left -= (uint64_t)r;
	}
	rc = 0;
done:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* Names at the top of the state directory that are not copied as they are. */
static int
bw_skip(const char *rel, const char *leaf)
{
	static const char *const top[] = {"poort.db", "poort.db-wal", "poort.db-shm",
					  "poort.db-journal"};

	if (strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0)
		return 1;
	/* our own staging and temp directories, and what a restore set aside */
	if (strncmp(leaf, ".backup-", 8) == 0 || strstr(leaf, ".restore-") != NULL)
		return 1;
	for (size_t i = 0; strchr(rel, '/') == NULL && i < sizeof(top) / sizeof(top[0]); i++)
		if (strcmp(rel, top[i]) == 0)
			return 1;
	return 0;
}

static int
bw_dir(struct bw *w, const char *dir, const char *rel, int depth)
{
	char path[PATH_MAX], name[BACKUP_NAME_MAX + 8], r2[PATH_MAX];
	struct dirent **list = NULL;
	struct stat sb;
	int n, rc = 0;

	if (depth > BW_DEPTH_MAX)
		return backup_fail(w->err, BACKUP_ECONTENT, "%s: nested too deep", dir);
	/* sorted: the same box gives the same order */
	if ((n = scandir(dir, &list, NULL, alphasort)) < 0)
		return backup_fail(w->err, BACKUP_EIO, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *leaf = list[i]->d_name;
		if (rc < 0)
			continue;
		snprintf(r2, sizeof(r2), "%s%s%s", rel, rel[0] ? "/" : "", leaf);
		if (bw_skip(r2, leaf))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, leaf) >= sizeof(path) ||
		    (size_t)snprintf(name, sizeof(name), "state/%s", r2) > BACKUP_NAME_MAX) {
			rc = backup_fail(w->err, BACKUP_ECONTENT, "%s/%s: path too long", dir, leaf);
			continue;
		}
		if (lstat(path, &sb) < 0) {
			rc = backup_fail(w->err, BACKUP_EIO, "%s: %s", path, strerror(errno));
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			if ((rc = bw_entry_head(w, 'D', name, sb.st_mode, NULL)) == 0)
				rc = bw_dir(w, path, r2, depth + 1);
		} else if (S_ISREG(sb.st_mode)) {
			rc = bw_file(w, path, name);
		}
		/* symlinks, sockets, fifos: not part of a box's state */
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

/* A consistent copy of the store into w->tmpdir/poort.db. */
static int
bw_store_copy(struct bw *w, const char *state_dir, char *out, size_t outlen)
{
	char src[PATH_MAX];
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *b;
	int rc = BACKUP_ESTORE;

	snprintf(w->tmpdir, sizeof(w->tmpdir), "%s/.backup-XXXXXX", state_dir);
	if (mkdtemp(w->tmpdir) == NULL) {
		w->tmpdir[0] = '\0';
		return backup_fail(w->err, BACKUP_EIO, "%s: %s", state_dir, strerror(errno));
	}
	snprintf(src, sizeof(src), "%s/poort.db", state_dir);
	snprintf(out, outlen, "%s/poort.db", w->tmpdir);
	/* password hashes: the copy is owner-only like the store, from its first byte */
	close(open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	if (access(src, R_OK) < 0)
		return backup_fail(w->err, BACKUP_ESTORE, "%s: %s", src, strerror(errno));
	/* read-write without create: a read-only connection to a WAL store needs its
	 * -shm file, which a stopped poortd leaves none of */
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(from, 10000) != SQLITE_OK ||
	    sqlite3_open_v2(out, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto done;
	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL)
		goto done;
	/* all pages in one step: one read transaction, one consistent snapshot */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(50);
	rc = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? 0 : BACKUP_ESTORE;
done:
	if (rc < 0)
		backup_fail(w->err, BACKUP_ESTORE, "%s: %s", src,
			    from != NULL ? sqlite3_errmsg(from) : "cannot open");
	sqlite3_close(from);
	if (to != NULL && sqlite3_close(to) != SQLITE_OK && rc == 0)
		rc = backup_fail(w->err, BACKUP_ESTORE, "%s: cannot close the copy", out);
	return rc;
}

static void
bw_tmp_remove(struct bw *w)
{
	char p[PATH_MAX + 32];
	static const char *const files[] = {"poort.db", "poort.db-journal", "poort.db-wal",
					    "poort.db-shm"};

	if (w->tmpdir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", w->tmpdir, files[i]);
		unlink(p);
	}
	rmdir(w->tmpdir);
	w->tmpdir[0] = '\0';
}

int
backup_write_fd(const struct backup_source *src, int fd, const char *pass, size_t passlen,
		struct backup_error *err)
{
	struct bw w;
	char db[PATH_MAX + 16];
	int rc;

	memset(&w, 0, sizeof(w));
	w.err = err;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (passlen < BACKUP_PASS_MIN)
		return backup_fail(err, BACKUP_EPASSWEAK, "at least %d characters",
				   BACKUP_PASS_MIN);
	if ((rc = backup_stream_create(&w.s, fd, src->scrypt_log2n, pass, passlen, err)) < 0)
		goto done;
	if ((rc = bw_file(&w, src->config_path, "config")) < 0 ||
	    (rc = bw_store_copy(&w, src->state_dir, db, sizeof(db))) < 0 ||
	    (rc = bw_file(&w, db, "state/poort.db")) < 0)
		goto done;
	bw_tmp_remove(&w);
	if ((rc = bw_dir(&w, src->state_dir, "", 0)) < 0)
		goto done;
	{
		uint8_t end[5] = {'E', (uint8_t)(w.count >> 24), (uint8_t)(w.count >> 16),
				  (uint8_t)(w.count >> 8), (uint8_t)w.count};
		if ((rc = backup_stream_write(&w.s, end, sizeof(end))) < 0)
			goto done;
	}
	rc = backup_stream_finish(&w.s);
done:
	bw_tmp_remove(&w);
	backup_stream_free(&w.s);
	return rc;
}

int
backup_write(const struct backup_source *src, const char *path, const char *pass, size_t passlen,
	     struct backup_error *err)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= sizeof(tmp))
		return backup_fail(err, BACKUP_EIO, "%s: path too long", path);
	/* the file is encrypted, but who may copy it is still the owner's call */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return backup_fail(err, BACKUP_EIO, "%s: %s", tmp, strerror(errno));
	fchmod(fd, 0600);
	rc = backup_write_fd(src, fd, pass, passlen, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = backup_fail(err, BACKUP_EIO, "%s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = backup_fail(err, BACKUP_EIO, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = backup_fail(err, BACKUP_EIO, "%s: %s", path, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	return rc;
}
