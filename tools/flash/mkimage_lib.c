/* Image building and signing (see mkimage_lib.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lz4.h>
#include <lz4hc.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <poort/board.h>

#include "mkimage_lib.h"

EVP_PKEY *
mk_key_load(const char *path)
{
	EVP_PKEY *k = NULL;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k && !EVP_PKEY_is_a(k, "EC")) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

int
mk_key_generate(const char *path)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	FILE *f = NULL;
	int fd, rc = MK_EKEY;

	if (!k)
		return MK_EKEY;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		goto out;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1)
		rc = 0;
out:
	if (f && fclose(f) != 0)
		rc = MK_EKEY;
	EVP_PKEY_free(k);
	return rc;
}

int
mk_key_pub(EVP_PKEY *key, struct fw_pubkey *pub)
{
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub->q,
	                                    sizeof(pub->q), &n) != 1 ||
	    n != sizeof(pub->q) || pub->q[0] != 0x04)
		return MK_EKEY;
	return 0;
}

int
mk_pub_load(const char *path, struct fw_pubkey *pub)
{
	EVP_PKEY *k;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return MK_EKEY;
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!k) {
		rewind(f);
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (!k)
		return MK_EKEY;
	rc = mk_key_pub(k, pub);
	EVP_PKEY_free(k);
	return rc;
}

/* ECDSA over a SHA-256 digest, returned as raw r||s. */
static int
mk_sign(EVP_PKEY *key, const uint8_t dig[32], uint8_t sig[FW_IMAGE_SIG_SIZE])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	unsigned char der[80];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int rc = MK_EKEY;

	if (!ctx || EVP_PKEY_sign_init(ctx) != 1 || EVP_PKEY_sign(ctx, der, &dlen, dig, 32) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int
mk_image_build(const struct mk_params *p, EVP_PKEY *key, uint8_t **out, size_t *out_len)
{
	struct fw_image_hdr h;
	uint8_t *img = NULL, *comp = NULL;
	const uint8_t *stored = p->payload;
	size_t stored_len = p->payload_len, total;
	uint8_t dig[32];
	int rc = MK_EINVAL;

	*out = NULL;
	if (p->payload_len == 0 || p->payload_len > FW_IMAGE_MAX_TOTAL / 2)
		goto out;
	memset(&h, 0, sizeof(h));
	h.board_id = p->board_id;
	memcpy(h.ver, p->ver, sizeof(h.ver));
	h.rollback = p->rollback;
	h.comp = FW_IMAGE_COMP_NONE;
	if (p->compress) {
		int cap = LZ4_compressBound((int)p->payload_len), n;

		rc = MK_ENOMEM;
		comp = malloc((size_t)cap);
		if (!comp)
			goto out;
		n = LZ4_compress_HC((const char *)p->payload, (char *)comp, (int)p->payload_len,
		                    cap, LZ4HC_CLEVEL_MAX);
		rc = MK_ECOMP;
		if (n <= 0)
			goto out;
		if ((size_t)n < p->payload_len) {
			stored = comp;
			stored_len = (size_t)n;
			h.comp = FW_IMAGE_COMP_LZ4;
		}
	}
	h.payload_size = (uint32_t)stored_len;
	h.image_size = (uint32_t)p->payload_len;
	SHA256(stored, stored_len, h.payload_sha);
	SHA256(p->payload, p->payload_len, h.image_sha);
	total = FW_IMAGE_HDR_SIZE + stored_len + FW_IMAGE_SIG_SIZE;
	rc = MK_ENOMEM;
	img = malloc(total);
	if (!img)
		goto out;
	fw_image_hdr_encode(&h, img);
	memcpy(img + FW_IMAGE_HDR_SIZE, stored, stored_len);
	SHA256(img, FW_IMAGE_HDR_SIZE + stored_len, dig);
	rc = mk_sign(key, dig, img + FW_IMAGE_HDR_SIZE + stored_len);
	if (rc)
		goto out;
	*out = img;
	*out_len = total;
	img = NULL;
out:
	free(img);
	free(comp);
	return rc;
}

int
mk_board_parse(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "sim") == 0) {
		*id = BOARD_ID_SIM;
		return 0;
	}
	if (strcmp(s, "qemu-virt") == 0) {
		*id = BOARD_ID_QEMU_VIRT;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > 0xffffffffu)
		return MK_EINVAL;
	*id = (uint32_t)v;
	return 0;
}

const char *
mk_board_name(uint32_t id)
{
	switch (id) {
	case BOARD_ID_SIM:
		return "sim";
	case BOARD_ID_QEMU_VIRT:
		return "qemu-virt";
	default:
		return "unknown";
	}
}
