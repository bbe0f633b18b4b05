/*
 * Shared by the tunnel harnesses (fuzz_peap_inner, fuzz_ttls_inner,
 * fuzz_eap_tls_cert): the EAP server of src/eap with a real account store
 * behind it, and an in-process peer that runs the other end of the TLS
 * tunnel with OpenSSL, so that fuzzed bytes arrive at the methods already
 * decrypted, past a real handshake, on the production code path.
 *
 * Input format of every tunnel harness:
 *   byte 0      flags: FZ_F_TLS13, FZ_F_FRAGMENT, ...
 *   byte 1      n, then n bytes of outer identity (EAP-Response/Identity)
 *   then records: op (1), length (2, big-endian), data (length)
 * The harness turns each record into what the peer says next (see FZ_OP_*).
 */
#ifndef POORT_FZ_TUNNEL_H
#define POORT_FZ_TUNNEL_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "poort/eap.h"

#define FZ_REALM "school.example"
#define FZ_USER "anna" /* enabled, the password below */
#define FZ_PASSWORD "correct horse"
#define FZ_DISABLED "bert" /* disabled */
#define FZ_EXPIRED "carl"  /* expired */

enum {
	FZ_F_TLS13 = 0x01,    /* else TLS 1.2 */
	FZ_F_FRAGMENT = 0x02, /* the peer fragments its TLS messages (300 bytes) */
	FZ_F_CHACHA = 0x04,   /* another cipher, other record sizes */
};

enum {
	FZ_OP_RAW = 0,       /* data is the plaintext, sent in one TLS write */
	FZ_OP_ACK = 1,       /* an empty EAP-TLS response (acknowledgement) */
	FZ_OP_SMART = 2,     /* the harness builds a valid message; data parametrises it */
	FZ_OP_RECONNECT = 3, /* a new conversation, resuming the TLS session if one is kept */
	FZ_OP_OUTER = 4,     /* data is the EAP type-data itself (flags and TLS bytes) */
	FZ_OP_RECORDS = 5,   /* data is split at each 0xff byte into separate TLS records */
};

/* One EAP server per harness; methods is e.g. "peap" or "tls". */
struct fz_env {
	struct eap_server *es;
	struct config *cfg;
	SSL_CTX *client_ctx12, *client_ctx13;
	EVP_PKEY *ca_key, *client_key;
	X509 *ca_cert;
};

struct fz_peer {
	struct fz_env *env;
	SSL *ssl;
	uint8_t type;
	uint8_t flags;
	uint8_t state[EAP_STATE_LEN];
	int have_state;
	uint8_t id; /* of the last request */
	int done;   /* accept or reject seen (or the server refused to go on) */
	int accepted;
	int broken;           /* the peer's TLS failed */
	uint8_t plain[16384]; /* what the server said inside the tunnel last round */
	size_t plainlen;
	SSL_SESSION *session; /* kept after an accept for FZ_OP_RECONNECT */
	time_t now;
};

/* Sets up certificates, the store with its test accounts and the server. */
struct fz_env *fz_env_get(const char *methods);

/* Signs a client certificate with the test CA (EAP-TLS); cn as given, raw. */
X509 *fz_client_cert(struct fz_env *env, const uint8_t *cn, size_t cnlen, int asn1_type,
                     long not_before, long not_after, int self_signed);

/*
 * Starts a conversation: Identity, the method's Start, and the TLS handshake
 * (with cert/key if not NULL). Returns 0 with the tunnel up, -1 if the server
 * ended it (p->done) or the peer's TLS failed.
 */
int fz_peer_begin(struct fz_peer *p, const uint8_t *outer, size_t outerlen, X509 *cert);
/* Encrypts data (may be empty: then an ACK) and runs one exchange. */
int fz_peer_send(struct fz_peer *p, const uint8_t *data, size_t len);
/* Sends raw type-data of the method's type (no TLS). */
int fz_peer_send_outer(struct fz_peer *p, const uint8_t *data, size_t len);
/* Ends the conversation (forgets the server's state; keeps the session). */
void fz_peer_end(struct fz_peer *p);
void fz_peer_free(struct fz_peer *p);

/* TLS keying material of the peer's side (TTLS's inner MSCHAPv2 challenge). */
int fz_peer_export(struct fz_peer *p, const char *label, uint8_t *out, size_t len);

/*
 * An MS-CHAPv2 Response's 49-byte value for the server's challenge (peer
 * challenge, reserved, NT-Response, flags) with the given password.
 */
int fz_mschapv2_value(const uint8_t auth_chal[16], const char *name, size_t namelen,
                      const char *password, uint8_t value[49]);

/* Runs the records of an input; calls build for FZ_OP_SMART. */
typedef size_t (*fz_smart_fn)(struct fz_peer *p, const uint8_t *data, size_t len, uint8_t *out,
                              size_t outcap);
void fz_run(struct fz_env *env, uint8_t type, const uint8_t *data, size_t size, X509 *cert,
            fz_smart_fn smart);

#endif
