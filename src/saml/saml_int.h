/* Internal to src/saml: XML helpers, metadata and the IdP state. */
#ifndef POORT_SAML_INT_H
#define POORT_SAML_INT_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stddef.h>
#include <time.h>

#include "poort/saml.h"

#define SAML_NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define SAML_NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define SAML_NS_P "urn:oasis:names:tc:SAML:2.0:protocol"
#define SAML_NS_A "urn:oasis:names:tc:SAML:2.0:assertion"
#define SAML_BINDING_POST "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
#define SAML_BINDING_REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
#define SAML_TIME_LEN 32

/* Parses without DTDs, entities or network; NULL if malformed or it has a DTD
 * (and, unless allow_comments, if it has comments or PIs). */
xmlDoc *saml_xml_parse(const char *buf, size_t len, int allow_comments);
int saml_b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen,
		    size_t max);
/* Raw deflate (HTTP-Redirect) into at most max bytes; SAML_ETOOBIG past it. */
int saml_inflate(const unsigned char *in, size_t inlen, char **out, size_t *outlen, size_t max);
int saml_time_parse(const char *s, time_t *out);
void saml_time_format(time_t t, char out[SAML_TIME_LEN]);
/* malloc'd copy of attribute name of n, or NULL. */
char *saml_xml_attr(const xmlNode *n, const char *name);
int saml_xml_is(const xmlNode *n, const char *ns, const char *name);
const xmlNode *saml_xml_child(const xmlNode *n, const char *ns, const char *name);
int saml_xml_uses_sha1(const xmlNode *n, int depth);
int saml_xml_verify(xmlDoc *doc, const char *cert_pem, size_t certlen);
#define SAML_ID_URI_MAX 160
/* A signing key parsed once (xmlSecKey underneath); see saml_xml_sign. */
void *saml_xml_key_load(const char *key_pem, size_t keylen, const char *cert_pem, size_t certlen);
void saml_xml_key_free(void *key);
int saml_xml_sign(xmlDoc *doc, const char *id, void *key);

/* An SP as its (verified) metadata describes it. */
struct saml_sp {
	char *entity_id;
	char **acs;       /* AssertionConsumerService Locations (HTTP-POST) */
	size_t nacs;
	char *acs_default;
	char *slo;        /* SingleLogoutService Location (HTTP-Redirect), or NULL */
	int want_signed;  /* AuthnRequestsSigned="true" */
	int want_assertions_signed; /* WantAssertionsSigned="true" */
	int has_enc_key;  /* a KeyDescriptor for encryption */
	char *enc_cert;   /* its certificate, PEM, or NULL */
	int enc_gcm;      /* 128 or 256: it advertises aes128-gcm or aes256-gcm; 0: CBC */
	char *xml;        /* the EntityDescriptor, standalone, for lasso */
	/* for the login page: mdui:DisplayName and OrganizationDisplayName,
	 * each [0] nl, [1] en, [2] the first in any language; NULL if absent */
	char *mdui_name[3];
	char *org_name[3];
};

struct saml_meta {
	struct saml_sp *sps;
	size_t nsps;
	time_t valid_until; /* 0 = none given */
};

/*
 * What makes a metadata document trusted: a signature by the federation
 * certificate (fed_cert, PEM, may be NULL), or a pin (config_saml_pin):
 * the SHA-256 of the document as fetched, or of the certificate in its
 * signature's KeyInfo, which must then verify the signature.
 */
struct config_saml_pin;
struct saml_trust {
	const char *fed_cert;
	size_t fedlen;
	const struct config_saml_pin *pins;
	size_t npins;
};

/*
 * Checks a metadata document (trust as above, validUntil against now) and
 * extracts its SPs. On error returns a negative code and a reason in why.
 */
int saml_meta_load(const char *buf, size_t len, const struct saml_trust *trust, time_t now,
		   struct saml_meta *out, char *why, size_t whylen);
void saml_meta_free(struct saml_meta *m);
const struct saml_sp *saml_meta_find(const struct saml_meta *m, size_t n, const char *entity);
int saml_sp_acs_allowed(const struct saml_sp *sp, const char *url);
/* The name to show for sp: mdui:DisplayName in the page's language (en or
 * nl), else in any, else OrganizationDisplayName likewise, else the entityID. */
const char *saml_sp_display_name(const struct saml_sp *sp, int en);

/* Our metadata, unsigned (saml_idpmeta.c); NULL when out of memory. */
struct config_saml;
char *saml_idpmeta_build(const struct config_saml *sc, const char *cert, const char *next,
			 time_t now);

/*
 * Encrypts node (a signed Assertion) in place for the holder of cert_pem
 * with AES-GCM of bits (128 or 256), wrapped in saml:EncryptedAssertion
 * (saml_enc.c).
 */
int saml_enc_element(xmlNode *node, const char *cert_pem, size_t certlen, int bits);

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
int saml_file_read(const char *path, size_t max, char **out, size_t *outlen);

#endif
