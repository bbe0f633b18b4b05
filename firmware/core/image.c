/* Image header parsing and verification (format in poort/fw/image.h). */
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include <poort/fw/err.h>
#include <poort/fw/image.h>

#include "cur.h"
#include "imgint.h"

struct verify_impl {
	mbedtls_sha256_context sha; /* the component being streamed */
	uint8_t hdr[FW_IMAGE_HDR_SIZE];
	uint8_t table[FW_IMAGE_MAX_COMPS * FW_IMAGE_COMP_ENTRY];
	uint8_t sig[FW_IMAGE_SIG_SIZE];
	uint32_t seen;
	uint32_t total; /* 0 until the header is parsed */
	uint32_t tend;  /* end of the table */
	uint32_t cidx;  /* component being streamed */
	uint32_t cleft; /* its bytes still to come */
	int hdr_rc;
	int tab_rc;  /* table hash or format, once the table is complete */
	int comp_rc; /* first component hash mismatch */
	int extra;   /* bytes beyond the signature */
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
	uint8_t res[60];
	uint8_t res3[3];
	uint16_t format, hsize;
	uint32_t res4;

	fw_cur_init(&c, buf, len);
	if (fw_cur_u32(&c) != FW_IMAGE_MAGIC)
		return c.err ? FW_ETRUNC : FW_EFORMAT;
	format = fw_cur_u16(&c);
	hsize = fw_cur_u16(&c);
	if (c.err)
		return FW_ETRUNC;
	/* First, as in every format: an image of another format is named as
	 * such, whatever else its header holds. */
	if (format != FW_IMAGE_FORMAT)
		return FW_EVERSION;
	if (hsize != FW_IMAGE_HDR_SIZE)
		return FW_EFORMAT;
	if (len < FW_IMAGE_HDR_SIZE)
		return FW_ETRUNC;
	memset(hdr, 0, sizeof(*hdr));
	hdr->board_id = fw_cur_u32(&c);
	for (int i = 0; i < 3; i++)
		hdr->ver[i] = fw_cur_u16(&c);
	hdr->flags = fw_cur_u16(&c);
	hdr->rollback = fw_cur_u32(&c);
	hdr->ncomp = fw_cur_u8(&c);
	fw_cur_bytes(&c, res3, sizeof(res3));
	hdr->payload_size = fw_cur_u32(&c);
	res4 = fw_cur_u32(&c);
	fw_cur_bytes(&c, hdr->table_sha, 32);
	fw_cur_bytes(&c, res, sizeof(res));
	if (c.err)
		return FW_ETRUNC;
	if (hdr->flags != 0 || res4 != 0 || !hdr_reserved_zero(res3, sizeof(res3)) ||
	    !hdr_reserved_zero(res, sizeof(res)))
		return FW_EFORMAT;
	if (hdr->ncomp == 0 || hdr->ncomp > FW_IMAGE_MAX_COMPS)
		return FW_EFORMAT;
	/* every component holds at least one byte */
	if (hdr->payload_size > FW_IMAGE_MAX_TOTAL ||
	    hdr->payload_size < fw_image_table_size(hdr) + hdr->ncomp)
		return FW_EFORMAT;
	return 0;
}

