/* Image header parsing and verification (format in poort/fw/image.h). */
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include <poort/fw/err.h>
#include <poort/fw/image.h>
#include <poort/fw/lz4.h>

#include "cur.h"

struct verify_impl {
	mbedtls_sha256_context all; /* header || payload: what is signed */
	mbedtls_sha256_context pay; /* payload: tells corruption from a bad key */
	uint8_t hdr[FW_IMAGE_HDR_SIZE];
	uint8_t sig[FW_IMAGE_SIG_SIZE];
	uint32_t seen;
	uint32_t total; /* 0 until the header is parsed */
	int hdr_rc;
	int extra; /* bytes beyond the signature */
	struct fw_image_hdr h;
};

_Static_assert(sizeof(struct verify_impl) <= sizeof(struct fw_image_verify),
               "fw_image_verify too small");

static int
hdr_reserved_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

int
fw_image_hdr_parse(const uint8_t *buf, size_t len, struct fw_image_hdr *hdr)
{
	struct fw_cur c;
	uint8_t res[28];
	uint8_t res3[3];
	uint16_t format, hsize;

	fw_cur_init(&c, buf, len);
	if (fw_cur_u32(&c) != FW_IMAGE_MAGIC)
		return c.err ? FW_ETRUNC : FW_EFORMAT;
	format = fw_cur_u16(&c);
	hsize = fw_cur_u16(&c);
	if (c.err)
		return FW_ETRUNC;
	if (format != FW_IMAGE_FORMAT)
		return FW_EVERSION;
	if (hsize != FW_IMAGE_HDR_SIZE)
		return FW_EFORMAT;
	if (len < FW_IMAGE_HDR_SIZE)
		return FW_ETRUNC;
	hdr->board_id = fw_cur_u32(&c);
	for (int i = 0; i < 3; i++)
		hdr->ver[i] = fw_cur_u16(&c);
	hdr->flags = fw_cur_u16(&c);
	hdr->rollback = fw_cur_u32(&c);
	hdr->comp = fw_cur_u8(&c);
	fw_cur_bytes(&c, res3, sizeof(res3));
	hdr->payload_size = fw_cur_u32(&c);
	hdr->image_size = fw_cur_u32(&c);
	fw_cur_bytes(&c, hdr->payload_sha, 32);
	fw_cur_bytes(&c, hdr->image_sha, 32);
	fw_cur_bytes(&c, res, sizeof(res));
	if (c.err)
		return FW_ETRUNC;
	if (hdr->flags != 0 || !hdr_reserved_zero(res3, sizeof(res3)) ||
	    !hdr_reserved_zero(res, sizeof(res)))
		return FW_EFORMAT;
	if (hdr->comp != FW_IMAGE_COMP_NONE && hdr->comp != FW_IMAGE_COMP_LZ4)
		return FW_EFORMAT;
	if (hdr->payload_size == 0 || hdr->image_size == 0 ||
	    hdr->payload_size > FW_IMAGE_MAX_TOTAL || hdr->image_size > FW_IMAGE_MAX_TOTAL)
		return FW_EFORMAT;
	if (hdr->comp == FW_IMAGE_COMP_NONE && hdr->payload_size != hdr->image_size)
		return FW_EFORMAT;
	return 0;
}

void
fw_image_hdr_encode(const struct fw_image_hdr *hdr, uint8_t out[FW_IMAGE_HDR_SIZE])
{
	struct fw_wcur w;

	memset(out, 0, FW_IMAGE_HDR_SIZE);
	fw_wcur_init(&w, out, FW_IMAGE_HDR_SIZE);
	fw_wcur_u32(&w, FW_IMAGE_MAGIC);
	fw_wcur_u16(&w, FW_IMAGE_FORMAT);
	fw_wcur_u16(&w, FW_IMAGE_HDR_SIZE);
	fw_wcur_u32(&w, hdr->board_id);
	for (int i = 0; i < 3; i++)
		fw_wcur_u16(&w, hdr->ver[i]);
	fw_wcur_u16(&w, hdr->flags);
	fw_wcur_u32(&w, hdr->rollback);
	fw_wcur_u8(&w, hdr->comp);
	w.pos += 3;
	fw_wcur_u32(&w, hdr->payload_size);
	fw_wcur_u32(&w, hdr->image_size);
	fw_wcur_bytes(&w, hdr->payload_sha, 32);
	fw_wcur_bytes(&w, hdr->image_sha, 32);
}

