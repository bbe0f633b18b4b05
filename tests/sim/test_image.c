/* Image format: round trip through mkimage and the device's verifier, and
 * each kind of damage rejected with its own error. */
#include <string.h>

#include <poort/fw/lz4.h>

#include "simtest.h"

static int
verify_buf(const uint8_t *p, size_t n, const struct fw_pubkey *k, uint32_t board, uint32_t min_rb)
{
	struct fw_image_verify v;
	struct fw_image_hdr h;
	int rc;

	fw_image_verify_init(&v);
	/* odd split sizes: the verifier must not care how bytes arrive */
	for (size_t off = 0; off < n;) {
		size_t c = n - off < 777 ? n - off : 777;
		rc = fw_image_verify_update(&v, p + off, c);
		if (rc)
			break;
		off += c;
	}
	rc = fw_image_verify_finish(&v, k, board, min_rb, &h);
	fw_image_verify_free(&v);
	return rc;
}

static void
test_roundtrip_and_damage(void)
{
	struct st_image im;
	struct fw_pubkey other;
	EVP_PKEY *ok;
	uint8_t *c;
	int rc;

	st_image_make(&im, "confirm", 2, 7, 100000);
	rc = verify_buf(im.data, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 7);
	CHECK(rc == 0, "round trip: %s", fw_strerror(rc));

	/* a flipped byte anywhere in header, table, component or signature,
	 * each named by its own error */
	c = malloc(im.len);
	{
		struct {
			size_t at;
			int want;
		} where[] = {
		    {9, FW_EBOARD},          /* board id */
		    {30, FW_EFORMAT},        /* payload size: bytes beyond the signature */
		    {40, FW_EHASH},          /* table_sha */
		    {100, FW_EFORMAT},       /* reserved */
		    {128, FW_EHASH},         /* table: type */
		    {128 + 20, FW_EHASH},    /* table: stored sha */
		    {208, FW_EHASH},         /* first component byte */
		    {im.len / 2, FW_EHASH},  /* inside the component */
		    {im.len - 65, FW_EHASH}, /* its last byte */
		    {im.len - 64, FW_ESIG},  /* signature */
		    {im.len - 1, FW_ESIG},
		};
		for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
			memcpy(c, im.data, im.len);
			c[where[i].at] ^= 0x01;
			rc = verify_buf(c, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 0);
			CHECK(rc == where[i].want, "tampered byte %zu: %s (want %s)", where[i].at,
			      fw_strerror(rc), fw_strerror(where[i].want));
		}
	}

	/* wrong key */
	mk_key_generate("other-key.pem");
	ok = mk_key_load("other-key.pem");
	CHECK(ok && mk_key_pub(ok, &other) == 0, "other key");
	rc = verify_buf(im.data, im.len, &other, BOARD_ID_SIM, 0);
	CHECK(rc == FW_ESIG, "wrong key: %s", fw_strerror(rc));
	EVP_PKEY_free(ok);
	remove("other-key.pem");

	/* wrong board */
	rc = verify_buf(im.data, im.len, &fw_boot_pubkey, BOARD_ID_QEMU_VIRT, 0);
	CHECK(rc == FW_EBOARD, "wrong board: %s", fw_strerror(rc));

	/* truncated at every interesting length */
	{
		size_t lens[] = {0, 3, 8, 127, 128, 150, 208, 500, im.len - 64, im.len - 1};
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			rc = verify_buf(im.data, lens[i], &fw_boot_pubkey, BOARD_ID_SIM, 0);
			CHECK(rc == FW_ETRUNC, "truncated to %zu: %s", lens[i], fw_strerror(rc));
		}
	}
	/* trailing junk */
	{
		uint8_t *l = malloc(im.len + 1);
		memcpy(l, im.data, im.len);
		l[im.len] = 0;
		rc = verify_buf(l, im.len + 1, &fw_boot_pubkey, BOARD_ID_SIM, 0);
		CHECK(rc == FW_EFORMAT, "trailing byte: %s", fw_strerror(rc));
		free(l);
	}
	/* rollback below the floor */
	rc = verify_buf(im.data, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 8);
	CHECK(rc == FW_EROLLBACK, "rollback: %s", fw_strerror(rc));
	/* bad magic, bad format version */
	memcpy(c, im.data, im.len);
	c[0] ^= 0xff;
	rc = verify_buf(c, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 0);
	CHECK(rc == FW_EFORMAT, "magic: %s", fw_strerror(rc));
	memcpy(c, im.data, im.len);
	c[4] = 9;
	rc = verify_buf(c, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 0);
	CHECK(rc == FW_EVERSION, "format: %s", fw_strerror(rc));
	free(c);
	st_image_free(&im);
}

