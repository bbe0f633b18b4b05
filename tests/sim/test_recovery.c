/* Recovery against refused and foreign bytes (issue 15, defect 5): a
 * failed verify drops the journal, an upload resumes only onto bytes shown
 * to be its own, BEGIN refuses an image the load area cannot hold, and an
 * idle recovery goes back to the box's image. */
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "simtest.h"

/* Writes the first `upto` bytes of an image through the sink from 0 and
 * stops, as a pulled cable would. */
static int
upload_part(struct sim_board *s, const struct st_image *im, uint32_t upto)
{
	struct fw_sink k;
	uint32_t off = 0, resume;
	int rc;

	if (upto < im->len)
		upto &= ~4095u; /* whole chunks, as a host sends them */
	fw_sink_init(&k, &s->b, &fw_boot_pubkey);
	rc = fw_sink_begin(&k, im->data, im->len, &resume);
	while (rc == 0 && off < upto) {
		size_t n = upto - off < 4096 ? upto - off : 4096;
		rc = fw_sink_write(&k, off, im->data + off, n);
		off += (uint32_t)n;
	}
	fw_sink_free(&k);
	return rc;
}

/* The same image with one payload byte changed: same header, other body. */
static void
image_corrupt(struct st_image *bad, const struct st_image *good, size_t at)
{
	bad->len = good->len;
	bad->data = malloc(good->len);
	memcpy(bad->data, good->data, good->len);
	bad->data[at] ^= 0x01;
}

static void
test_failed_verify_drops_journal(void)
{
	struct st_image good, bad;
	struct sim_board s;
	uint32_t resumed = 1;
	int rc;

	st_board_new(&s);
	st_image_make(&good, "confirm", 3, 1, 60000);
	image_corrupt(&bad, &good, good.len / 2);
	rc = st_upload(&s, &bad, 1, NULL);
	CHECK(rc == FW_EHASH, "corrupted copy refused: %s", fw_strerror(rc));
	{
		struct fw_sink k;
		uint32_t proposed = 1;

		/* the journal is gone: not even the same bytes are offered */
		fw_sink_init(&k, &s.b, &fw_boot_pubkey);
		rc = fw_sink_begin(&k, bad.data, bad.len, &proposed);
		CHECK(rc == 0 && proposed == 0, "nothing proposed after a refusal (%u)", proposed);
		fw_sink_free(&k);
	}
	/* before the fix: "resuming at N of N" onto the refused bytes and the
	 * same error for ever */
	rc = st_upload(&s, &good, 1, &resumed);
	CHECK(rc == 0, "good copy after a refused one: %s", fw_strerror(rc));
	CHECK(resumed == 0, "good copy started at 0, not at %u", resumed);
	rc = st_boot(&s);
	CHECK(rc == BOOT_OK && s.log.ver[0] == 3 && s.log.trial, "good copy boots on trial");
	st_image_free(&bad);
	st_image_free(&good);
	st_board_free(&s);
}

/* A repeated VERIFY (its reply lost) names the same problem again. */
static void
test_failed_verify_repeats(void)
{
	struct st_image good, bad;
	struct sim_board s;
	struct fw_sink k;
	uint32_t resume;
	int rc;

	st_board_new(&s);
	st_image_make(&good, "confirm", 3, 1, 30000);
	image_corrupt(&bad, &good, 300);
	fw_sink_init(&k, &s.b, &fw_boot_pubkey);
	rc = fw_sink_begin(&k, bad.data, bad.len, &resume);
	for (uint32_t off = 0; rc == 0 && off < bad.len; off += 4096)
		rc = fw_sink_write(&k, off, bad.data + off,
		                   bad.len - off < 4096 ? bad.len - off : 4096);
	CHECK(rc == 0, "upload: %s", fw_strerror(rc));
	CHECK(fw_sink_verify(&k) == FW_EHASH, "verify refuses");
	CHECK(fw_sink_verify(&k) == FW_EHASH, "again: same reason");
	CHECK(fw_sink_activate(&k) == FW_ESTATE, "no activation");
	CHECK(fw_sink_write(&k, 0, bad.data, 4096) == FW_ESTATE, "no more writes");
	fw_sink_free(&k);
	st_image_free(&bad);
	st_image_free(&good);
	st_board_free(&s);
}

