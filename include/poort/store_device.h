/*
 * Per-device client certificates (onboarding) in the store: one row per
 * certificate the box's client CA issued, tied to the account it was issued
 * for. EAP-TLS looks the serial up on every login (src/auth), so revoking a
 * row takes effect at once; the CRL is made from the revoked rows.
 */
#ifndef POORT_STORE_DEVICE_H
#define POORT_STORE_DEVICE_H

#include <stdint.h>

#include "poort/store.h"

#define STORE_SERIAL_MAX 40    /* hex digits of a serial (up to 20 bytes) */
#define STORE_PSEUDONYM_MAX 254
#define STORE_LABEL_MAX 64

struct store_device {
	char serial[STORE_SERIAL_MAX + 1]; /* lower-case hex, no leading zero bytes */
	char username[STORE_USERNAME_MAX + 1];
	char pseudonym[STORE_PSEUDONYM_MAX + 1]; /* the certificate's CN: random id@realm */
	char label[STORE_LABEL_MAX + 1];
	char key_type[8]; /* "ec" or "rsa" */
	int64_t created, expires;
	int64_t revoked; /* 0, or when */
	int upstream;    /* proxy mode: a user of the upstream IdP, no account here */
};

/* STORE_EEXIST if the serial or pseudonym is taken; STORE_EINVAL for bad fields. */
int store_device_add(struct store *st, const struct store_device *d);
/* STORE_ENOTFOUND if no certificate has that serial. */
int store_device_get(struct store *st, const char *serial, struct store_device *out);
/* Devices of username (NULL: all) in order of issue; cb returning non-zero stops. */
typedef int (*store_device_cb)(const struct store_device *d, void *arg);
int store_device_foreach(struct store *st, const char *username, store_device_cb cb, void *arg);
/* Revoked certificates not yet expired at now (what a CRL lists). */
int store_device_foreach_revoked(struct store *st, int64_t now, store_device_cb cb, void *arg);
/* Unrevoked, unexpired certificates of username at now; < 0 on error. */
int store_device_count_active(struct store *st, const char *username, int64_t now);
/* Revokes one certificate (STORE_ENOTFOUND: unknown or revoked already). */
int store_device_revoke(struct store *st, const char *serial, int64_t now);
/* Revokes every certificate of username (0 even when there are none). */
int store_device_revoke_user(struct store *st, const char *username, int64_t now);
/* Revokes the certificates of the local account username (not an upstream user's). */
int store_device_revoke_account(struct store *st, const char *username, int64_t now);

#endif
