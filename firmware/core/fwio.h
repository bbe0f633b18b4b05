/* Flash access for the core: driver errors become FW_EFLASH (or FW_EPOWER
 * in the simulator, so tests can tell a cut from a fault). */
#ifndef FW_FWIO_H
#define FW_FWIO_H

#include <poort/board.h>
#include <poort/fw/err.h>

static inline int
fwio_map(int rc)
{
	if (rc == 0)
		return 0;
	return rc == DRV_EPOWER ? FW_EPOWER : FW_EFLASH;
}

static inline int
fwio_read(const struct board *b, uint32_t off, void *buf, size_t len)
{
	return fwio_map(b->flash->ops->read(b->flash->ctx, off, buf, len));
}

static inline int
fwio_write(const struct board *b, uint32_t off, const void *buf, size_t len)
{
	return fwio_map(b->flash->ops->write(b->flash->ctx, off, buf, len));
}

static inline int
fwio_erase(const struct board *b, uint32_t off, size_t len)
{
	return fwio_map(b->flash->ops->erase(b->flash->ctx, off, len));
}

#endif
