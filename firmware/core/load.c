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

/* Reads one component into RAM at dst (below end), checks both hashes on
 * the RAM copy. Compressed bytes are staged right below end. */
static int
load_comp(const struct drv_flash *flash, uint32_t area_off, const struct fw_image_comp *e,
          uint8_t *dst, uint8_t *end)
{
	uint8_t *src;
	long n;
	int rc;

	if (dst > end || e->size > (uintptr_t)(end - dst))
		return FW_ESIZE;
	if (e->comp == FW_IMAGE_COMP_NONE) {
		src = dst;
	} else {
		uintptr_t s =
		    ((uintptr_t)end - e->stored_size) & ~(uintptr_t)(LOAD_STAGE_ALIGN - 1);

		if (e->stored_size > (uintptr_t)(end - dst) || s < (uintptr_t)dst + e->size)
			return FW_ESIZE;
		src = (uint8_t *)s;
	}
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

/* The kernel's placement per the arm64 boot protocol, once its verified
 * bytes are in RAM at a 2 MiB aligned base. */
static int
load_place_kernel(struct fw_image_loaded *out, uint8_t *end)
{
	struct fw_image_part *k = &out->part[FW_COMP_KERNEL];
	struct fw_arm64_image img;

	out->kernel_span = k->size;
	out->kernel_arm64 = 0;
	if (fw_arm64_image_parse(k->addr, k->size, &img) != 0)
		return 0; /* not an arm64 Image: the board decides (the simulator runs it) */
	if (img.text_offset >= LOAD_KERNEL_ALIGN || img.image_size < k->size ||
	    img.image_size > FW_IMAGE_MAX_TOTAL ||
	    img.text_offset + img.image_size > (uintptr_t)(end - k->addr))
		return FW_EKERNEL;
	if (img.text_offset) {
		/* kernels before 5.8 ask for 0x80000; the bytes move as they
		 * are, still the verified ones */
		memmove(k->addr + img.text_offset, k->addr, k->size);
		k->addr += img.text_offset;
	}
	out->kernel_span = (uint32_t)img.image_size;
	out->kernel_arm64 = 1;
	return 0;
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
	static const int order[] = {FW_COMP_KERNEL, FW_COMP_INITRAMFS, FW_COMP_ROOTFS, FW_COMP_DTB,
	                            FW_COMP_CMDLINE};
	struct fw_image_hdr *h = &out->hdr;
	uint8_t *end = ram + ram_max, *next;
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

	next = (uint8_t *)align_up((uintptr_t)ram, LOAD_KERNEL_ALIGN);
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct fw_image_comp *e = fw_image_comp_find(h, order[i]);
		struct fw_image_part *p = &out->part[order[i]];

		if (!e)
			continue;
		rc = load_comp(flash, area_off, e, next, end);
		if (rc)
			return rc;
		p->addr = next;
		p->size = e->size;
		if (order[i] == FW_COMP_KERNEL) {
			rc = load_place_kernel(out, end);
			if (rc)
				return rc;
			next = p->addr + out->kernel_span;
		} else {
			next = p->addr + p->size;
		}
		if ((uintptr_t)next > (uintptr_t)end - LOAD_ALIGN)
			return FW_ESIZE;
		next = (uint8_t *)align_up((uintptr_t)next, LOAD_ALIGN);
	}
	out->free = next;
	out->free_size = (uint32_t)(end - next);
	return 0;
}
