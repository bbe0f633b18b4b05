/* drv_flash over /dev/mtdN (see mtd_flash.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mtd/mtd-user.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mtd_flash.h"

static int
mtd_range(const struct mtd_flash *f, uint32_t off, size_t len)
{
	return off <= f->drv.size && len <= f->drv.size - off;
}

static int
mtd_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct mtd_flash *f = ctx;
	uint8_t *p = buf;

	if (!mtd_range(f, off, len))
		return DRV_ERANGE;
	while (len > 0) {
		ssize_t n = pread(f->fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return DRV_EIO;
		p += n;
		off += (uint32_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int
mtd_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct mtd_flash *f = ctx;
	const uint8_t *p = buf;

	if (!mtd_range(f, off, len) || ((off | len) & (f->drv.write_align - 1)))
		return DRV_ERANGE;
	while (len > 0) {
		ssize_t n = pwrite(f->fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return DRV_EIO;
		p += n;
		off += (uint32_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* One MEMERASE per sector: the core asks for whole sectors only. */
static int
mtd_erase(void *ctx, uint32_t off, size_t len)
{
	struct mtd_flash *f = ctx;
	struct erase_info_user ei;

	if (!mtd_range(f, off, len) || ((off | len) & (f->drv.erase_size - 1)))
		return DRV_ERANGE;
	for (size_t done = 0; done < len; done += f->drv.erase_size) {
		ei.start = off + (uint32_t)done;
		ei.length = f->drv.erase_size;
		/* Parts that power up with sectors locked refuse to erase
		 * them (the boot stage's CFI driver unlocks too); a chip or
		 * driver without locks answers EOPNOTSUPP, which is fine. */
		(void)ioctl(f->fd, MEMUNLOCK, &ei);
		if (ioctl(f->fd, MEMERASE, &ei) < 0)
			return DRV_EIO;
	}
	return 0;
}

static const struct drv_flash_ops mtd_flash_ops = {
    .read = mtd_read,
    .write = mtd_write,
    .erase = mtd_erase,
};

int
mtd_flash_open(struct mtd_flash *f, const char *dev, int rdonly, char *err, size_t errlen)
{
	struct mtd_info_user mi;

	memset(f, 0, sizeof(*f));
	f->fd = open(dev, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (f->fd < 0) {
		snprintf(err, errlen, "%s: %s", dev, strerror(errno));
		return -1;
	}
	if (ioctl(f->fd, MEMGETINFO, &mi) < 0) {
		snprintf(err, errlen, "%s: not an MTD device (%s)", dev, strerror(errno));
		goto fail;
	}
	if (mi.erasesize == 0 || (mi.erasesize & (mi.erasesize - 1)) || mi.writesize > 16) {
		snprintf(err, errlen, "%s: unsupported geometry (erase %u, write %u)", dev,
		         mi.erasesize, mi.writesize);
		goto fail;
	}
	f->drv.ops = &mtd_flash_ops;
	f->drv.ctx = f;
	f->drv.size = mi.size;
	f->drv.erase_size = mi.erasesize;
	/* NOR programs single bytes; the core writes 8-byte multiples, which
	 * every NOR chip (and the file-backed simulator) takes. */
	f->drv.write_align = mi.writesize > 8 ? mi.writesize : 8;
	return 0;
fail:
	close(f->fd);
	f->fd = -1;
	return -1;
}

void
mtd_flash_close(struct mtd_flash *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* "mtdN" with digits only (not mtdNro). */
static int
mtd_is_dev_name(const char *s)
{
	if (strncmp(s, "mtd", 3) != 0 || s[3] == '\0')
		return 0;
	for (s += 3; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
mtd_find_sysfs(const char *sysfs, const char *name, char *path, size_t pathlen)
{
	char p[512], buf[128];
	struct dirent *de;
	DIR *d = opendir(sysfs);
	int rc = -1;

	if (d == NULL)
		return -1;
	while (rc < 0 && (de = readdir(d)) != NULL) {
		FILE *fp;
		if (!mtd_is_dev_name(de->d_name))
			continue;
		snprintf(p, sizeof(p), "%s/%s/name", sysfs, de->d_name);
		fp = fopen(p, "re");
		if (fp == NULL)
			continue;
		if (fgets(buf, sizeof(buf), fp) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, name) == 0 &&
			    (size_t)snprintf(path, pathlen, "/dev/%s", de->d_name) < pathlen)
				rc = 0;
		}
		fclose(fp);
	}
	closedir(d);
	return rc;
}

/* /proc/mtd: mtd3: 04000000 00040000 "poort-boot-flash" */
static int
mtd_find_proc(const char *name, char *path, size_t pathlen)
{
	char line[256], want[160];
	FILE *fp = fopen("/proc/mtd", "re");
	int rc = -1;

	if (fp == NULL)
		return -1;
	snprintf(want, sizeof(want), "\"%s\"", name);
	while (rc < 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *colon = strchr(line, ':');
		line[strcspn(line, "\n")] = '\0';
		if (colon == NULL || strlen(line) < strlen(want) ||
		    strcmp(line + strlen(line) - strlen(want), want) != 0)
			continue;
		*colon = '\0';
		if (mtd_is_dev_name(line) &&
		    (size_t)snprintf(path, pathlen, "/dev/%s", line) < pathlen)
			rc = 0;
	}
	fclose(fp);
	return rc;
}

int
mtd_flash_find(const char *sysfs, const char *name, char *path, size_t pathlen)
{
	if (mtd_find_sysfs(sysfs != NULL ? sysfs : "/sys/class/mtd", name, path, pathlen) == 0)
		return 0;
	return sysfs != NULL ? -1 : mtd_find_proc(name, path, pathlen);
}
