/*
 * Benchmark helper, not part of Poort: a RADIUS load generator for
 * radius_pap.py and bench_proxy.py, so that the load side is not the limit
 * (one radclient tops out near 5k requests/s, and several of them eat the
 * CPU the servers are measured on).
 *
 * Sends COUNT distinct PAP Access-Requests (User-Name "uNNNN@REALM",
 * User-Password "Bench-pass-NNNN", NNNN = k % USERS; a Message-Authenticator
 * in each) keeping INFLIGHT of them outstanding, over INFLIGHT/64 sockets
 * (64 IDs each, like as many radclients). Every reply's Response
 * Authenticator is checked, and its Message-Authenticator when it has one
 * (a reply that fails is counted bad and ignored); an unanswered request
 * is sent again (same bytes) after 2 s, up to 3 times.
 *
 *	radload PORT SECRET REALM COUNT INFLIGHT USERS
 *
 * Prints "sent=N accepted=N rejected=N bad=N lost=N retransmits=N
 * seconds=S rate=R"; exit 0 when every request was accepted.
 * Built by the benchmarks with: cc -O2 radload.c -lcrypto
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PER_SOCK = 64, MAXPKT = 4096, RETRY_MS = 2000, TRIES = 4 };

struct slot {
	int busy;
	unsigned tries;
	long long sent_ms;
	size_t len;
	unsigned char pkt[256];
};

static const EVP_MD *md5;
static EVP_MD_CTX *mctx;
static const char *secret;
static size_t slen;

static long long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void
md5_parts(unsigned char out[16], const void *a, size_t al, const void *b, size_t bl)
{
	EVP_DigestInit_ex(mctx, md5, NULL);
	EVP_DigestUpdate(mctx, a, al);
	if (bl)
		EVP_DigestUpdate(mctx, b, bl);
	EVP_DigestFinal_ex(mctx, out, NULL);
}

static void
hmac_md5(unsigned char out[16], const unsigned char *msg, size_t len)
{
	unsigned char k[64] = {0}, pad[64], inner[16];

	memcpy(k, secret, slen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	md5_parts(inner, pad, 64, msg, len);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	md5_parts(out, pad, 64, inner, 16);
}

static size_t
attr(unsigned char *p, unsigned type, const void *v, size_t len)
{
	p[0] = (unsigned char)type;
	p[1] = (unsigned char)(len + 2);
	memcpy(p + 2, v, len);
	return len + 2;
}

/* Access-Request k with id, into s->pkt. */
static void
build(struct slot *s, unsigned id, unsigned long k, unsigned users, const char *realm)
{
	unsigned char *p = s->pkt, pw[128] = {0}, b[16];
	char name[96], pass[32];
	size_t o = 20, plen, ma;
	unsigned u = (unsigned)(k % users);

	snprintf(name, sizeof(name), "u%04u@%s", u, realm);
	snprintf(pass, sizeof(pass), "Bench-pass-%04u", u);
	p[0] = 1;
	p[1] = (unsigned char)id;
	for (int i = 0; i < 16; i++) /* distinct per request, not secret here */
		p[4 + i] = (unsigned char)(rand() ^ (int)(k >> (8 * (i % 4))));
	o += attr(p + o, 1, name, strlen(name));
	/* RFC 2865 5.2: the password in 16-byte blocks chained through MD5 */
	plen = (strlen(pass) + 15) / 16 * 16;
	memcpy(pw, pass, strlen(pass));
	for (size_t i = 0; i < plen; i += 16) {
		md5_parts(b, secret, slen, i == 0 ? p + 4 : pw + i - 16, 16);
		for (int j = 0; j < 16; j++)
			pw[i + j] ^= b[j];
	}
	o += attr(p + o, 2, pw, plen);
	ma = o;
	memset(b, 0, 16);
	o += attr(p + o, 80, b, 16);
	p[2] = (unsigned char)(o >> 8);
	p[3] = (unsigned char)o;
	hmac_md5(b, p, o);
	memcpy(p + ma + 2, b, 16);
	s->len = o;
}

