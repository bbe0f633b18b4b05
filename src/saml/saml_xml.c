/*
 * XML plumbing shared by the SAML code: a parser that refuses DTDs and
 * never touches the network, bounded base64 and inflate, xs:dateTime, and
 * an enveloped-signature check with xmlsec that also pins what was signed
 * (the root, by its ID) so signature wrapping cannot move the signed part.
 */
#include "saml_int.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmltree.h>
#include <zlib.h>

static int
sxml_has_comment(const xmlNode *n, int depth)
{
	if (depth > 64)
		return 1;
	for (; n != NULL; n = n->next) {
		if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE ||
		    n->type == XML_ENTITY_REF_NODE)
			return 1;
		if (n->children != NULL && sxml_has_comment(n->children, depth + 1))
			return 1;
	}
	return 0;
}

xmlDoc *
saml_xml_parse(const char *buf, size_t len, int allow_comments)
{
	xmlDoc *doc;

	if (len == 0 || len > INT32_MAX)
		return NULL;
	/* no DTD, no entities, no network: XXE and billion laughs die here */
	doc = xmlReadMemory(buf, (int)len, "saml.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return NULL;
	if (doc->intSubset != NULL || doc->extSubset != NULL || xmlDocGetRootElement(doc) == NULL ||
	    (!allow_comments && sxml_has_comment(xmlDocGetRootElement(doc), 0))) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

int
saml_b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen, size_t max)
{
	unsigned char *buf = NULL, *clean = NULL;
	size_t n = 0;
	int len;

	if (inlen / 4 * 3 > max + 3)
		return SAML_ETOOBIG;
	if ((clean = malloc(inlen + 1)) == NULL)
		return SAML_ENOMEM;
	for (size_t i = 0; i < inlen; i++)
		if (in[i] != '\r' && in[i] != '\n' && in[i] != ' ' && in[i] != '\t')
			clean[n++] = (unsigned char)in[i];
	if (n % 4 != 0 || (buf = malloc(n / 4 * 3 + 1)) == NULL) {
		free(clean);
		return n % 4 != 0 ? SAML_EMALFORMED : SAML_ENOMEM;
	}
	len = n == 0 ? 0 : EVP_DecodeBlock(buf, clean, (int)n);
	free(clean);
	if (len < 0) {
		free(buf);
		return SAML_EMALFORMED;
	}
	if (n >= 1 && in[inlen - 1] == '=')
		len--;
	if (n >= 2 && inlen >= 2 && in[inlen - 2] == '=')
		len--;
	buf[len] = '\0';
	*out = buf;
	*outlen = (size_t)len;
	return 0;
}

int
saml_inflate(const unsigned char *in, size_t inlen, char **out, size_t *outlen, size_t max)
{
	z_stream zs;
	char *buf;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if ((buf = malloc(max + 1)) == NULL)
		return SAML_ENOMEM;
	if (inflateInit2(&zs, -15) != Z_OK) {
		free(buf);
		return SAML_ENOMEM;
	}
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = (unsigned char *)buf;
	zs.avail_out = (uInt)max;
	rc = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		/* output full but stream not done: a bomb or just too big */
		return zs.avail_out == 0 ? SAML_ETOOBIG : SAML_EMALFORMED;
	}
	*outlen = max - zs.avail_out;
	buf[*outlen] = '\0';
	*out = buf;
	return 0;
}

int
saml_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return SAML_EMALFORMED;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return SAML_EMALFORMED; /* SAML says UTC with Z; anything else is a bug or a trick */
	*out = timegm(&tm);
	return 0;
}

void
saml_time_format(time_t t, char out[SAML_TIME_LEN])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, SAML_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *
saml_xml_attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *r;
	if (v == NULL)
		return NULL;
	r = strdup((const char *)v);
	xmlFree(v);
	return r;
}

int
saml_xml_is(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

const xmlNode *
saml_xml_child(const xmlNode *n, const char *ns, const char *name)
{
	for (const xmlNode *c = n->children; c != NULL; c = c->next)
		if (saml_xml_is(c, ns, name))
			return c;
	return NULL;
}

/* Any SHA-1 in SignatureMethod or DigestMethod under n. */
int
saml_xml_uses_sha1(const xmlNode *n, int depth)
{
	if (depth > 64)
		return 1;
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (saml_xml_is(n, SAML_NS_DS, "SignatureMethod") ||
		    saml_xml_is(n, SAML_NS_DS, "DigestMethod")) {
			char *alg = saml_xml_attr(n, "Algorithm");
			int weak = alg == NULL || strstr(alg, "sha1") != NULL || strstr(alg, "md5");
			free(alg);
			if (weak)
				return 1;
		}
		if (saml_xml_uses_sha1(n->children, depth + 1))
			return 1;
	}
	return 0;
}

/*
 * Verifies the one enveloped signature directly under the root with the
 * public key of cert_pem, and that it covers the root itself (Reference
 * URI "#<root ID>" or ""). SHA-1 is refused.
 */