static uint8_t *
pattern(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n);

	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (seed >> 24) & 0x07; /* compressible */
	}
	return p;
}

static int
build(struct mk_params *p, struct st_image *im)
{
	static EVP_PKEY *k;

	if (!k)
		k = mk_key_load(POORT_FW_DEVKEY);
	p->board_id = BOARD_ID_SIM;
	p->ver[0] = 5;
	p->compress = 1;
	return mk_image_build(p, k, &im->data, &im->len);
}

static int
write_slot(struct sim_board *s, int slot, const struct st_image *im)
{
	const struct drv_flash *f = s->b.flash;
	uint32_t off = s->b.slot[slot].off;
	uint32_t n = (uint32_t)((im->len + SIM_ERASE - 1) / SIM_ERASE * SIM_ERASE);

	uint8_t *pad = calloc(1, n);
	int rc;

	memset(pad, 0xff, n);
	memcpy(pad, im->data, im->len);
	rc = f->ops->erase(f->ctx, off, n);
	if (rc == 0)
		rc = f->ops->write(f->ctx, off, pad, n);
	free(pad);
	return rc;
}

/* Kernel, initramfs, DTB and command line under one signature: each lands
 * where the arm64 boot protocol wants it, with exactly its bytes. */
static void
test_components(void)
{
	struct sim_board s;
	struct st_image im;
	static struct fw_image_loaded ld;
	uint8_t *kern = pattern(300000, 1), *initrd = pattern(200000, 2), *dtb = pattern(5000, 3);
	const char *cmd = "console=ttyAMA0 rdinit=/init";
	struct mk_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.comp[0] = (struct mk_comp){FW_COMP_KERNEL, kern, 300000};
	p.comp[1] = (struct mk_comp){FW_COMP_INITRAMFS, initrd, 200000};
	p.comp[2] = (struct mk_comp){FW_COMP_DTB, dtb, 5000};
	p.comp[3] = (struct mk_comp){FW_COMP_CMDLINE, (const uint8_t *)cmd, strlen(cmd)};
	p.ncomp = 4;
	rc = build(&p, &im);
	CHECK(rc == 0, "build 4 components: %d", rc);
	rc = verify_buf(im.data, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 0);
	CHECK(rc == 0, "verify 4 components: %s", fw_strerror(rc));

	st_board_new(&s);
	CHECK(write_slot(&s, 1, &im) == 0, "write slot");
	rc = fw_image_load(s.b.flash, s.b.slot[1].off, s.b.slot[1].size, &fw_boot_pubkey,
	                   BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld);
	CHECK(rc == 0, "load: %s", fw_strerror(rc));
	if (rc == 0) {
		const struct fw_image_part *pk = &ld.part[FW_COMP_KERNEL];
		const struct fw_image_part *pi = &ld.part[FW_COMP_INITRAMFS];
		const struct fw_image_part *pd = &ld.part[FW_COMP_DTB];
		const struct fw_image_part *pc = &ld.part[FW_COMP_CMDLINE];

		CHECK(((uintptr_t)pk->addr & ((2u << 20) - 1)) == 0, "kernel 2 MiB aligned");
		CHECK(pk->size == 300000 && memcmp(pk->addr, kern, 300000) == 0, "kernel bytes");
		CHECK(pi->size == 200000 && memcmp(pi->addr, initrd, 200000) == 0, "initrd bytes");
		CHECK(pi->addr >= pk->addr + ld.kernel_span, "initrd after the kernel");
		CHECK(pd->size == 5000 && memcmp(pd->addr, dtb, 5000) == 0, "dtb bytes");
		CHECK(pd->addr >= pi->addr + pi->size, "dtb after the initrd");
		CHECK(pc->size == strlen(cmd) && memcmp(pc->addr, cmd, pc->size) == 0, "cmdline");
		CHECK(ld.part[FW_COMP_ROOTFS].addr == NULL, "no rootfs");
		CHECK(ld.kernel_arm64 == 0 && ld.kernel_span == 300000, "not an arm64 Image");
		CHECK(ld.free >= pc->addr + pc->size &&
		          ld.free + ld.free_size == s.b.load_addr + s.b.load_max,
		      "free area");
	}
	/* too little RAM for all of it: refused, not overrun */
	{
		uintptr_t a = (uintptr_t)s.b.load_addr,
		          k = (a + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);

		rc = fw_image_load(s.b.flash, s.b.slot[1].off, s.b.slot[1].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, s.b.load_addr, (uint32_t)(k - a) + 400000, &ld);
	}
	CHECK(rc == FW_ELOAD, "small RAM: %s", fw_strerror(rc));
	/* one rule: fw_image_load_need() is exactly what the load takes,
	 * from wherever the area starts (the 2 MiB alignment counted) */
	{
		struct fw_image_hdr h;
		uint8_t *ram = s.b.load_addr + 4096;
		uint32_t need, need_off;

		CHECK(fw_image_hdr_parse(im.data, im.len, &h) == 0 &&
		          fw_image_table_parse(im.data + FW_IMAGE_HDR_SIZE, fw_image_table_size(&h),
		                               &h) == 0,
		      "parse");
		need = fw_image_load_need(&h, NULL, (uintptr_t)s.b.load_addr);
		need_off = fw_image_load_need(&h, NULL, (uintptr_t)ram);
		CHECK(need > 505000 && need < s.b.load_max, "need %u", need);
		CHECK(need_off == need + (2u << 20) - 4096, "alignment counted: %u", need_off);
		rc = fw_image_load(s.b.flash, s.b.slot[1].off, s.b.slot[1].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, s.b.load_addr, need, &ld);
		CHECK(rc == 0, "load in exactly the need: %s", fw_strerror(rc));
		rc = fw_image_load(s.b.flash, s.b.slot[1].off, s.b.slot[1].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, s.b.load_addr, need - 1, &ld);
		CHECK(rc == FW_ELOAD, "one byte less: %s", fw_strerror(rc));
		rc = fw_image_load(s.b.flash, s.b.slot[1].off, s.b.slot[1].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, ram, need_off, &ld);
		CHECK(rc == 0 && ld.part[FW_COMP_KERNEL].addr == s.b.load_addr + (2u << 20),
		      "unaligned area, exactly the need: %s", fw_strerror(rc));
		rc = fw_image_load(s.b.flash, s.b.slot[1].off, s.b.slot[1].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, ram, need_off - 1, &ld);
		CHECK(rc == FW_ELOAD, "unaligned area, one byte less: %s", fw_strerror(rc));
	}
	st_image_free(&im);

	/* sets the format does not allow */
	p.comp[3] = (struct mk_comp){FW_COMP_ROOTFS, initrd, 1000};
	CHECK(build(&p, &im) == MK_EINVAL, "initramfs and rootfs together");
	p.comp[3] = (struct mk_comp){FW_COMP_KERNEL, initrd, 1000};
	CHECK(build(&p, &im) == MK_EINVAL, "two kernels");
	p.comp[0] = (struct mk_comp){FW_COMP_DTB, dtb, 5000};
	p.ncomp = 2;
	CHECK(build(&p, &im) == MK_EINVAL, "no kernel");
	st_board_free(&s);
	free(kern);
	free(initrd);
	free(dtb);
}

