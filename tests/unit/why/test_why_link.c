/*
 * why_test_login over a given connected datagram socket (serverlen 0: the
 * admin UI's link to the radius child), against a server thread on the
 * other end of a socketpair: the PAP request is signed (Message-
 * Authenticator) and carries the password hidden under the secret; an
 * answer to an earlier test still queued is skipped; the socket is left
 * open. A server that does not read (its queue full) or does not answer
 * ends the test with an error, never a blocked caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../test.h"
#include "poort/why_test.h"
#include "radius_msg.h"

static const char secret[] = "0123456789abcdef-link-secret";
static const char password[] = "Correct-horse-42";

struct srv {
	int fd;
	int answer;   /* 0: read and stay silent */
	int requests; /* Access-Requests read */
	int signed_ok, pw_ok, user_ok;
};

/* A reply of code to req (id + delta), with a Message-Authenticator, signed. */
static size_t
srv_reply(const uint8_t *req, uint8_t code, int delta, uint8_t *out)
{
	size_t len = 20 + 18;

	memset(out, 0, len);
	out[0] = code;
	out[1] = (uint8_t)(req[1] + delta);
	out[2] = 0;
	out[3] = (uint8_t)len;
	out[20] = 80; /* Message-Authenticator */
	out[21] = 18;
	CHECK_INT(radius_auth_sign(out, len, req + 4, secret), 0);
	return len;
}

static void *
srv_run(void *arg)
{
	struct srv *s = arg;
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	uint8_t req[4096], rep[64];

	if (poll(&p, 1, 5000) != 1)
		return NULL;
	ssize_t n = recv(s->fd, req, sizeof(req), 0);
	if (n < 20 || req[0] != 1)
		return NULL;
	s->requests++;
	s->signed_ok = radius_auth_verify(req, (size_t)n, NULL, secret) == 0;
	for (size_t off = 20;
	     off + 2 <= (size_t)n && req[off + 1] >= 2 && off + req[off + 1] <= (size_t)n;
	     off += req[off + 1]) {
		const uint8_t *v = req + off + 2;
		size_t vlen = req[off + 1] - 2u;
		if (req[off] == 1)
			s->user_ok = vlen == strlen("anna@school.example") &&
			             memcmp(v, "anna@school.example", vlen) == 0;
		if (req[off] == 2) {
			char pw[RADIUS_PW_MAX + 16];
			size_t pwlen = 0;
			radius_auth_pw_decrypt(v, vlen, req + 4, secret, pw, &pwlen);
			s->pw_ok = pwlen == strlen(password) && strcmp(pw, password) == 0;
			/* hidden on the wire: not the password's bytes */
			s->pw_ok &= memmem(req, (size_t)n, password, strlen(password)) == NULL;
		}
	}
	if (!s->answer)
		return NULL;
	/* a late answer to another test first: to be skipped */
	CHECK(send(s->fd, rep, srv_reply(req, 3, 1, rep), 0) > 0);
	CHECK(send(s->fd, rep, srv_reply(req, 2, 0, rep), 0) > 0);
	return NULL;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
opts_init(struct why_test_opts *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->method = WHY_TEST_PAP;
	o->serverlen = 0;
	o->fd = fd;
	o->secret = secret;
	o->user = "anna@school.example";
	o->password = password;
	o->timeout_ms = 150;
}

int
main(void)
{
	struct why_test_opts o;
	struct why_test_result r;
	struct srv s;
	struct timespec t0;
	pthread_t th;
	int sv[2];

	CHECK_INT(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);

	/* accepted over the link */
	memset(&s, 0, sizeof(s));
	s.fd = sv[0];
	s.answer = 1;
	CHECK_INT(pthread_create(&th, NULL, srv_run, &s), 0);
	opts_init(&o, sv[1]);
	o.timeout_ms = 3000;
	CHECK_INT(why_test_login(&o, &r), 0);
	pthread_join(th, NULL);
	CHECK_INT(s.requests, 1);
	CHECK(s.signed_ok);
	CHECK(s.user_ok);
	CHECK(s.pw_ok);
	CHECK(r.answered);
	CHECK(r.accepted);
	CHECK_INT((int)r.rounds, 1);
	CHECK(strlen(r.station) == 17 && r.station[2] == '-');
	CHECK(fcntl(sv[1], F_GETFD) >= 0); /* lent: left open */

	/* read, never answered: twice the timeout, then an error */
	memset(&s, 0, sizeof(s));
	s.fd = sv[0];
	CHECK_INT(pthread_create(&th, NULL, srv_run, &s), 0);
	opts_init(&o, sv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(why_test_login(&o, &r), -1);
	CHECK(ms_since(&t0) < 2000);
	pthread_join(th, NULL);
	CHECK(!r.answered && !r.accepted);
	CHECK(strstr(r.error, "no answer") != NULL);
	while (recv(sv[0], (char[64]){0}, 64, MSG_TRUNC) >= 0) /* the retransmit */
		;

	/* a server that does not read: its queue fills, the test fails at once */
	for (int i = 0; i < 100000 && send(sv[1], "x", 1, 0) == 1; i++)
		;
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
	opts_init(&o, sv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(why_test_login(&o, &r), -1);
	CHECK(ms_since(&t0) < 1000);
	CHECK(strstr(r.error, "cannot send") != NULL);
	CHECK(fcntl(sv[1], F_GETFD) >= 0);

	close(sv[0]);
	close(sv[1]);
	radius_auth_forget();
	TEST_DONE();
}
