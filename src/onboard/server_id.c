/*
 * What profiles pin about the EAP server (its name and CA, from the eap
 * config) and the CMS signature of Apple profiles.
 */
#include "poort/onboard_profile.h"

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
onboard_cms_sign(X509 *cert, EVP_PKEY *key, STACK_OF(X509) *chain, const unsigned char *in,
		 size_t inlen, unsigned char **out, size_t *outlen)
{
	BIO *b = BIO_new_mem_buf(in, (int)inlen);
	CMS_ContentInfo *cms = NULL;
	int n, rc = ONBOARD_ECRYPTO;

	*out = NULL;
	if (b == NULL || inlen > (size_t)1 << 30)
		goto done;
	/* attached content (Apple reads the profile out of the signature), binary as is */
	cms = CMS_sign(cert, key, chain, b, CMS_BINARY | CMS_NOSMIMECAP);
	if (cms == NULL || (n = i2d_CMS_ContentInfo(cms, out)) <= 0)
		goto done;
	*outlen = (size_t)n;
	rc = 0;
done:
	CMS_ContentInfo_free(cms);
	BIO_free(b);
	return rc;
}

static X509 *
onboard_first_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (f == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

int
onboard_server_name(const char *eap_cert_path, char *name, size_t namelen)
{
	X509 *x = onboard_first_cert(eap_cert_path);
	GENERAL_NAMES *gens;
	int rc = ONBOARD_ENOSAN;

	name[0] = '\0';
	if (x == NULL)
		return ONBOARD_EIO;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *s;
		int len;
		if (g->type != GEN_DNS)
			continue;
		s = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		if (len <= 0 || (size_t)len >= namelen || memchr(s, '\0', (size_t)len) != NULL)
			continue;
		memcpy(name, s, (size_t)len);
		name[len] = '\0';
		rc = 0;
		break;
	}
	GENERAL_NAMES_free(gens);
	if (rc != 0)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, name,
					  (int)namelen);
	X509_free(x);
	return rc;
}

int
onboard_server_ca(const char *eap_cert_path, const char *ca_path, unsigned char **der,
		  size_t *len)
{
	X509 *ca = NULL, *x;
	FILE *f;
	int n, rc = ONBOARD_EINVAL;

	*der = NULL;
	if (ca_path != NULL && ca_path[0] != '\0') {
		ca = onboard_first_cert(ca_path);
	} else if ((f = fopen(eap_cert_path, "r")) != NULL) {
		/* the last certificate of the chain, when it is a CA */
		while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
			X509_free(ca);
			ca = x;
		}
		fclose(f);
		if (ca != NULL && X509_check_ca(ca) == 0) {
			X509_free(ca);
			ca = NULL;
		}
	}
	if (ca == NULL)
		return rc;
	n = i2d_X509(ca, NULL);
	if (n > 0 && (*der = malloc((size_t)n)) != NULL) {
		unsigned char *p = *der;
		*len = (size_t)i2d_X509(ca, &p);
		rc = 0;
	}
	X509_free(ca);
	return rc;
}