uint32_t
fw_image_total_size(const struct fw_image_hdr *hdr)
{
	return FW_IMAGE_HDR_SIZE + hdr->payload_size + FW_IMAGE_SIG_SIZE;
}

void
fw_image_verify_init(struct fw_image_verify *v)
{
	struct verify_impl *m = (struct verify_impl *)v;

	memset(m, 0, sizeof(*m));
	mbedtls_sha256_init(&m->all);
	mbedtls_sha256_init(&m->pay);
	mbedtls_sha256_starts_ret(&m->all, 0);
	mbedtls_sha256_starts_ret(&m->pay, 0);
	m->hdr_rc = FW_ETRUNC;
}

void
fw_image_verify_free(struct fw_image_verify *v)
{
	struct verify_impl *m = (struct verify_impl *)v;

	mbedtls_sha256_free(&m->all);
	mbedtls_sha256_free(&m->pay);
	memset(m, 0, sizeof(*m));
}

int
fw_image_verify_update(struct fw_image_verify *v, const uint8_t *data, size_t len)
{
	struct verify_impl *m = (struct verify_impl *)v;

	while (len) {
		size_t n;

		if (m->seen < FW_IMAGE_HDR_SIZE) {
			n = FW_IMAGE_HDR_SIZE - m->seen;
			n = n < len ? n : len;
			memcpy(m->hdr + m->seen, data, n);
			mbedtls_sha256_update_ret(&m->all, data, n);
			m->seen += (uint32_t)n;
			if (m->seen == FW_IMAGE_HDR_SIZE) {
				m->hdr_rc = fw_image_hdr_parse(m->hdr, FW_IMAGE_HDR_SIZE, &m->h);
				if (m->hdr_rc)
					return m->hdr_rc;
				m->total = fw_image_total_size(&m->h);
			}
		} else if (m->hdr_rc) {
			return m->hdr_rc;
		} else if (m->seen < m->total - FW_IMAGE_SIG_SIZE) {
			n = m->total - FW_IMAGE_SIG_SIZE - m->seen;
			n = n < len ? n : len;
			mbedtls_sha256_update_ret(&m->all, data, n);
			mbedtls_sha256_update_ret(&m->pay, data, n);
			m->seen += (uint32_t)n;
		} else if (m->seen < m->total) {
			n = m->total - m->seen;
			n = n < len ? n : len;
			memcpy(m->sig + (m->seen - (m->total - FW_IMAGE_SIG_SIZE)), data, n);
			m->seen += (uint32_t)n;
		} else {
			m->extra = 1;
			return 0;
		}
		data += n;
		len -= n;
	}
	return 0;
}

/* ECDSA P-256 over a SHA-256 digest; raw r||s signature. */
static int
image_check_sig(const struct fw_pubkey *key, const uint8_t dig[32],
                const uint8_t sig[FW_IMAGE_SIG_SIZE])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi r, s;
	int rc = FW_ESIG;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) ||
	    mbedtls_ecp_point_read_binary(&grp, &q, key->q, sizeof(key->q)) ||
	    mbedtls_ecp_check_pubkey(&grp, &q) || mbedtls_mpi_read_binary(&r, sig, 32) ||
	    mbedtls_mpi_read_binary(&s, sig + 32, 32))
		goto out;
	if (mbedtls_ecdsa_verify(&grp, dig, 32, &q, &r, &s) == 0)
		rc = 0;
out:
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&r);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int
fw_image_verify_finish(struct fw_image_verify *v, const struct fw_pubkey *key, uint32_t board_id,
                       uint32_t min_rollback, struct fw_image_hdr *hdr)
{
	struct verify_impl *m = (struct verify_impl *)v;
	uint8_t dall[32], dpay[32];

	if (m->hdr_rc)
		return m->hdr_rc;
	if (m->h.board_id != board_id)
		return FW_EBOARD;
	if (m->seen < m->total)
		return FW_ETRUNC;
	if (m->extra)
		return FW_EFORMAT;
	mbedtls_sha256_finish_ret(&m->all, dall);
	mbedtls_sha256_finish_ret(&m->pay, dpay);
	if (memcmp(dpay, m->h.payload_sha, 32) != 0)
		return FW_EHASH;
	if (image_check_sig(key, dall, m->sig))
		return FW_ESIG;
	if (m->h.rollback < min_rollback)
		return FW_EROLLBACK;
	if (hdr)
		*hdr = m->h;
	return 0;
}