/* An interrupted upload of a corrupted copy, then the good one: the hash
 * proof (serial recovery) finds the prefix differs and starts over. */
static void
test_foreign_prefix_hash(void)
{
	struct st_image good, bad;
	struct sim_board s;
	struct fw_sink k;
	uint8_t sha[32];
	uint32_t resume = 0;
	int rc;

	st_board_new(&s);
	st_image_make(&good, "confirm", 4, 1, 120000);
	image_corrupt(&bad, &good, 1000);
	rc = upload_part(&s, &bad, (uint32_t)bad.len * 3 / 4);
	CHECK(rc == 0, "partial corrupted upload: %s", fw_strerror(rc));

	fw_sink_init(&k, &s.b, &fw_boot_pubkey);
	rc = fw_sink_begin(&k, good.data, good.len, &resume);
	CHECK(rc == 0 && resume > 1000, "same header: resume proposed at %u", resume);
	CHECK(fw_sink_next(&k) == 0, "nothing skipped before proof (next=%u)", fw_sink_next(&k));
	/* a DATA at the proposal without proof is out of order */
	CHECK(fw_sink_write(&k, resume, good.data + resume, 4096) == FW_ESEQ, "unproven skip");
	CHECK(fw_sink_resume(&k, resume + 4096, sha) == FW_EINVAL, "other offset refused");
	mbedtls_sha256_ret(good.data, resume, sha, 0);
	rc = fw_sink_resume(&k, resume, sha);
	CHECK(rc == 0 && fw_sink_next(&k) == 0, "foreign prefix: start over (rc=%d next=%u)", rc,
	      fw_sink_next(&k));
	fw_sink_free(&k);
	rc = st_upload(&s, &good, 1, &resume);
	CHECK(rc == 0 && resume == 0, "good copy from 0: %s (resume %u)", fw_strerror(rc), resume);

	/* and the same image interrupted resumes after its proof */
	CHECK(upload_part(&s, &good, (uint32_t)good.len / 2) == 0, "half upload");
	rc = st_upload(&s, &good, 1, &resume);
	CHECK(rc == 0 && resume > 0, "own prefix resumed at %u: %s", resume, fw_strerror(rc));
	st_image_free(&bad);
	st_image_free(&good);
	st_board_free(&s);
}

/* The same through the compare path (TFTP sends every byte from 0). */
static void
test_foreign_prefix_compare(void)
{
	struct st_image good, bad;
	struct sim_board s;
	uint32_t resume = 0;
	int rc;

	st_board_new(&s);
	st_image_make(&good, "confirm", 5, 1, 120000);
	image_corrupt(&bad, &good, 9000);
	CHECK(upload_part(&s, &bad, (uint32_t)bad.len * 3 / 4) == 0, "partial corrupted upload");
	rc = upload_part(&s, &good, (uint32_t)good.len);
	CHECK(rc == FW_ERESUME, "foreign bytes found while comparing: %s", fw_strerror(rc));
	rc = st_upload(&s, &good, 1, &resume);
	CHECK(rc == 0 && resume == 0, "next upload from 0: %s (resume %u)", fw_strerror(rc),
	      resume);
	rc = st_boot(&s);
	CHECK(rc == BOOT_OK && s.log.ver[0] == 5, "good copy boots");

	/* own bytes compare equal: resumed without rewriting them */
	st_board_free(&s);
	st_board_new(&s);
	CHECK(upload_part(&s, &good, (uint32_t)good.len / 2) == 0, "half upload");
	{
		uint64_t ops;
		struct fw_sink k;

		fw_sink_init(&k, &s.b, &fw_boot_pubkey);
		rc = fw_sink_begin(&k, good.data, good.len, &resume);
		CHECK(rc == 0 && resume > 0, "proposed %u", resume);
		ops = s.flash.ops;
		for (uint32_t off = 0; rc == 0 && off < resume; off += 512)
			rc = fw_sink_write(&k, off, good.data + off,
			                   resume - off < 512 ? resume - off : 512);
		CHECK(rc == 0 && fw_sink_next(&k) == resume, "compared up to %u", resume);
		CHECK(s.flash.ops == ops, "compare wrote nothing (%lu ops)",
		      (unsigned long)(s.flash.ops - ops));
		for (uint32_t off = resume; rc == 0 && off < good.len; off += 512)
			rc = fw_sink_write(&k, off, good.data + off,
			                   good.len - off < 512 ? good.len - off : 512);
		CHECK(rc == 0, "rest written: %s", fw_strerror(rc));
		rc = fw_sink_verify(&k);
		CHECK(rc == 0, "verified: %s", fw_strerror(rc));
		fw_sink_free(&k);
	}
	st_image_free(&bad);
	st_image_free(&good);
	st_board_free(&s);
}

