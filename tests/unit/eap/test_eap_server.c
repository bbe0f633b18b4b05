/*
 * The EAP state machine without any I/O: Identity and realm rules, method
 * choice and NAK, unknown State, malformed packets, the conversation bound
 * and idle expiry. A throwaway certificate is made in a temp directory.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "poort/auth.h"
#include "poort/config.h"
#include "poort/eap.h"
#include "eap_int.h"
#include "test.h"

static int
t_account(void *arg, const char *user, struct eap_account *out)
{
	(void)arg;
	snprintf(out->user, sizeof(out->user), "%s", user);
	return 0;
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
t_mschapv2(void *arg, const struct eap_account *a, const uint8_t auth_chal[16],
           const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name, size_t namelen,
           char authresp[43])
{
	(void)arg;
	(void)a;
	(void)auth_chal;
	(void)peer_chal;
	(void)nt_resp;
	(void)name;
	(void)namelen;
	(void)authresp;
	return AUTH_EPASSWORD;
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

/* Sends an EAP-Response of type with data from peer; returns the step's result code. */
static int
t_send_from(struct eap_server *es, struct config *cfg, const char *peer, int federation,
            const uint8_t *state, uint8_t id, uint8_t type, const char *data, time_t now,
            struct eap_result *res)
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
	in.peer = peer;
	in.federation = federation;
	return eap_server_step(es, cfg, &in, now, res);
}

static int
t_send(struct eap_server *es, struct config *cfg, const uint8_t *state, uint8_t id, uint8_t type,
       const char *data, time_t now, struct eap_result *res)
{
	return t_send_from(es, cfg, NULL, 0, state, id, type, data, now, res);
}

/*
 * A State is honoured only from the client (and transport) it was issued
 * to; FLRs (federation clients) may hand a conversation to each other.
 */
static void
t_state_binding(struct eap_server *es, struct config *cfg)
{
	const char *ap1 = "udp ap1 127.0.0.1", *ap2 = "udp ap2 127.0.0.2";
	uint8_t state[EAP_STATE_LEN];
	struct eap_result r;

	CHECK_INT(t_send_from(es, cfg, ap1, 0, NULL, 1, 1, "@school.example", 300, &r), 0);
	CHECK_INT(r.action, EAP_ACT_CHALLENGE);
	memcpy(state, r.state, sizeof(state));
	/* another access point replaying it: a NAK, a stale id, the next round */
	CHECK_INT(t_send_from(es, cfg, ap2, 0, state, r.msg[1], 3, "\x19", 301, &r), 0);
	CHECK_INT(r.action, EAP_ACT_REJECT);
	CHECK_STR(r.reason, "state-from-other-client");
	CHECK_INT(t_send_from(es, cfg, ap2, 0, state, 0, 21, "\x00", 301, &r), 0);
	CHECK_INT(r.action, EAP_ACT_REJECT);
	CHECK_INT(t_send_from(es, cfg, "udp ap1 127.0.0.9", 0, state, 0, 21, "\x00", 301, &r), 0);
	CHECK_INT(r.action, EAP_ACT_REJECT); /* same client entry, other address */
	CHECK_INT(t_send_from(es, cfg, "radsec ap1 ", 1, state, 0, 21, "\x00", 301, &r), 0);
	CHECK_INT(r.action, EAP_ACT_REJECT); /* same name, other transport */
	/* ... which leaves the conversation alone: its own peer goes on */
	CHECK_INT(eap_server_count(es), 1);
	CHECK_INT(t_send_from(es, cfg, ap1, 0, state, 2, 3, "\x19", 302, &r), 0);
	CHECK(r.action == EAP_ACT_CHALLENGE && r.msg[4] == 25 && !r.peer_moved);
	/* another client's State with an Identity starts a conversation of its own */
	CHECK_INT(t_send_from(es, cfg, ap2, 0, state, 1, 1, "@school.example", 302, &r), 0);
	CHECK(r.action == EAP_ACT_CHALLENGE && memcmp(r.state, state, sizeof(state)) != 0);
	{
		uint8_t other[EAP_STATE_LEN];
		memcpy(other, r.state, sizeof(other));
		CHECK_INT(t_send_from(es, cfg, ap2, 0, other, r.msg[1], 3, "\x0d", 302, &r), 0);
		CHECK_STR(r.reason, "no-common-method");
	}
	CHECK_INT(t_send_from(es, cfg, ap1, 0, state, 3, 3, "\x0d", 303, &r), 0);
	CHECK_STR(r.reason, "no-common-method");
	CHECK_INT(eap_server_count(es), 0);

	/* FLRs: failover from one to another is allowed and reported */
	CHECK_INT(t_send_from(es, cfg, "radsec flr1 ", 1, NULL, 1, 1, "@school.example", 310, &r),
	          0);
	memcpy(state, r.state, sizeof(state));
	CHECK_INT(t_send_from(es, cfg, ap1, 0, state, 2, 3, "\x19", 311, &r), 0);
	CHECK_STR(r.reason, "state-from-other-client"); /* not to an access point */
	CHECK_INT(t_send_from(es, cfg, "udp flr2 192.0.2.2", 1, state, 2, 3, "\x19", 311, &r), 0);
	CHECK(r.action == EAP_ACT_CHALLENGE && r.peer_moved);
	CHECK_STR(r.peer_before, "radsec flr1 ");
	CHECK_INT(t_send_from(es, cfg, "udp flr2 192.0.2.2", 1, state, 3, 3, "\x0d", 312, &r), 0);
	CHECK(!r.peer_moved);
	CHECK_INT(eap_server_count(es), 0);
}

