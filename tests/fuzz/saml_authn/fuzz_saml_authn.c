/*
 * The AuthnRequest entry point: bytes an attacker fully controls go through
 * base64, (for Redirect) inflate, the strict parser, the wrapping and SHA-1
 * checks, and lasso. The first input byte picks the binding; the rest is
 * the XML (base64-encoded here so the decoder runs too, or raw-deflated for
 * Redirect). Time is fixed so seeds reach lasso.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "poort/store_saml.h"
#include "saml_idp_int.h"

#define FUZZ_SP "https://sp.fuzz.example/saml"
#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z */

static const char fuzz_sp_md[] =
	"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"" FUZZ_SP "\">"
	"<md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
	"<md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\""
	" Location=\"https://sp.fuzz.example/acs\" index=\"0\"/></md:SPSSODescriptor>"
	"</md:EntityDescriptor>";

static struct saml_idp idp;
static struct config_saml sc;
static struct saml_meta meta;
static struct saml_sp sp;
static char *acs[1];

static void
fuzz_setup(void)
{
	char err[256];

	saml_global_init();
	sc.max_request = 65536;
	sc.clock_skew = 180;
	idp.sc = &sc;
	idp.server = lasso_server_new(NULL, NULL, NULL, NULL);
	if (idp.server == NULL ||
	    lasso_server_add_provider_from_buffer(idp.server, LASSO_PROVIDER_ROLE_SP, fuzz_sp_md,
						  NULL, NULL) != 0)
		abort();
	idp.ss = store_saml_open(":memory:", err, sizeof(err));
	if (idp.ss == NULL)
		abort();
	acs[0] = "https://sp.fuzz.example/acs";
	sp.entity_id = FUZZ_SP;
	sp.acs = acs;
	sp.nacs = 1;
	sp.acs_default = acs[0];
	meta.sps = &sp;
	meta.nsps = 1;
	idp.metas = &meta;
	idp.nmetas = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct saml_authn *a = NULL;
	unsigned char *def = NULL, *b64 = NULL;
	char *query = NULL, why[256];
	size_t inlen;
	int redirect;

	if (!ready) {
		fuzz_setup();
		ready = 1;
	}
	if (size < 1 || size > 100000)
		return 0;
	redirect = data[0] & 1;
	data++;
	size--;
	inlen = size;
	if (redirect) {
		uLongf dlen = compressBound(size) + 16;
		z_stream zs;
		memset(&zs, 0, sizeof(zs));
		def = malloc(dlen);
		if (def == NULL || deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			goto done;
		zs.next_in = (unsigned char *)(uintptr_t)data;
		zs.avail_in = (uInt)size;
		zs.next_out = def;
		zs.avail_out = (uInt)dlen;
		deflate(&zs, Z_FINISH);
		inlen = dlen - zs.avail_out;
		deflateEnd(&zs);
		data = def;
	}
	b64 = malloc(4 * (inlen / 3 + 1) + 1);
	if (b64 == NULL)
		goto done;
	EVP_EncodeBlock(b64, data, (int)inlen);
	if (redirect) {
		/* lasso wants the query; the base64 alphabet needs escaping there */
		size_t n = strlen((char *)b64), o = 0;
		query = malloc(3 * n + 32);
		if (query == NULL)
			goto done;
		o = (size_t)sprintf(query, "SAMLRequest=");
		for (size_t i = 0; i < n; i++)
			o += (size_t)(b64[i] == '+'   ? sprintf(query + o, "%%2B")
				      : b64[i] == '/' ? sprintf(query + o, "%%2F")
				      : b64[i] == '=' ? sprintf(query + o, "%%3D")
						      : sprintf(query + o, "%c", b64[i]));
	}
	if (saml_authn_check(&idp, redirect, (char *)b64, query, NULL, "fuzz", FUZZ_NOW, &a, why,
			     sizeof(why)) == 0)
		saml_authn_free(a);
done:
	free(def);
	free(b64);
	free(query);
	return 0;
}
