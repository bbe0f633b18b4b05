/* Shared helpers of the simulator tests (see simtest.h). */
#include <string.h>

#include <mbedtls/sha256.h>

#include "simtest.h"

int st_failures;

static EVP_PKEY *
st_key(void)
{
	static EVP_PKEY *k;

	if (!k) {
		k = mk_key_load(POORT_FW_DEVKEY);
		if (!k) {
			fprintf(stderr, "cannot load %s\n", POORT_FW_DEVKEY);
			exit(2);
		}
	}
	return k;
}

void
st_image_make(struct st_image *im, const char *behaviour, uint16_t major, uint32_t rollback,
              size_t size)
{
	struct mk_params p;
	uint8_t *pl = malloc(size);
	int n;

	uint32_t x = 0x9e3779b9u ^ major;

	/* text, then bytes that compress to about 60%, like real code */
	n = snprintf((char *)pl, size, "%s%s\n", SIM_APP_MAGIC, behaviour);
	for (size_t i = (size_t)n; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pl[i] = (x & 0x300) ? (uint8_t)(x & 0x0f) : pl[i - 1];
	}
	memset(&p, 0, sizeof(p));
	p.board_id = BOARD_ID_SIM;
	p.ver[0] = major;
	p.ver[1] = 0;
	p.ver[2] = 1;
	p.rollback = rollback;
	p.compress = 1;
	/* shaped like a box image: kernel, initramfs, command line */
	p.comp[0] = (struct mk_comp){.type = FW_COMP_KERNEL, .data = pl, .len = size - size / 4};
	p.comp[1] = (struct mk_comp){
	    .type = FW_COMP_INITRAMFS, .data = pl + size - size / 4, .len = size / 4};
	p.comp[2] = (struct mk_comp){
	    .type = FW_COMP_CMDLINE, .data = (const uint8_t *)"console=ttyS0", .len = 13};
	p.ncomp = 3;
	if (mk_image_build(&p, st_key(), &im->data, &im->len)) {
		fprintf(stderr, "cannot build image\n");
		exit(2);
	}
	free(pl);
}

void
st_image_free(struct st_image *im)
{
	free(im->data);
	im->data = NULL;
}

void
st_board_new(struct sim_board *s)
{
	memset(s, 0, sizeof(*s));
	if (sim_flash_open(&s->flash, NULL, SIM_FLASH_SIZE, SIM_ERASE))
		exit(2);
	sim_uart_open_null(&s->uart);
	sim_board_init(s);
	s->auto_confirm = 1;
}

void
st_board_free(struct sim_board *s)
{
	sim_flash_close(&s->flash);
}

void
st_board_copy(struct sim_board *dst, const struct sim_board *src)
{
	memcpy(dst->flash.mem, src->flash.mem, SIM_FLASH_SIZE);
}

void
st_board_clone(struct sim_board *dst, const struct sim_board *src, int64_t cut)
{
	st_board_new(dst);
	st_board_copy(dst, src);
	dst->flash.ops = 0;
	dst->flash.cut_at = cut;
}

int
st_upload(struct sim_board *s, const struct st_image *im, int activate, uint32_t *resumed)
{
	struct fw_sink k;
	uint32_t off = 0;
	int rc;

	fw_sink_init(&k, &s->b, &fw_boot_pubkey);
	rc = fw_sink_begin(&k, im->data, im->len, &off);
	if (rc == 0 && off) {
		/* as poort-flash does: prove the proposed prefix */
		uint8_t sha[32];

		mbedtls_sha256_ret(im->data, off, sha, 0);
		rc = fw_sink_resume(&k, off, sha);
		off = fw_sink_next(&k);
	}
	if (resumed)
		*resumed = off;
	while (rc == 0 && off < im->len) {
		size_t n = im->len - off < 4096 ? im->len - off : 4096;
		rc = fw_sink_write(&k, off, im->data + off, n);
		off += (uint32_t)n;
	}
	if (rc == 0)
		rc = fw_sink_verify(&k);
	if (rc == 0 && activate)
		rc = fw_sink_activate(&k);
	fw_sink_free(&k);
	return rc;
}

int
st_boot(struct sim_board *s)
{
	int pin = s->pin, ac = s->auto_confirm;

	sim_board_init(s);
	s->pin = pin;
	s->auto_confirm = ac;
	return boot_main(&s->b);
}

int
st_done(const char *name)
{
	if (st_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, st_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

int
st_factory(struct sim_board *s, const uint8_t *bytes, size_t len)
{
	struct sim_uart feed;
	int rc;

	sim_board_init(s);
	sim_uart_open_feed(&feed, bytes, len);
	s->b.console = &feed.drv;
	rc = boot_recovery(&s->b, BOOT_REC_KEY);
	s->b.console = &s->uart.drv;
	return rc;
}
