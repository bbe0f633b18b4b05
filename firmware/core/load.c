/* fw_image_load: one pass from flash to RAM, verified in RAM (see
 * poort/fw/image.h), and the arm64 Image header. */
#include <string.h>

#include <mbedtls/sha256.h>

#include <poort/fw/err.h>
#include <poort/fw/image.h>
#include <poort/fw/lz4.h>

#include "cur.h"
#include "imgint.h"

#define LOAD_KERNEL_ALIGN (2u << 20) /* arm64 booting.rst: 2 MiB aligned base */
#define LOAD_ALIGN (64u << 10)
#define LOAD_STAGE_ALIGN 16u

int
fw_arm64_image_parse(const uint8_t *buf, size_t len, struct fw_arm64_image *img)
{
	struct fw_cur c;
	uint32_t magic;

	fw_cur_init(&c, buf, len);
	fw_cur_take(&c, 8); /* code0, code1 */
	img->text_offset = (uint64_t)fw_cur_u32(&c);
	img->text_offset |= (uint64_t)fw_cur_u32(&c) << 32;
	img->image_size = (uint64_t)fw_cur_u32(&c);
	img->image_size |= (uint64_t)fw_cur_u32(&c) << 32;
	img->flags = (uint64_t)fw_cur_u32(&c);
	img->flags |= (uint64_t)fw_cur_u32(&c) << 32;
	fw_cur_take(&c, 24); /* res2..res4 */
	magic = fw_cur_u32(&c);
	if (c.err || magic != FW_ARM64_IMAGE_MAGIC)
		return FW_EKERNEL;
	/* bit 0: big-endian kernel; image_size 0: a kernel before 3.17,
	 * whose footprint the header does not tell */
	if ((img->flags & 1) || img->image_size == 0)
		return FW_EKERNEL;
	return 0;
}

static uintptr_t
align_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int
sha_matches(const uint8_t *p, uint32_t n, const uint8_t want[32])
{
	mbedtls_sha256_context sha;
	uint8_t dig[32];

	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts_ret(&sha, 0);
	mbedtls_sha256_update_ret(&sha, p, n);
	mbedtls_sha256_finish_ret(&sha, dig);
	mbedtls_sha256_free(&sha);
	return memcmp(dig, want, 32) == 0;
}

static const int load_order[] = {FW_COMP_KERNEL, FW_COMP_INITRAMFS, FW_COMP_ROOTFS, FW_COMP_DTB,
                                 FW_COMP_CMDLINE};

/* Where each component goes, as offsets from ram, and how much of the area
 * that takes: the kernel at the first 2 MiB aligned address (plus
 * text_offset, image_size reserved), then the initramfs or root
 * filesystem, the device tree and the command line, each 64 KiB aligned,
 * with LOAD_ALIGN left above each; a compressed component is staged at the
 * top of the area (16-byte aligned) while it is decoded below. The one
 * placement rule: fw_image_load_need() reports it, fw_image_load()
 * follows it. All in 64 bits: sizes are bounded by FW_IMAGE_MAX_TOTAL but
 * the kernel's image_size may not be checked yet. */
struct load_plan {
	uint64_t base[FW_COMP_TYPE_MAX + 1]; /* where a component is decoded */
	uint64_t at[FW_COMP_TYPE_MAX + 1];   /* where it ends up (kernel: + text_offset) */
	uint64_t free;                       /* first free byte after the components */
	uint64_t need;
};

static void
load_plan_make(const struct fw_image_hdr *h, const struct fw_arm64_image *kernel, uintptr_t ram,
               struct load_plan *pl)
{
	/* addresses, not offsets: the alignments are of addresses */
	uint64_t pos = align_up(ram, LOAD_KERNEL_ALIGN), end, stage, top = pos;

	memset(pl, 0, sizeof(*pl));
	if (kernel &&
	    (kernel->text_offset > FW_IMAGE_MAX_TOTAL || kernel->image_size > FW_IMAGE_MAX_TOTAL)) {
		pl->need = UINT64_MAX; /* no RAM holds it (and no sum overflows) */
		return;
	}
	for (unsigned i = 0; i < sizeof(load_order) / sizeof(load_order[0]); i++) {
		const struct fw_image_comp *e = fw_image_comp_find(h, load_order[i]);

		if (!e)
			continue;
		pl->base[e->type] = pos - ram;
		pl->at[e->type] = pos - ram;
		end = pos + e->size;
		if (e->comp != FW_IMAGE_COMP_NONE) {
			stage = ((pos + e->size + LOAD_STAGE_ALIGN - 1) &
			         ~(uint64_t)(LOAD_STAGE_ALIGN - 1)) +
			        e->stored_size;
			if (stage > top)
				top = stage;
		}
		if (e->type == FW_COMP_KERNEL && kernel) {
			pl->at[e->type] = pos - ram + kernel->text_offset;
			end = pos + kernel->text_offset + kernel->image_size;
		}
		if (end + LOAD_ALIGN > top)
			top = end + LOAD_ALIGN;
		pos = (end + LOAD_ALIGN - 1) & ~(uint64_t)(LOAD_ALIGN - 1);
	}
	pl->free = pos - ram;
	pl->need = top - ram;
}

uint32_t
fw_image_load_need(const struct fw_image_hdr *hdr, const struct fw_arm64_image *kernel,
                   uintptr_t ram)
{
	struct load_plan pl;

	load_plan_make(hdr, kernel, ram, &pl);
	return pl.need > UINT32_MAX ? UINT32_MAX : (uint32_t)pl.need;
}

