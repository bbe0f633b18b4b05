/*
 * RadSec from the FLRs (RFC 6614): "listen radsec" accepts TLS over TCP
 * from clients that have a cert_name; their certificate must chain to the
 * radsec { } CA and carry that name. Packets are then handled like UDP
 * ones (radius_handle), answers go back on the same connection. Requests
 * in flight hold a reference, so a connection that closes meanwhile only
 * loses their answers.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "radius_int.h"
#include "poort/radsec.h"

enum {
	RADSEC_HANDSHAKE_SECONDS = 10,
	RADSEC_OUTPUT_MAX = 1 << 20, /* a peer that stops reading is cut off */
};

struct radsec_conn {
	struct radsec_server *srv;
	struct radsec_conn *next;
	struct bufferevent *bev; /* NULL once closed */
	struct origin o;
	char client[CONFIG_NAME_MAX];
	char cert_name[CONFIG_CERT_NAME_MAX];
	char peer[80];
	unsigned refs; /* the connection itself and each request in flight */
	int ready;     /* handshake done and name checked */
};

struct radsec_server {
	struct radius_server *rs;
	SSL_CTX *ctx;
	struct evconnlistener **ls;
	size_t nls;
	struct radsec_conn *conns;
	unsigned nconns;
	struct log_ratelimit rl;
};

void
radsec_conn_hold(struct radsec_conn *c)
{
	c->refs++;
}

void
radsec_conn_put(struct radsec_conn *c)
{
	if (--c->refs == 0)
		free(c);
}

