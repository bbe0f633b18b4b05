/*
 * The EAP state machine without any I/O: Identity and realm rules, method
 * choice and NAK, unknown State, malformed packets, the conversation bound
 * and idle expiry. A throwaway certificate is made in a temp directory.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/eap.h"
#include "test.h"

static const char *
t_account(void *arg, const char *user, struct eap_account *out)
{
	(void)arg;
	snprintf(out->user, sizeof(out->user), "%s", user);
	return NULL;
}

static int
t_cached(void *arg, const struct eap_account *a, const char *pw, size_t len)
{
	(void)arg;
	(void)a;
	(void)pw;
	(void)len;
	return 0;
}

static int
t_nthash(void *arg, const char *user, uint8_t out[16])
{
	(void)arg;
	(void)user;
	memset(out, 1, 16);
	return 0;
}

static struct config *
t_config(char *dir)
{
	char cert[96], key[96], text[1024], err[512];
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	struct config *cfg = NULL;
	FILE *f;

	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pk);
	X509_sign(x, pk, EVP_sha256());
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if ((f = fopen(cert, "w")) != NULL) {
		PEM_write_X509(f, x);
		fclose(f);
	}
	if ((f = fopen(key, "w")) != NULL) {
		PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	snprintf(text, sizeof(text),
	         "state_dir \"/tmp\"\nrealm \"school.example\"\neap {\n methods ttls peap\n"
	         " certificate \"%s\"\n private_key \"%s\"\n max_conversations 2\n timeout 10\n}\n",
	         cert, key);
	cfg = config_parse("test", text, err, sizeof(err));
	if (cfg == NULL)
		fprintf(stderr, "%s\n", err);
	X509_free(x);
	EVP_PKEY_free(pk);
	return cfg;
}

/* Sends an EAP-Response of type with data; returns the step's result code. */
static int
t_send(struct eap_server *es, struct config *cfg, const uint8_t *state, uint8_t id, uint8_t type,
       const char *data, time_t now, struct eap_result *res)
{
	uint8_t pkt[300];
	size_t n = strlen(data);
	struct eap_input in = {0};

	pkt[0] = 2;
	pkt[1] = id;
	pkt[2] = (uint8_t)((n + 5) >> 8);
	pkt[3] = (uint8_t)(n + 5);
	pkt[4] = type;
	memcpy(pkt + 5, data, n);
	in.msg = pkt;
	in.msglen = n + 5;
	in.state = state;
	in.statelen = state != NULL ? EAP_STATE_LEN : 0;
	return eap_server_step(es, cfg, &in, now, res);
}

int
main(void)
{
	char dir[] = "/tmp/poort-test-eap-XXXXXX", err[512];
	const struct eap_backend be = {NULL, t_account, t_cached, t_nthash};
	struct eap_result r, r2;
	struct eap_server *es;
	struct config *cfg;
	uint8_t state[EAP_STATE_LEN];

	CHECK(mkdtemp(dir) != NULL);
	cfg = t_config(dir);
	CHECK(cfg != NULL);
	if (cfg == NULL)
		TEST_DONE();
	es = eap_server_new(&cfg->eap, &be, err, sizeof(err));
	CHECK(es != NULL);
	if (es == NULL)
		TEST_DONE();

	/* identity rules: a realm, and one of ours */
	CHECK_INT(t_send(es, cfg, NULL, 1, 1, "anna", 100, &r), 0);
	CHECK_INT(r.action, EAP_ACT_REJECT);
	CHECK_STR(r.reason, "no-realm");
	CHECK(r.msglen == 4 && r.msg[0] == 4 && r.msg[1] == 1); /* EAP-Failure, same id */
	CHECK_INT(t_send(es, cfg, NULL, 1, 1, "anna@other.example", 100, &r), 0);
	CHECK_STR(r.reason, "realm-not-local");
	CHECK_INT(t_send(es, cfg, NULL, 1, 3, "x", 100, &r), 0);
	CHECK_STR(r.reason, "expected-identity");

	/* the first configured method (TTLS, Start flag), then NAK to PEAP */
	CHECK_INT(t_send(es, cfg, NULL, 7, 1, "@School.Example", 100, &r), 0);
	CHECK_INT(r.action, EAP_ACT_CHALLENGE);
	CHECK(r.msglen == 6 && r.msg[0] == 1 && r.msg[1] == 8 && r.msg[4] == 21 &&
	      r.msg[5] == 0x20);
	memcpy(state, r.state, sizeof(state));
	CHECK_INT(eap_server_count(es), 1);
	CHECK_INT(t_send(es, cfg, state, 8, 3, "\x19", 101, &r), 0);
	CHECK(r.action == EAP_ACT_CHALLENGE && r.msg[4] == 25);
	CHECK(memcmp(r.state, state, sizeof(state)) == 0);
	/* a stale identifier gets the last request again */
	CHECK_INT(t_send(es, cfg, state, 3, 25, "\x00", 101, &r2), 0);
	CHECK(r2.action == EAP_ACT_CHALLENGE && r2.msglen == r.msglen && r2.msg[4] == 25);
	/* a NAK naming only methods we do not offer ends the conversation */
	CHECK_INT(t_send(es, cfg, state, 9, 3, "\x0d", 101, &r), 0);
	CHECK_STR(r.reason, "no-common-method");
	CHECK_INT(eap_server_count(es), 0);

	/* unknown State, malformed packets */
	CHECK_INT(t_send(es, cfg, state, 9, 25, "\x00", 102, &r), 0);
	CHECK_STR(r.reason, "unknown-or-expired-state");
	{
		static const uint8_t shortpkt[] = {2, 1, 0, 40, 1, 'a'};
		struct eap_input in = {.msg = shortpkt, .msglen = sizeof(shortpkt)};
		CHECK_INT(eap_server_step(es, cfg, &in, 102, &r), EAP_EINVAL);
		in.msglen = 3;
		CHECK_INT(eap_server_step(es, cfg, &in, 102, &r), EAP_EINVAL);
	}

	/* the bound: two conversations, the third is refused; idle ones expire */
	CHECK_INT(t_send(es, cfg, NULL, 1, 1, "@school.example", 200, &r), 0);
	CHECK_INT(t_send(es, cfg, NULL, 1, 1, "@school.example", 201, &r), 0);
	CHECK_INT(t_send(es, cfg, NULL, 1, 1, "@school.example", 202, &r), 0);
	CHECK_STR(r.reason, "too-many-conversations");
	CHECK_INT(eap_server_count(es), 2);
	CHECK_INT(eap_server_expire(es, 209, NULL, NULL), 0);
	CHECK_INT(eap_server_expire(es, 210, NULL, NULL), 1);
	CHECK_INT(t_send(es, cfg, NULL, 1, 1, "@school.example", 211, &r), 0);
	CHECK_INT(r.action, EAP_ACT_CHALLENGE); /* the step expired the other one */
	CHECK_INT(eap_server_count(es), 1);

	eap_server_free(es);
	config_free(cfg);
	{
		char p[96];
		snprintf(p, sizeof(p), "%s/cert.pem", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/key.pem", dir);
		unlink(p);
		rmdir(dir);
	}
	TEST_DONE();
}
