/*
 * The assertion signer: an enveloped RSA-SHA256 signature with exclusive
 * C14N, made with a key and signing context set up once.
 *
 * Signing through lasso and xmlsec cost as much again as the RSA operation
 * itself: per signature xmlsec copied the key, checked its type and size
 * through OpenSSL parameter lookups, wrote the key into KeyInfo, built a
 * transform chain and fetched the algorithms anew. Here the only per
 * signature work is the canonical form of the element and its digest, the
 * SignedInfo (written directly in canonical form, so it needs no C14N of
 * its own) and one RSA operation. The result is the same XML-DSig that
 * xmlsec makes; the SAML tests check it against pysaml2, mod_auth_mellon
 * (lasso) and Shibboleth (Santuario).
 */
#include "saml_sign.h"

#include <libxml/c14n.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "poort/saml.h"
#include "saml_int.h"

#define SSIGN_ALG_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define SSIGN_ALG_RSA "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define SSIGN_ALG_ENV "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define SSIGN_ALG_SHA "http://www.w3.org/2001/04/xmlenc#sha256"

#define SSIGN_SIG_MAX 1024 /* RSA-8192 */

struct saml_signer {
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *pctx; /* sign_init'ed once: RSA PKCS#1 v1.5 with SHA-256 */
	EVP_MD *sha256;     /* fetched once */
	EVP_MD_CTX *md;
	char *cert_body; /* base64 certificate for KeyInfo */
};

