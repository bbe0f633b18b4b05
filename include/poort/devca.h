/*
 * The box's own client CA for onboarding: made at first start in the state
 * directory (ECDSA P-256; onboard-ca.key mode 0600 through keyfile.h, and
 * onboard-ca.pem), it issues one certificate per device with a pseudonymous
 * subject (a random id @realm) that the store ties to the account
 * (poort/store_device.h), and signs the CRL (onboard-ca.crl, DER) of the
 * revoked ones. Only the process that issues holds it (the web child,
 * poortctl).
 */
#ifndef POORT_DEVCA_H
#define POORT_DEVCA_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "poort/store_device.h"

enum {
	DEVCA_EIO = -1101,     /* a file cannot be read or written */
	DEVCA_ECRYPTO = -1102, /* key, certificate or signature could not be made */
	DEVCA_ELIMIT = -1103,  /* the account has as many devices as allowed */
	DEVCA_EACCOUNT = -1104, /* no such account, or it may not log in */
	DEVCA_ESTORE = -1105,  /* the store refused */
	DEVCA_EINVAL = -1106,
};

#define DEVCA_KEY_FILE "onboard-ca.key"
#define DEVCA_CERT_FILE "onboard-ca.pem"
#define DEVCA_CRL_FILE "onboard-ca.crl"

struct devca;

/*
 * Loads the CA from dir; when neither file exists and create is set, makes
 * it first. A key without certificate (or the other way round), or a file
 * that does not parse, is an error, never a reason to make a new CA.
 */
struct devca *devca_open(const char *dir, int create, char *err, size_t errlen);
void devca_free(struct devca *ca);
/* Lent for the CA's lifetime. */
X509 *devca_cert(const struct devca *ca);
const char *devca_cert_path(const struct devca *ca);
const char *devca_crl_path(const struct devca *ca);

/* The end of the school year after now: the next 1 August, 00:00 UTC. */
int64_t devca_school_year_end(int64_t now);

/* A certificate just issued: the caller owns cert and key (devca_issued_free). */
struct devca_issued {
	X509 *cert;
	EVP_PKEY *key;
	struct store_device dev; /* the row stored for it */
};
void devca_issued_free(struct devca_issued *d);

struct devca_request {
	const char *user;  /* the account (local part) */
	const char *realm; /* of the pseudonym */
	const char *label; /* the student's name for the device, may be NULL */
	int rsa;           /* RSA-2048 instead of ECDSA P-256 */
	int64_t now, expires;
	unsigned limit; /* active devices allowed per account, 0 = no limit */
	/* proxy mode: user logged in at the upstream IdP and has no account here */
	int upstream;
};

/*
 * Issues a certificate for one device of rq->user and records it in st. 0,
 * or DEVCA_EACCOUNT (unknown account, or auth_account_usable refuses it;
 * not asked for an upstream user, whom the upstream IdP just vouched for),
 * DEVCA_ELIMIT, DEVCA_ECRYPTO, DEVCA_ESTORE.
 */
int devca_device_issue(struct devca *ca, struct store *st, const struct devca_request *rq,
		       struct devca_issued *out);

/*
 * The device's key and certificate (with the CA certificate) as PKCS#12,
 * protected by pass (3DES and a SHA-1 MAC: what Apple, Android and Windows
 * all import). *der is OPENSSL_malloc'ed; the caller frees it.
 */
int devca_pkcs12(const struct devca *ca, const struct devca_issued *d, const char *pass,
		 unsigned char **der, size_t *len);

/* The CRL of the store's revoked devices, signed now (DER, OPENSSL_malloc'ed). */
int devca_crl(const struct devca *ca, struct store *st, int64_t now, unsigned char **der,
	      size_t *len);
/* Writes it to devca_crl_path(), replacing the old one durably. */
int devca_crl_write(const struct devca *ca, struct store *st, int64_t now, char *err,
		    size_t errlen);

#endif