int
fw_image_table_parse(const uint8_t *buf, size_t len, struct fw_image_hdr *hdr)
{
	uint32_t tsize = fw_image_table_size(hdr);
	uint32_t off = FW_IMAGE_HDR_SIZE + tsize;
	unsigned seen = 0;
	struct fw_cur c;

	if (len != tsize || hdr->ncomp == 0 || hdr->ncomp > FW_IMAGE_MAX_COMPS)
		return FW_EFORMAT;
	fw_cur_init(&c, buf, len);
	for (unsigned i = 0; i < hdr->ncomp && i < FW_IMAGE_MAX_COMPS; i++) {
		struct fw_image_comp *e = &hdr->comp[i];
		const uint8_t *q;
		uint16_t res2;
		uint32_t res4;

		e->type = fw_cur_u8(&c);
		e->comp = fw_cur_u8(&c);
		res2 = fw_cur_u16(&c);
		e->stored_size = fw_cur_u32(&c);
		e->size = fw_cur_u32(&c);
		res4 = fw_cur_u32(&c);
		q = fw_cur_take(&c, 64);
		if (!q || c.err || res2 || res4)
			return FW_EFORMAT;
		memcpy(e->stored_sha, q, 32);
		memcpy(e->sha, q + 32, 32);
		if (e->type < FW_COMP_KERNEL || e->type > FW_COMP_TYPE_MAX ||
		    (seen & (1u << e->type)))
			return FW_EFORMAT;
		seen |= 1u << e->type;
		if (e->comp != FW_IMAGE_COMP_NONE && e->comp != FW_IMAGE_COMP_LZ4)
			return FW_EFORMAT;
		if (e->stored_size == 0 || e->size == 0 || e->stored_size > FW_IMAGE_MAX_TOTAL ||
		    e->size > FW_IMAGE_MAX_TOTAL)
			return FW_EFORMAT;
		if (e->comp == FW_IMAGE_COMP_NONE && e->stored_size != e->size)
			return FW_EFORMAT;
		if (e->type == FW_COMP_CMDLINE && e->size > FW_IMAGE_MAX_CMDLINE)
			return FW_EFORMAT;
		if (e->stored_size > FW_IMAGE_HDR_SIZE + hdr->payload_size - off)
			return FW_EFORMAT;
		e->offset = off;
		off += e->stored_size;
	}
	if (!(seen & (1u << FW_COMP_KERNEL)))
		return FW_EFORMAT;
	if ((seen & (1u << FW_COMP_INITRAMFS)) && (seen & (1u << FW_COMP_ROOTFS)))
		return FW_EFORMAT;
	/* the components fill the payload exactly */
	if (off != FW_IMAGE_HDR_SIZE + hdr->payload_size)
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
	fw_wcur_u8(&w, hdr->ncomp);
	w.pos += 3;
	fw_wcur_u32(&w, hdr->payload_size);
	w.pos += 4;
	fw_wcur_bytes(&w, hdr->table_sha, 32);
}

void
fw_image_table_encode(const struct fw_image_hdr *hdr, uint8_t *out)
{
	struct fw_wcur w;

	memset(out, 0, fw_image_table_size(hdr));
	fw_wcur_init(&w, out, fw_image_table_size(hdr));
	for (unsigned i = 0; i < hdr->ncomp && i < FW_IMAGE_MAX_COMPS; i++) {
		const struct fw_image_comp *e = &hdr->comp[i];

		fw_wcur_u8(&w, e->type);
		fw_wcur_u8(&w, e->comp);
		fw_wcur_u16(&w, 0);
		fw_wcur_u32(&w, e->stored_size);
		fw_wcur_u32(&w, e->size);
		fw_wcur_u32(&w, 0);
		fw_wcur_bytes(&w, e->stored_sha, 32);
		fw_wcur_bytes(&w, e->sha, 32);
	}
}

uint32_t
fw_image_table_size(const struct fw_image_hdr *hdr)
{
	return (uint32_t)hdr->ncomp * FW_IMAGE_COMP_ENTRY;
}

uint32_t
fw_image_total_size(const struct fw_image_hdr *hdr)
{
	return FW_IMAGE_HDR_SIZE + hdr->payload_size + FW_IMAGE_SIG_SIZE;
}

const struct fw_image_comp *
fw_image_comp_find(const struct fw_image_hdr *hdr, int type)
{
	for (unsigned i = 0; i < hdr->ncomp && i < FW_IMAGE_MAX_COMPS; i++)
		if (hdr->comp[i].type == type)
			return &hdr->comp[i];
	return NULL;
}

const char *
fw_image_comp_name(int type)
{
	switch (type) {
	case FW_COMP_KERNEL:
		return "kernel";
	case FW_COMP_INITRAMFS:
		return "initramfs";
	case FW_COMP_ROOTFS:
		return "rootfs";
	case FW_COMP_DTB:
		return "dtb";
	case FW_COMP_CMDLINE:
		return "cmdline";
	default:
		return "unknown";
	}
}

void
fw_image_verify_init(struct fw_image_verify *v)
{
	struct verify_impl *m = (struct verify_impl *)v;

	memset(m, 0, sizeof(*m));
	mbedtls_sha256_init(&m->sha);
	m->hdr_rc = FW_ETRUNC;
}

void
fw_image_verify_free(struct fw_image_verify *v)
{
	struct verify_impl *m = (struct verify_impl *)v;

	mbedtls_sha256_free(&m->sha);
	memset(m, 0, sizeof(*m));
}

/* The table is complete: check its hash, parse it, start component 0. */
static void
verify_table_done(struct verify_impl *m)
{
	uint32_t tsize = m->tend - FW_IMAGE_HDR_SIZE;
	uint8_t dig[32];

	mbedtls_sha256_starts_ret(&m->sha, 0);
	mbedtls_sha256_update_ret(&m->sha, m->table, tsize);
	mbedtls_sha256_finish_ret(&m->sha, dig);
	if (memcmp(dig, m->h.table_sha, 32) != 0)
		m->tab_rc = FW_EHASH;
	else
		m->tab_rc = fw_image_table_parse(m->table, tsize, &m->h);
	if (m->tab_rc)
		return;
	m->cidx = 0;
	m->cleft = m->h.comp[0].stored_size;
	mbedtls_sha256_starts_ret(&m->sha, 0);
}

