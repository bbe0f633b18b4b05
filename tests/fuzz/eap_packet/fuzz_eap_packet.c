/*
 * The EAP server fed a conversation from the input: 2-byte big-endian
 * lengths, each followed by one EAP packet. The first goes without State,
 * later ones with the State the server handed out. Reaches the Identity
 * and NAK handling, the methods' framing and reassembly, and the TLS
 * engine behind them. A throwaway certificate is made at start-up.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poort/auth.h"
#include "poort/config.h"
#include "poort/eap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eap_server *es;
static struct config *cfg;

static int
fz_account(void *arg, const char *user, struct eap_account *out)
{
	(void)arg;
	if (strcmp(user, "anna") != 0)
		return AUTH_EUNKNOWN;
	snprintf(out->user, sizeof(out->user), "%s", user);
	snprintf(out->affiliation, sizeof(out->affiliation), "student");
	return 0;
}

static int
fz_password_cached(void *arg, const struct eap_account *a, const char *pw, size_t len)
{
	(void)arg;
	(void)a;
	return len == 2 && memcmp(pw, "pw", 2) == 0;
}

static int
fz_mschapv2(void *arg, const struct eap_account *a, const uint8_t auth_chal[16],
            const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name,
            size_t namelen, char authresp[43])
{
	(void)arg;
	(void)a;
	(void)auth_chal;
	(void)peer_chal;
	(void)name;
	(void)namelen;
	if (nt_resp[0] != 0x42)
		return AUTH_EPASSWORD;
	memset(authresp, 'A', 42);
	authresp[0] = 'S';
	authresp[1] = '=';
	authresp[42] = '\0';
	return 0;
}

static int
fz_setup(void)
{
	char dir[] = "/tmp/poort-fuzz-eap-XXXXXX", cert[64], key[64], text[1024], err[512];
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *f;
	const struct eap_backend be = {NULL, fz_account, fz_password_cached, fz_mschapv2, NULL};

	if (pk == NULL || x == NULL || mkdtemp(dir) == NULL)
		return -1;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, pk);
	X509_sign(x, pk, EVP_sha256());
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if ((f = fopen(cert, "w")) == NULL)
		return -1;
	PEM_write_X509(f, x);
	fclose(f);
	if ((f = fopen(key, "w")) == NULL)
		return -1;
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	snprintf(text, sizeof(text),
	         "state_dir \"/tmp\"\nrealm \"school.example\"\neap {\n methods peap ttls tls\n"
	         " certificate \"%s\"\n private_key \"%s\"\n client_ca \"%s\"\n"
	         " fragment_size 200\n max_conversations 8\n}\n",
	         cert, key, cert);
	cfg = config_parse("fuzz", text, err, sizeof(err));
	if (cfg != NULL)
		es = eap_server_new(&cfg->eap, &be, err, sizeof(err));
	unlink(cert);
	unlink(key);
	rmdir(dir);
	X509_free(x);
	EVP_PKEY_free(pk);
	if (es == NULL)
		fprintf(stderr, "fuzz_eap_packet: setup failed: %s\n", err);
	return es != NULL ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct eap_result res;
	uint8_t state[EAP_STATE_LEN];
	int have_state = 0;
	size_t pos = 0;

	if (!ready) {
		if (fz_setup() < 0)
			abort();
		ready = 1;
	}
	while (pos + 2 <= size) {
		size_t n = (size_t)data[pos] << 8 | data[pos + 1];
		struct eap_input in = {0};
		uint8_t *copy;
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		/* an exact-size copy, so sanitizers see every over-read */
		copy = malloc(n ? n : 1);
		memcpy(copy, data + pos, n);
		pos += n;
		in.msg = copy;
		in.msglen = n;
		in.state = have_state ? state : NULL;
		in.statelen = have_state ? sizeof(state) : 0;
		if (eap_server_step(es, cfg, &in, 1000, &res) < 0) {
			free(copy);
			break;
		}
		free(copy);
		/* a password check: say "no match" half of the time, as a worker would */
		while (res.action == EAP_ACT_VERIFY)
			if (eap_server_resume(es, res.state, (int)(n & 1), 1000, &res) < 0)
				break;
		if (res.action != EAP_ACT_CHALLENGE)
			break;
		memcpy(state, res.state, sizeof(state));
		have_state = 1;
	}
	/* nothing may outlive one input */
	eap_server_expire(es, 1000000, NULL, NULL);
	return 0;
}