/* An arm64 Image header is honoured: image_size reserved after the
 * kernel, text_offset applied; a bad header refused with FW_EKERNEL. */
static void
test_arm64_kernel(void)
{
	struct sim_board s;
	struct st_image im;
	static struct fw_image_loaded ld;
	uint8_t *kern = pattern(70000, 4), *initrd = pattern(1000, 5);
	struct mk_params p;
	struct fw_arm64_image ai;
	int rc;

	/* code0/1, text_offset 0x80000, image_size 1 MiB, flags 0xa, magic */
	memset(kern, 0, 64);
	kern[10] = 0x08;
	kern[18] = 0x10;
	kern[24] = 0x0a;
	memcpy(kern + 56, "ARM\x64", 4);
	CHECK(fw_arm64_image_parse(kern, 64, &ai) == 0 && ai.text_offset == 0x80000 &&
	          ai.image_size == 0x100000,
	      "arm64 header");
	CHECK(fw_arm64_image_parse(kern, 59, &ai) == FW_EKERNEL, "short header");
	memset(&p, 0, sizeof(p));
	p.comp[0] = (struct mk_comp){FW_COMP_KERNEL, kern, 70000};
	p.comp[1] = (struct mk_comp){FW_COMP_INITRAMFS, initrd, 1000};
	p.ncomp = 2;
	CHECK(build(&p, &im) == 0, "build");
	st_board_new(&s);
	CHECK(write_slot(&s, 0, &im) == 0, "write slot");
	rc = fw_image_load(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
	                   BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld);
	CHECK(rc == 0, "load arm64: %s", fw_strerror(rc));
	CHECK(ld.kernel_arm64 == 1 && ld.kernel_span == 0x100000, "span %u", ld.kernel_span);
	CHECK(((uintptr_t)ld.part[FW_COMP_KERNEL].addr & ((2u << 20) - 1)) == 0x80000,
	      "text_offset applied");
	CHECK(memcmp(ld.part[FW_COMP_KERNEL].addr, kern, 70000) == 0, "kernel bytes moved intact");
	CHECK(ld.part[FW_COMP_INITRAMFS].addr >= ld.part[FW_COMP_KERNEL].addr + 0x100000,
	      "initrd clear of image_size");
	/* the kernel's header asks more than its table entry: the table
	 * alone is a lower bound, the load applies the exact rule */
	{
		struct fw_image_hdr h = ld.hdr;
		uint32_t lower = fw_image_load_need(&h, NULL, (uintptr_t)s.b.load_addr);
		uint32_t need = fw_image_load_need(&h, &ai, (uintptr_t)s.b.load_addr);

		CHECK(need >= 0x80000 + 0x100000 + (64u << 10) + 1000, "need %u", need);
		CHECK(lower < need, "header counted: %u < %u", lower, need);
		rc = fw_image_load(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, s.b.load_addr, need, &ld);
		CHECK(rc == 0, "exactly the need: %s", fw_strerror(rc));
		rc = fw_image_load(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, s.b.load_addr, need - 1, &ld);
		CHECK(rc == FW_ELOAD, "fits the table, not image_size: %s", fw_strerror(rc));
	}
	st_image_free(&im);

	/* image_size 0 (pre-3.17 kernel): refused with its reason */
	kern[18] = 0;
	CHECK(build(&p, &im) == 0, "build");
	CHECK(write_slot(&s, 0, &im) == 0, "write slot");
	rc = fw_image_load(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
	                   BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld);
	CHECK(rc == 0 && ld.kernel_arm64 == 0, "no image_size: not taken as arm64 (%s)",
	      fw_strerror(rc));
	st_image_free(&im);
	/* image_size beyond any image (> FW_IMAGE_MAX_TOTAL): a bad header,
	 * FW_EKERNEL */
	kern[18] = 0x10;
	kern[21] = 0x01; /* + 256 MiB */
	CHECK(build(&p, &im) == 0, "build");
	CHECK(write_slot(&s, 0, &im) == 0, "write slot");
	rc = fw_image_load(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
	                   BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld);
	CHECK(rc == FW_EKERNEL, "huge image_size: %s", fw_strerror(rc));
	st_image_free(&im);
	st_board_free(&s);
	free(kern);
	free(initrd);
}

