/*
 * Bench only (bench_eap.py --callgrind): the floor in instructions. The
 * server side of full TLS handshakes on memory BIOs with the given
 * certificates, like eap_floor.py but in C, so that callgrind can count
 * only the server's SSL_do_handshake calls (run it with
 * --collect-atstart=no; the calls are bracketed by CALLGRIND_TOGGLE_COLLECT).
 * No sockets, no EAP, no RADIUS, no resumption, no tickets.
 *
 *	eap_floor SERVER_CERT SERVER_KEY CA CLIENT_CERT|- CLIENT_KEY|- 12|13 N [GAP_US]
 *
 * GAP_US: sleep that long before each of the server's steps, as a server
 * waiting for the peer's next round does (the CPU goes to other processes
 * meanwhile, and the caches with it): the cold floor.
 *
 * Prints the server's thread CPU ms per handshake (meaningless under
 * valgrind; the instructions are in callgrind's dump).
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

static unsigned gap_us;

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
	fprintf(stderr, "eap_floor: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void
shuttle(SSL *from, SSL *to)
{
	BIO *out = SSL_get_wbio(from), *in = SSL_get_rbio(to);
	char buf[4096];
	int n;

	while ((n = BIO_read(out, buf, sizeof(buf))) > 0)
		if (BIO_write(in, buf, n) != n)
			die("BIO_write");
}

static SSL *
ssl_mem(SSL_CTX *ctx)
{
	SSL *s = SSL_new(ctx);
	BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());

	if (s == NULL || r == NULL || w == NULL)
		die("SSL_new");
	BIO_set_mem_eof_return(r, -1);
	BIO_set_mem_eof_return(w, -1);
	SSL_set_bio(s, r, w);
	return s;
}

/* One full handshake; returns the server's CPU ms. Counted by callgrind if count. */
static double
one(SSL_CTX *sctx, SSL_CTX *cctx, int count)
{
	SSL *srv = ssl_mem(sctx), *cli = ssl_mem(cctx);
	int cdone = 0, sdone = 0;
	double spent = 0;

	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	SSL_set_tlsext_host_name(cli, "radius.school.example");
	for (int i = 0; i < 20 && !(cdone && sdone); i++) {
		if (!cdone) {
			int rc = SSL_do_handshake(cli);
			if (rc == 1)
				cdone = 1;
			else if (SSL_get_error(cli, rc) != SSL_ERROR_WANT_READ)
				die("client handshake");
		}
		shuttle(cli, srv);
		if (!sdone) {
			double t;
			int rc;
			if (gap_us > 0)
				usleep(gap_us);
			t = thread_ms();
			if (count)
				CALLGRIND_TOGGLE_COLLECT;
			rc = SSL_do_handshake(srv);
			if (count)
				CALLGRIND_TOGGLE_COLLECT;
			spent += thread_ms() - t;
			if (rc == 1)
				sdone = 1;
			else if (SSL_get_error(srv, rc) != SSL_ERROR_WANT_READ)
				die("server handshake");
		}
		shuttle(srv, cli);
	}
	if (!(cdone && sdone))
		die("handshake did not finish");
	SSL_free(srv);
	SSL_free(cli);
	return spent;
}

int
main(int argc, char **argv)
{
	SSL_CTX *sctx, *cctx;
	int v, n, client_cert;
	double total = 0;

	if (argc != 8 && argc != 9)
		die("usage: eap_floor SERVER_CERT SERVER_KEY CA CLIENT_CERT|- CLIENT_KEY|- 12|13 N"
		    " [GAP_US]");
	gap_us = argc == 9 ? (unsigned)atoi(argv[8]) : 0;
	v = strcmp(argv[6], "13") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
	n = atoi(argv[7]);
	client_cert = strcmp(argv[4], "-") != 0;
	sctx = SSL_CTX_new(TLS_server_method());
	cctx = SSL_CTX_new(TLS_client_method());
	if (sctx == NULL || cctx == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(sctx, v);
	SSL_CTX_set_max_proto_version(sctx, v);
	SSL_CTX_set_min_proto_version(cctx, v);
	SSL_CTX_set_max_proto_version(cctx, v);
	SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(sctx, 0);
	SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 ||
	    SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1)
		die("server certificate");
	if (SSL_CTX_load_verify_locations(cctx, argv[3], NULL) != 1)
		die("CA");
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	if (client_cert) {
		if (SSL_CTX_load_verify_locations(sctx, argv[3], NULL) != 1)
			die("CA");
		SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		if (SSL_CTX_use_certificate_chain_file(cctx, argv[4]) != 1 ||
		    SSL_CTX_use_PrivateKey_file(cctx, argv[5], SSL_FILETYPE_PEM) != 1)
			die("client certificate");
	}
	one(sctx, cctx, 0); /* warm-up: OpenSSL's lazy tables */
	for (int i = 0; i < n; i++)
		total += one(sctx, cctx, 1);
	printf("%.4f\n", total / n);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return 0;
}
