/* The onboarding client CA (see poort/devca.h). */
#include "poort/devca.h"

#include <errno.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "poort/auth.h"
#include "poort/keyfile.h"

#define DEVCA_CA_YEARS 20
#define DEVCA_KEY_MAX 16384

struct devca {
	X509 *cert;
	EVP_PKEY *key;
	char cert_path[PATH_MAX], key_path[PATH_MAX], crl_path[PATH_MAX];
};

X509 *
devca_cert(const struct devca *ca)
{
	return ca->cert;
}

const char *
devca_cert_path(const struct devca *ca)
{
	return ca->cert_path;
}

const char *
devca_crl_path(const struct devca *ca)
{
	return ca->crl_path;
}

int64_t
devca_school_year_end(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	/* before 1 August: this year's, else next year's */
	if (tm.tm_mon >= 7)
		tm.tm_year++;
	tm.tm_mon = 7;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)timegm(&tm);
}

static EVP_PKEY *
devca_key_new(int rsa)
{
	return rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
		   : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* Random positive serial of 16 bytes (RFC 5280: at most 20), as hex in hex (lower case). */
static int
devca_serial_new(X509 *x, char *hex, size_t hexlen)
{
	unsigned char b[16];
	BIGNUM *bn = NULL;
	char *h = NULL;
	int rc = -1;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[0] = (unsigned char)((b[0] & 0x7f) | 0x40); /* positive, and no leading zero byte */
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL || (h = BN_bn2hex(bn)) == NULL ||
	    strlen(h) >= hexlen)
		goto done;
	for (size_t i = 0; h[i] != '\0'; i++)
		hex[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
	hex[strlen(h)] = '\0';
	rc = 0;
done:
	OPENSSL_free(h);
	BN_free(bn);
	return rc;
}

static int
devca_ext(X509 *issuer, X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int rc;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, e, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(e);
	return rc;
}

/* A certificate for key under subject CN cn, signed by (issuer, ikey); NULL issuer: self. */
static X509 *
devca_cert_new(X509 *issuer, EVP_PKEY *ikey, EVP_PKEY *key, const char *cn, int64_t from,
	       int64_t until, int ca, char *serial, size_t seriallen)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	if (x == NULL || name == NULL || X509_set_version(x, 2) != 1 ||
	    devca_serial_new(x, serial, seriallen) < 0 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
				       -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &(time_t){(time_t)from}) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &(time_t){(time_t)until}) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;
	if (issuer == NULL)
		issuer = x;
	if (ca ? devca_ext(issuer, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
			 devca_ext(issuer, x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
			 devca_ext(issuer, x, NID_subject_key_identifier, "hash") < 0
	       : devca_ext(issuer, x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
			 devca_ext(issuer, x, NID_key_usage,
				   EVP_PKEY_is_a(key, "RSA")
				       ? "critical,digitalSignature,keyEncipherment"
				       : "critical,digitalSignature") < 0 ||
			 devca_ext(issuer, x, NID_ext_key_usage, "clientAuth") < 0 ||
			 devca_ext(issuer, x, NID_authority_key_identifier, "keyid") < 0)
		goto fail;
	if (X509_sign(x, ikey, EVP_sha256()) <= 0)
		goto fail;
	X509_NAME_free(name);
	return x;
fail:
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

/* The whole of path (at most max bytes) into a new buffer. */
static unsigned char *
devca_file_read(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	unsigned char *buf;

	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (sb.st_size <= 0 || (size_t)sb.st_size > max) {
		snprintf(err, errlen, "%s: empty or too large", path);
		return NULL;
	}
	*len = (size_t)sb.st_size;
	if ((buf = malloc(*len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (keyfile_read(path, buf, *len, err, errlen) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
devca_load(struct devca *ca, char *err, size_t errlen)
{
	unsigned char *k = NULL, *c = NULL;
	size_t klen = 0, clen = 0;
	BIO *b;
	int rc = -1;

	if ((k = devca_file_read(ca->key_path, DEVCA_KEY_MAX, &klen, err, errlen)) == NULL ||
	    (c = devca_file_read(ca->cert_path, DEVCA_KEY_MAX, &clen, err, errlen)) == NULL)
		goto done;
	if ((b = BIO_new_mem_buf(k, (int)klen)) != NULL) {
		ca->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if ((b = BIO_new_mem_buf(c, (int)clen)) != NULL) {
		ca->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	if (ca->key == NULL || ca->cert == NULL || X509_check_private_key(ca->cert, ca->key) != 1) {
		snprintf(err, errlen, "%s, %s: not a matching key and certificate", ca->key_path,
			 ca->cert_path);
		goto done;
	}
	rc = 0;
done:
	if (k != NULL)
		OPENSSL_cleanse(k, klen);
	free(k);
	free(c);
	return rc;
}

/* Writes a PEM made by fn(bio, obj) to path through keyfile_write. */
static int
devca_pem_write(const char *path, int (*fn)(BIO *, const void *), const void *obj, char *err,
		size_t errlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -1;

	if (b == NULL || fn(b, obj) != 1 || (n = BIO_get_mem_data(b, &data)) <= 0) {
		snprintf(err, errlen, "%s: cannot encode", path);
		goto done;
	}
	rc = keyfile_write(path, data, (size_t)n, err, errlen) < 0 ? -1 : 0;
	OPENSSL_cleanse(data, (size_t)n);
done:
	BIO_free(b);
	return rc;
}

static int
devca_pem_key(BIO *b, const void *k)
{
	return PEM_write_bio_PrivateKey(b, (EVP_PKEY *)k, NULL, NULL, 0, NULL, NULL);
}

static int
devca_pem_cert(BIO *b, const void *x)
{
	return PEM_write_bio_X509(b, (X509 *)x);
}

static int
devca_make(struct devca *ca, char *err, size_t errlen)
{
	char serial[64];
	int64_t now = (int64_t)time(NULL);

	ca->key = devca_key_new(0);
	if (ca->key != NULL)
		ca->cert = devca_cert_new(NULL, ca->key, ca->key, "Poort onboarding client CA",
					  now - 300, now + (int64_t)DEVCA_CA_YEARS * 365 * 86400,
					  1, serial, sizeof(serial));
	if (ca->cert == NULL) {
		snprintf(err, errlen, "cannot make the onboarding client CA");
		return -1;
	}
	/* the key first: a certificate without its key is refused at the next start */
	if (devca_pem_write(ca->key_path, devca_pem_key, ca->key, err, errlen) < 0 ||
	    devca_pem_write(ca->cert_path, devca_pem_cert, ca->cert, err, errlen) < 0)
		return -1;
	return 0;
}

struct devca *
devca_open(const char *dir, int create, char *err, size_t errlen)
{
	struct devca *ca = calloc(1, sizeof(*ca));
	struct stat sb;
	int have_key, have_cert;

	if (ca == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((size_t)snprintf(ca->key_path, sizeof(ca->key_path), "%s/" DEVCA_KEY_FILE, dir) >=
		sizeof(ca->key_path) ||
	    (size_t)snprintf(ca->cert_path, sizeof(ca->cert_path), "%s/" DEVCA_CERT_FILE, dir) >=
		sizeof(ca->cert_path) ||
	    (size_t)snprintf(ca->crl_path, sizeof(ca->crl_path), "%s/" DEVCA_CRL_FILE, dir) >=
		sizeof(ca->crl_path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		goto fail;
	}
	have_key = stat(ca->key_path, &sb) == 0 || errno != ENOENT;
	have_cert = stat(ca->cert_path, &sb) == 0 || errno != ENOENT;
	if (!have_key && !have_cert) {
		if (!create) {
			snprintf(err, errlen, "%s: no onboarding client CA (poortd makes it)", dir);
			goto fail;
		}
		if (devca_make(ca, err, errlen) < 0)
			goto fail;
		return ca;
	}
	if (devca_load(ca, err, errlen) < 0)
		goto fail;
	return ca;
fail:
	devca_free(ca);
	return NULL;
}

void
devca_free(struct devca *ca)
{
	if (ca == NULL)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca);
}

void
devca_issued_free(struct devca_issued *d)
{
	X509_free(d->cert);
	EVP_PKEY_free(d->key);
	memset(d, 0, sizeof(*d));
}

int
devca_device_issue(struct devca *ca, struct store *st, const struct devca_request *rq,
		   struct devca_issued *out)
{
	struct store_account a;
	unsigned char id[16];
	char hex[33];
	int rc, n;

	memset(out, 0, sizeof(*out));
	if (rq->realm == NULL || rq->realm[0] == '\0' || strlen(rq->realm) > 200 ||
	    rq->expires <= rq->now)
		return DEVCA_EINVAL;
	rc = store_username_valid(rq->user) ? store_account_get(st, rq->user, &a) : STORE_ENOTFOUND;
	if (rq->upstream && store_username_valid(rq->user))
		rc = rc == 0 ? DEVCA_EACCOUNT : 0; /* a local account of that name: not theirs */
	else if (rc == 0)
		rc = auth_account_usable(&a, (time_t)rq->now) < 0 ? DEVCA_EACCOUNT : 0;
	else
		rc = rc == STORE_ENOTFOUND ? DEVCA_EACCOUNT : DEVCA_ESTORE;
	explicit_bzero(&a, sizeof(a));
	if (rc < 0)
		return rc;
	if (rq->limit > 0) {
		n = store_device_count_active(st, rq->user, rq->now);
		if (n < 0)
			return DEVCA_ESTORE;
		if ((unsigned)n >= rq->limit)
			return DEVCA_ELIMIT;
	}
	if (RAND_bytes(id, sizeof(id)) != 1)
		return DEVCA_ECRYPTO;
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	snprintf(out->dev.pseudonym, sizeof(out->dev.pseudonym), "%s@%s", hex, rq->realm);
	snprintf(out->dev.username, sizeof(out->dev.username), "%s", rq->user);
	snprintf(out->dev.label, sizeof(out->dev.label), "%s", rq->label != NULL ? rq->label : "");
	snprintf(out->dev.key_type, sizeof(out->dev.key_type), "%s", rq->rsa ? "rsa" : "ec");
	out->dev.created = rq->now;
	out->dev.expires = rq->expires;
	out->dev.upstream = rq->upstream;
	if ((out->key = devca_key_new(rq->rsa)) == NULL ||
	    (out->cert = devca_cert_new(ca->cert, ca->key, out->key, out->dev.pseudonym,
					rq->now - 300, rq->expires, 0, out->dev.serial,
					sizeof(out->dev.serial))) == NULL) {
		rc = DEVCA_ECRYPTO;
		goto fail;
	}
	if (store_device_add(st, &out->dev) < 0) {
		rc = DEVCA_ESTORE;
		goto fail;
	}
	return 0;
fail:
	devca_issued_free(out);
	return rc;
}

int
devca_pkcs12(const struct devca *ca, const struct devca_issued *d, const char *pass,
	     unsigned char **der, size_t *len)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	PKCS12 *p12 = NULL;
	int n, rc = DEVCA_ECRYPTO;

	*der = NULL;
	if (chain == NULL || sk_X509_push(chain, ca->cert) <= 0)
		goto done;
	p12 = PKCS12_create(pass, d->dev.pseudonym, d->key, d->cert, chain,
			    NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
			    NID_pbe_WithSHA1And3_Key_TripleDES_CBC, PKCS12_DEFAULT_ITER, -1, 0);
	if (p12 == NULL ||
	    PKCS12_set_mac(p12, pass, -1, NULL, 0, PKCS12_DEFAULT_ITER, EVP_sha1()) != 1)
		goto done;
	if ((n = i2d_PKCS12(p12, der)) <= 0)
		goto done;
	*len = (size_t)n;
	rc = 0;
done:
	PKCS12_free(p12);
	sk_X509_free(chain);
	return rc;
}

static int
devca_crl_add(const struct store_device *d, void *arg)
{
	X509_CRL *crl = arg;
	X509_REVOKED *r = X509_REVOKED_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	ASN1_TIME *t = NULL;
	int rc = 1;

	if (r == NULL || BN_hex2bn(&bn, d->serial) == 0 || (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (t = ASN1_TIME_set(NULL, (time_t)d->revoked)) == NULL ||
	    X509_REVOKED_set_serialNumber(r, sn) != 1 || X509_REVOKED_set_revocationDate(r, t) != 1 ||
	    X509_CRL_add0_revoked(crl, r) != 1)
		goto done;
	r = NULL;
	rc = 0;
done:
	X509_REVOKED_free(r);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	BN_free(bn);
	return rc;
}

int
devca_crl(const struct devca *ca, struct store *st, int64_t now, unsigned char **der, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)now);
	ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)(now + 7 * 86400));
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	int n, rc = DEVCA_ECRYPTO;

	*der = NULL;
	if (crl == NULL || t1 == NULL || t2 == NULL || num == NULL ||
	    X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, t1) != 1 || X509_CRL_set1_nextUpdate(crl, t2) != 1 ||
	    ASN1_INTEGER_set_int64(num, now) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1)
		goto done;
	if (store_device_foreach_revoked(st, now, devca_crl_add, crl) < 0) {
		rc = DEVCA_ESTORE;
		goto done;
	}
	if (X509_CRL_sort(crl) != 1 || X509_CRL_sign(crl, ca->key, EVP_sha256()) <= 0 ||
	    (n = i2d_X509_CRL(crl, der)) <= 0)
		goto done;
	*len = (size_t)n;
	rc = 0;
done:
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	X509_CRL_free(crl);
	return rc;
}

int
devca_crl_write(const struct devca *ca, struct store *st, int64_t now, char *err, size_t errlen)
{
	unsigned char *der = NULL;
	size_t len = 0;
	int rc = devca_crl(ca, st, now, &der, &len);

	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot make the CRL", ca->crl_path);
		return rc;
	}
	rc = keyfile_write(ca->crl_path, der, len, err, errlen) < 0 ? DEVCA_EIO : 0;
	OPENSSL_free(der);
	return rc;
}
