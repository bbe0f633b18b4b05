/*
 * The encrypted stream of a backup file (format in poort/backup.h): scrypt
 * from the passphrase, AES-256-GCM per chunk, the header as AAD, a final
 * flag so that a file cut at a chunk boundary does not authenticate.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup_int.h"

int
backup_fail(struct backup_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* scrypt(pass, salt) into the AES key and the header check. */
static int
bstream_derive(struct backup_stream *s, const struct backup_header *h, const char *pass,
	       size_t passlen, uint8_t check[32])
{
	uint8_t out[64];
	unsigned clen = 0;
	uint64_t n = 1ull << h->log2n;
	uint64_t maxmem = 128ull * h->r * (n + h->p + 2) + (1u << 20);
	int rc = 0;

	if (EVP_PBE_scrypt(pass, passlen, h->salt, sizeof(h->salt), n, h->r, h->p, maxmem, out,
			   sizeof(out)) != 1)
		rc = backup_fail(s->err, BACKUP_ECRYPTO, "scrypt failed");
	else if (HMAC(EVP_sha256(), out + 32, 32, s->header, 40, check, &clen) == NULL || clen != 32)
		rc = backup_fail(s->err, BACKUP_ECRYPTO, "HMAC failed");
	else
		memcpy(s->key, out, sizeof(s->key));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

static int
bstream_alloc(struct backup_stream *s, unsigned log2chunk)
{
	s->chunk_len = (size_t)1 << log2chunk;
	if ((s->buf = malloc(s->chunk_len + BACKUP_TAG_LEN)) == NULL)
		return backup_fail(s->err, BACKUP_ENOMEM, "out of memory");
	return 0;
}

static int
bstream_write_all(struct backup_stream *s, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return backup_fail(s->err, BACKUP_EIO, "write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads up to n bytes, stopping only at end of file; the count or < 0. */
static ssize_t
bstream_read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Encrypts (enc 1) or decrypts in place n bytes of s->buf as chunk
 * s->chunk_no; the tag follows the text. 0, or -1 when it does not verify.
 */
static int
bstream_gcm(struct backup_stream *s, int enc, size_t n, int final)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[12], fl = (uint8_t)(final != 0);
	int len = 0, rc = -1;

	if (ctx == NULL)
		return -1;
	memcpy(iv, s->nonce, 8);
	iv[8] = (uint8_t)(s->chunk_no >> 24);
	iv[9] = (uint8_t)(s->chunk_no >> 16);
	iv[10] = (uint8_t)(s->chunk_no >> 8);
	iv[11] = (uint8_t)s->chunk_no;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(iv), NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, s->key, iv, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &len, s->header, BACKUP_HEADER_LEN) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &len, &fl, 1) != 1)
		goto done;
	if (n > 0 && EVP_CipherUpdate(ctx, s->buf, &len, s->buf, (int)n) != 1)
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, BACKUP_TAG_LEN, s->buf + n) != 1)
		goto done;
	if (EVP_CipherFinal_ex(ctx, s->buf + n, &len) != 1)
		goto done;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, BACKUP_TAG_LEN, s->buf + n) != 1)
		goto done;
	rc = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
backup_stream_create(struct backup_stream *s, int fd, unsigned log2n, const char *pass,
		     size_t passlen, struct backup_error *err)
{
	struct backup_header h = {.version = BACKUP_VERSION, .kdf = 1, .aead = 1, .r = 8, .p = 1,
				  .log2chunk = BACKUP_LOG2CHUNK};
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->err = err;
	h.log2n = (uint8_t)(log2n != 0 ? log2n : BACKUP_LOG2N_DEFAULT);
	if (h.log2n < 14 || h.log2n > 20)
		return backup_fail(err, BACKUP_ECRYPTO, "scrypt cost 2^%u out of range", h.log2n);
	if (RAND_bytes(h.salt, sizeof(h.salt)) != 1 || RAND_bytes(h.nonce, sizeof(h.nonce)) != 1)
		return backup_fail(err, BACKUP_ECRYPTO, "no random bytes");
	memcpy(s->nonce, h.nonce, sizeof(s->nonce));
	backup_header_write(&h, s->header);
	if ((rc = bstream_derive(s, &h, pass, passlen, h.check)) < 0)
		return rc;
	backup_header_write(&h, s->header);
	if ((rc = bstream_alloc(s, h.log2chunk)) < 0)
		return rc;
	return bstream_write_all(s, s->header, sizeof(s->header));
}

