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

/* Fills e for one component; *stored is either c->data or a new LZ4
 * buffer (freed by the caller). */
#define MK_LZ4_MIN_GAIN 32
static int
mk_comp_pack(const struct mk_comp *c, int compress, struct fw_image_comp *e, uint8_t **comp)
{
	int cap, n;

	*comp = NULL;
	if (c->len == 0 || c->len > FW_IMAGE_MAX_TOTAL / 2 || c->type < FW_COMP_KERNEL ||
	    c->type > FW_COMP_TYPE_MAX)
		return MK_EINVAL;
	if (c->type == FW_COMP_CMDLINE &&
	    (c->len > FW_IMAGE_MAX_CMDLINE || memchr(c->data, 0, c->len) != NULL))
		return MK_EINVAL;
	memset(e, 0, sizeof(*e));
	e->type = (uint8_t)c->type;
	e->comp = FW_IMAGE_COMP_NONE;
	e->size = (uint32_t)c->len;
	e->stored_size = (uint32_t)c->len;
	SHA256(c->data, c->len, e->sha);
	if (compress && c->type != FW_COMP_CMDLINE) {
		cap = LZ4_compressBound((int)c->len);
		*comp = malloc((size_t)cap);
		if (!*comp)
			return MK_ENOMEM;
		n = LZ4_compress_HC((const char *)c->data, (char *)*comp, (int)c->len, cap,
		                    c->len > (1u << 20) ? LZ4HC_CLEVEL_DEFAULT : LZ4HC_CLEVEL_MAX);
		if (n <= 0)
			return MK_ECOMP;
		/* kept only when it saves at least 1/32: an already compressed
		 * initramfs (gzip) shrinks by ~0.1%, which is not worth
		 * decompressing 12 MB at every boot */
		if ((size_t)n <= c->len - c->len / MK_LZ4_MIN_GAIN) {
			e->comp = FW_IMAGE_COMP_LZ4;
			e->stored_size = (uint32_t)n;
		} else {
			free(*comp);
			*comp = NULL;
		}
	}
	SHA256(*comp ? *comp : c->data, e->stored_size, e->stored_sha);
	return 0;
}

int
mk_image_build(const struct mk_params *p, EVP_PKEY *key, uint8_t **out, size_t *out_len)
{
	struct fw_image_hdr h;
	uint8_t *img = NULL, *comp[FW_IMAGE_MAX_COMPS] = {NULL};
	uint8_t table[FW_IMAGE_MAX_COMPS * FW_IMAGE_COMP_ENTRY];
	size_t total, pos, payload;
	uint8_t dig[32];
	int rc = MK_EINVAL;

	*out = NULL;
	if (p->ncomp < 1 || p->ncomp > FW_IMAGE_MAX_COMPS)
		goto out;
	memset(&h, 0, sizeof(h));
	h.board_id = p->board_id;
	memcpy(h.ver, p->ver, sizeof(h.ver));
	h.rollback = p->rollback;
	h.ncomp = (uint8_t)p->ncomp;
	payload = fw_image_table_size(&h);
	for (int i = 0; i < p->ncomp; i++) {
		rc = mk_comp_pack(&p->comp[i], p->compress, &h.comp[i], &comp[i]);
		if (rc)
			goto out;
		payload += h.comp[i].stored_size;
	}
	rc = MK_EINVAL;
	if (payload + FW_IMAGE_HDR_SIZE + FW_IMAGE_SIG_SIZE > FW_IMAGE_MAX_TOTAL)
		goto out;
	h.payload_size = (uint32_t)payload;
	fw_image_table_encode(&h, table);
	SHA256(table, fw_image_table_size(&h), h.table_sha);
	/* the device's own parser is the judge of what is a valid set */
	{
		struct fw_image_hdr chk = h;

		if (fw_image_table_parse(table, fw_image_table_size(&h), &chk) != 0)
			goto out;
	}
	total = FW_IMAGE_HDR_SIZE + payload + FW_IMAGE_SIG_SIZE;
	rc = MK_ENOMEM;
	img = malloc(total);
	if (!img)
		goto out;
	fw_image_hdr_encode(&h, img);
	memcpy(img + FW_IMAGE_HDR_SIZE, table, fw_image_table_size(&h));
	pos = FW_IMAGE_HDR_SIZE + fw_image_table_size(&h);
	for (int i = 0; i < p->ncomp; i++) {
		memcpy(img + pos, comp[i] ? comp[i] : p->comp[i].data, h.comp[i].stored_size);
		pos += h.comp[i].stored_size;
	}
	SHA256(img, FW_IMAGE_HDR_SIZE + fw_image_table_size(&h), dig);
	rc = mk_sign(key, dig, img + pos);
	if (rc)
		goto out;
	*out = img;
	*out_len = total;
	img = NULL;
out:
	free(img);
	for (int i = 0; i < FW_IMAGE_MAX_COMPS; i++)
		free(comp[i]);
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
	if (strcmp(s, "ls1012a-rdb") == 0) {
		*id = BOARD_ID_FIRST_REAL;
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
	case BOARD_ID_FIRST_REAL:
		return "ls1012a-rdb";
	default:
		return "unknown";
	}
}