int
saml_xml_verify(xmlDoc *doc, const char *cert_pem, size_t certlen)
{
	static const xmlChar *ids[] = {(const xmlChar *)"ID", NULL};
	xmlNode *root = xmlDocGetRootElement(doc), *sig = NULL;
	xmlSecDSigCtxPtr dsig = NULL;
	xmlSecDSigReferenceCtxPtr ref;
	char *id = NULL;
	int nsig = 0, rc = SAML_EBADSIG;

	for (xmlNode *c = root->children; c != NULL; c = c->next)
		if (saml_xml_is(c, SAML_NS_DS, "Signature")) {
			sig = c;
			nsig++;
		}
	if (nsig == 0)
		return SAML_ENOSIG;
	if (nsig != 1 || saml_xml_uses_sha1(sig->children, 0))
		return nsig != 1 ? SAML_EBADSIG : SAML_ESHA1;
	xmlSecAddIDs(doc, root, ids);
	if ((dsig = xmlSecDSigCtxCreate(NULL)) == NULL)
		return SAML_ENOMEM;
	dsig->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
	dsig->signKey = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)cert_pem,
						     (xmlSecSize)certlen, xmlSecKeyDataFormatCertPem,
						     NULL, NULL, NULL);
	if (dsig->signKey == NULL) {
		rc = SAML_ECONFIG;
		goto done;
	}
	if (xmlSecDSigCtxVerify(dsig, sig) < 0 || dsig->status != xmlSecDSigStatusSucceeded)
		goto done;
	if (xmlSecPtrListGetSize(&dsig->signedInfoReferences) != 1)
		goto done;
	ref = xmlSecPtrListGetItem(&dsig->signedInfoReferences, 0);
	id = saml_xml_attr(root, "ID");
	if (ref == NULL || ref->uri == NULL)
		goto done;
	if (ref->uri[0] == '\0' ||
	    (id != NULL && ref->uri[0] == '#' && strcmp((const char *)ref->uri + 1, id) == 0))
		rc = 0;
done:
	free(id);
	xmlSecDSigCtxDestroy(dsig);
	return rc;
}

/*
 * Enveloped RSA-SHA256 signature over the element with ID id (the root),
 * placed as its first child (metadata) or after the Issuer (messages).
 * The key is parsed once by the caller (saml_xml_key_load) and reused: this
 * is where we sign without lasso, which re-reads the PEM per signature.
 */
int
saml_xml_sign(xmlDoc *doc, const char *id, void *key)
{
	static const xmlChar *ids[] = {(const xmlChar *)"ID", NULL};
	xmlNode *root = xmlDocGetRootElement(doc), *sig, *ref, *ki, *after;
	xmlSecDSigCtxPtr dsig = NULL;
	char uri[SAML_ID_URI_MAX];
	int rc = SAML_ENOMEM;

	if (snprintf(uri, sizeof(uri), "#%s", id) >= (int)sizeof(uri))
		return SAML_ETOOBIG;
	sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId,
					      xmlSecTransformRsaSha256Id, NULL, (const xmlChar *)"ds");
	if (sig == NULL)
		return SAML_ENOMEM;
	after = (xmlNode *)(uintptr_t)saml_xml_child(root, SAML_NS_A, "Issuer");
	if (after != NULL)
		xmlAddNextSibling(after, sig);
	else if (root->children != NULL)
		xmlAddPrevSibling(root->children, sig);
	else
		xmlAddChild(root, sig);
	ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, (xmlChar *)uri,
					      NULL);
	if (ref == NULL || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == NULL ||
	    (ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL)) == NULL ||
	    xmlSecTmplKeyInfoAddX509Data(ki) == NULL)
		goto done;
	xmlSecAddIDs(doc, root, ids);
	if ((dsig = xmlSecDSigCtxCreate(NULL)) == NULL ||
	    (dsig->signKey = xmlSecKeyDuplicate((xmlSecKeyPtr)key)) == NULL)
		goto done;
	rc = xmlSecDSigCtxSign(dsig, sig) < 0 ? SAML_EBADSIG : 0;
done:
	if (dsig != NULL)
		xmlSecDSigCtxDestroy(dsig);
	return rc;
}

void *
saml_xml_key_load(const char *key_pem, size_t keylen, const char *cert_pem, size_t certlen)
{
	xmlSecKeyPtr k = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)key_pem,
						      (xmlSecSize)keylen, xmlSecKeyDataFormatPem,
						      NULL, NULL, NULL);
	if (k == NULL)
		return NULL;
	if (xmlSecCryptoAppKeyCertLoadMemory(k, (const xmlSecByte *)cert_pem, (xmlSecSize)certlen,
					     xmlSecKeyDataFormatPem) < 0) {
		xmlSecKeyDestroy(k);
		return NULL;
	}
	return k;
}

void
saml_xml_key_free(void *key)
{
	if (key != NULL)
		xmlSecKeyDestroy((xmlSecKeyPtr)key);
}
