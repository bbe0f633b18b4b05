/* Internal to src/saml: XML-DSig signing of our assertions with a key set up once. */
#ifndef POORT_SAML_SIGN_H
#define POORT_SAML_SIGN_H

#include <libxml/tree.h>
#include <stddef.h>

struct saml_signer;

/* The RSA key in key_pem (PEM, unencrypted) and our certificate's base64
 * body for KeyInfo (copied). NULL if the key is not RSA or unreadable. */
struct saml_signer *saml_signer_new(const char *key_pem, size_t keylen, const char *cert_body);
void saml_signer_free(struct saml_signer *s);
/*
 * Signs el, whose ID attribute is id, with an enveloped RSA-SHA256
 * signature (exclusive C14N) placed right after its saml:Issuer child, as
 * the SAML schema wants. el must sit in a document; nothing above el is
 * covered. id must need no escaping (letters, digits, _ - .). 0 or a
 * negative SAML_E* code.
 */
int saml_signer_sign(struct saml_signer *s, xmlNode *el, const char *id);

#endif
