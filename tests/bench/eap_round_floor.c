/*
 * Bench only (bench_eap.py): what an EAP login over RADIUS must do beyond
 * the TLS handshake (eap_floor.c), each part done the cheapest way this
 * host allows, timed in the thread's CPU time (user + kernel), N times:
 *
 *	udp      the server's recvmsg of a REQ-octet request and sendmsg of a
 *	         REP-octet reply on loopback UDP (the kernel's part included:
 *	         on loopback the send delivers into the peer's socket), per round
 *	udpwake  the same, the server asleep in recvmsg until the request comes
 *	         (a peer 200 us away): what the wake-up adds, per round
 *	auth     HMAC-MD5 Message-Authenticator checked on the request and made
 *	         on the reply, the MD5 Response Authenticator, key pads hashed
 *	         once (as radius_auth.c does), per round
 *	record   one small TLS application record read and one written by the
 *	         server inside an established tunnel (memory BIOs), per inner round
 *	msk      the MSK export (SSL_export_keying_material, 128 octets), per login
 *	mschapv2 RFC 2759 from the stored NT hash: challenge hash, NT-Response
 *	         (3 DES), authenticator response (MD4, 2 x SHA-1), per login
 *	pap      the warm credential cache's check, one HMAC-SHA256, per login
 *
 *	eap_round_floor SERVER_CERT SERVER_KEY 12|13 N [REQ REP]
 *
 * Prints "name ms" lines (ms per operation). Under callgrind
 * (--collect-atstart=no) only the measured calls are counted, each part
 * between CALLGRIND_DUMP_STATS_AT(name) marks; the kernel's work is not
 * counted there, so the instructions of "udp" are only the libc wrappers.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* MD5_CTX, SHA256_CTX: the plain digests */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/provider.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

static double
thread_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "eap_round_floor: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static double t0;
static int counting; /* not in the warm-ups */

static void
start(void)
{
	if (counting)
		CALLGRIND_TOGGLE_COLLECT;
	t0 = thread_ms();
}

static double
stop(void)
{
	double t = thread_ms() - t0;

	if (counting)
		CALLGRIND_TOGGLE_COLLECT;
	return t;
}

static void
report(const char *name, double ms, int n)
{
	printf("%s %.5f\n", name, ms / n);
	fflush(stdout);
	CALLGRIND_DUMP_STATS_AT(name);
}

static double
udp(int n, size_t req, size_t rep)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t buf[4096];
	double spent = 0;

	memset(buf, 0x5a, sizeof(buf));
	if (s < 0 || c < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("sockets");
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
		                   .msg_iovlen = 1};
		ssize_t got;
		if (send(c, buf, req, 0) != (ssize_t)req)
			die("send");
		start();
		got = recvmsg(s, &m, 0);
		iov.iov_len = rep;
		m.msg_flags = 0;
		if (got == (ssize_t)req && sendmsg(s, &m, 0) != (ssize_t)rep)
			got = -1;
		spent += stop();
		if (got != (ssize_t)req || recv(c, buf, sizeof(buf), 0) != (ssize_t)rep)
			die("udp round");
	}
	close(s);
	close(c);
	return spent;
}

/*
 * The same round with the server asleep in recvmsg until the peer (a child
 * process, pausing 200 us before each request as a supplicant does)
 * sends: the wake-up every round of a real server pays, in its CPU time.
 */
static double
udp_wake(int n, size_t req, size_t rep)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
	uint8_t buf[4096];
	double spent = 0;
	pid_t pid;

	memset(buf, 0x5a, sizeof(buf));
	if (s < 0 || c < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("sockets");
	fflush(stdout);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		for (int i = 0; i < n; i++) {
			usleep(200);
			if (send(c, buf, req, 0) != (ssize_t)req ||
			    recv(c, buf, sizeof(buf), 0) != (ssize_t)rep)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
		                   .msg_iovlen = 1};
		ssize_t got;
		start();
		got = recvmsg(s, &m, 0);
		iov.iov_len = rep;
		m.msg_flags = 0;
		if (got == (ssize_t)req && sendmsg(s, &m, 0) != (ssize_t)rep)
			got = -1;
		spent += stop();
		if (got != (ssize_t)req)
			die("udp round");
	}
	waitpid(pid, NULL, 0);
	close(s);
	close(c);
	return spent;
}

