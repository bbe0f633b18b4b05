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

	/* a flipped byte anywhere in header, payload or signature */
	c = malloc(im.len);
	{
		size_t where[] = {9,   30,         40,          100,         128,
		                  129, im.len / 2, im.len - 65, im.len - 64, im.len - 1};
		for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
			memcpy(c, im.data, im.len);
			c[where[i]] ^= 0x01;
			rc = verify_buf(c, im.len, &fw_boot_pubkey, BOARD_ID_SIM, 0);
			CHECK(rc != 0, "tampered byte %zu accepted", where[i]);
			if (where[i] >= 128 && where[i] < im.len - 64)
				CHECK(rc == FW_EHASH, "payload byte %zu: %s", where[i],
				      fw_strerror(rc));
			if (where[i] >= im.len - 64)
				CHECK(rc == FW_ESIG, "sig byte %zu: %s", where[i], fw_strerror(rc));
			if (where[i] == 40) /* inside payload_sha */
				CHECK(rc == FW_EHASH, "hdr byte %zu: %s", where[i],
				      fw_strerror(rc));
			if (where[i] == 100 || where[i] == 30)
				CHECK(rc == FW_ESIG || rc == FW_EFORMAT, "hdr byte %zu: %s",
				      where[i], fw_strerror(rc));
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
		size_t lens[] = {0, 3, 8, 127, 128, 500, im.len - 64, im.len - 1};
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			rc = verify_buf(im.data, lens[i], &fw_boot_pubkey, BOARD_ID_SIM, 0);
			CHECK(rc == FW_ETRUNC, "truncated to %zu: %s", lens[i], fw_strerror(rc));
		}
	}
	/* trailing junk */
	memcpy(c, im.data, im.len);
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

/* The compressed payload decodes back to what was signed, in the board's
 * load area, exactly as at boot. */
static void
test_load_lz4(void)
{
	struct sim_board s;
	struct st_image im;
	struct fw_image_hdr h;
	int rc;

	st_board_new(&s);
	st_image_make(&im, "confirm", 1, 1, 300000);
	CHECK(im.len < 250000, "payload should compress (%zu)", im.len);
	rc = st_upload(&s, &im, 1, NULL);
	CHECK(rc == 0, "upload: %s", fw_strerror(rc));
	rc = fw_image_verify_flash(s.b.flash, s.b.slot[0].off, s.b.slot[0].size, &fw_boot_pubkey,
	                           BOARD_ID_SIM, 0, &h);
	CHECK(rc == 0, "verify: %s", fw_strerror(rc));
	CHECK(h.comp == FW_IMAGE_COMP_LZ4, "comp %d", h.comp);
	rc = fw_image_load(s.b.flash, s.b.slot[0].off, &h, s.b.load_addr, s.b.load_max);
	CHECK(rc == 0, "load: %s", fw_strerror(rc));
	CHECK(memcmp(s.b.load_addr, SIM_APP_MAGIC "confirm", 21) == 0, "payload text");
	/* a load area too small for payload + image is refused, not overrun */
	rc = fw_image_load(s.b.flash, s.b.slot[0].off, &h, s.b.load_addr, h.image_size);
	CHECK(rc == FW_ELOAD, "small load area: %s", fw_strerror(rc));
	st_image_free(&im);
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

int
main(void)
{
	test_roundtrip_and_damage();
	test_load_lz4();
	test_lz4_edges();
	return st_done("fw_image_test");
}
