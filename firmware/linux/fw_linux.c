/* firmware/core on Linux (see fw_linux.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/sha256.h>

#include <poort/fw/err.h>
#include <poort/fw/sink.h>

#include "fw_linux.h"

#define FWL_CHUNK 4096u

/* A device-tree property file: whole, at most len - 1 bytes, NUL added. */
static int
fwl_prop_read(const char *dir, const char *name, uint8_t *buf, size_t len, size_t *got)
{
	char p[512];
	FILE *fp;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "re");
	if (fp == NULL)
		return -1;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = 0;
	*got = n;
	return 0;
}

static int
fwl_prop_u32(const char *dir, const char *name, uint32_t *v)
{
	uint8_t b[8];
	size_t n;

	if (fwl_prop_read(dir, name, b, sizeof(b), &n) < 0 || n != 4)
		return -1;
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

static void
fwl_prop_str(const char *dir, const char *name, char *out, size_t outlen)
{
	size_t n;

	if (fwl_prop_read(dir, name, (uint8_t *)out, outlen, &n) < 0)
		out[0] = 0;
}

int
fwl_running_read(const char *chosen_dir, struct fwl_running *r)
{
	const char *dir = chosen_dir != NULL ? chosen_dir : FWL_CHOSEN_DEFAULT;
	char slot[8];
	uint32_t v;

	memset(r, 0, sizeof(*r));
	fwl_prop_str(dir, "poort,slot", slot, sizeof(slot));
	if (strcmp(slot, "A") != 0 && strcmp(slot, "B") != 0)
		return 1;
	r->slot = slot[0] == 'B';
	if (fwl_prop_u32(dir, "poort,trial", &v) == 0)
		r->trial = v != 0;
	if (fwl_prop_u32(dir, "poort,rollback", &r->rollback) == 0)
		r->has_rollback = 1;
	fwl_prop_str(dir, "poort,version", r->version, sizeof(r->version));
	fwl_prop_str(dir, "poort,board", r->board, sizeof(r->board));
	return 0;
}

int
fwl_open(struct fwl *f, const struct fwl_opts *o, char *err, size_t errlen)
{
	struct fwl_running run;
	const char *board = o->board;
	struct stat sb;

	memset(f, 0, sizeof(*f));
	f->mtd.fd = -1;
	f->file.fd = -1;
	if (board == NULL) {
		if (fwl_running_read(o->chosen, &run) != 0 || run.board[0] == 0) {
			snprintf(err, errlen,
			         "no board named in %s/poort,board (not started by the"
			         " Poort boot stage?): give --board",
			         o->chosen != NULL ? o->chosen : FWL_CHOSEN_DEFAULT);
			return -1;
		}
		board = run.board;
	}
	f->bl = board_linux_find(board);
	if (f->bl == NULL) {
		snprintf(err, errlen, "unknown board \"%s\"", board);
		return -1;
	}
	if (o->flash != NULL) {
		snprintf(f->path, sizeof(f->path), "%s", o->flash);
	} else if (mtd_flash_find(NULL, f->bl->mtd_name, f->path, sizeof(f->path)) < 0) {
		snprintf(err, errlen,
		         "no MTD partition \"%s\" (/proc/mtd): does the kernel have"
		         " MTD_CFI/MTD_PHYSMAP_OF and did the boot stage add the partitions?",
		         f->bl->mtd_name);
		return -1;
	}
	if (stat(f->path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		/* host tests: a file with the board's geometry and NOR rules */
		f->is_file = 1;
		if (sim_flash_open(&f->file, f->path, f->bl->flash_size, f->bl->erase_size) < 0) {
			snprintf(err, errlen, "%s: %s (a flash file must be %u bytes)", f->path,
			         strerror(errno), f->bl->flash_size);
			return -1;
		}
		f->file.cut_at = o->cut_at;
		board_linux_fill(f->bl, &f->file.drv, &f->b);
		return 0;
	}
	if (mtd_flash_open(&f->mtd, f->path, o->rdonly, err, errlen) < 0)
		return -1;
	if (f->mtd.drv.erase_size != f->bl->erase_size || f->mtd.drv.size < f->bl->flash_size) {
		snprintf(err, errlen, "%s: %u bytes in %u-byte sectors, board %s needs %u in %u",
		         f->path, f->mtd.drv.size, f->mtd.drv.erase_size, f->bl->name,
		         f->bl->flash_size, f->bl->erase_size);
		mtd_flash_close(&f->mtd);
		return -1;
	}
	board_linux_fill(f->bl, &f->mtd.drv, &f->b);
	return 0;
}

void
fwl_close(struct fwl *f)
{
	if (f->is_file)
		sim_flash_close(&f->file);
	else
		mtd_flash_close(&f->mtd);
	memset(&f->b, 0, sizeof(f->b));
}

int
fwl_slot_check(struct fwl *f, int slot, uint32_t min_rollback, struct fwl_slot *out)
{
	const struct board_area *a = &f->b.slot[slot];
	uint8_t m[4];

	memset(out, 0, sizeof(*out));
	out->rc = fw_image_verify_flash(f->b.flash, a->off, a->size, &fw_boot_pubkey, f->b.id,
	                                min_rollback, &out->hdr);
	if (out->rc == FW_EFORMAT &&
	    f->b.flash->ops->read(f->b.flash->ctx, a->off, m, sizeof(m)) == 0)
		out->empty = (m[0] & m[1] & m[2] & m[3]) == 0xff;
	return out->rc == FW_EFLASH ? FW_EFLASH : 0;
}

static int
fwl_same_image(const struct fw_image_hdr *h, const struct fwl_running *run)
{
	char v[24];

	if (run == NULL)
		return 1;
	if (run->has_rollback && run->rollback != h->rollback)
		return 0;
	snprintf(v, sizeof(v), "%u.%u.%u", h->ver[0], h->ver[1], h->ver[2]);
	return run->version[0] == 0 || strcmp(v, run->version) == 0;
}

int
fwl_confirm(struct fwl *f, int slot, const struct fwl_running *run, int *was_trial)
{
	struct fw_state st;
	struct fwl_slot sc;
	int rc;

	if (was_trial != NULL)
		*was_trial = 0;
	if (slot < 0 || slot > 1)
		return FW_EINVAL;
	rc = fw_state_load(&f->b, &st);
	if (rc < 0)
		return rc;
	if (st.trial != slot && st.primary != slot)
		return FW_ESTATE;
	rc = fwl_slot_check(f, slot, st.min_rollback, &sc);
	if (rc == 0)
		rc = sc.rc;
	if (rc)
		return rc;
	if (!fwl_same_image(&sc.hdr, run))
		return FW_ESTATE;
	if (was_trial != NULL)
		*was_trial = st.trial == slot;
	return fw_state_confirm(&f->b, slot, sc.hdr.rollback);
}

int
fwl_image_check(struct fwl *f, const uint8_t *img, size_t len, struct fw_image_hdr *hdr)
{
	struct fw_image_verify v;
	struct fw_state st;
	int rc;

	rc = fw_state_load(&f->b, &st);
	if (rc < 0)
		return rc;
	rc = fw_image_hdr_parse(img, len, hdr);
	if (rc)
		return rc;
	if (hdr->board_id != f->b.id)
		return FW_EBOARD;
	if (len > f->b.slot[0].size || len > f->b.slot[1].size)
		return FW_ESIZE;
	fw_image_verify_init(&v);
	rc = fw_image_verify_update(&v, img, len);
	if (rc == 0)
		rc = fw_image_verify_finish(&v, &fw_boot_pubkey, f->b.id, st.min_rollback, hdr);
	fw_image_verify_free(&v);
	if (rc == 0 && len != fw_image_total_size(hdr))
		rc = FW_EFORMAT; /* trailing bytes: not the image that was signed */
	return rc;
}

int
fwl_update(struct fwl *f, const uint8_t *img, size_t len, int *slot, uint32_t *resumed)
{
	struct fw_sink s;
	uint32_t off;
	int rc;

	fw_sink_init(&s, &f->b, &fw_boot_pubkey);
	rc = fw_sink_begin(&s, img, len, resumed);
	if (rc)
		goto done;
	*slot = s.slot;
	if (*resumed > 0) {
		/* the journal only proposes: the slot's bytes so far must
		 * hash like ours, else the sink starts over at 0 */
		uint8_t sha[32];
		mbedtls_sha256_ret(img, *resumed, sha, 0);
		rc = fw_sink_resume(&s, *resumed, sha);
		if (rc)
			goto done;
		*resumed = fw_sink_next(&s);
	}
	for (off = fw_sink_next(&s); off < len;) {
		size_t n = len - off < FWL_CHUNK ? len - off : FWL_CHUNK;
		rc = fw_sink_write(&s, off, img + off, n);
		if (rc)
			goto done;
		off += (uint32_t)n;
	}
	rc = fw_sink_verify(&s);
	if (rc == 0)
		rc = fw_sink_activate(&s);
done:
	fw_sink_free(&s);
	return rc;
}