static void
pads(const char *secret, MD5_CTX *in, MD5_CTX *out)
{
	uint8_t k[64] = {0}, p[64];

	memcpy(k, secret, strlen(secret));
	for (int i = 0; i < 64; i++)
		p[i] = k[i] ^ 0x36;
	MD5_Init(in);
	MD5_Update(in, p, 64);
	for (int i = 0; i < 64; i++)
		p[i] = k[i] ^ 0x5c;
	MD5_Init(out);
	MD5_Update(out, p, 64);
}

static void
hmac(const MD5_CTX *pi, const MD5_CTX *po, const uint8_t *d, size_t n, uint8_t mac[16])
{
	MD5_CTX c = *pi;

	MD5_Update(&c, d, n);
	MD5_Final(mac, &c);
	c = *po;
	MD5_Update(&c, mac, 16);
	MD5_Final(mac, &c);
}

static double
auth(int n, size_t req, size_t rep)
{
	static const char secret[] = "testing123";
	uint8_t q[4096], r[4096], mac[16];
	MD5_CTX pi, po, c;
	double spent = 0;

	memset(q, 1, sizeof(q));
	memset(r, 2, sizeof(r));
	pads(secret, &pi, &po);
	for (int i = 0; i < n; i++) {
		start();
		hmac(&pi, &po, q, req, mac); /* the request's Message-Authenticator */
		q[30] ^= mac[0];
		hmac(&pi, &po, r, rep, mac); /* the reply's */
		memcpy(r + 22, mac, 16);
		MD5_Init(&c); /* the Response Authenticator */
		MD5_Update(&c, r, rep);
		MD5_Update(&c, secret, sizeof(secret) - 1);
		MD5_Final(r + 4, &c);
		spent += stop();
	}
	return spent;
}

static SSL *
ssl_mem(SSL_CTX *ctx)
{
	SSL *s = SSL_new(ctx);
	BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());

	if (s == NULL || r == NULL || w == NULL)
		die("SSL_new");
	SSL_set_bio(s, r, w);
	return s;
}

static void
shuttle(SSL *from, SSL *to)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof(buf))) > 0)
		if (BIO_write(SSL_get_rbio(to), buf, n) != n)
			die("BIO_write");
}