static int
bstream_flush(struct backup_stream *s, int final)
{
	size_t n = s->used;

	if (bstream_gcm(s, 1, n, final) < 0)
		return backup_fail(s->err, BACKUP_ECRYPTO, "AES-GCM failed");
	s->chunk_no++;
	s->used = 0;
	if (s->chunk_no == 0)
		return backup_fail(s->err, BACKUP_EIO, "too many chunks");
	return bstream_write_all(s, s->buf, n + BACKUP_TAG_LEN);
}

int
backup_stream_write(struct backup_stream *s, const void *p, size_t n)
{
	const uint8_t *in = p;
	int rc;

	while (n > 0) {
		size_t take = s->chunk_len - s->used;
		if (take > n)
			take = n;
		memcpy(s->buf + s->used, in, take);
		s->used += take;
		in += take;
		n -= take;
		/* a full chunk goes out only once more follows: the last is always short */
		if (s->used == s->chunk_len && n > 0 && (rc = bstream_flush(s, 0)) < 0)
			return rc;
	}
	return 0;
}

int
backup_stream_finish(struct backup_stream *s)
{
	int rc;

	if (s->used == s->chunk_len && (rc = bstream_flush(s, 0)) < 0)
		return rc;
	return bstream_flush(s, 1);
}

int
backup_stream_open(struct backup_stream *s, int fd, const char *pass, size_t passlen,
		   struct backup_error *err)
{
	struct backup_header h;
	uint8_t check[32];
	ssize_t got;
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->err = err;
	got = bstream_read_full(fd, s->header, sizeof(s->header));
	if (got < 0)
		return backup_fail(err, BACKUP_EIO, "read: %s", strerror(errno));
	if ((rc = backup_header_parse(s->header, (size_t)got, &h)) < 0)
		return backup_fail(err, rc, "%s", backup_strerror(rc));
	memcpy(s->nonce, h.nonce, sizeof(s->nonce));
	if ((rc = bstream_derive(s, &h, pass, passlen, check)) < 0)
		return rc;
	rc = CRYPTO_memcmp(check, h.check, sizeof(check)) == 0 ? 0 : BACKUP_EPASSPHRASE;
	OPENSSL_cleanse(check, sizeof(check));
	if (rc < 0)
		return backup_fail(err, rc, "wrong passphrase (or a damaged header)");
	return bstream_alloc(s, h.log2chunk);
}

int
backup_stream_read(struct backup_stream *s, const uint8_t **p, size_t *n)
{
	size_t full = s->chunk_len + BACKUP_TAG_LEN;
	ssize_t got;
	int final;

	*p = NULL;
	*n = 0;
	if (s->eof)
		return 0;
	got = bstream_read_full(s->fd, s->buf, full);
	if (got < 0)
		return backup_fail(s->err, BACKUP_EIO, "read: %s", strerror(errno));
	if (got == 0)
		return backup_fail(s->err, BACKUP_ETRUNCATED, "the file ends after chunk %u",
				   (unsigned)s->chunk_no);
	if ((size_t)got < BACKUP_TAG_LEN)
		return backup_fail(s->err, BACKUP_ETRUNCATED, "the file ends inside chunk %u",
				   (unsigned)s->chunk_no);
	/* the last chunk is always short: a full one has more after it */
	final = (size_t)got < full;
	if (bstream_gcm(s, 0, (size_t)got - BACKUP_TAG_LEN, final) < 0)
		return backup_fail(s->err, BACKUP_EDAMAGED,
				   "chunk %u does not authenticate: damaged or truncated",
				   (unsigned)s->chunk_no);
	s->chunk_no++;
	s->eof = final;
	*p = s->buf;
	*n = (size_t)got - BACKUP_TAG_LEN;
	return 0;
}

void
backup_stream_free(struct backup_stream *s)
{
	OPENSSL_cleanse(s->key, sizeof(s->key));
	if (s->buf != NULL) {
		OPENSSL_cleanse(s->buf, s->chunk_len + BACKUP_TAG_LEN);
		free(s->buf);
	}
	s->buf = NULL;
}
