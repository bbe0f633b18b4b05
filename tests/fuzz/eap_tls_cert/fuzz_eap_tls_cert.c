/*
 * EAP-TLS past the handshake (see tests/fuzz/eap_tunnel): the peer presents
 * a client certificate whose subject CN comes from the input, signed by the
 * server's client CA (or self-signed, expired, not yet valid), so the
 * certificate-to-account path runs on every input: the CN as an inner
 * identity, the realm rule and the store's account state. With TLS 1.3,
 * the commitment message (RFC 9190 2.5), application data the method must
 * refuse, the exporter MSK and resumption.
 *
 * Input: kind (1: 0 none, 1 CA-signed, 2 self-signed, 3 expired, 4 not yet
 * valid, 5 no CN), ASN.1 string type (1), CN length (1), CN, then the
 * tunnel input of fz_tunnel.h.
 */
#include <openssl/asn1.h>
#include <stdint.h>
#include <string.h>

#include "fz_tunnel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {V_ASN1_UTF8STRING, V_ASN1_PRINTABLESTRING,
	                            V_ASN1_IA5STRING,  V_ASN1_T61STRING,
	                            V_ASN1_BMPSTRING,  V_ASN1_UNIVERSALSTRING};
	static struct fz_env *env;
	X509 *cert = NULL;
	size_t cnlen;
	uint8_t kind;

	if (env == NULL && (env = fz_env_get("tls")) == NULL)
		__builtin_trap();
	if (size < 3 || size > 20000)
		return 0;
	kind = data[0] % 6;
	cnlen = data[2];
	if (cnlen > size - 3)
		return 0;
	if (kind != 0) {
		long nb = kind == 4 ? 86400 : -3600, na = kind == 3 ? -60 : 86400;
		cert = fz_client_cert(env, kind == 5 ? NULL : data + 3, cnlen,
		                      types[data[1] % (sizeof(types) / sizeof(types[0]))], nb, na,
		                      kind == 2);
		if (cert == NULL)
			return 0;
	}
	fz_run(env, 13, data + 3 + cnlen, size - 3 - cnlen, cert, NULL);
	X509_free(cert);
	return 0;
}
