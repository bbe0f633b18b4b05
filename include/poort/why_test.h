/*
 * The helpdesk's test login (poortctl test-login over UDP on loopback; the
 * admin UI over its link to the radius child, see src/poortd.h): a real
 * Access-Request to the running poortd, with PAP, EAP-TTLS/PAP
 * or PEAP/MSCHAPv2 (a TLS tunnel run in-process with OpenSSL), so that the
 * login path a device takes is tested end to end. The outcome is explained
 * with the auth log row poortd writes for it (why_test_explain), found by
 * the Calling-Station-Id the test used: the same words as for any device.
 *
 * The password goes into the request only (hidden per RFC 2865, or inside
 * the TLS tunnel); it is never logged or kept, and cleared after use.
 */
#ifndef POORT_WHY_TEST_H
#define POORT_WHY_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "poort/why.h"

enum why_test_method { WHY_TEST_PAP = 0, WHY_TEST_TTLS_PAP, WHY_TEST_PEAP /* MS-CHAPv2 */ };

struct why_test_opts {
	enum why_test_method method;
	struct sockaddr_storage server; /* the auth listener, e.g. 127.0.0.1:1812 */
	socklen_t serverlen;
	/*
	 * serverlen 0: fd instead, a connected datagram socket to the server
	 * (lent, left open): the admin UI's link to the radius child. Answers
	 * to earlier tests still queued on it are skipped (id, authenticator).
	 */
	int fd;
	const char *secret;   /* of the RADIUS client this host is to poortd */
	const char *user;     /* user@realm */
	const char *password; /* lent; the caller clears it */
	const char *anon;     /* EAP outer identity; NULL: "anonymous@" + user's realm */
	const char *ca_file;  /* EAP: verify the server against it; NULL: no check */
	unsigned timeout_ms;  /* per round; 0: 3000 */
};

struct why_test_result {
	int answered;    /* the server answered (a reject counts) */
	int accepted;    /* Access-Accept (with EAP-Success for EAP) */
	unsigned rounds; /* RADIUS round trips */
	char station[18]; /* the Calling-Station-Id used: a random local MAC, aa-bb-... */
	char reply_message[254]; /* Reply-Message of a reject, if any */
	char error[160];         /* why the test itself failed, if it did */
	char tls_version[16];    /* EAP: the tunnel's TLS version */
	int64_t started;         /* UTC seconds */
};

/* Runs the test. 0 when it ran (whatever the answer), -1 with out->error. */
int why_test_login(const struct why_test_opts *o, struct why_test_result *out);

/*
 * The explanation: poortd's auth log row for the test (by its station,
 * waiting up to wait_ms for the log writer), classified as any other.
 * Calls cb once with the outcome; returns 1 if a row was found, 0 if not
 * (then the reason is WHY_TEST_NO_ANSWER or the caller's guess), < 0 on a
 * store error.
 */
int why_test_explain(struct store *st, const struct why_test_result *r,
		     const char *const *realms, size_t nrealms, unsigned wait_ms, why_cb cb,
		     void *arg);

/* --- the RADIUS client codec (src/why/why_radius.c): pure, fuzzed --- */

#define WHY_RADIUS_MAX 4096

struct why_radius_reply {
	uint8_t code, id;
	uint8_t eap[WHY_RADIUS_MAX]; /* EAP-Message attributes, joined */
	size_t eaplen;
	uint8_t state[253];
	size_t statelen;
	char reply_message[254];
};

/*
 * Checks a reply to the request whose authenticator is req_auth and whose
 * id is id: length, Response Authenticator and Message-Authenticator (which
 * must be present) under secret; copies EAP-Message, State and
 * Reply-Message. 0, or -1 if the reply is not trustworthy or malformed.
 */
int why_radius_parse(const uint8_t *pkt, size_t len, uint8_t id, const uint8_t req_auth[16],
		     const char *secret, struct why_radius_reply *out);

#endif