struct saml_signer *
saml_signer_new(const char *key_pem, size_t keylen, const char *cert_body)
{
	struct saml_signer *s = calloc(1, sizeof(*s));
	BIO *bio = NULL;

	if (s == NULL || keylen > INT32_MAX)
		goto fail;
	if ((bio = BIO_new_mem_buf(key_pem, (int)keylen)) == NULL ||
	    (s->pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_base_id(s->pkey) != EVP_PKEY_RSA)
		goto fail;
	if ((s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (s->md = EVP_MD_CTX_new()) == NULL ||
	    (s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(s->pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(s->pctx, s->sha256) <= 0 ||
	    (s->cert_body = strdup(cert_body)) == NULL)
		goto fail;
	BIO_free(bio);
	return s;
fail:
	BIO_free(bio);
	saml_signer_free(s);
	return NULL;
}

void
saml_signer_free(struct saml_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_CTX_free(s->pctx);
	EVP_PKEY_free(s->pkey);
	EVP_MD_CTX_free(s->md);
	EVP_MD_free(s->sha256);
	free(s->cert_body);
	free(s);
}

/* C14N output goes straight into the digest; nothing is buffered. */
static int
ssign_digest_write(void *ctx, const char *buf, int len)
{
	return EVP_DigestUpdate(ctx, buf, (size_t)len) == 1 ? len : -1;
}

/* The node set of the element's subtree: el, its descendants, their
 * attributes and namespaces. Nothing of the ancestors. */
static int
ssign_in_subtree(void *user, xmlNode *node, xmlNode *parent)
{
	const xmlNode *el = user, *n = node;

	if (node == NULL || node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE)
		n = parent;
	for (; n != NULL; n = n->parent)
		if (n == el)
			return 1;
	return 0;
}

/* SHA-256 of the canonical SignedInfo: its children between the tags. */
static int
ssign_signed_info_hash(struct saml_signer *s, const char *body, size_t len, unsigned char out[32])
{
	static const char open[] = "<ds:SignedInfo xmlns:ds=\"" SAML_NS_DS "\">",
	                  close[] = "</ds:SignedInfo>";
	unsigned n = 0;

	return EVP_DigestInit_ex2(s->md, s->sha256, NULL) == 1 &&
	               EVP_DigestUpdate(s->md, open, sizeof(open) - 1) == 1 &&
	               EVP_DigestUpdate(s->md, body, len) == 1 &&
	               EVP_DigestUpdate(s->md, close, sizeof(close) - 1) == 1 &&
	               EVP_DigestFinal_ex(s->md, out, &n) == 1 && n == 32
	           ? 0
	           : SAML_EBADSIG;
}

/* Exclusive C14N (no comments) of el's subtree, hashed. */
static int
ssign_digest_element(struct saml_signer *s, xmlNode *el, unsigned char out[32])
{
	xmlOutputBuffer *ob;
	unsigned n = 0;
	int rc;

	if (EVP_DigestInit_ex2(s->md, s->sha256, NULL) != 1)
		return SAML_EBADSIG;
	if ((ob = xmlOutputBufferCreateIO(ssign_digest_write, NULL, s->md, NULL)) == NULL)
		return SAML_ENOMEM;
	rc = xmlC14NExecute(el->doc, ssign_in_subtree, el, XML_C14N_EXCLUSIVE_1_0, NULL, 0, ob);
	if (xmlOutputBufferClose(ob) < 0 || rc < 0)
		return SAML_EBADSIG;
	return EVP_DigestFinal_ex(s->md, out, &n) == 1 && n == 32 ? 0 : SAML_EBADSIG;
}

/* IDs we make and lasso makes are safe in an attribute as they are; refuse
 * anything that would need escaping rather than escape it. */
static int
ssign_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > SAML_ID_URI_MAX - 2)
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

int
saml_signer_sign(struct saml_signer *s, xmlNode *el, const char *id)
{
	unsigned char dig[32], sig[SSIGN_SIG_MAX];
	char dig64[48], sig64[SSIGN_SIG_MAX / 3 * 4 + 8], si[1024], *xml = NULL;
	xmlNode *issuer, *list = NULL;
	size_t siglen = sizeof(sig);
	int n, xlen, rc;

	if (!ssign_id_ok(id) || EVP_PKEY_get_size(s->pkey) > SSIGN_SIG_MAX)
		return SAML_EMALFORMED;
	if ((issuer = (xmlNode *)(uintptr_t)saml_xml_child(el, SAML_NS_A, "Issuer")) == NULL)
		return SAML_EMALFORMED; /* the Signature goes right after it */
	if ((rc = ssign_digest_element(s, el, dig)) < 0)
		return rc;
	EVP_EncodeBlock((unsigned char *)dig64, dig, sizeof(dig));
	/* written in canonical form (exclusive C14N: attributes in order, no
	 * empty-element tags), so it is hashed as it is */
	n = snprintf(si, sizeof(si),
	             "<ds:CanonicalizationMethod Algorithm=\"" SSIGN_ALG_C14N
	             "\"></ds:CanonicalizationMethod>"
	             "<ds:SignatureMethod Algorithm=\"" SSIGN_ALG_RSA "\"></ds:SignatureMethod>"
	             "<ds:Reference URI=\"#%s\"><ds:Transforms>"
	             "<ds:Transform Algorithm=\"" SSIGN_ALG_ENV "\"></ds:Transform>"
	             "<ds:Transform Algorithm=\"" SSIGN_ALG_C14N "\"></ds:Transform>"
	             "</ds:Transforms><ds:DigestMethod Algorithm=\"" SSIGN_ALG_SHA
	             "\"></ds:DigestMethod><ds:DigestValue>%s</ds:DigestValue></ds:Reference>",
	             id, dig64);
	if (n < 0 || (size_t)n >= sizeof(si))
		return SAML_ETOOBIG;
	if (ssign_signed_info_hash(s, si, (size_t)n, dig) < 0 ||
	    EVP_PKEY_sign(s->pctx, sig, &siglen, dig, sizeof(dig)) <= 0)
		return SAML_EBADSIG;
	EVP_EncodeBlock((unsigned char *)sig64, sig, (int)siglen);
	xlen =
	    asprintf(&xml,
	             "<ds:Signature xmlns:ds=\"" SAML_NS_DS "\"><ds:SignedInfo>%s</ds:SignedInfo>"
	             "<ds:SignatureValue>%s</ds:SignatureValue><ds:KeyInfo><ds:X509Data>"
	             "<ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
	             "</ds:Signature>",
	             si, sig64, s->cert_body);
	if (xlen < 0)
		return SAML_ENOMEM;
	rc = xmlParseInNodeContext(el, xml, xlen, XML_PARSE_NONET, &list) == XML_ERR_OK &&
	             list != NULL && list->next == NULL
	         ? 0
	         : SAML_EMALFORMED;
	free(xml);
	if (rc < 0) {
		xmlFreeNodeList(list);
		return rc;
	}
	xmlAddNextSibling(issuer, list);
	return 0;
}
