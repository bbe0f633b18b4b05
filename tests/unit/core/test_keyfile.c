/* Key files: made 0600 and durably, read back whole, never silently remade. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/keyfile.h"
#include "test.h"

static char dir[] = "/tmp/poort-keyfile-XXXXXX";

static void
put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

static off_t
size_of(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

int
main(void)
{
	char path[300], tmp[320], err[512];
	unsigned char key[32], again[32], buf[32];
	struct stat sb;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/cui.key", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	/* first start: a new key, mode 0600 whatever the umask, no temp left */
	mode_t old = umask(0);
	CHECK_INT(keyfile_load(path, key, sizeof(key), err, sizeof(err)), 0);
	umask(old);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(size_of(path), 32);
	CHECK(access(tmp, F_OK) != 0);

	/* the next start reads the same key */
	CHECK_INT(keyfile_load(path, again, sizeof(again), err, sizeof(err)), 0);
	CHECK(memcmp(key, again, sizeof(key)) == 0);

	/* a short file is an error naming it, and stays as it was */
	put(path, key, 16);
	CHECK_INT(keyfile_load(path, again, sizeof(again), err, sizeof(err)), KEYFILE_ESIZE);
	CHECK(strstr(err, path) != NULL && strstr(err, "16 bytes, not 32") != NULL);
	CHECK_INT(size_of(path), 16);
	/* so are an empty one and a long one */
	put(path, key, 0);
	CHECK_INT(keyfile_load(path, again, sizeof(again), err, sizeof(err)), KEYFILE_ESIZE);
	CHECK_INT(size_of(path), 0);
	put(path, "0123456789abcdef0123456789abcdef!", 33);
	CHECK_INT(keyfile_read(path, again, sizeof(again), err, sizeof(err)), KEYFILE_ESIZE);
	CHECK_INT(size_of(path), 33);

	/* unreadable (a directory where the key should be): an error, not a new key */
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	CHECK_INT(keyfile_load(path, again, sizeof(again), err, sizeof(err)), KEYFILE_EIO);
	CHECK(strstr(err, path) != NULL);
	rmdir(path);

	/* missing: keyfile_read says so and makes nothing */
	CHECK_INT(keyfile_read(path, buf, sizeof(buf), err, sizeof(err)), KEYFILE_ENOENT);
	CHECK(access(path, F_OK) != 0);

	/* keyfile_write replaces a file whole, 0600, and a stale temp is not reused */
	put(path, "old", 3);
	chmod(path, 0644);
	put(tmp, "partial", 7);
	CHECK_INT(keyfile_write(path, key, sizeof(key), err, sizeof(err)), 0);
	CHECK_INT(keyfile_read(path, buf, sizeof(buf), err, sizeof(err)), 0);
	CHECK(memcmp(buf, key, sizeof(key)) == 0);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK(access(tmp, F_OK) != 0);

	/* a directory that does not exist: an error naming the file */
	CHECK_INT(keyfile_write("/nonexistent/dir/k", key, 4, err, sizeof(err)), KEYFILE_EIO);
	CHECK(strstr(err, "/nonexistent/dir/k") != NULL);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
	TEST_DONE();
}
