/*
 * Benchmark helper, not part of Poort: a fast RADIUS home server for
 * bench_proxy.py, so that the proxies, not the home side, are the limit.
 * Every Access-Request must carry a valid Message-Authenticator (else it
 * is dropped and counted); it is answered with an Access-Accept that has
 * a Message-Authenticator first, echoes Proxy-State, and a correct Response
 * Authenticator. Passwords are not checked. recvmmsg/sendmmsg, one thread.
 *
 *	home_responder PORT SECRET     (prints "ready" once bound; SIGTERM ends it,
 *	                                printing "answered=N dropped=N")
 *
 * Built by bench_proxy.py with: cc -O2 home_responder.c -lcrypto
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BATCH = 64, MAXPKT = 4096 };

static volatile sig_atomic_t stop;
static unsigned char ipad[64], opad[64];
static const EVP_MD *md5;
static EVP_MD_CTX *mctx;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
md5_parts(unsigned char out[16], const void *a, size_t al, const void *b, size_t bl,
          const void *c, size_t cl)
{
	EVP_DigestInit_ex(mctx, md5, NULL);
	EVP_DigestUpdate(mctx, a, al);
	if (bl)
		EVP_DigestUpdate(mctx, b, bl);
	if (cl)
		EVP_DigestUpdate(mctx, c, cl);
	EVP_DigestFinal_ex(mctx, out, NULL);
}

static void
hmac_md5(unsigned char out[16], const unsigned char *msg, size_t len)
{
	unsigned char inner[16];

	md5_parts(inner, ipad, 64, msg, len, NULL, 0);
	md5_parts(out, opad, 64, inner, 16, NULL, 0);
}

/* Builds the reply to req in out; returns its length, or 0 to drop req. */
static size_t
answer(const unsigned char *req, size_t n, unsigned char *out, const char *secret)
{
	unsigned char mac[16], saved[16];
	size_t pos = 20, ma = 0, o;

	if (n < 20 || req[0] != 1 || ((size_t)req[2] << 8 | req[3]) != n)
		return 0;
	while (pos + 2 <= n) {
		if (req[pos + 1] < 2 || pos + req[pos + 1] > n)
			return 0;
		if (req[pos] == 80 && req[pos + 1] == 18)
			ma = pos;
		pos += req[pos + 1];
	}
	if (ma == 0)
		return 0;
	memcpy(out, req, n); /* scratch: the request with its MA zeroed */
	memset(out + ma + 2, 0, 16);
	hmac_md5(mac, out, n);
	if (CRYPTO_memcmp(mac, req + ma + 2, 16) != 0)
		return 0;

	out[0] = 2;
	out[1] = req[1];
	memcpy(out + 4, req + 4, 16); /* the Request Authenticator, for the MA */
	o = 20;
	out[o] = 80;
	out[o + 1] = 18;
	memset(out + o + 2, 0, 16);
	o += 18;
	for (pos = 20; pos < n; pos += req[pos + 1])
		if (req[pos] == 33) { /* Proxy-State, echoed in order */
			memcpy(out + o, req + pos, req[pos + 1]);
			o += req[pos + 1];
		}
	out[2] = (unsigned char)(o >> 8);
	out[3] = (unsigned char)o;
	hmac_md5(saved, out, o);
	memcpy(out + 22, saved, 16);
	md5_parts(mac, out, o, secret, strlen(secret), NULL, 0);
	memcpy(out + 4, mac, 16);
	return o;
}

int
main(int argc, char **argv)
{
	static unsigned char in[BATCH][MAXPKT], out[BATCH][MAXPKT];
	struct mmsghdr rm[BATCH], sm[BATCH];
	struct iovec riov[BATCH], siov[BATCH];
	struct sockaddr_in from[BATCH], addr = {0};
	unsigned long answered = 0, dropped = 0;
	int fd, buf = 4 << 20, i, n, k;
	size_t slen = 0;
	const char *secret;
	struct sigaction sa = {0};

	if (argc != 3)
		return 2;
	secret = argv[2];
	slen = strlen(secret);
	if (slen > 64)
		return 2;
	for (i = 0; i < 64; i++) {
		unsigned char kb = i < (int)slen ? (unsigned char)secret[i] : 0;
		ipad[i] = kb ^ 0x36;
		opad[i] = kb ^ 0x5c;
	}
	md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	mctx = EVP_MD_CTX_new();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (md5 == NULL || mctx == NULL || fd < 0)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return 1;
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		for (i = 0; i < BATCH; i++) {
			riov[i].iov_base = in[i];
			riov[i].iov_len = MAXPKT;
			memset(&rm[i], 0, sizeof(rm[i]));
			rm[i].msg_hdr.msg_iov = &riov[i];
			rm[i].msg_hdr.msg_iovlen = 1;
			rm[i].msg_hdr.msg_name = &from[i];
			rm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, rm, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (i = 0, k = 0; i < n; i++) {
			size_t len = answer(in[i], rm[i].msg_len, out[k], secret);
			if (len == 0) {
				dropped++;
				continue;
			}
			siov[k].iov_base = out[k];
			siov[k].iov_len = len;
			memset(&sm[k], 0, sizeof(sm[k]));
			sm[k].msg_hdr.msg_iov = &siov[k];
			sm[k].msg_hdr.msg_iovlen = 1;
			sm[k].msg_hdr.msg_name = &from[i];
			sm[k].msg_hdr.msg_namelen = rm[i].msg_hdr.msg_namelen;
			k++;
		}
		for (i = 0; i < k;) {
			int s = sendmmsg(fd, sm + i, (unsigned)(k - i), 0);
			if (s <= 0)
				break;
			i += s;
		}
		answered += (unsigned long)k;
	}
	printf("answered=%lu dropped=%lu\n", answered, dropped);
	return 0;
}
