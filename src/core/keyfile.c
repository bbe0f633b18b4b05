#include "poort/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int
keyfile_read(const char *path, void *buf, size_t len, char *err, size_t errlen)
{
	struct stat sb;
	size_t got = 0;
	char extra;
	int fd, rc = KEYFILE_EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s does not exist", path);
			return KEYFILE_ENOENT;
		}
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return KEYFILE_EIO;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
		goto done;
	}
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != len || read(fd, &extra, 1) != 0) {
		snprintf(err, errlen,
		         "%s is %lld bytes, not %zu: a damaged key file; restore it from a backup"
		         " (a new key would change everything derived from it)",
		         path, (long long)sb.st_size, len);
		rc = KEYFILE_ESIZE;
		goto done;
	}
	rc = 0;
done:
	if (rc < 0)
		explicit_bzero(buf, len);
	close(fd);
	return rc;
}

/* fsync of the directory that holds path: the rename itself is durable. */
static int
keyfile_sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
keyfile_write(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	return keyfile_write_mode(path, data, len, 0600, err, errlen);
}

int
keyfile_write_mode(const char *path, const void *data, size_t len, unsigned mode, char *err,
		   size_t errlen)
{
	char tmp[4200];
	size_t done = 0;
	int fd = -1, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return KEYFILE_EIO;
	}
	unlink(tmp); /* left by a crash: never reused, it may be partial */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, (mode_t)mode) < 0) /* whatever the umask */
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	e = close(fd);
	fd = -1;
	if (e < 0 || rename(tmp, path) < 0)
		goto fail;
	if (keyfile_sync_dir(path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return KEYFILE_EIO;
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
	return KEYFILE_EIO;
}

int
keyfile_load(const char *path, void *key, size_t len, char *err, size_t errlen)
{
	int rc = keyfile_read(path, key, len, err, errlen);

	size_t got = 0;

	if (rc != KEYFILE_ENOENT)
		return rc;
	/* the kernel's CSPRNG; blocks only until it is seeded at boot */
	while (got < len) {
		ssize_t n = getrandom((char *)key + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: no random bytes for a new key: %s", path,
			         strerror(errno));
			return KEYFILE_EIO;
		}
		got += (size_t)n;
	}
	rc = keyfile_write(path, key, len, err, errlen);
	if (rc < 0)
		explicit_bzero(key, len);
	return rc;
}