static int
image_flash_read(const struct drv_flash *fl, uint32_t off, void *buf, size_t len)
{
	int rc = fl->ops->read(fl->ctx, off, buf, len);

	if (rc == DRV_EPOWER)
		return FW_EPOWER;
	return rc ? FW_EFLASH : 0;
}

int
fw_image_verify_flash(const struct drv_flash *flash, uint32_t area_off, uint32_t area_size,
                      const struct fw_pubkey *key, uint32_t board_id, uint32_t min_rollback,
                      struct fw_image_hdr *hdr)
{
	struct fw_image_verify v;
	struct fw_image_hdr h;
	uint8_t buf[256];
	uint32_t total, pos;
	int rc;

	fw_image_verify_init(&v);
	if (area_size < FW_IMAGE_HDR_SIZE) {
		rc = FW_ESIZE;
		goto out;
	}
	rc = image_flash_read(flash, area_off, buf, FW_IMAGE_HDR_SIZE);
	if (rc)
		goto out;
	rc = fw_image_hdr_parse(buf, FW_IMAGE_HDR_SIZE, &h);
	if (rc)
		goto out;
	total = fw_image_total_size(&h);
	if (total > area_size) {
		rc = FW_ESIZE;
		goto out;
	}
	for (pos = 0; pos < total; pos += sizeof(buf)) {
		uint32_t n = total - pos < sizeof(buf) ? total - pos : (uint32_t)sizeof(buf);
		rc = image_flash_read(flash, area_off + pos, buf, n);
		if (rc)
			goto out;
		rc = fw_image_verify_update(&v, buf, n);
		if (rc)
			goto out;
	}
	rc = fw_image_verify_finish(&v, key, board_id, min_rollback, hdr);
out:
	fw_image_verify_free(&v);
	return rc;
}

uint32_t
fw_image_load_need(const struct fw_image_hdr *hdr)
{
	/* The compressed payload goes to the top of the load area and is
	 * decoded to the bottom; the two must not overlap. Both sizes are at
	 * most FW_IMAGE_MAX_TOTAL, so the sum cannot overflow. */
	if (hdr->comp == FW_IMAGE_COMP_NONE)
		return hdr->image_size;
	return hdr->payload_size + hdr->image_size;
}

int
fw_image_load(const struct drv_flash *flash, uint32_t area_off, const struct fw_image_hdr *hdr,
              uint8_t *dst, uint32_t dst_max)
{
	mbedtls_sha256_context sha;
	uint8_t dig[32];
	uint8_t *src;
	long n;
	int rc;

	mbedtls_sha256_init(&sha);
	if (fw_image_load_need(hdr) > dst_max) {
		rc = FW_ELOAD;
		goto out;
	}
	src = hdr->comp == FW_IMAGE_COMP_NONE ? dst : dst + dst_max - hdr->payload_size;
	rc = image_flash_read(flash, area_off + FW_IMAGE_HDR_SIZE, src, hdr->payload_size);
	if (rc)
		goto out;
	if (hdr->comp == FW_IMAGE_COMP_LZ4) {
		n = fw_lz4_decode(src, hdr->payload_size, dst, hdr->image_size);
		if (n < 0 || (uint32_t)n != hdr->image_size) {
			rc = FW_EDECOMP;
			goto out;
		}
	}
	mbedtls_sha256_starts_ret(&sha, 0);
	mbedtls_sha256_update_ret(&sha, dst, hdr->image_size);
	mbedtls_sha256_finish_ret(&sha, dig);
	rc = memcmp(dig, hdr->image_sha, 32) ? FW_EHASH : 0;
out:
	mbedtls_sha256_free(&sha);
	return rc;
}
