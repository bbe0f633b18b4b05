/*
 * Internal to src/radius: the server and one request in flight, shared by
 * the files that answer Access-Requests (PAP here, EAP in its own file).
 */
#ifndef POORT_RADIUS_INT_H
#define POORT_RADIUS_INT_H

#include <event2/event.h>
#include <sys/socket.h>

#include "poort/config.h"
#include "poort/log.h"
#include "poort/auth.h"
#include "poort/radius.h"
#include "poort/replycache.h"
#include "poort/store.h"
#include "poort/workq.h"
#include "radius_msg.h"

enum { READ_BURST = 64, SEND_BATCH = 64, UDP_MAX = 4096 };

/*
 * Replies over UDP gathered while one batch of received datagrams is
 * handled, then sent with one sendmmsg per socket (radius_batch_end).
 */
struct radius_sendq {
	unsigned depth; /* radius_batch_begin calls not yet ended */
	unsigned n;
	struct radius_sendq_msg {
		int fd;
		/* a refused send is reported here after the batch (NULL: logged) */
		void (*fail)(void *arg, int err);
		void *arg;
		socklen_t tolen;
		struct sockaddr_storage to;
		size_t len;
		uint8_t data[UDP_MAX];
	} m[SEND_BATCH];
};

struct listener {
	struct radius_server *rs;
	int fd;
	enum config_listen_kind kind;
	struct event *ev;
	const struct config_client *client; /* the internal link's: no address lookup */
	char text[80];
};

struct radius_server {
	struct event_base *base;
	const struct config *cfg;
	struct store *st;
	struct store_logger *lg;
	struct listener *ls;
	size_t nls;
	struct rcache *cache;
	struct workq *wq;
	struct auth *auth; /* account checks, password cache, MS-CHAPv2 */
	struct radius_stats stats;
	struct log_ratelimit rl_unknown, rl_bad, rl_busy;
	struct log_ratelimit rl_droprow; /* auth log rows of untrusted requests */
	unsigned pending;
	struct eap_server *eap; /* NULL without an eap { } block */
	struct proxy *proxy;    /* NULL without a proxy { } block */
	struct radsec_server *radsec; /* NULL without listen radsec */
	struct cui_key *cui_mac; /* STATE_DIR/cui.key, see cui.h */
	struct event *eap_timer;
	struct log_ratelimit rl_eap;
	/* the live copy of the clients, from the store (clients.c) */
	struct config_client *clients;
	size_t nclients;
	int64_t clients_gen;
	long long clients_checked_ms;
	struct event *clients_timer;
	/* the live copy of the reply attributes per affiliation (replies.c) */
	struct config_eap_reply *replies;
	size_t nreplies;
	int64_t replies_gen;
	uint8_t buf[UDP_MAX + 1];
	/* the account the EAP step in hand looked up, for its password check
	 * (radius_eap.c: reap_account, reap_pw_begin); wiped after the step */
	struct store_account eap_acct;
	time_t eap_acct_time;
	int eap_acct_ok;
	struct radius_sendq *sendq;
	uint8_t (*rbuf)[UDP_MAX + 1]; /* READ_BURST datagrams for recvmmsg */
	struct config_client internal; /* radius_server_internal: the admin UI's test login */
};

struct radsec_conn; /* radsec_server.c */

/* Where a packet came from and where its answer goes. */
struct origin {
	enum config_listen_kind kind;
	int fd; /* the UDP socket; -1 over RadSec */
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct radsec_conn *conn; /* RadSec: the connection */
	const char *cert_name;    /* RadSec: the name its certificate was checked for */
	const struct config_client *client; /* the internal link: this client, from unnamed */
};

/* "ip:port" ("[ip]:port" for IPv6), for logs. */
void radius_addr_text(const struct sockaddr *sa, char *out, size_t outlen);
/*
 * Sends data back where o came from (a closed RadSec connection: nowhere);
 * over UDP inside a batch, when the batch ends.
 */
void origin_send(struct radius_server *rs, const struct origin *o, const uint8_t *data,
		 size_t len);
/* Around the handling of received datagrams: replies sent at the end, together. */
void radius_batch_begin(struct radius_server *rs);
void radius_batch_end(struct radius_server *rs);
/*
 * Inside a batch: queues data for fd (a connected UDP socket) and returns 1;
 * fail(arg, errno) runs after the batch's sends if the send is refused.
 * Outside a batch: 0, nothing queued (the caller sends).
 */
