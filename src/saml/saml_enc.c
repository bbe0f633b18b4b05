/*
 * Assertion encryption with AES-GCM (XML Encryption 1.1), for SPs whose
 * metadata advertises aes128-gcm or aes256-gcm. lasso 2.8 encrypts with
 * CBC only (LassoEncryptionSymKeyType has no GCM); xmlsec 1.2.37, which
 * lasso uses underneath, has the GCM transforms, so we call it directly.
 * The session key goes to the SP under RSA-OAEP (rsa-oaep-mgf1p).
 */
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmlsec.h>

#include "saml_int.h"

/*
 * The encrypted bytes are node serialised on its own: it must declare the
 * namespaces it inherits (saml: sits on the Response). Exclusive c14n, which
 * the signature uses, renders the same either way.
 */
static int
senc_own_namespaces(xmlNode *node)
{
	xmlNs **in_scope = xmlGetNsList(node->doc, node);

	if (in_scope == NULL)
		return 0;
	for (xmlNs **ns = in_scope; *ns != NULL; ns++) {
		int mine = 0;
		for (xmlNs *d = node->nsDef; d != NULL && !mine; d = d->next)
			mine = (d->prefix == NULL && (*ns)->prefix == NULL) ||
			       (d->prefix != NULL && (*ns)->prefix != NULL &&
				xmlStrEqual(d->prefix, (*ns)->prefix));
		if (!mine && xmlNewNs(node, (*ns)->href, (*ns)->prefix) == NULL) {
			xmlFree(in_scope);
			return SAML_ENOMEM;
		}
	}
	xmlFree(in_scope);
	return 0;
}

int
saml_enc_element(xmlNode *node, const char *cert_pem, size_t certlen, int bits)
{
	xmlDoc *doc = node->doc;
	xmlSecKeysMngrPtr mngr = NULL;
	xmlSecEncCtxPtr ctx = NULL;
	xmlSecKeyPtr key = NULL;
	xmlNode *ed, *ki, *ek, *ea;
	xmlNs *ns;
	int rc = SAML_ECONFIG;

	if (senc_own_namespaces(node) < 0)
		return SAML_ENOMEM;
	ed = xmlSecTmplEncDataCreate(doc,
				     bits == 256 ? xmlSecTransformAes256GcmId
						 : xmlSecTransformAes128GcmId,
				     NULL, xmlSecTypeEncElement, NULL, NULL);
	if (ed == NULL)
		return SAML_ENOMEM;
	if (xmlSecTmplEncDataEnsureCipherValue(ed) == NULL ||
	    (ki = xmlSecTmplEncDataEnsureKeyInfo(ed, NULL)) == NULL ||
	    (ek = xmlSecTmplKeyInfoAddEncryptedKey(ki, xmlSecTransformRsaOaepId, NULL, NULL,
						   NULL)) == NULL ||
	    xmlSecTmplEncDataEnsureCipherValue(ek) == NULL) {
		rc = SAML_ENOMEM;
		goto fail;
	}
	if ((mngr = xmlSecKeysMngrCreate()) == NULL || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0)
		goto fail;
	key = xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)cert_pem, (xmlSecSize)certlen,
					   xmlSecKeyDataFormatCertPem, NULL, NULL, NULL);
	if (key == NULL || xmlSecCryptoAppDefaultKeysMngrAdoptKey(mngr, key) < 0) {
		if (key != NULL)
			xmlSecKeyDestroy(key);
		goto fail;
	}
	if ((ctx = xmlSecEncCtxCreate(mngr)) == NULL ||
	    (ctx->encKey = xmlSecKeyGenerate(xmlSecKeyDataAesId, (xmlSecSize)bits,
					     xmlSecKeyDataTypeSession)) == NULL)
		goto fail;
	/* node is replaced by ed in its tree (and freed) */
	if (xmlSecEncCtxXmlEncrypt(ctx, ed, node) < 0) {
		rc = SAML_EBADSIG;
		goto fail;
	}
	xmlSecEncCtxDestroy(ctx);
	xmlSecKeysMngrDestroy(mngr);
	/* SAML wraps it: <saml:EncryptedAssertion><xenc:EncryptedData/></...> */
	ns = xmlSearchNsByHref(doc, ed->parent, (const xmlChar *)SAML_NS_A);
	if ((ea = xmlNewDocNode(doc, ns, (const xmlChar *)"EncryptedAssertion", NULL)) == NULL)
		return SAML_ENOMEM;
	if (ns == NULL)
		xmlSetNs(ea, xmlNewNs(ea, (const xmlChar *)SAML_NS_A, (const xmlChar *)"saml"));
	xmlReplaceNode(ed, ea);
	xmlAddChild(ea, ed);
	return 0;
fail:
	if (ed != NULL)
		xmlFreeNode(ed);
	if (ctx != NULL)
		xmlSecEncCtxDestroy(ctx);
	if (mngr != NULL)
		xmlSecKeysMngrDestroy(mngr);
	return rc;
}
