/*
 * Onboarding profiles: pure functions from what a device needs (the CA and
 * name of the EAP server, the SSIDs, the device's PKCS#12 and its
 * passphrase, the school's display name, logo, helpdesk and terms) to the
 * bytes a device imports:
 *  - eap-config: the EAP metadata XML of eduroam CAT and the geteduroam
 *    apps (EAPIdentityProviderList, one EAP-TLS AuthenticationMethod);
 *  - an Apple .mobileconfig (plist: root CA, PKCS#12 and one Wi-Fi payload
 *    per SSID), signed by onboard_cms_sign with the box's HTTPS key.
 * No I/O, no clock, no randomness: the caller passes the time and a seed.
 */
#ifndef POORT_ONBOARD_PROFILE_H
#define POORT_ONBOARD_PROFILE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "poort/config.h"

enum {
	ONBOARD_EINVAL = -1201,  /* a required field is missing or unusable */
	ONBOARD_ENOMEM = -1202,
	ONBOARD_ECRYPTO = -1203, /* signing, parsing a certificate */
	ONBOARD_ENOSAN = -1204,  /* the server certificate has no DNS subjectAltName */
	ONBOARD_EIO = -1205,
};

struct onboard_profile {
	const char *realm;
	const char *display_name;
	const char (*ssids)[33];
	size_t nssids;
	const char *helpdesk_email, *helpdesk_url, *helpdesk_phone; /* "" or NULL: none */
	const char *terms;                                         /* "" or NULL: none */
	const unsigned char *logo; /* NULL: none */
	size_t logo_len;
	const char *logo_mime; /* image/png, image/jpeg */
	const char *server_name;  /* what the EAP server's certificate must name */
	const unsigned char *ca_der; /* the CA the EAP server's certificate chains to */
	size_t ca_len;
	const char *outer_identity; /* anonymous@realm */
	const unsigned char *p12; /* the device's key and certificate */
	size_t p12_len;
	const char *p12_pass;
	int64_t valid_until; /* the certificate's expiry (UTC seconds) */
	uint8_t seed[16];    /* mobileconfig: the payload UUIDs are derived from it */
};

/* Both return 0 with a malloc'ed document in *out (the caller frees it). */
int onboard_eapconfig(const struct onboard_profile *p, unsigned char **out, size_t *len);
int onboard_mobileconfig(const struct onboard_profile *p, unsigned char **out, size_t *len);

/*
 * CMS SignedData (DER, content attached) over in, signed with key by cert;
 * chain (may be NULL) goes along. *out is OPENSSL_malloc'ed.
 */
int onboard_cms_sign(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain, const unsigned char *in,
		     size_t inlen, unsigned char **out, size_t *outlen);

/*
 * The name profiles pin for the EAP server: the first DNS subjectAltName of
 * the certificate at eap_cert_path (its first certificate). Without one:
 * ONBOARD_ENOSAN with the subject CN in name (Android needs a DNS name).
 */
int onboard_server_name(const char *eap_cert_path, char *name, size_t namelen);
/*
 * The CA profiles pin, as DER (malloc'ed): the first certificate of ca_path
 * when given, else the last certificate of the EAP chain file if it is a CA.
 */
int onboard_server_ca(const char *eap_cert_path, const char *ca_path, unsigned char **der,
		      size_t *len);

#ifndef POORT_ONBOARD_GLUE
#define POORT_ONBOARD_GLUE
/* What every profile of this box pins, loaded once from the config. */
struct onboard_server {
	char name[256];        /* ServerID / TLSTrustedServerNames */
	int has_san;           /* 0: name is the CN (warned at start) */
	unsigned char *ca_der; /* malloc'ed */
	size_t ca_len;
	char outer[300];       /* anonymous@realm */
	unsigned char *logo;   /* onboarding { logo }: malloc'ed, NULL: none */
	size_t logo_len;
	const char *logo_mime; /* image/png or image/jpeg */
};
/* 0, or < 0 with a message in err (no certificate, no CA, an unusable logo). */
int onboard_server_load(const struct config *cfg, struct onboard_server *srv, char *err,
			size_t errlen);
void onboard_server_free(struct onboard_server *srv);

#define ONBOARD_LOGO_MAX (256 * 1024)
/*
 * The school's logo for ProviderInfo/ProviderLogo: a PNG or JPEG file of at
 * most ONBOARD_LOGO_MAX bytes, told apart by its first bytes. 0 with the
 * malloc'ed bytes and their MIME type, or ONBOARD_EIO (cannot read it) /
 * ONBOARD_EINVAL (empty, too large, not PNG or JPEG) with the file named in err.
 */
int onboard_logo_load(const char *path, unsigned char **data, size_t *len, const char **mime,
		      char *err, size_t errlen);

/* The profile fields from the config and srv; the caller adds the device's PKCS#12. */
void onboard_profile_init(struct onboard_profile *p, const struct config *cfg,
			  const struct onboard_server *srv);

/* The key and certificate chain that sign mobileconfigs (the HTTPS ones). */
struct onboard_signer {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
};
int onboard_signer_load(const char *cert_path, const char *key_path, struct onboard_signer *s,
			char *err, size_t errlen);
void onboard_signer_free(struct onboard_signer *s);
#endif

#endif