int radius_batch_queue(struct radius_server *rs, int fd, const uint8_t *data, size_t len,
		       void (*fail)(void *arg, int err), void *arg);
/* One packet from a UDP listener or a RadSec connection. */
void radius_handle(struct radius_server *rs, const struct origin *o, const uint8_t *pkt, size_t n);

/* One Access-Request on its way through the worker pool. */
struct request {
	struct radius_server *rs;
	RADIUS_PACKET *req; /* talloc parent of everything else of the request */
	struct origin o;    /* holds a reference on o.conn */
	struct rcache_handle h;
	char secret[CONFIG_SECRET_MAX];
	struct store_auth_rec rec;
	int foreign;         /* proxied: the CUI is the home institution's business */
	int from_federation; /* sent by an FLR (client with federation yes) */
	unsigned filtered;   /* proxied: attributes of the upstream's reply dropped */
	struct auth_pw pw;   /* the password check on a worker (PAP, EAP inner PAP) */
	uint8_t eap_state[16]; /* EAP: the conversation waiting for this check */
};

/*
 * Sends the reply to rq with code, the attributes of extra (copied; the
 * caller keeps extra) after the Message-Authenticator, and the request's
 * Proxy-State; caches it for retransmits. Access-Accept and Access-Reject
 * are logged with reason and written to the auth log. Frees rq.
 */
void request_reply(struct request *rq, unsigned code, VALUE_PAIR *extra, const char *reason);
/*
 * The same reply written straight into its bytes (radius_enc.c), for the
 * replies made here rather than relayed: _begin writes the header, the
 * Message-Authenticator and our CUI when one is due; the caller appends its
 * attributes to e; _end adds the Proxy-State, signs, sends and logs as
 * request_reply does. Frees rq.
 */
void request_reply_begin(struct request *rq, unsigned code, struct radius_enc *e);
void request_reply_end(struct request *rq, unsigned code, struct radius_enc *e,
		       const char *reason);
/* A reply without extra attributes: accept or reject. */
void request_answer(struct request *rq, int accept, const char *reason);
void request_free(struct request *rq);

/* radius_eap.c: the EAP server's lifetime and the Access-Requests carrying EAP. */
struct eap_server;
int radius_eap_new(struct radius_server *rs, char *err, size_t errlen);
void radius_eap_free(struct radius_server *rs);
/* Before rs->cfg becomes cfg: starts, stops or re-reads the EAP server. */
void radius_eap_reload(struct radius_server *rs, const struct config *cfg);
void radius_eap_access(struct radius_server *rs, struct request *rq);

/* radsec_server.c: RadSec connections from the FLRs (listen radsec). */
struct radsec_server;
int radsec_server_new(struct radius_server *rs, char *err, size_t errlen);
void radsec_server_free(struct radius_server *rs);
/* Before rs->cfg becomes cfg: closes connections of clients cfg no longer has. */
/* Cuts off RadSec connections whose client is gone or has another cert_name. */
void radsec_server_clients_changed(struct radius_server *rs);

/* clients.c: the live copy of the RADIUS clients. */
/* Writes the config's clients into the store, loads the copy, starts the poll timer. */
int radius_clients_start(struct radius_server *rs, char *err, size_t errlen);
/* On a config reload: the new config's clients into the store, then the copy. */
void radius_clients_reload(struct radius_server *rs, const struct config *cfg);
/*
 * The client covering sa, or NULL. On a miss the store is asked whether
 * the clients changed (rate-limited); the result is valid until the next
 * call into clients.c from this loop.
 */
const struct config_client *radius_client_find(struct radius_server *rs,
					       const struct sockaddr *sa);
/* The same without asking the store. */
const struct config_client *radius_clients_lookup(const struct radius_server *rs,
						  const struct sockaddr *sa);
void radius_clients_free(struct radius_server *rs);

/* replies.c: the live copy of the reply attributes, refreshed with the clients. */
void radius_replies_sync(struct radius_server *rs, const struct config *cfg);
void radius_replies_refresh(struct radius_server *rs, int force);
/* The entry for affiliation, else "default", else NULL. */
const struct config_eap_reply *radius_reply_find(const struct radius_server *rs,
						 const char *affiliation);
void radius_replies_free(struct radius_server *rs);
void radsec_conn_send(struct radsec_conn *c, const uint8_t *data, size_t len);
void radsec_conn_hold(struct radsec_conn *c);
void radsec_conn_put(struct radsec_conn *c);

#endif