/* A flash that lies on the Nth read (a bus glitch, or an attacker racing
 * the boot stage): whatever read it hits, fw_image_load either refuses the
 * image or hands over exactly the signed bytes, because each byte is read
 * once and checked in RAM. */
static const struct drv_flash *tt_inner;
static int tt_reads, tt_flip_at;

static int
tt_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	int rc = tt_inner->ops->read(ctx, off, buf, len);

	if (rc == 0 && ++tt_reads == tt_flip_at && len)
		((uint8_t *)buf)[len / 2] ^= 0x40;
	return rc;
}

static void
test_toctou(void)
{
	struct sim_board s;
	struct st_image im;
	static struct fw_image_loaded ld;
	uint8_t *kern = pattern(100000, 6), *initrd = pattern(50000, 7);
	struct drv_flash_ops ops;
	struct drv_flash lying;
	struct mk_params p;
	int reads, refused = 0;

	memset(&p, 0, sizeof(p));
	p.comp[0] = (struct mk_comp){FW_COMP_KERNEL, kern, 100000};
	p.comp[1] = (struct mk_comp){FW_COMP_INITRAMFS, initrd, 50000};
	p.ncomp = 2;
	CHECK(build(&p, &im) == 0, "build");
	st_board_new(&s);
	CHECK(write_slot(&s, 0, &im) == 0, "write slot");
	tt_inner = s.b.flash;
	ops = *tt_inner->ops;
	ops.read = tt_read;
	lying = *tt_inner;
	lying.ops = &ops;
	tt_reads = 0;
	tt_flip_at = -1;
	CHECK(fw_image_load(&lying, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
	                    BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld) == 0,
	      "honest flash");
	reads = tt_reads;
	CHECK(reads >= 5, "reads %d", reads);
	for (tt_flip_at = 1; tt_flip_at <= reads; tt_flip_at++) {
		int rc;

		tt_reads = 0;
		rc = fw_image_load(&lying, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
		                   BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld);
		if (rc) {
			refused++;
			continue;
		}
		CHECK(memcmp(ld.part[FW_COMP_KERNEL].addr, kern, 100000) == 0 &&
		          memcmp(ld.part[FW_COMP_INITRAMFS].addr, initrd, 50000) == 0,
		      "read %d lied and other bytes were handed over", tt_flip_at);
	}
	CHECK(refused == reads, "every lying read refused (%d of %d)", refused, reads);
	st_image_free(&im);
	st_board_free(&s);
	free(kern);
	free(initrd);
}

