/* EAP-TLS (RFC 5216; TLS 1.3 per RFC 9190): the client certificate is the credential. */
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "eap_int.h"

struct eap_tls_priv {
	struct eap_tls t;
};

static int
tls_start(struct eap_conv *c, void **priv, struct wcursor *out)
{
	return eap_tls_method_start(c, priv, sizeof(struct eap_tls_priv), c->es->tls_ctx,
				    EAP_TYPE_TLS, out);
}

/*
 * 1 if the onboarding client CA signed cert (checked by signature, so it
 * holds for resumed sessions too), with its serial in lower-case hex.
 */
static int
tls_device_serial(const struct eap_server *es, X509 *cert, char *out, size_t outlen)
{
	BIGNUM *bn;
	char *hex;
	int rc = 0;

	if (es->device_ca == NULL || X509_check_issued(es->device_ca, cert) != X509_V_OK ||
	    X509_verify(cert, X509_get0_pubkey(es->device_ca)) != 1)
		return 0;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	if (hex != NULL && strlen(hex) < outlen) {
		for (size_t i = 0; hex[i] != '\0'; i++)
			out[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ? hex[i] - 'A' + 'a' : hex[i]);
		out[strlen(hex)] = '\0';
		rc = 1;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

/*
 * The certificate's subject CN names the account (user@realm, the realm
 * the outer identity routed on). Every failed check fails the login: a
 * certificate is worth no more than the account it was issued for, and
 * that account is looked up on every login (poortctl disable or delete
 * ends it at once). A certificate from the box's own client CA names a
 * device instead (random id@realm): its serial must be a known, unrevoked
 * device of an account that may log in.
 */
static int
tls_cert_identity(struct eap_conv *c, struct eap_tls *t)
{
	X509 *cert = SSL_get0_peer_certificate(t->ssl);
	X509_NAME *subj;
	unsigned char *cn = NULL;
	char serial[48];
	int i, n, rc = -1;

	if (cert == NULL) {
		c->reason = "no-client-certificate";
		return -1;
	}
	subj = X509_get_subject_name(cert);
	i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (i < 0 || X509_NAME_get_index_by_NID(subj, NID_commonName, i) >= 0) {
		c->reason = i < 0 ? "client-cert-without-cn" : "client-cert-several-cn";
		return -1;
	}
	n = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i)));
	if (n < 0) {
		c->reason = "bad-inner-identity";
		return -1;
	}
	/* too long, a NUL, no realm, another realm, no such account, refused: all fail */
	if (tls_device_serial(c->es, cert, serial, sizeof(serial)))
		rc = eap_conv_device_identity(c, (const char *)cn, (size_t)n, serial);
	else
		rc = eap_conv_inner_identity(c, (const char *)cn, (size_t)n);
	OPENSSL_free(cn);
	return rc;
}

static int
tls_process(struct eap_conv *c, void *priv, const uint8_t *in, size_t len, struct wcursor *out)
{
	struct eap_tls_priv *p = priv;
	int rc;

	switch (eap_tls_recv(&p->t, c, in, len, out)) {
	case EAP_TLS_SENT:
		return EAP_M_CONT;
	case EAP_TLS_FAILED:
		return EAP_M_FAIL;
	case EAP_TLS_READY:
		break;
	}
	if (p->t.just_established) {
		if (tls_cert_identity(c, &p->t) < 0)
			return EAP_M_FAIL;
		/* RFC 9190 2.5: one byte of application data says no more handshake follows */
		if (p->t.v13 && eap_tls_write(&p->t, "", 1) < 0) {
			c->reason = "tls-write-failed";
			return EAP_M_FAIL;
		}
	}
	if (p->t.applen > 0 && p->t.v13) {
		c->reason = "unexpected-application-data";
		return EAP_M_FAIL;
	}
	rc = eap_tls_flush(&p->t, c, out);
	if (rc < 0) {
		c->reason = "out-of-memory";
		return EAP_M_FAIL;
	}
	if (rc > 0)
		return EAP_M_CONT;
	if (!p->t.established) {
		c->reason = "tls-stalled";
		return EAP_M_FAIL;
	}
	if (eap_tls_msk(&p->t, "client EAP encryption", c->msk) < 0) {
		c->reason = "key-derivation-failed";
		return EAP_M_FAIL;
	}
	p->t.keep_session = 1;
	return EAP_M_SUCCESS;
}

static void
tls_free(void *priv)
{
	eap_tls_method_free(priv, sizeof(struct eap_tls_priv));
}

static const struct eap_method eap_tls_method = {
    .type = EAP_TYPE_TLS,
    .name = "tls",
    .start = tls_start,
    .process = tls_process,
    .free = tls_free,
};

const struct eap_method *
eap_tls_register(void)
{
	return &eap_tls_method;
}
