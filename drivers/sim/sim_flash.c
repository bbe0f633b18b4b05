/* Simulated NOR flash (see sim_flash.h). Program ANDs bits like real NOR,
 * so a core that writes twice without erasing corrupts data in the
 * simulator as it would on hardware. The operation chosen by cut_at is
 * torn: only its first half happens, then the power is off. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_flash.h"

static int
sim_sync(struct sim_flash *f, uint32_t off, size_t len)
{
	if (f->fd < 0)
		return 0;
	if (pwrite(f->fd, f->mem + off, len, off) != (ssize_t)len)
		return DRV_EIO;
	return 0;
}

/* Counts one operation; returns the byte count to really apply (len, or
 * half of it for the torn one), or -1 if power is already gone. */
static long
sim_account(struct sim_flash *f, size_t len)
{
	if (f->dead)
		return -1;
	if (f->cut_at >= 0 && (int64_t)f->ops == f->cut_at) {
		f->ops++;
		f->dead = 1;
		return (long)(len / 2);
	}
	f->ops++;
	return (long)len;
}

static int
sim_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct sim_flash *f = ctx;

	if (f->dead)
		return DRV_EPOWER;
	if (off > f->drv.size || len > f->drv.size - off)
		return DRV_ERANGE;
	memcpy(buf, f->mem + off, len);
	return 0;
}

static int
sim_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct sim_flash *f = ctx;
	const uint8_t *p = buf;
	long n;

	if (off > f->drv.size || len > f->drv.size - off || (off | len) & (f->drv.write_align - 1))
		return f->dead ? DRV_EPOWER : DRV_ERANGE;
	n = sim_account(f, len);
	if (n < 0)
		return DRV_EPOWER;
	for (long i = 0; i < n; i++)
		f->mem[off + i] &= p[i];
	if (sim_sync(f, off, (size_t)n))
		return DRV_EIO;
	return f->dead ? DRV_EPOWER : 0;
}

static int
sim_erase(void *ctx, uint32_t off, size_t len)
{
	struct sim_flash *f = ctx;
	long n;

	if (off > f->drv.size || len > f->drv.size - off || (off | len) & (f->drv.erase_size - 1))
		return f->dead ? DRV_EPOWER : DRV_ERANGE;
	n = sim_account(f, len);
	if (n < 0)
		return DRV_EPOWER;
	memset(f->mem + off, 0xff, (size_t)n);
	if (sim_sync(f, off, (size_t)n))
		return DRV_EIO;
	return f->dead ? DRV_EPOWER : 0;
}

static const struct drv_flash_ops sim_flash_ops = {
    .read = sim_read,
    .write = sim_write,
    .erase = sim_erase,
};

int
sim_flash_open(struct sim_flash *f, const char *path, uint32_t size, uint32_t erase_size)
{
	struct stat sb;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->cut_at = -1;
	f->drv.ops = &sim_flash_ops;
	f->drv.ctx = f;
	f->drv.size = size;
	f->drv.erase_size = erase_size;
	f->drv.write_align = 8;
	f->mem = malloc(size);
	if (!f->mem)
		return -1;
	memset(f->mem, 0xff, size);
	if (!path)
		return 0;
	f->fd = open(path, O_RDWR | O_CREAT, 0644);
	if (f->fd < 0)
		goto fail;
	if (fstat(f->fd, &sb) < 0)
		goto fail;
	if (sb.st_size == 0) {
		if (pwrite(f->fd, f->mem, size, 0) != (ssize_t)size)
			goto fail;
	} else if (sb.st_size != (off_t)size || pread(f->fd, f->mem, size, 0) != (ssize_t)size) {
		errno = EINVAL;
		goto fail;
	}
	return 0;
fail:
	sim_flash_close(f);
	return -1;
}

void
sim_flash_power_on(struct sim_flash *f)
{
	f->dead = 0;
	f->cut_at = -1;
}

void
sim_flash_close(struct sim_flash *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->mem);
	f->mem = NULL;
	f->fd = -1;
}