/* The first checks of the format-1 boot stage, as they stood before
 * format 2 (firmware/core/image.c at 6cb2568): magic, then the format
 * field. Kept here to show what an old boot stage answers to a new image. */
static int
v1_hdr_first_checks(const uint8_t *buf, size_t len)
{
	uint16_t format;

	if (len < 8)
		return FW_ETRUNC;
	if (((uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
	     (uint32_t)buf[3] << 24) != FW_IMAGE_MAGIC)
		return FW_EFORMAT;
	format = (uint16_t)(buf[4] | buf[5] << 8);
	if (format != 1)
		return FW_EVERSION;
	return 0;
}

/* Format 1 against this boot stage, format 2 against the old one: each
 * refuses the other with FW_EVERSION and its message, before looking at
 * anything else; nothing is written to flash. */
static void
test_format_versions(void)
{
	struct sim_board s;
	struct st_image v1 = {0}, v2;
	static struct fw_image_loaded ld;
	struct fw_image_hdr h;
	struct fw_sink k;
	uint32_t resume;
	FILE *f = fopen(POORT_FW_FORMAT1_FIXTURE, "rb");
	int rc;

	CHECK(f != NULL, "fixture %s", POORT_FW_FORMAT1_FIXTURE);
	if (!f)
		return;
	v1.data = malloc(4096);
	v1.len = fread(v1.data, 1, 4096, f);
	fclose(f);
	CHECK(v1.len > 128 && v1.data[4] == 1, "fixture is format 1");
	CHECK(v1_hdr_first_checks(v1.data, v1.len) == 0, "old checks take the old image");

	rc = fw_image_hdr_parse(v1.data, v1.len, &h);
	CHECK(rc == FW_EVERSION, "new parser on format 1: %s", fw_strerror(rc));
	rc = verify_buf(v1.data, v1.len, &fw_boot_pubkey, BOARD_ID_SIM, 0);
	CHECK(rc == FW_EVERSION, "new verifier on format 1: %s", fw_strerror(rc));
	CHECK(strcmp(fw_strerror(rc), "image format version not supported by this boot stage") == 0,
	      "message: %s", fw_strerror(rc));

	st_board_new(&s);
	fw_sink_init(&k, &s.b, &fw_boot_pubkey);
	rc = fw_sink_begin(&k, v1.data, FW_IMAGE_HDR_SIZE, &resume);
	CHECK(rc == FW_EVERSION, "upload BEGIN of format 1: %s", fw_strerror(rc));
	CHECK(s.flash.ops == 0, "nothing touched flash (%lld ops)", (long long)s.flash.ops);
	fw_sink_free(&k);
	/* already in a slot (an old upload): refused at boot with its reason */
	CHECK(write_slot(&s, 0, &v1) == 0, "write slot");
	rc = fw_image_load(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
	                   BOARD_ID_SIM, 0, s.b.load_addr, s.b.load_max, &ld);
	CHECK(rc == FW_EVERSION, "load of format 1: %s", fw_strerror(rc));
	rc = st_boot(&s);
	CHECK(rc == BOOT_RESET || rc < 0 || !s.log.booted, "format 1 never boots");
	CHECK(!s.log.booted, "booted a format 1 image");

	st_image_make(&v2, "confirm", 1, 0, 1000);
	CHECK(v2.data[4] == 2, "new images are format 2");
	rc = v1_hdr_first_checks(v2.data, v2.len);
	CHECK(rc == FW_EVERSION, "old checks on format 2: %s", fw_strerror(rc));
	st_image_free(&v2);
	free(v1.data);
	st_board_free(&s);
}

static void
test_lz4_edges(void)
{
	uint8_t out[64];
	/* literal run, then a match that overlaps its own output */
	const uint8_t ok[] = {0x14, 'a', 0x01, 0x00, 0x10, 'b'};
	const uint8_t bad_off[] = {0x10, 'a', 0x05, 0x00, 0x10, 'b'};
	const uint8_t long_lit[] = {0xf0, 0xff, 0xff};
	long n;

	n = fw_lz4_decode(ok, sizeof(ok), out, sizeof(out));
	CHECK(n == 10 && memcmp(out, "aaaaaaaaab", 10) == 0, "lz4 ok n=%ld", n);
	n = fw_lz4_decode(ok, sizeof(ok), out, 9);
	CHECK(n == FW_EDECOMP, "lz4 small dst n=%ld", n);
	n = fw_lz4_decode(bad_off, sizeof(bad_off), out, sizeof(out));
	CHECK(n == FW_EDECOMP, "lz4 offset before start n=%ld", n);
	n = fw_lz4_decode(long_lit, sizeof(long_lit), out, sizeof(out));
	CHECK(n == FW_EDECOMP, "lz4 truncated length n=%ld", n);
}

/* LZ4 is kept only where it pays: bytes that barely shrink (an initramfs
 * that is gzip already) are stored raw, so the boot stage does not
 * decompress megabytes at every boot for nothing. */
static void
test_compress_only_when_worth_it(void)
{
	uint8_t *kern = pattern(300000, 7), *noisy = malloc(200000);
	struct mk_params p;
	struct st_image im;
	struct fw_image_hdr h;
	uint32_t seed = 99;
	int rc;

	/* random bytes, with a short run every 4 KiB: LZ4 saves well under 1/32 */
	for (size_t i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		noisy[i] = (i % 4096) < 100 ? 0 : (uint8_t)(seed >> 24);
	}
	memset(&p, 0, sizeof(p));
	p.comp[0] = (struct mk_comp){FW_COMP_KERNEL, kern, 300000};
	p.comp[1] = (struct mk_comp){FW_COMP_INITRAMFS, noisy, 200000};
	p.ncomp = 2;
	rc = build(&p, &im);
	CHECK(rc == 0, "build: %d", rc);
	CHECK(rc == 0 && fw_image_hdr_parse(im.data, im.len, &h) == 0 &&
	          fw_image_table_parse(im.data + FW_IMAGE_HDR_SIZE, fw_image_table_size(&h),
	                               &h) == 0,
	      "parse");
	CHECK(h.comp[0].comp == FW_IMAGE_COMP_LZ4 && h.comp[0].stored_size < 300000,
	      "compressible kernel: lz4 (%u bytes)", h.comp[0].stored_size);
	CHECK(h.comp[1].comp == FW_IMAGE_COMP_NONE && h.comp[1].stored_size == 200000,
	      "nearly incompressible initramfs: stored raw");
	CHECK(verify_buf(im.data, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 0) == 0, "verifies");
	st_image_free(&im);
	free(kern);
	free(noisy);
}

int
main(void)
{
	test_roundtrip_and_damage();
	test_components();
	test_arm64_kernel();
	test_toctou();
	test_format_versions();
	test_lz4_edges();
	test_compress_only_when_worth_it();
	return st_done("fw_image_test");
}