/* An image that fits the slot but not the load area is refused as soon as
 * its component table has come in (the 128-byte header of BEGIN does not
 * say how much RAM the components take), before any of it is written to
 * the slot, with a message about the load area; the journal is dropped. */
static void
test_load_area_at_begin(void)
{
	struct st_image im;
	struct sim_board s;
	struct fw_sink k;
	uint32_t resume, off;
	int rc, untouched = 1;

	st_board_new(&s);
	st_image_make(&im, "confirm", 6, 1, 300000); /* compresses below 250 KB */
	s.b.load_max = 256 * 1024;
	fw_sink_init(&k, &s.b, &fw_boot_pubkey);
	rc = fw_sink_begin(&k, im.data, im.len, &resume);
	CHECK(rc == 0 && resume == 0, "begin: %s", fw_strerror(rc));
	rc = fw_sink_write(&k, 0, im.data, 4096);
	CHECK(rc == FW_ELOAD, "first chunk (header and table): %s", fw_strerror(rc));
	off = s.b.slot[k.slot].off;
	for (uint32_t i = 0; i < 4096; i++)
		untouched &= s.flash.mem[off + i] == 0xff;
	CHECK(untouched, "nothing of the image written to the slot");
	CHECK(fw_sink_write(&k, 0, im.data, 4096) == FW_ESTATE, "refused upload stays refused");
	CHECK(fw_sink_verify(&k) == FW_ELOAD, "verify repeats the refusal");
	CHECK(strstr(fw_strerror(FW_ELOAD), "load area") != NULL, "message names the load area");
	CHECK(strstr(fw_strerror(FW_ESIZE), "slot") != NULL, "slot message stays");
	fw_sink_free(&k);
	s.b.load_max = SIM_LOAD_MAX;
	rc = st_upload(&s, &im, 1, &resume);
	CHECK(rc == 0 && resume == 0, "fits the real load area, from 0: %s", fw_strerror(rc));
	st_image_free(&im);
	st_board_free(&s);
}

/* A console that is quiet for quiet_ms (reads time out), then gone; until
 * then it delivers an INFO frame on the first `talk` reads. */
struct quiet_uart {
	struct drv_uart drv;
	uint32_t start, quiet_ms;
	int talk;
	uint8_t frame[32];
	long flen;
};

static int
quiet_read(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	struct quiet_uart *q = ctx;
	uint32_t now = sim_timer.ops->now_ms(NULL);

	if (now - q->start >= q->quiet_ms)
		return DRV_ENODEV;
	usleep(timeout_ms * 1000);
	if (q->talk > 0 && len >= (size_t)q->flen) {
		q->talk--;
		memcpy(buf, q->frame, (size_t)q->flen);
		return (int)q->flen;
	}
	return 0;
}

