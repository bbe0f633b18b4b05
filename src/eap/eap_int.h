/*
 * Internal to src/eap: the conversation, the method table and the TLS
 * engine shared by EAP-TLS, TTLS and PEAP.
 */
#ifndef POORT_EAP_INT_H
#define POORT_EAP_INT_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "poort/cursor.h"
#include "poort/eap.h"

enum {
	EAP_CODE_REQUEST = 1,
	EAP_CODE_RESPONSE = 2,
	EAP_CODE_SUCCESS = 3,
	EAP_CODE_FAILURE = 4,
};

enum {
	EAP_TYPE_IDENTITY = 1,
	EAP_TYPE_NAK = 3,
	EAP_TYPE_TLS = 13,
	EAP_TYPE_TTLS = 21,
	EAP_TYPE_PEAP = 25,
	EAP_TYPE_MSCHAPV2 = 26,
	EAP_TYPE_TLV = 33,
};

#define EAP_MAX_MSG 4096
/*
 * Sessions kept for resumption, per context: a TTLS/PEAP session holds
 * ~4 kB of heap, an EAP-TLS one ~14 kB (the client's decoded certificate).
 * When full, OpenSSL drops the oldest, whose phone then makes a full
 * handshake. Worst cases 16 MB and 28 MB (tests/bench/eap_memory.py).
 */
#define EAP_TUNNEL_SESSIONS 4096
#define EAP_TLS_SESSIONS 2048
#define EAP_TLS_MAX_MSG 65536 /* largest reassembled TLS message accepted */

/* What a method's step returns. */
enum eap_mstatus {
	EAP_M_CONT,    /* a request was written to out */
	EAP_M_SUCCESS, /* done; conv->msk is set */
	EAP_M_FAIL,    /* done; conv->reason says why */
	EAP_M_VERIFY,  /* conv->verify_pw is to be checked off the loop; then resume */
};

struct eap_conv;

struct eap_method {
	uint8_t type;
	const char *name;
	/* Sets up *priv and writes the type-data of the first request. */
	int (*start)(struct eap_conv *c, void **priv, struct wcursor *out);
	/* One response's type-data in; the next request's type-data out. */
	int (*process)(struct eap_conv *c, void *priv, const uint8_t *in, size_t len,
	               struct wcursor *out);
	/* After EAP_M_VERIFY: the outcome of the password check (see eap_server_resume). */
	int (*resume)(struct eap_conv *c, void *priv, int verified, struct wcursor *out);
	void (*free)(void *priv);
};

/* The register functions, one per method file. */
const struct eap_method *eap_tls_register(void);
const struct eap_method *eap_ttls_register(void);
const struct eap_method *eap_peap_register(void);

struct eap_server {
	struct config_eap cfg; /* a copy: scalars only, no reply list */
	struct eap_backend be;
	SSL_CTX *tls_ctx;    /* EAP-TLS: asks for a client certificate */
	SSL_CTX *tunnel_ctx; /* TTLS and PEAP: server certificate only */
	X509 *device_ca;     /* the onboarding client CA, or NULL */
	struct eap_conv **buckets;
	size_t nbuckets;
	struct eap_conv *lru_head, *lru_tail; /* head = most recently used */
	unsigned count;
	uint8_t out[EAP_MAX_MSG];
};

struct eap_conv {
	struct eap_server *es;
	uint8_t state[EAP_STATE_LEN];
	struct eap_conv *hnext;
	struct eap_conv *prev, *next;
	time_t last;
	uint8_t id; /* identifier of the last request sent */
	unsigned rounds;
	char outer[EAP_NAME_MAX + 1];
	char realm[EAP_NAME_MAX + 1]; /* of the outer identity, lower case */
	char inner[EAP_NAME_MAX + 1];
	struct eap_account acct; /* once the inner identity is known */
	const struct eap_method *m;
	void *mpriv;
	int m_answered; /* the method got a real response (NAK no longer allowed) */
	unsigned tried; /* bit i: cfg.methods[i] was offered */
	uint8_t msk[EAP_MSK_LEN];
	const char *reason;
	int resumed;
	uint8_t *last_req; /* for an EAP-level retransmit */
	size_t last_req_len;
	char peer[EAP_PEER_MAX]; /* the RADIUS client and transport it belongs to */
	char client[64], station[64]; /* for the log if it is abandoned */
	int federation;          /* started by an FLR: may fail over to another FLR */
	int verifying;   /* a password check runs on a worker */
	uint8_t resp_id; /* identifier of the response being answered */
	char verify_pw[129];
	size_t verify_pwlen;
};

/*
 * Checks an inner identity against eduroam's rules (its realm must be the
 * outer one) and looks the account up (it must be allowed to log in). 0 if
 * fine, else -1 with conv->reason set; the inner identity is kept for the
 * log either way. Every failure means the login fails.
 */
int eap_conv_inner_identity(struct eap_conv *c, const char *name, size_t len);
/* The same for a certificate from the onboarding CA: checked as a device (serial, hex). */
int eap_conv_device_identity(struct eap_conv *c, const char *name, size_t len, const char *serial);

/* --- the TLS engine (eap_tls_engine.c) --- */

enum {
	EAP_TLS_FLAG_L = 0x80,
	EAP_TLS_FLAG_M = 0x40,
	EAP_TLS_FLAG_S = 0x20,
};