static void
radsec_conn_close(struct radsec_conn *c, const char *why)
{
	struct radsec_server *srv = c->srv;

	if (c->bev == NULL)
		return;
	log_info("radsec connection closed peer=%s client=%s reason=%s", c->peer, c->client, why);
	bufferevent_free(c->bev); /* and the SSL and the socket */
	c->bev = NULL;
	for (struct radsec_conn **pp = &srv->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	srv->nconns--;
	radsec_conn_put(c);
}

void
radsec_conn_send(struct radsec_conn *c, const uint8_t *data, size_t len)
{
	if (c->bev == NULL) {
		log_debug("radsec answer dropped: connection from %s is gone", c->peer);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > RADSEC_OUTPUT_MAX) {
		radsec_conn_close(c, "peer-not-reading");
		return;
	}
	if (bufferevent_write(c->bev, data, len) < 0)
		radsec_conn_close(c, "write-failed");
}

static void
radsec_on_read(struct bufferevent *bev, void *arg)
{
	struct radsec_conn *c = arg;
	struct radius_server *rs = c->srv->rs;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (!c->ready)
		return;
	c->refs++; /* radius_handle may end in radsec_conn_close */
	for (int i = 0; i < READ_BURST * 4 && c->bev != NULL; i++) {
		long n = radsec_frame_next(in, rs->buf, rs->cfg->limits.max_packet);
		if (n == 0)
			break;
		if (n < 0) {
			radsec_conn_close(c, "not-radius");
			break;
		}
		radius_handle(rs, &c->o, rs->buf, (size_t)n);
	}
	/* more than a burst waiting: come back on the next loop turn */
	if (c->bev != NULL && evbuffer_get_length(in) >= RADIUS_HDR_LEN)
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
	radsec_conn_put(c);
}

static void
radsec_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct radsec_conn *c = arg;
	const struct config *cfg = c->srv->rs->cfg;
	char why[256];

	if (what & BEV_EVENT_CONNECTED) {
		SSL *ssl = bufferevent_openssl_get_ssl(bev);
		if (!radsec_tls_peer_is(ssl, c->cert_name)) {
			log_warning("radsec refused peer=%s client=%s: certificate does not carry"
				    " the name \"%s\"",
				    c->peer, c->client, c->cert_name);
			radsec_conn_close(c, "certificate-name");
			return;
		}
		c->ready = 1;
		struct timeval idle = {(time_t)cfg->radsec.idle_timeout, 0};
		bufferevent_set_timeouts(bev, &idle, NULL);
		log_info("radsec connection from %s client=%s name=%s %s", c->peer, c->client,
			 c->cert_name, SSL_get_version(ssl));
		radsec_on_read(bev, c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		radsec_conn_close(c, c->ready ? "idle" : "handshake-timeout");
	} else if (what & BEV_EVENT_EOF) {
		radsec_conn_close(c, "peer-closed");
	} else if (what & BEV_EVENT_ERROR) {
		radsec_tls_bev_error(bev, why, sizeof(why));
		if (!c->ready)
			log_warning("radsec handshake failed peer=%s client=%s error=\"%s\"", c->peer,
				    c->client, why);
		else
			log_notice("radsec connection failed peer=%s client=%s error=\"%s\"", c->peer,
				   c->client, why);
		radsec_conn_close(c, c->ready ? "error" : "handshake-failed");
	}
}

static void
radsec_on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
		 void *arg)
{
	struct radsec_server *srv = arg;
	struct radius_server *rs = srv->rs;
	const struct config_client *client = radius_client_find(rs, sa);
	struct radsec_conn *c = NULL;
	SSL *ssl = NULL;
	char peer[80];
	unsigned suppressed;
	struct timeval hs = {RADSEC_HANDSHAKE_SECONDS, 0};
	(void)lev;

	radius_addr_text(sa, peer, sizeof(peer));
	if (client == NULL || client->cert_name[0] == '\0' || srv->nconns >= rs->cfg->radsec.max_connections) {
		if (log_ratelimit_allow(&srv->rl, time(NULL), &suppressed))
			log_warning("radsec refused peer=%s reason=%s suppressed=%u", peer,
				    client == NULL		       ? "unknown-client"
				    : client->cert_name[0] == '\0' ? "client-without-cert_name"
								   : "too-many-connections",
				    suppressed);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	ssl = c != NULL ? SSL_new(srv->ctx) : NULL;
	if (ssl == NULL)
		goto fail;
	c->srv = srv;
	c->refs = 1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->client, sizeof(c->client), "%s", client->name);
	snprintf(c->cert_name, sizeof(c->cert_name), "%s", client->cert_name);
	c->o.kind = CONFIG_LISTEN_RADSEC;
	c->o.fd = -1;
	memcpy(&c->o.from, sa, (size_t)salen < sizeof(c->o.from) ? (size_t)salen : sizeof(c->o.from));
	c->o.fromlen = (socklen_t)salen;
	c->o.conn = c;
	c->o.cert_name = c->cert_name;
	c->bev = bufferevent_openssl_socket_new(rs->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail; /* libevent freed neither */
	bufferevent_setcb(c->bev, radsec_on_read, NULL, radsec_on_event, c);
	bufferevent_set_timeouts(c->bev, &hs, &hs);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = srv->conns;
	srv->conns = c;
	srv->nconns++;
	return;
fail:
	log_error("radsec: out of memory accepting peer=%s", peer);
	SSL_free(ssl);
	free(c);
	close(fd);
}

void
radsec_server_clients_changed(struct radius_server *rs)
{
	struct radsec_server *srv = rs->radsec;
	struct radsec_conn *c, *next;

	if (srv == NULL)
		return;
	/* an FLR removed, or given another name, is cut off now */
	for (c = srv->conns; c != NULL; c = next) {
		const struct config_client *cl =
			radius_clients_lookup(rs, (const struct sockaddr *)&c->o.from);
		next = c->next;
		if (cl == NULL || strcasecmp(cl->cert_name, c->cert_name) != 0)
			radsec_conn_close(c, "client-removed-by-reload");
	}
}

int
radsec_server_new(struct radius_server *rs, char *err, size_t errlen)
{
	const struct config *cfg = rs->cfg;
	struct radsec_server *srv;
	size_t n = 0;

	for (size_t i = 0; i < cfg->nlistens; i++)
		n += cfg->listens[i].kind == CONFIG_LISTEN_RADSEC;
	if (n == 0)
		return 0;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL || (srv->ls = calloc(n, sizeof(*srv->ls))) == NULL) {
		free(srv);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs->radsec = srv;
	srv->rs = rs;
	srv->rl = (struct log_ratelimit){.interval = 10, .burst = 10};
	if ((srv->ctx = radsec_tls_ctx(&cfg->radsec, 1, err, errlen)) == NULL)
		return -1;
	for (size_t i = 0; i < cfg->nlistens; i++) {
		const struct config_listen *cl = &cfg->listens[i];
		unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
		struct evconnlistener *lev;
		if (cl->kind != CONFIG_LISTEN_RADSEC)
			continue;
		if (cl->addr.ss_family == AF_INET6)
			flags |= LEV_OPT_BIND_IPV6ONLY;
		lev = evconnlistener_new_bind(rs->base, radsec_on_accept, srv, flags, 64,
					      (const struct sockaddr *)&cl->addr, (int)cl->addrlen);
		if (lev == NULL) {
			snprintf(err, errlen, "cannot listen on %s (radsec): %s", cl->text,
				 strerror(errno));
			return -1;
		}
		srv->ls[srv->nls++] = lev;
		log_info("radius listening on %s (radsec)", cl->text);
	}
	return 0;
}

void
radsec_server_free(struct radius_server *rs)
{
	struct radsec_server *srv = rs->radsec;

	if (srv == NULL)
		return;
	for (size_t i = 0; i < srv->nls; i++)
		evconnlistener_free(srv->ls[i]);
	while (srv->conns != NULL)
		radsec_conn_close(srv->conns, "shutdown");
	SSL_CTX_free(srv->ctx);
	free(srv->ls);
	free(srv);
	rs->radsec = NULL;
}
