/*
 * TOTP for admins (RFC 6238 through liboath) and the enrolment QR code
 * (libqrencode). Secrets are kept as base32 text, the form the otpauth://
 * URI carries; decoded copies are cleared after use.
 */
#include <liboath/oath.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "poort/admin.h"

#define TOTP_KEY_BYTES 20 /* 160 bits, as RFC 4226 recommends */

static pthread_once_t admin_oath_once = PTHREAD_ONCE_INIT;
static int admin_oath_rc;

static void
admin_oath_start(void)
{
	admin_oath_rc = oath_init();
}

int
admin_oath_init(void)
{
	pthread_once(&admin_oath_once, admin_oath_start);
	return admin_oath_rc == OATH_OK ? 0 : ADMIN_ECRYPTO;
}

/* The raw key of a base32 secret (malloc'd, *len bytes); NULL if malformed. */
static char *
totp_key(const char *secret_b32, size_t *len)
{
	char *key = NULL;

	if (admin_oath_init() < 0 || secret_b32 == NULL || secret_b32[0] == '\0')
		return NULL;
	if (oath_base32_decode(secret_b32, strlen(secret_b32), &key, len) != OATH_OK) {
		free(key);
		return NULL;
	}
	return key;
}

static void
totp_key_free(char *key, size_t len)
{
	if (key != NULL)
		explicit_bzero(key, len);
	free(key);
}

int
admin_totp_code(const char *secret_b32, time_t t, unsigned digits, char *out)
{
	size_t len = 0;
	char *key = totp_key(secret_b32, &len);
	int rc;

	if (key == NULL)
		return ADMIN_ECRYPTO;
	rc = oath_totp_generate(key, len, t, ADMIN_TOTP_STEP, 0, digits, out);
	totp_key_free(key, len);
	return rc == OATH_OK ? 0 : ADMIN_ECRYPTO;
}

int
admin_totp_check(const char *secret_b32, const char *code, time_t now, int64_t *step)
{
	char digits[ADMIN_TOTP_DIGITS + 1];
	size_t n = 0, len = 0;
	char *key;
	int rc, pos = 0;

	/* "123 456" as some apps show it; anything but digits and spaces is wrong */
	for (const char *p = code != NULL ? code : ""; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		if (*p < '0' || *p > '9' || n == ADMIN_TOTP_DIGITS)
			return ADMIN_ETOTP;
		digits[n++] = *p;
	}
	if (n != ADMIN_TOTP_DIGITS)
		return ADMIN_ETOTP;
	digits[n] = '\0';
	if ((key = totp_key(secret_b32, &len)) == NULL)
		return ADMIN_ECRYPTO;
	rc = oath_totp_validate2(key, len, now, ADMIN_TOTP_STEP, 0, ADMIN_TOTP_WINDOW, &pos,
				 digits);
	totp_key_free(key, len);
	explicit_bzero(digits, sizeof(digits));
	if (rc == OATH_INVALID_OTP)
		return ADMIN_ETOTP;
	if (rc < 0)
		return ADMIN_ECRYPTO;
	*step = (int64_t)now / ADMIN_TOTP_STEP + pos;
	return 0;
}

/* Percent-encodes s (RFC 3986 unreserved kept) into out at *off. */
static int
totp_pct(const char *s, char *out, size_t outlen, size_t *off)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
		if (*off + (plain ? 1 : 3) >= outlen)
			return -1;
		if (plain) {
			out[(*off)++] = (char)c;
		} else {
			out[(*off)++] = '%';
			out[(*off)++] = hex[c >> 4];
			out[(*off)++] = hex[c & 15];
		}
	}
	out[*off] = '\0';
	return 0;
}

static int
totp_put(const char *s, char *out, size_t outlen, size_t *off)
{
	size_t n = strlen(s);

	if (*off + n >= outlen)
		return -1;
	memcpy(out + *off, s, n + 1);
	*off += n;
	return 0;
}

int
admin_totp_uri(const char *issuer, const char *name, const char *secret_b32, char *out,
	       size_t outlen)
{
	size_t off = 0;

	if (issuer == NULL || issuer[0] == '\0')
		issuer = "Poort";
	if (outlen == 0 || totp_put("otpauth://totp/", out, outlen, &off) < 0 ||
	    totp_pct(issuer, out, outlen, &off) < 0 || totp_put(":", out, outlen, &off) < 0 ||
	    totp_pct(name, out, outlen, &off) < 0 || totp_put("?secret=", out, outlen, &off) < 0 ||
	    totp_pct(secret_b32, out, outlen, &off) < 0 ||
	    totp_put("&issuer=", out, outlen, &off) < 0 || totp_pct(issuer, out, outlen, &off) < 0 ||
	    totp_put("&algorithm=SHA1&digits=6&period=30", out, outlen, &off) < 0) {
		if (outlen > 0)
			explicit_bzero(out, outlen);
		return ADMIN_ENOMEM;
	}
	return 0;
}

