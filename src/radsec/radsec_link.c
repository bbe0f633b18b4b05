#include "poort/radsec.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/config.h"
#include "poort/log.h"

enum {
	LINK_HANDSHAKE_SECONDS = 10,
	LINK_OUTPUT_MAX = 1 << 20,
};

struct radsec_link {
	struct event_base *base;
	SSL_CTX *ctx;
	struct config_upstream cu;
	const struct radsec_link_ops *ops;
	void *arg;
	struct bufferevent *bev; /* NULL while waiting to reconnect */
	struct event *retry;
	unsigned backoff, max_backoff; /* seconds */
	int up;
	uint8_t buf[RADSEC_PACKET_MAX];
};

static void link_connect(struct radsec_link *l);

int
radsec_link_is_up(const struct radsec_link *l)
{
	return l->up;
}

static void
link_close(struct radsec_link *l, const char *why)
{
	int was_up = l->up;
	struct timeval tv = {(time_t)l->backoff, 0};

	if (l->bev == NULL)
		return;
	bufferevent_free(l->bev);
	l->bev = NULL;
	l->up = 0;
	if (was_up)
		log_warning("radsec upstream=%s connection lost (%s): reconnecting in %us",
			    l->cu.name, why, l->backoff);
	else
		log_warning("radsec upstream=%s cannot connect (%s): retrying in %us", l->cu.name,
			    why, l->backoff);
	evtimer_add(l->retry, &tv);
	l->backoff = l->backoff * 2 > l->max_backoff ? l->max_backoff : l->backoff * 2;
	if (was_up)
		l->ops->down(l->arg, why);
}

void
radsec_link_reset(struct radsec_link *l, const char *why)
{
	link_close(l, why);
}

int
radsec_link_send(struct radsec_link *l, const uint8_t *data, size_t len)
{
	if (!l->up)
		return -1;
	if (evbuffer_get_length(bufferevent_get_output(l->bev)) > LINK_OUTPUT_MAX) {
		link_close(l, "upstream-not-reading");
		return -1;
	}
	return bufferevent_write(l->bev, data, len);
}

static void
link_on_read(struct bufferevent *bev, void *arg)
{
	struct radsec_link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (l->bev == bev && l->up) {
		long n = radsec_frame_next(in, l->buf, sizeof(l->buf));
		if (n == 0)
			break;
		if (n < 0) {
			link_close(l, "not-radius");
			break;
		}
		l->ops->packet(l->arg, l->buf, (size_t)n);
	}
}

static void
link_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct radsec_link *l = arg;
	char why[256];
	(void)bev;

	if (what & BEV_EVENT_CONNECTED) {
		SSL *ssl = bufferevent_openssl_get_ssl(l->bev);
		bufferevent_set_timeouts(l->bev, NULL, NULL);
		l->up = 1;
		l->backoff = 1;
		log_notice("radsec upstream=%s connected (%s, certificate name %s checked)",
			   l->cu.name, SSL_get_version(ssl), l->cu.cert_name);
		l->ops->up(l->arg);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		link_close(l, "handshake-timeout");
	} else if (what & BEV_EVENT_EOF) {
		link_close(l, "closed-by-upstream");
	} else if (what & BEV_EVENT_ERROR) {
		link_close(l, radsec_tls_bev_error(l->bev, why, sizeof(why)));
	}
}

static void
link_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	link_connect(arg);
}

static void
link_connect(struct radsec_link *l)
{
	struct timeval hs = {LINK_HANDSHAKE_SECONDS, 0};
	SSL *ssl = radsec_tls_client(l->ctx, l->cu.cert_name);

	if (ssl == NULL)
		goto fail;
	l->bev = bufferevent_openssl_socket_new(l->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (l->bev == NULL) {
		SSL_free(ssl);
		goto fail;
	}
	bufferevent_setcb(l->bev, link_on_read, NULL, link_on_event, l);
	bufferevent_set_timeouts(l->bev, &hs, &hs);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(l->bev, (struct sockaddr *)&l->cu.addr, (int)l->cu.addrlen) <
	    0)
		link_close(l, strerror(errno));
	return;
fail: {
	struct timeval tv = {(time_t)l->backoff, 0};
	log_error("radsec upstream=%s: out of memory, retrying in %us", l->cu.name, l->backoff);
	evtimer_add(l->retry, &tv);
}
}

struct radsec_link *
radsec_link_new(struct event_base *base, SSL_CTX *ctx, const struct config_upstream *cu,
		unsigned max_backoff, const struct radsec_link_ops *ops, void *arg)
{
	struct radsec_link *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->base = base;
	l->ctx = ctx;
	l->cu = *cu;
	l->ops = ops;
	l->arg = arg;
	l->backoff = 1;
	l->max_backoff = max_backoff > 0 ? max_backoff : 1;
	l->retry = evtimer_new(base, link_on_retry, l);
	if (l->retry == NULL) {
		free(l);
		return NULL;
	}
	link_connect(l);
	return l;
}

void
radsec_link_free(struct radsec_link *l)
{
	if (l == NULL)
		return;
	if (l->bev != NULL)
		bufferevent_free(l->bev);
	event_free(l->retry);
	explicit_bzero(l->cu.secret, sizeof(l->cu.secret));
	free(l);
}