static void
tunnel(const char *cert, const char *key, int v, int n, double *rec_ms, double *msk_ms)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
	SSL *srv, *cli;
	uint8_t msg[100], buf[4096], msk[128];

	memset(msg, 0x33, sizeof(msg));
	if (sctx == NULL || cctx == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(sctx, v);
	SSL_CTX_set_max_proto_version(sctx, v);
	SSL_CTX_set_min_proto_version(cctx, v);
	SSL_CTX_set_max_proto_version(cctx, v);
	SSL_CTX_set_num_tickets(sctx, 0);
	if (SSL_CTX_use_certificate_chain_file(sctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1)
		die("server certificate");
	srv = ssl_mem(sctx);
	cli = ssl_mem(cctx);
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	for (int i = 0; i < 20 && !(SSL_is_init_finished(srv) && SSL_is_init_finished(cli)); i++) {
		SSL_do_handshake(cli);
		shuttle(cli, srv);
		SSL_do_handshake(srv);
		shuttle(srv, cli);
	}
	if (!SSL_is_init_finished(srv) || !SSL_is_init_finished(cli))
		die("handshake");
	*rec_ms = 0;
	for (int i = 0; i < n; i++) {
		if (SSL_write(cli, msg, sizeof(msg)) != (int)sizeof(msg))
			die("client write");
		shuttle(cli, srv);
		start();
		int ok = SSL_read(srv, buf, sizeof(buf)) == (int)sizeof(msg) &&
		         SSL_write(srv, msg, sizeof(msg)) == (int)sizeof(msg);
		*rec_ms += stop();
		if (!ok)
			die("server record");
		shuttle(srv, cli);
		if (SSL_read(cli, buf, sizeof(buf)) != (int)sizeof(msg))
			die("client read");
	}
	report("record", *rec_ms, n);
	*msk_ms = 0;
	for (int i = 0; i < n; i++) {
		start();
		int ok = SSL_export_keying_material(srv, msk, sizeof(msk), "client EAP encryption",
		                                    21, NULL, 0, 0) == 1;
		*msk_ms += stop();
		if (!ok)
			die("export");
	}
	report("msk", *msk_ms, n);
	SSL_free(srv);
	SSL_free(cli);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

static double
mschapv2(int n)
{
	EVP_MD *md4 = EVP_MD_fetch(NULL, "MD4", NULL), *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	EVP_CIPHER *des = EVP_CIPHER_fetch(NULL, "DES-ECB", NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	uint8_t nt[21] = {1, 2, 3}, chal[20], resp[24], hh[16], d[20];
	unsigned dl;
	int ol;
	double spent = 0;

	if (md4 == NULL || sha1 == NULL || des == NULL || md == NULL || cx == NULL)
		die("mschapv2 algorithms");
	for (int i = 0; i < n; i++) {
		start();
		/* ChallengeHash: SHA1(peer challenge, authenticator challenge, user) */
		EVP_DigestInit_ex(md, sha1, NULL);
		EVP_DigestUpdate(md, nt, 16);
		EVP_DigestUpdate(md, nt, 16);
		EVP_DigestUpdate(md, "anna", 4);
		EVP_DigestFinal_ex(md, chal, &dl);
		/* ChallengeResponse: three DES blocks under the NT hash's 7-octet thirds */
		for (int b = 0; b < 3; b++) {
			uint8_t k[8];
			for (int j = 0; j < 8; j++)
				k[j] = nt[b * 7 + (j * 7) / 8]; /* key expansion's cost, not its bits */
			EVP_EncryptInit_ex(cx, des, NULL, k, NULL);
			EVP_CIPHER_CTX_set_padding(cx, 0);
			EVP_EncryptUpdate(cx, resp + b * 8, &ol, chal, 8);
		}
		/* AuthenticatorResponse: MD4(NT hash), then two SHA-1 */
		EVP_Digest(nt, 16, hh, &dl, md4, NULL);
		EVP_DigestInit_ex(md, sha1, NULL);
		EVP_DigestUpdate(md, hh, 16);
		EVP_DigestUpdate(md, resp, 24);
		EVP_DigestUpdate(md, "Magic server to client signing constant", 39);
		EVP_DigestFinal_ex(md, d, &dl);
		EVP_DigestInit_ex(md, sha1, NULL);
		EVP_DigestUpdate(md, d, 20);
		EVP_DigestUpdate(md, chal, 8);
		EVP_DigestUpdate(md, "Pad to make it do more than one iteration", 41);
		EVP_DigestFinal_ex(md, d, &dl);
		spent += stop();
		nt[5] ^= d[0];
	}
	EVP_MD_CTX_free(md);
	EVP_CIPHER_CTX_free(cx);
	EVP_MD_free(md4);
	EVP_MD_free(sha1);
	EVP_CIPHER_free(des);
	return spent;
}

static double
pap(int n)
{
	uint8_t k[64] = "a key of the credential cache, 32", p[64], mac[32];
	SHA256_CTX pi, po, c;
	double spent = 0;

	for (int i = 0; i < 64; i++)
		p[i] = k[i] ^ 0x36;
	SHA256_Init(&pi);
	SHA256_Update(&pi, p, 64);
	for (int i = 0; i < 64; i++)
		p[i] = k[i] ^ 0x5c;
	SHA256_Init(&po);
	SHA256_Update(&po, p, 64);
	for (int i = 0; i < n; i++) {
		start();
		c = pi;
		SHA256_Update(&c, "anna\0Correct-horse-1\0$y$j9T$salt$hash", 37);
		SHA256_Final(mac, &c);
		c = po;
		SHA256_Update(&c, mac, 32);
		SHA256_Final(mac, &c);
		spent += stop();
		k[0] ^= mac[0];
	}
	return spent;
}

int
main(int argc, char **argv)
{
	int v, n;
	size_t req = 300, rep = 1100;
	double rec, msk;

	if (argc != 5 && argc != 7)
		die("usage: eap_round_floor SERVER_CERT SERVER_KEY 12|13 N [REQ REP]");
	v = strcmp(argv[3], "13") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
	n = atoi(argv[4]);
	if (argc == 7) {
		req = (size_t)atoi(argv[5]);
		rep = (size_t)atoi(argv[6]);
	}
	if (n <= 0 || req < 20 || rep < 20 || req > 4096 || rep > 4096)
		die("bad N, REQ or REP");
	/* MD4 and DES are in the legacy provider, as src/auth/mschapv2.c has them */
	if (OSSL_PROVIDER_load(NULL, "default") == NULL || OSSL_PROVIDER_load(NULL, "legacy") == NULL)
		die("providers");
	/* warm-ups: lazy tables, first faults */
	udp(10, req, rep);
	auth(10, req, rep);
	mschapv2(10);
	pap(10);
	counting = 1;
	report("udp", udp(n, req, rep), n);
	report("udpwake", udp_wake(n, req, rep), n);
	report("auth", auth(n, req, rep), n);
	tunnel(argv[1], argv[2], v, n, &rec, &msk);
	report("mschapv2", mschapv2(n), n);
	report("pap", pap(n), n);
	return 0;
}