/* A new random secret as base32 text (no padding: 20 bytes are 32 characters). */
static int
totp_secret_new(char out[STORE_TOTP_SECRET_MAX + 1])
{
	unsigned char key[TOTP_KEY_BYTES];
	char *b32 = NULL;
	size_t len = 0;
	int rc = ADMIN_ECRYPTO;

	if (admin_oath_init() < 0 || RAND_bytes(key, sizeof(key)) != 1)
		goto done;
	if (oath_base32_encode((const char *)key, sizeof(key), &b32, &len) != OATH_OK ||
	    len > STORE_TOTP_SECRET_MAX)
		goto done;
	memcpy(out, b32, len);
	out[len] = '\0';
	rc = 0;
done:
	explicit_bzero(key, sizeof(key));
	if (b32 != NULL)
		explicit_bzero(b32, len);
	free(b32);
	return rc;
}

int
admin_totp_begin(struct store *st, const struct admin_who *who, const char *name,
		 const char *issuer, char uri[ADMIN_TOTP_URI_MAX])
{
	char secret[STORE_TOTP_SECRET_MAX + 1];
	int rc = totp_secret_new(secret);

	if (rc == 0)
		rc = admin_store_rc(store_admin_set_totp_pending(st, name, secret));
	if (rc == 0)
		rc = admin_totp_uri(issuer, name, secret, uri, ADMIN_TOTP_URI_MAX);
	explicit_bzero(secret, sizeof(secret));
	admin_audit(st, who, "admin.totp.begin", name, admin_outcome(rc), NULL);
	return rc;
}

int
admin_totp_confirm(struct store *st, const struct admin_who *who, const char *name,
		   const char *code, time_t now)
{
	struct store_admin a;
	int64_t step = 0;
	int rc = admin_store_rc(store_admin_get(st, name, &a));

	if (rc == 0 && a.totp_pending[0] == '\0')
		rc = ADMIN_ENOPENDING;
	if (rc == 0)
		rc = admin_totp_check(a.totp_pending, code, now, &step);
	/* the confirming code is used up: it cannot log in again */
	if (rc == 0)
		rc = admin_store_rc(store_admin_totp_activate(st, name, a.totp_pending, step));
	explicit_bzero(&a, sizeof(a));
	admin_audit(st, who, "admin.totp.confirm", name, admin_outcome(rc), NULL);
	return rc;
}

int
admin_totp_clear(struct store *st, const struct admin_who *who, const char *name)
{
	int rc = admin_store_rc(store_admin_totp_clear(st, name));

	admin_audit(st, who, "admin.totp.clear", name, admin_outcome(rc), NULL);
	return rc;
}

/* ---- QR codes ---- */

static QRcode *
admin_qr(const char *text)
{
	return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

#define QR_QUIET 4 /* modules of white border the spec asks for */

char *
admin_qr_svg(const char *text)
{
	QRcode *qr = admin_qr(text);
	char *out = NULL;
	size_t cap, off = 0;
	int w, n;

	if (qr == NULL)
		return NULL;
	w = qr->width + 2 * QR_QUIET;
	/* header and footer, and at most one "Mx yh1v1h-1z" (<= 24 bytes) per module */
	cap = 512 + (size_t)qr->width * (size_t)qr->width * 24;
	if ((out = malloc(cap)) == NULL)
		goto done;
	n = snprintf(out, cap,
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
		     " shape-rendering=\"crispEdges\" role=\"img\">"
		     "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		     w, w, w, w);
	off = (size_t)n;
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				off += (size_t)snprintf(out + off, cap - off, "M%d %dh1v1h-1z",
							x + QR_QUIET, y + QR_QUIET);
	snprintf(out + off, cap - off, "\"/></svg>\n");
done:
	QRcode_free(qr);
	return out;
}

char *
admin_qr_text(const char *text)
{
	/* light modules drawn, dark ones blank: reads on a dark terminal, like qrencode -t UTF8 */
	static const char *const cell[4] = {"\u2588", "\u2580", "\u2584", " "};
	QRcode *qr = admin_qr(text);
	char *out = NULL;
	size_t cap, off = 0;
	int w, q = 2;

	if (qr == NULL)
		return NULL;
	w = qr->width + 2 * q;
	cap = (size_t)(w * 3 + 1) * (size_t)(w / 2 + 2) + 1;
	if ((out = malloc(cap)) == NULL)
		goto done;
	for (int y = -q; y < qr->width + q; y += 2) {
		for (int x = -q; x < qr->width + q; x++) {
			int top = 0, bottom = 0;
			if (x >= 0 && x < qr->width && y >= 0 && y < qr->width)
				top = qr->data[y * qr->width + x] & 1;
			if (x >= 0 && x < qr->width && y + 1 >= 0 && y + 1 < qr->width)
				bottom = qr->data[(y + 1) * qr->width + x] & 1;
			const char *c = cell[top * 2 + bottom];
			size_t n = strlen(c);
			memcpy(out + off, c, n);
			off += n;
		}
		out[off++] = '\n';
	}
	out[off] = '\0';
done:
	QRcode_free(qr);
	return out;
}
