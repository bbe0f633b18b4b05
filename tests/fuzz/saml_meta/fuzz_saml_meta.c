/*
 * SP metadata as fetched: the strict parser, the trust check and the SP
 * extraction (ACS, keys, EncryptionMethod, mdui and Organization names).
 * A document pin over the input itself makes every input "trusted", so the
 * extraction behind the check runs on whatever the fuzzer makes.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/config_saml.h"
#include "poort/saml.h"
#include "saml_int.h"

#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct config_saml_pin pin = {.kind = CONFIG_PIN_DOCUMENT};
	struct saml_trust trust = {.pins = &pin, .npins = 1};
	struct saml_meta m;
	char why[256], *buf;

	if (!inited) {
		saml_global_init();
		inited = 1;
	}
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	EVP_Digest(data, size, pin.sha256, NULL, EVP_sha256(), NULL);
	if (saml_meta_load(buf, size, &trust, FUZZ_NOW, &m, why, sizeof(why)) == 0) {
		for (size_t i = 0; i < m.nsps; i++) {
			(void)saml_sp_display_name(&m.sps[i], 0);
			(void)saml_sp_display_name(&m.sps[i], 1);
		}
		saml_meta_free(&m);
	}
	free(buf);
	return 0;
}
