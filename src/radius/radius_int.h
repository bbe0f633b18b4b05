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
#include "poort/password.h"
#include "poort/pwcache.h"
#include "poort/radius.h"
#include "poort/replycache.h"
#include "poort/store.h"
#include "poort/workq.h"
#include "radius_msg.h"

enum { READ_BURST = 64 };

struct listener {
	struct radius_server *rs;
	int fd;
	enum config_listen_kind kind;
	struct event *ev;
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
	struct pwcache *pwc;
	struct radius_stats stats;
	struct log_ratelimit rl_unknown, rl_bad, rl_busy;
	unsigned pending;
	struct eap_server *eap; /* NULL without an eap { } block */
	struct proxy *proxy;    /* NULL without a proxy { } block */
	uint8_t cui_key[32];    /* see cui.h */
	struct event *eap_timer;
	struct log_ratelimit rl_eap;
	uint8_t buf[4096 + 1];
};

/* One Access-Request on its way through the worker pool. */
struct request {
	struct radius_server *rs;
	RADIUS_PACKET *req; /* talloc parent of everything else of the request */
	int fd;
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct rcache_handle h;
	char secret[CONFIG_SECRET_MAX];
	struct store_auth_rec rec;
	char user[STORE_USERNAME_MAX + 1];
	char hash[PASSWORD_HASH_MAX];
	int foreign; /* proxied: the CUI is the home institution's business */
	char pw[PASSWORD_MAX + 1];
	size_t pwlen;
	int verified;
	uint8_t eap_state[16]; /* EAP: the conversation waiting for this check */
};

/*
 * Sends the reply to rq with code, the attributes of extra (copied; the
 * caller keeps extra) after the Message-Authenticator, and the request's
 * Proxy-State; caches it for retransmits. Access-Accept and Access-Reject
 * are logged with reason and written to the auth log. Frees rq.
 */
void request_reply(struct request *rq, unsigned code, VALUE_PAIR *extra, const char *reason);
/* request_reply without extra attributes: accept or reject. */
void request_answer(struct request *rq, int accept, const char *reason);
void request_free(struct request *rq);

/* radius_eap.c: the EAP server's lifetime and the Access-Requests carrying EAP. */
struct eap_server;
int radius_eap_new(struct radius_server *rs, char *err, size_t errlen);
void radius_eap_free(struct radius_server *rs);
/* Before rs->cfg becomes cfg: starts, stops or re-reads the EAP server. */
void radius_eap_reload(struct radius_server *rs, const struct config *cfg);
void radius_eap_access(struct radius_server *rs, struct request *rq);
void radius_send(int fd, const struct sockaddr_storage *to, socklen_t tolen, const uint8_t *data,
		 size_t len);

#endif