/* 1 accept, 0 reject, -1 bad. */
static int
check(const struct slot *s, unsigned char *r, size_t n)
{
	unsigned char want[16], got[16], save[16];
	size_t len, pos, ma = 0;

	if (n < 20 || (len = (size_t)r[2] << 8 | r[3]) > n || len < 20)
		return -1;
	memcpy(save, r + 4, 16);
	memcpy(r + 4, s->pkt + 4, 16);
	md5_parts(want, r, len, secret, slen);
	if (CRYPTO_memcmp(want, save, 16) != 0)
		return -1;
	for (pos = 20; pos + 2 <= len && r[pos + 1] >= 2; pos += r[pos + 1])
		if (r[pos] == 80 && r[pos + 1] == 18)
			ma = pos;
	if (ma == 0) /* not every server signs its replies (FreeRADIUS by default) */
		return r[0] == 2 ? 1 : r[0] == 3 ? 0 : -1;
	memcpy(got, r + ma + 2, 16);
	memset(r + ma + 2, 0, 16);
	hmac_md5(want, r, len);
	if (CRYPTO_memcmp(want, got, 16) != 0)
		return -1;
	return r[0] == 2 ? 1 : r[0] == 3 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	unsigned long count, next = 0, done = 0, acc = 0, rej = 0, bad = 0, lost = 0, retr = 0;
	unsigned inflight, users, nsock;
	struct sockaddr_in to = {0};
	struct pollfd *pfd;
	struct slot *slots;
	const char *realm;
	long long t0, last_scan = 0;
	unsigned char buf[MAXPKT];

	if (argc != 7)
		return 2;
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons((unsigned short)atoi(argv[1]));
	secret = argv[2];
	slen = strlen(secret);
	realm = argv[3];
	count = strtoul(argv[4], NULL, 10);
	inflight = (unsigned)atoi(argv[5]);
	users = (unsigned)atoi(argv[6]);
	if (slen == 0 || slen > 64 || inflight == 0 || users == 0 || strlen(realm) > 64)
		return 2;
	nsock = (inflight + PER_SOCK - 1) / PER_SOCK;
	md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	mctx = EVP_MD_CTX_new();
	pfd = calloc(nsock, sizeof(*pfd));
	slots = calloc((size_t)nsock * PER_SOCK, sizeof(*slots));
	if (md5 == NULL || mctx == NULL || pfd == NULL || slots == NULL)
		return 1;
	srand((unsigned)getpid());
	for (unsigned i = 0; i < nsock; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), b = 1 << 20;
		if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
			return 1;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &b, sizeof(b));
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
	}
	t0 = now_ms();
	while (done < count) {
		long long now = now_ms();
		/* fill the window: slot i of socket s has RADIUS ID i */
		for (unsigned s = 0; s < nsock && next < count; s++)
			for (unsigned i = 0; i < PER_SOCK && next < count; i++) {
				struct slot *sl = &slots[s * PER_SOCK + i];
				if (sl->busy || s * PER_SOCK + i >= inflight)
					continue;
				build(sl, i, next++, users, realm);
				sl->busy = 1;
				sl->tries = 1;
				sl->sent_ms = now;
				if (send(pfd[s].fd, sl->pkt, sl->len, 0) < 0)
					sl->sent_ms = 0; /* retried below */
			}
		if (poll(pfd, nsock, 100) < 0)
			return 1;
		for (unsigned s = 0; s < nsock; s++) {
			ssize_t n;
			if (!(pfd[s].revents & POLLIN))
				continue;
			while ((n = recv(pfd[s].fd, buf, sizeof(buf), 0)) > 0) {
				struct slot *sl = n >= 20 && buf[1] < PER_SOCK
							  ? &slots[s * PER_SOCK + buf[1]]
							  : NULL;
				int rc;
				if (sl == NULL || !sl->busy)
					continue; /* a late answer to a retransmit */
				rc = check(sl, buf, (size_t)n);
				if (rc < 0) { /* a late answer to this ID's previous request, or wrong */
					bad++;
					continue;
				}
				acc += rc == 1;
				rej += rc == 0;
				sl->busy = 0;
				done++;
			}
		}
		now = now_ms();
		if (now - last_scan < 200)
			continue;
		last_scan = now;
		for (unsigned i = 0; i < nsock * PER_SOCK; i++) {
			struct slot *sl = &slots[i];
			if (!sl->busy || now - sl->sent_ms < RETRY_MS)
				continue;
			if (sl->tries == TRIES) {
				sl->busy = 0;
				lost++;
				done++;
				continue;
			}
			sl->tries++;
			sl->sent_ms = now;
			retr++;
			if (send(pfd[i / PER_SOCK].fd, sl->pkt, sl->len, 0) < 0)
				sl->sent_ms = 0;
		}
	}
	double secs = (double)(now_ms() - t0) / 1000.0;
	printf("sent=%lu accepted=%lu rejected=%lu bad=%lu lost=%lu retransmits=%lu seconds=%.3f"
	       " rate=%.0f\n",
	       count, acc, rej, bad, lost, retr, secs, secs > 0 ? (double)count / secs : 0.0);
	return acc == count ? 0 : 1;
}
