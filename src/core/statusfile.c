#include "poort/statusfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/keyfile.h"

int
statusfile_write(const char *dir, const char *name, char *text, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc;

	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(text);
		return -1;
	}
	/* not secret: the web child (another user) reads it */
	rc = keyfile_write_mode(path, text, strlen(text), 0644, err, errlen);
	free(text);
	return rc < 0 ? -1 : 0;
}

int
statusfile_read(const char *dir, const char *name, char *buf, size_t size, size_t *got)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd, rc = 0;

	*got = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return STATUSFILE_EIO;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? STATUSFILE_ENOENT : STATUSFILE_EIO;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size >= size) {
		close(fd);
		return STATUSFILE_EFORMAT;
	}
	for (;;) {
		ssize_t n = read(fd, buf + *got, size - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = STATUSFILE_EIO;
			break;
		}
		if (n == 0)
			break;
		*got += (size_t)n;
		if (*got == size) {
			rc = STATUSFILE_EFORMAT; /* grew past the bound */
			break;
		}
	}
	close(fd);
	return rc;
}