/* Reads one component into RAM at dst, checks both hashes on the RAM copy.
 * Compressed bytes are staged right below end, as the plan reserved. */
static int
load_comp(const struct drv_flash *flash, uint32_t area_off, const struct fw_image_comp *e,
          uint8_t *dst, uint8_t *end)
{
	uint8_t *src;
	long n;
	int rc;

	if (e->comp == FW_IMAGE_COMP_NONE)
		src = dst;
	else
		src = (uint8_t *)(((uintptr_t)end - e->stored_size) &
		                  ~(uintptr_t)(LOAD_STAGE_ALIGN - 1));
	rc = fw_image_flash_read(flash, area_off + e->offset, src, e->stored_size);
	if (rc)
		return rc;
	if (!sha_matches(src, e->stored_size, e->stored_sha))
		return FW_EHASH;
	if (e->comp == FW_IMAGE_COMP_LZ4) {
		n = fw_lz4_decode(src, e->stored_size, dst, e->size);
		if (n < 0 || (uint32_t)n != e->size)
			return FW_EDECOMP;
	}
	/* for a raw component this repeats the stored hash; for LZ4 it
	 * guards the decoder */
	if (!sha_matches(dst, e->size, e->sha))
		return FW_EHASH;
	return 0;
}

/* The kernel's arm64 Image header, once its verified bytes are in RAM:
 * 1 and *img filled for an arm64 Image, 0 for anything else (the board
 * decides: the simulator runs it), FW_EKERNEL for a header the boot
 * protocol cannot honour. Whether it fits is the plan's business. */
static int
load_kernel_header(const struct fw_image_part *k, struct fw_arm64_image *img)
{
	if (fw_arm64_image_parse(k->addr, k->size, img) != 0)
		return 0;
	if (img->text_offset >= LOAD_KERNEL_ALIGN || img->image_size < k->size ||
	    img->image_size > FW_IMAGE_MAX_TOTAL)
		return FW_EKERNEL;
	return 1;
}

int
fw_image_load(const struct drv_flash *flash, uint32_t area_off, uint32_t area_size,
              const struct fw_pubkey *key, uint32_t board_id, uint32_t min_rollback, uint8_t *ram,
              uint32_t ram_max, struct fw_image_loaded *out)
{
	/* header, table and signature live here, in RAM, from first check
	 * to last use */
	uint8_t hdr[FW_IMAGE_HDR_SIZE];
	uint8_t table[FW_IMAGE_MAX_COMPS * FW_IMAGE_COMP_ENTRY];
	uint8_t sig[FW_IMAGE_SIG_SIZE];
	struct fw_image_hdr *h = &out->hdr;
	struct fw_arm64_image img;
	struct load_plan pl;
	uint8_t *end = ram + ram_max;
	uint32_t tsize, total;
	int rc;

	memset(out, 0, sizeof(*out));
	if (area_size < FW_IMAGE_HDR_SIZE)
		return FW_ESIZE;
	rc = fw_image_flash_read(flash, area_off, hdr, sizeof(hdr));
	if (rc)
		return rc;
	rc = fw_image_hdr_parse(hdr, sizeof(hdr), h);
	if (rc)
		return rc;
	if (h->board_id != board_id)
		return FW_EBOARD;
	total = fw_image_total_size(h);
	if (total > area_size)
		return FW_ESIZE;
	tsize = fw_image_table_size(h);
	rc = fw_image_flash_read(flash, area_off + FW_IMAGE_HDR_SIZE, table, tsize);
	if (rc)
		return rc;
	rc = fw_image_flash_read(flash, area_off + total - FW_IMAGE_SIG_SIZE, sig, sizeof(sig));
	if (rc)
		return rc;
	if (!sha_matches(table, tsize, h->table_sha))
		return FW_EHASH;
	rc = fw_image_table_parse(table, tsize, h);
	if (rc)
		return rc;
	if (fw_image_check_signed(hdr, table, tsize, sig, key))
		return FW_ESIG;
	if (h->rollback < min_rollback)
		return FW_EROLLBACK;

	/* what the table alone says; the kernel's own header may ask more */
	load_plan_make(h, NULL, (uintptr_t)ram, &pl);
	if (pl.need > ram_max)
		return FW_ELOAD;
	for (unsigned i = 0; i < sizeof(load_order) / sizeof(load_order[0]); i++) {
		const struct fw_image_comp *e = fw_image_comp_find(h, load_order[i]);
		struct fw_image_part *p = &out->part[load_order[i]];

		if (!e)
			continue;
		p->addr = ram + pl.base[e->type];
		p->size = e->size;
		rc = load_comp(flash, area_off, e, p->addr, end);
		if (rc)
			return rc;
		if (e->type != FW_COMP_KERNEL)
			continue;
		out->kernel_span = p->size;
		rc = load_kernel_header(p, &img);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		load_plan_make(h, &img, (uintptr_t)ram, &pl);
		if (pl.need > ram_max)
			return FW_ELOAD;
		if (img.text_offset) {
			/* kernels before 5.8 ask for 0x80000; the bytes move
			 * as they are, still the verified ones */
			memmove(ram + pl.at[e->type], p->addr, p->size);
			p->addr = ram + pl.at[e->type];
		}
		out->kernel_span = (uint32_t)img.image_size;
		out->kernel_arm64 = 1;
	}
	out->free = ram + pl.free;
	out->free_size = (uint32_t)(ram_max - pl.free);
	return 0;
}