static int
quiet_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static const struct drv_uart_ops quiet_ops = {.read = quiet_read, .write = quiet_write};

static uint32_t net_busy_until;

static int
net_busy(const struct board *b)
{
	int32_t left = (int32_t)(net_busy_until - b->timer->ops->now_ms(NULL));

	return left > 0 ? BOARD_NET_ACTIVE : 0;
}

/* Runs recovery on the quiet console; returns its result and the time it
 * took in ms. */
static int
idle_run(struct sim_board *s, uint32_t idle_ms, int talk, int (*net)(const struct board *),
         uint32_t load_max, uint32_t *took)
{
	struct quiet_uart q;
	uint32_t t0;
	int rc;

	memset(&q, 0, sizeof(q));
	q.drv.ops = &quiet_ops;
	q.drv.ctx = &q;
	q.quiet_ms = 1500;
	q.talk = talk;
	q.flen = fw_frame_encode(FW_CMD_INFO, 1, NULL, 0, q.frame, sizeof(q.frame));
	sim_board_init(s);
	s->b.console = &q.drv;
	s->b.recovery_idle_ms = idle_ms;
	s->b.net_poll = net;
	if (load_max)
		s->b.load_max = load_max;
	t0 = sim_timer.ops->now_ms(NULL);
	q.start = t0;
	rc = boot_recovery(&s->b, BOOT_REC_KEY);
	*took = sim_timer.ops->now_ms(NULL) - t0;
	s->b.console = &s->uart.drv;
	return rc;
}

static void
test_idle_timeout(void)
{
	struct st_image im;
	struct sim_board s;
	uint32_t took;
	int rc;

	/* nothing bootable: recovery stays until the console goes */
	st_board_new(&s);
	rc = idle_run(&s, 100, 0, NULL, 0, &took);
	CHECK(rc == DRV_ENODEV && s.log.resets == 0, "empty box stays in recovery (rc=%d)", rc);

	/* a good image: back to it after the idle time */
	st_image_make(&im, "confirm", 7, 1, 20000);
	CHECK(st_upload(&s, &im, 1, NULL) == 0, "upload");
	rc = idle_run(&s, 100, 0, NULL, 0, &took);
	CHECK(rc == BOOT_RESET && s.log.resets == 1 && took >= 100 && took < 1400,
	      "idle recovery resets (rc=%d resets=%d after %u ms)", rc, s.log.resets, took);
	/* 0: wait for a host for ever */
	rc = idle_run(&s, 0, 0, NULL, 0, &took);
	CHECK(rc == DRV_ENODEV && s.log.resets == 0, "no timeout when 0 (rc=%d)", rc);
	/* a host talking keeps it in recovery; the timeout counts from its
	 * last frame */
	rc = idle_run(&s, 200, 20, NULL, 0, &took);
	CHECK(rc == BOOT_RESET && took >= 20 * 20 + 200, "frames keep it (reset after %u ms)",
	      took);
	/* so does a network recovery client */
	net_busy_until = sim_timer.ops->now_ms(NULL) + 600;
	rc = idle_run(&s, 200, 0, net_busy, 0, &took);
	CHECK(rc == BOOT_RESET && took >= 600 + 200 - 50, "net activity keeps it (%u ms)", took);
	/* an image the load area cannot hold is nothing to reboot into */
	rc = idle_run(&s, 100, 0, NULL, 4096, &took);
	CHECK(rc == DRV_ENODEV && s.log.resets == 0, "too big to load: stays (rc=%d)", rc);
	st_image_free(&im);
	st_board_free(&s);
}

int
main(void)
{
	test_failed_verify_drops_journal();
	test_failed_verify_repeats();
	test_foreign_prefix_hash();
	test_foreign_prefix_compare();
	test_load_area_at_begin();
	test_idle_timeout();
	return st_done("fw_recovery_test");
}