enum eap_tls_rc {
	EAP_TLS_SENT = 1,   /* a fragment or an ACK was written to out */
	EAP_TLS_READY = 2,  /* a whole message went into TLS; see app/established */
	EAP_TLS_FAILED = 3, /* conv->reason set */
};

struct eap_tls {
	SSL_CTX *ctx;     /* borrowed from the server */
	SSL *ssl;         /* NULL until the peer's first TLS message */
	BIO *rbio, *wbio; /* network side: what the peer sent, what to send */
	uint8_t type;
	uint8_t *in; /* reassembly, grown as fragments arrive */
	size_t inlen, intotal, incap;
	uint8_t *out; /* the message being sent in fragments */
	size_t outlen, outpos;
	int established;
	int just_established;
	int v13;
	int keep_session; /* the method succeeded: the session may be resumed */
	int remembered;   /* eap_tls_session_remember ran */
	uint8_t *app;     /* application data read this round */
	size_t applen, appcap;
};

int eap_tls_setup(struct eap_tls *t, struct eap_conv *c, SSL_CTX *ctx, uint8_t type);
void eap_tls_cleanup(struct eap_tls *t);
/* Writes the EAP-TLS Start request (flags S). */
int eap_tls_start(struct eap_tls *t, struct wcursor *out);
/*
 * For the TLS-based methods, whose private state starts with a struct
 * eap_tls: allocates privsize zeroed bytes into *priv, sets up TLS with ctx
 * and writes the EAP Start. Returns EAP_M_CONT or EAP_M_FAIL.
 */
int eap_tls_method_start(struct eap_conv *c, void **priv, size_t privsize, SSL_CTX *ctx,
			 uint8_t type, struct wcursor *out);
/* Frees such state: TLS cleaned up, bytes cleared. */
void eap_tls_method_free(void *priv, size_t privsize);
/* Takes one response's type-data: acks fragments, feeds whole messages to TLS. */
enum eap_tls_rc eap_tls_recv(struct eap_tls *t, struct eap_conv *c, const uint8_t *in, size_t len,
                             struct wcursor *out);
/* Encrypts application data for the peer. */
int eap_tls_write(struct eap_tls *t, const void *data, size_t len);
/* 1 if pending TLS output was started as fragments into out, 0 if none. */
int eap_tls_flush(struct eap_tls *t, struct eap_conv *c, struct wcursor *out);
/* An empty request (an ACK of the peer's last fragment or a nudge). */
int eap_tls_ack(struct eap_tls *t, struct wcursor *out);
/* MSK per RFC 5216/5281/9190/9427: label for TLS 1.2, exporter for 1.3. */
int eap_tls_msk(struct eap_tls *t, const char *label12, uint8_t msk[EAP_MSK_LEN]);
int eap_tls_export(struct eap_tls *t, const char *label, uint8_t *out, size_t len);
/*
 * Tunnel resumption: after a successful inner authentication the session
 * remembers who it was, so a resumed tunnel can skip phase 2 (what
 * wpa_supplicant does for TTLS). Under TLS 1.3 this also issues the ticket,
 * which goes out with the next flush.
 */
void eap_tls_session_remember(struct eap_tls *t, struct eap_conv *c);
/* On a resumed tunnel: 1 and conv's identity restored, 0 if nothing was kept,
 * < 0 with conv->reason if the account may no longer log in. */
int eap_tls_session_recall(struct eap_tls *t, struct eap_conv *c);
/* Creates the two SSL_CTXs from the config. */
int eap_tls_ctx_new(struct eap_server *es, char *err, size_t errlen);

/* --- inner EAP-MSCHAPv2 (eap_mschapv2.c), used inside PEAP and TTLS --- */

struct eap_mschapv2 {
	uint8_t chal[16];
	uint8_t msid;
	int success_sent;
};

/* Writes Type 26 and a Challenge (MS-CHAPv2-ID id) to out. */
int eap_mschapv2_begin(struct eap_mschapv2 *m, uint8_t id, struct wcursor *out);
/*
 * One inner response's type-data (after the Type byte) in; writes the next
 * Type and type-data, or returns SUCCESS once the peer took our Success, or
 * FAIL with conv->reason. The account is conv->acct.
 */
int eap_mschapv2_step(struct eap_mschapv2 *m, struct eap_conv *c, const uint8_t *in, size_t len,
                      struct wcursor *out);
/* TTLS's inner MSCHAPv2 (RFC 5281 11.2.4): checks the response, writes "S=...". */
int eap_mschapv2_verify(struct eap_conv *c, const uint8_t chal[16], const uint8_t peer_chal[16],
                        const uint8_t ntresp[24], const char *name, size_t namelen,
                        char authresp[43]);

/* --- TTLS AVPs (eap_ttls_avp.c, RFC 5281 10.1) --- */

#define TTLS_AVP_FLAG_V 0x80
#define TTLS_AVP_FLAG_M 0x40

struct ttls_avp {
	uint32_t code;
	uint32_t vendor; /* 0 if none */
	uint8_t flags;
	const uint8_t *data; /* lent from the input */
	size_t len;
};

/* The next AVP of r (padding skipped): 1, 0 at the end, EAP_EINVAL if malformed. */
int eap_ttls_avp_next(struct rcursor *r, struct ttls_avp *a);
/* Appends an AVP (M flag set, padded to 4 octets). */
int eap_ttls_avp_put(struct wcursor *w, uint32_t code, uint32_t vendor, const void *data,
                     size_t len);

#endif