/* Feeds payload bytes after the table to the component they belong to. */
static void
verify_comp_bytes(struct verify_impl *m, const uint8_t *data, size_t len)
{
	while (len && m->cidx < m->h.ncomp) {
		size_t n = len < m->cleft ? len : m->cleft;
		uint8_t dig[32];

		mbedtls_sha256_update_ret(&m->sha, data, n);
		m->cleft -= (uint32_t)n;
		data += n;
		len -= n;
		if (m->cleft)
			break;
		mbedtls_sha256_finish_ret(&m->sha, dig);
		if (memcmp(dig, m->h.comp[m->cidx].stored_sha, 32) != 0 && !m->comp_rc)
			m->comp_rc = FW_EHASH;
		m->cidx++;
		if (m->cidx < m->h.ncomp) {
			m->cleft = m->h.comp[m->cidx].stored_size;
			mbedtls_sha256_starts_ret(&m->sha, 0);
		}
	}
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
			m->seen += (uint32_t)n;
			if (m->seen == FW_IMAGE_HDR_SIZE) {
				m->hdr_rc = fw_image_hdr_parse(m->hdr, FW_IMAGE_HDR_SIZE, &m->h);
				if (m->hdr_rc)
					return m->hdr_rc;
				m->total = fw_image_total_size(&m->h);
				m->tend = FW_IMAGE_HDR_SIZE + fw_image_table_size(&m->h);
			}
		} else if (m->hdr_rc) {
			return m->hdr_rc;
		} else if (m->seen < m->tend) {
			n = m->tend - m->seen;
			n = n < len ? n : len;
			memcpy(m->table + (m->seen - FW_IMAGE_HDR_SIZE), data, n);
			m->seen += (uint32_t)n;
			if (m->seen == m->tend)
				verify_table_done(m);
		} else if (m->seen < m->total - FW_IMAGE_SIG_SIZE) {
			n = m->total - FW_IMAGE_SIG_SIZE - m->seen;
			n = n < len ? n : len;
			if (!m->tab_rc)
				verify_comp_bytes(m, data, n);
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
fw_image_check_signed(const uint8_t *hdr, const uint8_t *table, uint32_t tsize,
                      const uint8_t sig[FW_IMAGE_SIG_SIZE], const struct fw_pubkey *key)
{
	mbedtls_sha256_context sha;
	uint8_t dig[32];

	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts_ret(&sha, 0);
	mbedtls_sha256_update_ret(&sha, hdr, FW_IMAGE_HDR_SIZE);
	mbedtls_sha256_update_ret(&sha, table, tsize);
	mbedtls_sha256_finish_ret(&sha, dig);
	mbedtls_sha256_free(&sha);
	return image_check_sig(key, dig, sig);
}

int
fw_image_verify_finish(struct fw_image_verify *v, const struct fw_pubkey *key, uint32_t board_id,
                       uint32_t min_rollback, struct fw_image_hdr *hdr)
{
	struct verify_impl *m = (struct verify_impl *)v;

	if (m->hdr_rc)
		return m->hdr_rc;
	if (m->h.board_id != board_id)
		return FW_EBOARD;
	if (m->seen < m->total)
		return FW_ETRUNC;
	if (m->extra)
		return FW_EFORMAT;
	if (m->tab_rc)
		return m->tab_rc;
	if (m->comp_rc)
		return m->comp_rc;
	if (fw_image_check_signed(m->hdr, m->table, m->tend - FW_IMAGE_HDR_SIZE, m->sig, key))
		return FW_ESIG;
	if (m->h.rollback < min_rollback)
		return FW_EROLLBACK;
	if (hdr)
		*hdr = m->h;
	return 0;
}

int
fw_image_flash_read(const struct drv_flash *fl, uint32_t off, void *buf, size_t len)
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
	uint8_t buf[1024];
	uint32_t total, pos;
	int rc;

	fw_image_verify_init(&v);
	if (area_size < FW_IMAGE_HDR_SIZE) {
		rc = FW_ESIZE;
		goto out;
	}
	rc = fw_image_flash_read(flash, area_off, buf, FW_IMAGE_HDR_SIZE);
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
		rc = fw_image_flash_read(flash, area_off + pos, buf, n);
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