/*
 * EAP-TLS sessions are kept in the server's cache, not in stateless
 * tickets: OpenSSL 3.0 builds a stateless ticket by encoding the session
 * and decoding it again, client certificate included (bench_eap.py:
 * 9.8 -> 8.0 M instructions per TLS 1.3 EAP-TLS login).
 */
static void
t_tls_ctx_stateful(const char *dir, const struct eap_backend *be)
{
	char text[1024], err[512];
	struct config *cfg;
	struct eap_server *es;

	snprintf(text, sizeof(text),
	         "state_dir \"/tmp\"\nrealm \"school.example\"\neap {\n methods tls\n"
	         " certificate \"%s/cert.pem\"\n private_key \"%s/key.pem\"\n"
	         " client_ca \"%s/cert.pem\"\n}\n",
	         dir, dir, dir);
	cfg = config_parse("test", text, err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	es = eap_server_new(&cfg->eap, be, err, sizeof(err));
	CHECK(es != NULL);
	if (es != NULL) {
		CHECK(es->tls_ctx != NULL);
		CHECK(es->tls_ctx != NULL && (SSL_CTX_get_options(es->tls_ctx) & SSL_OP_NO_TICKET));
		CHECK(es->tls_ctx != NULL &&
		      SSL_CTX_get_session_cache_mode(es->tls_ctx) == SSL_SESS_CACHE_SERVER);
		/* the 256 MiB box's bounds: conversations and the session caches */
		CHECK_INT(cfg->eap.max_conversations, 1024);
		CHECK(es->tls_ctx != NULL &&
		      SSL_CTX_sess_get_cache_size(es->tls_ctx) == EAP_TLS_SESSIONS);
		CHECK(SSL_CTX_sess_get_cache_size(es->tunnel_ctx) == EAP_TUNNEL_SESSIONS);
		CHECK(EAP_TLS_SESSIONS * 14 + EAP_TUNNEL_SESSIONS * 4 < 48 * 1024);
		eap_server_free(es);
	}
	config_free(cfg);
}

/*
 * A conversation that has only sent its Start holds no SSL object yet:
 * 10.6 kB of heap each before, ~1.6 kB now (tests/bench/eap_memory.py).
 * mallinfo2 reads glibc's heap; under ASan it reads 0 and proves nothing.
 */
static void
t_start_is_small(const char *dir, const struct eap_backend *be)
{
	char text[1024], err[512];
	struct config *cfg;
	struct eap_server *es;
	struct eap_result r;
	size_t before, after;
	int i;

	snprintf(text, sizeof(text),
	         "state_dir \"/tmp\"\nrealm \"school.example\"\neap {\n methods ttls\n"
	         " certificate \"%s/cert.pem\"\n private_key \"%s/key.pem\"\n"
	         " max_conversations 300\n}\n",
	         dir, dir);
	cfg = config_parse("test", text, err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	es = eap_server_new(&cfg->eap, be, err, sizeof(err));
	CHECK(es != NULL);
	if (es != NULL) {
		CHECK_INT(t_send(es, cfg, NULL, 1, 1, "@school.example", 100, &r), 0);
		before = mallinfo2().uordblks;
		for (i = 0; i < 200; i++)
			CHECK_INT(t_send(es, cfg, NULL, 1, 1, "@school.example", 100, &r), 0);
		after = mallinfo2().uordblks;
		CHECK_INT(eap_server_count(es), 201);
		CHECK((after - before) / 200 < 4096);
		eap_server_free(es);
	}
	config_free(cfg);
}

int
main(void)
{
	char dir[] = "/tmp/poort-test-eap-XXXXXX", err[512];
	const struct eap_backend be = {NULL, t_account, t_cached, t_mschapv2, NULL};
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

	t_state_binding(es, cfg);

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
	t_tls_ctx_stateful(dir, &be);
	t_start_is_small(dir, &be);
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
