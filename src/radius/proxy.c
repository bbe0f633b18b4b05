#include "proxy.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <time.h>

#include "poort/cursor.h"
#include "cui.h"
#include "proxy_state.h"
#include "radius_int.h"
#include "poort/radsec.h"

/* One request (or Status-Server probe) waiting for an upstream's answer. */
struct pending {
	struct proxy *px;
	struct request *rq; /* NULL for a probe */
	RADIUS_PACKET *sent;
	int up;
	uint8_t id;
	unsigned tried;   /* bit per upstream */
	unsigned retries; /* RADIUS/UDP: sent again to the same upstream */
	struct event *timer;
	struct timeval start;
	struct timespec sent_at; /* the first send to this upstream: the round trip */
};

struct upstream {
	struct proxy *px;
	char name[CONFIG_NAME_MAX];
	char secret[CONFIG_SECRET_MAX];
	int fd;                   /* RADIUS/UDP; -1 over RadSec */
	struct radsec_link *link; /* RadSec */
	int alive;
	struct pending *probing; /* the Status-Server in flight, if any */
	struct event *ev, *probe;
	struct pending *ids[256];
	uint8_t next_id;
};

struct proxy {
	struct radius_server *rs;
	struct upstream ups[CONFIG_UPSTREAMS_MAX];
	size_t nups;
	unsigned inflight, max_inflight, visitor_vlan;
	struct timeval window, interval, retrans;
	const struct timeval *window_q, *retrans_q; /* the same as common timeouts */
	SSL_CTX *tls; /* RadSec upstreams */
	char operator_name[256];
	struct log_ratelimit rl;
	struct proxy_state *state; /* for the dashboard */
	uint8_t rbuf[READ_BURST][UDP_MAX]; /* for recvmmsg */
};

/* Replies from another federation may carry these; nothing else passes. */
static int
proxy_reply_attr_allowed(const VALUE_PAIR *vp)
{
	static const unsigned allowed[] = {PW_USER_NAME,     PW_REPLY_MESSAGE, PW_STATE,
					   PW_CLASS,         PW_SESSION_TIMEOUT, PW_IDLE_TIMEOUT,
					   PW_EAP_MESSAGE,   PW_CHARGEABLE_USER_IDENTITY,
					   PW_ACCT_INTERIM_INTERVAL};

	if (vp->da->vendor == VENDORPEC_MICROSOFT)
		return vp->da->attr == PW_MSCHAP_MPPE_SEND_KEY || vp->da->attr == PW_MSCHAP_MPPE_RECV_KEY;
	if (vp->da->vendor != 0)
		return 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (vp->da->attr == allowed[i])
			return 1;
	return 0; /* VLAN, Framed-*, Filter-Id...: not a foreign IdP's to set */
}

static void pending_send(struct pending *p);

static void
pending_free(struct pending *p)
{
	if (p->rq == NULL && p->up >= 0 && p->px->ups[p->up].probing == p)
		p->px->ups[p->up].probing = NULL;
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->rq == NULL && p->sent != NULL)
		talloc_free(p->sent); /* a probe owns its packet */
	p->px->inflight -= p->rq != NULL;
	free(p);
}

static long
pending_ms(const struct pending *p)
{
	struct timeval now;
	gettimeofday(&now, NULL);
	return (now.tv_sec - p->start.tv_sec) * 1000L + (now.tv_usec - p->start.tv_usec) / 1000;
}

/* Milliseconds since p went to its current upstream (retransmits included). */
static long
pending_rtt_ms(const struct pending *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - p->sent_at.tv_sec) * 1000L +
	       (now.tv_nsec - p->sent_at.tv_nsec) / 1000000L;
}

static void
proxy_log(struct pending *p, const char *result, unsigned dropped)
{
	struct request *rq = p->rq;

	/* accept and reject: the auth line (request_reply) carries upstream and timing */
	if (strcmp(result, "accept") != 0 && strcmp(result, "reject") != 0) {
		char cui[64] = "-";
		size_t len = 0;
		const uint8_t *v = radius_msg_raw(rq->req, PW_CHARGEABLE_USER_IDENTITY, &len);
		if (v != NULL && len > 1)
			log_escape(cui, sizeof(cui), v, len);
		log_msg(strcmp(result, "challenge") == 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO,
			"proxy result=%s upstream=%s user=%s mac=%s cui=%s operator=%s ms=%ld"
			" filtered=%u",
			result, p->up >= 0 ? p->px->ups[p->up].name : "-", rq->rec.user_name,
			rq->rec.calling_station, cui, p->px->operator_name, pending_ms(p), dropped);
	}
	rq->filtered = dropped;
	if (strcmp(result, "challenge") != 0) {
		/* F-Ticks for the federation's statistics; the MAC only as a keyed hash */
		const char *at = strrchr(rq->rec.user_name, '@');
		char csi[CUI_TEXT_LEN + 1];
		cui_make(p->px->rs->cui_mac, rq->rec.calling_station, "f-ticks-csi", csi);
		csi[16] = '\0';
		log_info("F-TICKS/eduroam/1.0#REALM=%s#VISCOUNTRY=NL#VISINST=%s#CSI=%s#RESULT=%s#",
			 at != NULL ? at + 1 : "-", p->px->operator_name, csi,
			 strcmp(result, "accept") == 0 ? "OK" : "FAIL");
	}
}

static void
upstream_set_alive(struct upstream *u, int alive)
{
	if (u->alive == alive)
		return;
	u->alive = alive;
	proxy_state_alive(u->px->state, (size_t)(u - u->px->ups), alive);
	if (alive)
		log_notice("proxy upstream=%s is answering again: back in use", u->name);
	else
		log_warning("proxy upstream=%s did not answer within the response window:"
			    " marked dead, probing with Status-Server",
			    u->name);
}

static int
upstream_send(struct upstream *u, const RADIUS_PACKET *pkt)
{
	if (u->link != NULL)
		return radsec_link_send(u->link, pkt->data, pkt->data_len);
	return send(u->fd, pkt->data, pkt->data_len, 0) < 0 ? -1 : 0;
}

static void
pending_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct proxy *px = p->px;
	struct upstream *u = &px->ups[p->up];
	(void)fd;
	(void)what;

	/* RFC 5080: over UDP the same packet again, twice, inside the window */
	if (p->rq != NULL && u->link == NULL && p->retries < 2) {
		p->retries++;
		if (upstream_send(u, p->sent) == 0) {
			evtimer_add(p->timer, px->retrans_q);
			return;
		}
	}
	u->ids[p->id] = NULL;
	proxy_state_timeout(px->state, (size_t)p->up);
	upstream_set_alive(u, 0);
	if (p->rq == NULL) {
		pending_free(p);
		/* a silent RadSec peer: a new connection may do better */
		if (u->link != NULL)
			radsec_link_reset(u->link, "status-server-timeout");
		return;
	}
	talloc_free(p->sent);
	p->sent = NULL;
	pending_send(p); /* the next live upstream, within the same request */
}

/* A free ID on u, or -1 when 256 are in flight there. */
static int
upstream_id(struct upstream *u)
{
	for (int i = 0; i < 256; i++) {
		uint8_t id = (uint8_t)(u->next_id + i);
		if (u->ids[id] == NULL) {
			u->next_id = (uint8_t)(id + 1);
			return id;
		}
	}
	return -1;
}

/* Appends attribute type with value to w (in one attribute: len <= 253). */
static void
proxy_put(struct wcursor *w, uint8_t type, const void *val, size_t len)
{
	wcursor_u8(w, type);
	wcursor_u8(w, (uint8_t)(len + 2));
	wcursor_bytes(w, val, len);
}

/*
 * The packet for p's upstream, built from the received bytes without
 * decoding them: a Message-Authenticator first, the request's attributes in
 * order but for Proxy-State, Message-Authenticator and Operator-Name (the
 * User-Password encrypted again for the upstream), then our Operator-Name
 * and, when the request has none, a CUI request. A probe (no request) is
 * the Message-Authenticator alone. The same bytes as libfreeradius's decode
 * and encode made before, at half the instructions, and no decode at all.
 */
static RADIUS_PACKET *
proxy_build(struct proxy *px, struct pending *p, TALLOC_CTX *ctx, unsigned code)
{
	static const uint8_t zero[16];
	const char *secret = px->ups[p->up].secret;
	RADIUS_PACKET *out = rad_alloc(ctx, true); /* a fresh random authenticator */
	uint8_t buf[RADIUS_MAX_PACKET], pw[RADIUS_PW_MAX];
	struct wcursor w;
	int has_cui = 0;

	if (out == NULL)
		return NULL;
	out->code = code;
	out->id = p->id;
	wcursor_init(&w, buf, sizeof(buf));
	wcursor_u8(&w, (uint8_t)code);
	wcursor_u8(&w, p->id);
	wcursor_u16(&w, 0); /* the length, below */
	wcursor_bytes(&w, out->vector, sizeof(out->vector));
	proxy_put(&w, PW_MESSAGE_AUTHENTICATOR, zero, sizeof(zero));
	if (p->rq != NULL) {
		const RADIUS_PACKET *req = p->rq->req;
		struct rcursor c;
		const uint8_t *val;
		uint8_t type;
		size_t len, pwlen;

		radius_msg_attrs(req, &c);
		while (radius_msg_attr_next(&c, &type, &val, &len) > 0) {
			if (type == PW_PROXY_STATE || type == PW_MESSAGE_AUTHENTICATOR ||
			    type == PW_OPERATOR_NAME)
				continue;
			has_cui |= type == PW_CHARGEABLE_USER_IDENTITY;
			if (type == PW_USER_PASSWORD) {
				radius_auth_pw_recrypt(val, len, req->vector, p->rq->secret, out->vector,
						       secret, pw, &pwlen);
				proxy_put(&w, type, pw, pwlen);
				OPENSSL_cleanse(pw, sizeof(pw));
				continue;
			}
			proxy_put(&w, type, val, len);
		}
		/* RFC 5580: who the visitor is visiting */
		proxy_put(&w, PW_OPERATOR_NAME, px->operator_name,
			  strnlen(px->operator_name, RADIUS_MAX_STRING));
		/* RFC 4372: a NUL asks the home server for a CUI */
		if (!has_cui)
			proxy_put(&w, PW_CHARGEABLE_USER_IDENTITY, "", 1);
	}
	if (w.err || w.pos > RADIUS_MAX_PACKET) {
		fr_strerror_printf("proxied request too long");
		goto fail;
	}
	buf[2] = (uint8_t)(w.pos >> 8);
	buf[3] = (uint8_t)w.pos;
	if (radius_auth_sign(buf, w.pos, NULL, secret) < 0 ||
	    (out->data = talloc_memdup(out, buf, w.pos)) == NULL)
		goto fail;
	out->data_len = w.pos;
	OPENSSL_cleanse(buf, w.pos);
	return out;
fail:
	OPENSSL_cleanse(buf, sizeof(buf));
	talloc_free(out);
	return NULL;
}

/*
 * Every live upstream left has 256 requests of ours in flight: the
 * federation is busy, not gone. Drop without an answer, as on any overload,
 * so that the access point's retransmission gets another chance.
 */
static void
pending_drop_busy(struct pending *p)
{
	struct proxy *px = p->px;
	struct request *rq = p->rq;
	unsigned suppressed;

	if (log_ratelimit_allow(&px->rl, time(NULL), &suppressed))
		log_warning("proxy busy: 256 requests in flight at every live upstream,"
			    " dropping request user=%s suppressed=%u",
			    rq->rec.user_name, suppressed);
	pending_free(p);
	px->rs->stats.dropped++;
	rcache_forget(px->rs->cache, rq->h);
	request_free(rq);
}

/* A send queued by pending_send was refused: the next upstream, as at once. */
static void
pending_send_failed(void *arg, int err)
{
	struct pending *p = arg;
	struct upstream *u = &p->px->ups[p->up];

	log_warning("proxy send failed upstream=%s error=\"%s\"", u->name, strerror(err));
	u->ids[p->id] = NULL;
	evtimer_del(p->timer);
	talloc_free(p->sent);
	p->sent = NULL;
	pending_send(p);
}

/* Sends p to the first live upstream it has not tried; rejects when none.
 * Inside a batch (radius_batch_begin) a UDP send goes with the batch's. */
static void
pending_send(struct pending *p)
{
	struct proxy *px = p->px;
	int busy = 0;

	for (size_t i = 0; i < px->nups; i++) {
		struct upstream *u = &px->ups[i];
		int id;
		if (!u->alive || (p->tried & (1u << i)))
			continue;
		if ((id = upstream_id(u)) < 0) {
			busy = 1; /* all 256 IDs in use there */
			continue;
		}
		p->tried |= 1u << i;
		p->up = (int)i;
		p->id = (uint8_t)id;
		p->sent = proxy_build(px, p, p->rq->req, PW_CODE_ACCESS_REQUEST);
		if (p->sent == NULL) {
			log_error("proxy encode failed upstream=%s error=\"%s\"", u->name, fr_strerror());
			continue;
		}
		if ((u->link != NULL || !radius_batch_queue(px->rs, u->fd, p->sent->data,
							    p->sent->data_len, pending_send_failed, p)) &&
		    upstream_send(u, p->sent) < 0) {
			log_warning("proxy send failed upstream=%s error=\"%s\"", u->name,
				    u->link != NULL ? "not connected" : strerror(errno));
			talloc_free(p->sent);
			p->sent = NULL;
			continue;
		}
		u->ids[p->id] = p;
		p->retries = 0;
		clock_gettime(CLOCK_MONOTONIC, &p->sent_at);
		proxy_state_sent(px->state, i);
		evtimer_add(p->timer, u->link != NULL ? px->window_q : px->retrans_q);
		return;
	}
	if (busy)
		return pending_drop_busy(p);
	p->up = -1;
	proxy_log(p, "no-upstream", 0);
	struct request *rq = p->rq;
	pending_free(p);
	VALUE_PAIR *vp = fr_pair_afrom_num(rq->req, PW_REPLY_MESSAGE, 0);
	if (vp != NULL)
		fr_pair_value_strcpy(vp, "The eduroam federation cannot be reached; try again later.");
	request_reply(rq, PW_CODE_ACCESS_REJECT, vp, "no-upstream");
}

static void
proxy_answer(struct pending *p, RADIUS_PACKET *reply)
{
	struct proxy *px = p->px;
	struct request *rq = p->rq;
	VALUE_PAIR *extra = NULL;
	unsigned dropped = 0;
	char reason[96];

	for (VALUE_PAIR *vp = reply->vps; vp != NULL; vp = vp->next) {
		VALUE_PAIR *copy;
		if (!proxy_reply_attr_allowed(vp)) {
			dropped += !(vp->da->vendor == 0 && (vp->da->attr == PW_MESSAGE_AUTHENTICATOR ||
							      vp->da->attr == PW_PROXY_STATE));
			continue;
		}
		if ((copy = fr_pair_copy(rq->req, vp)) != NULL)
			fr_pair_add(&extra, copy);
	}
	/* visitors are kept apart from the school's own users */
	if (reply->code == PW_CODE_ACCESS_ACCEPT && px->visitor_vlan != 0)
		radius_msg_add_vlan(rq->req, &extra, px->visitor_vlan);
	proxy_log(p, reply->code == PW_CODE_ACCESS_ACCEPT   ? "accept"
		     : reply->code == PW_CODE_ACCESS_REJECT ? "reject"
							    : "challenge",
		  dropped);
	snprintf(reason, sizeof(reason), "upstream=%s", px->ups[p->up].name);
	snprintf(rq->rec.upstream, sizeof(rq->rec.upstream), "%s", px->ups[p->up].name);
	snprintf(rq->rec.operator_name, sizeof(rq->rec.operator_name), "%.*s",
		 (int)sizeof(rq->rec.operator_name) - 1, px->operator_name);
	rq->rec.ms = pending_ms(p);
	pending_free(p);
	request_reply(rq, reply->code, extra, reason);
}

/* One packet from an upstream, over UDP or RadSec. */
static void
upstream_receive(struct upstream *u, const uint8_t *buf, size_t n)
{
	struct proxy *px = u->px;
	struct radius_scan scan;
	struct pending *p;
	RADIUS_PACKET *reply = NULL;
	const char *why = NULL;
	unsigned suppressed;

	if (n < RADIUS_HDR_LEN || (p = u->ids[buf[1]]) == NULL)
		return; /* late (already failed over) or not ours */
	/*
	 * BlastRADIUS: an answer to an Access-Request without a
	 * Message-Authenticator is not trusted. A probe's answer only
	 * says "alive" and its Response Authenticator is still checked:
	 * FreeRADIUS 3.2.1 answers Status-Server without one.
	 */
	if (radius_msg_scan(buf, n, &scan) < 0)
		why = "malformed-reply";
	else if (!scan.has_ma && p->rq != NULL)
		why = "reply-without-message-authenticator";
	else if ((reply = radius_msg_wrap(p->sent, buf, n, &why)) == NULL)
		;
	else if (radius_auth_verify(buf, n, p->sent->vector, u->secret) < 0)
		why = "reply-bad-authenticator";
	else if (rad_decode(reply, p->sent, u->secret) < 0)
		why = "reply-undecodable";
	if (why != NULL) {
		if (log_ratelimit_allow(&px->rl, time(NULL), &suppressed))
			log_warning("proxy drop upstream=%s reason=%s suppressed=%u", u->name,
				    why, suppressed);
		return; /* the response window runs on: failover if nothing good */
	}
	u->ids[buf[1]] = NULL;
	evtimer_del(p->timer);
	proxy_state_answer(px->state, (size_t)(u - px->ups), pending_rtt_ms(p));
	upstream_set_alive(u, 1);
	if (p->rq == NULL) {
		pending_free(p);
		return;
	}
	if (reply->code != PW_CODE_ACCESS_ACCEPT && reply->code != PW_CODE_ACCESS_REJECT &&
	    reply->code != PW_CODE_ACCESS_CHALLENGE) {
		talloc_free(p->sent);
		p->sent = NULL;
		pending_send(p);
		return;
	}
	proxy_answer(p, reply);
}

static void
upstream_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *u = arg;
	struct radius_server *rs = u->px->rs;
	struct mmsghdr mm[READ_BURST];
	struct iovec iov[READ_BURST];
	int n;
	(void)what;

	/* up to READ_BURST answers in one call, their replies sent together */
	for (int i = 0; i < READ_BURST; i++) {
		iov[i] = (struct iovec){.iov_base = u->px->rbuf[i], .iov_len = UDP_MAX};
		mm[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	n = recvmmsg(fd, mm, READ_BURST, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	radius_batch_begin(rs);
	for (int i = 0; i < n; i++)
		upstream_receive(u, u->px->rbuf[i], mm[i].msg_len);
	radius_batch_end(rs);
}

/*
 * Status-Server every check_interval: to dead upstreams, to see them come
 * back; over RadSec to live ones too, as the connection's keepalive.
 */
static void
upstream_probe(struct upstream *u)
{
	struct proxy *px = u->px;
	struct pending *p;
	int id;

	if (u->probing != NULL || (u->link != NULL && !radsec_link_is_up(u->link)) ||
	    (u->link == NULL && u->alive) || (id = upstream_id(u)) < 0)
		return;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return;
	p->px = px;
	p->up = (int)(u - px->ups);
	p->id = (uint8_t)id;
	p->timer = evtimer_new(px->rs->base, pending_timeout, p);
	p->sent = proxy_build(px, p, NULL, PW_CODE_STATUS_SERVER);
	if (p->timer == NULL || p->sent == NULL || upstream_send(u, p->sent) < 0) {
		pending_free(p);
		return;
	}
	u->ids[p->id] = p;
	u->probing = p;
	clock_gettime(CLOCK_MONOTONIC, &p->sent_at);
	evtimer_add(p->timer, px->window_q);
}

static void
upstream_on_probe(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	upstream_probe(arg);
}

/* A new RadSec connection: in use once it answers a Status-Server. */
static void
upstream_link_up(void *arg)
{
	upstream_probe(arg);
}

/* The connection is gone: what waited on it goes elsewhere at once. */
static void
upstream_link_down(void *arg, const char *why)
{
	struct upstream *u = arg;
	(void)why;

	u->alive = 0;
	proxy_state_alive(u->px->state, (size_t)(u - u->px->ups), 0);
	for (int id = 0; id < 256; id++) {
		struct pending *p = u->ids[id];
		if (p == NULL)
			continue;
		u->ids[id] = NULL;
		evtimer_del(p->timer);
		if (p->rq == NULL) {
			pending_free(p);
			continue;
		}
		talloc_free(p->sent);
		p->sent = NULL;
		pending_send(p);
	}
}

static void
upstream_link_packet(void *arg, const uint8_t *pkt, size_t len)
{
	upstream_receive(arg, pkt, len);
}

static const struct radsec_link_ops upstream_link_ops = {
	.up = upstream_link_up,
	.down = upstream_link_down,
	.packet = upstream_link_packet,
};

void
proxy_forward(struct proxy *px, struct request *rq)
{
	struct pending *p;
	unsigned suppressed;

	if (px->inflight >= px->max_inflight || (p = calloc(1, sizeof(*p))) == NULL) {
		if (log_ratelimit_allow(&px->rl, time(NULL), &suppressed))
			log_warning("proxy overload: %u requests in flight (proxy.max_inflight)"
				    " suppressed=%u",
				    px->inflight, suppressed);
		request_answer(rq, 0, "proxy-overload");
		return;
	}
	p->px = px;
	p->rq = rq;
	gettimeofday(&p->start, NULL);
	p->timer = evtimer_new(px->rs->base, pending_timeout, p);
	px->inflight++;
	if (p->timer == NULL) {
		pending_free(p);
		request_answer(rq, 0, "out-of-memory");
		return;
	}
	pending_send(p);
}

struct proxy *
proxy_new(struct radius_server *rs, char *err, size_t errlen)
{
	const struct config_proxy *cp = &rs->cfg->proxy;
	struct proxy *px = calloc(1, sizeof(*px));

	if (px == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	px->rs = rs;
	px->max_inflight = cp->max_inflight;
	px->visitor_vlan = cp->visitor_vlan;
	px->window = (struct timeval){cp->response_window, 0};
	px->interval = (struct timeval){cp->check_interval, 0};
	/* the window in three: the first try and two retransmissions (UDP) */
	long third_us = (long)cp->response_window * 1000000L / 3;
	px->retrans = (struct timeval){third_us / 1000000L, third_us % 1000000L};
	/* every request waits the same: libevent keeps such timers in a queue, not its heap */
	px->window_q = event_base_init_common_timeout(rs->base, &px->window);
	px->retrans_q = event_base_init_common_timeout(rs->base, &px->retrans);
	if (px->window_q == NULL)
		px->window_q = &px->window;
	if (px->retrans_q == NULL)
		px->retrans_q = &px->retrans;
	for (size_t i = 0; i < cp->nups && px->tls == NULL; i++)
		if (cp->ups[i].radsec && (px->tls = radsec_tls_ctx(&rs->cfg->radsec, 0, err, errlen)) == NULL) {
			free(px);
			return NULL;
		}
	px->rl = (struct log_ratelimit){.interval = 10, .burst = 10};
	px->state = proxy_state_new(rs->base, rs->lg, cp);
	if (px->state == NULL) {
		snprintf(err, errlen, "out of memory");
		SSL_CTX_free(px->tls);
		free(px);
		return NULL;
	}
	snprintf(px->operator_name, sizeof(px->operator_name), "1%s", rs->cfg->realms[0]);
	for (size_t i = 0; i < cp->nups; i++) {
		const struct config_upstream *cu = &cp->ups[i];
		struct upstream *u = &px->ups[px->nups++];
		u->px = px;
		u->fd = -1;
		snprintf(u->name, sizeof(u->name), "%s", cu->name);
		snprintf(u->secret, sizeof(u->secret), "%s", cu->secret);
		u->probe = event_new(rs->base, -1, EV_PERSIST, upstream_on_probe, u);
		if (u->probe == NULL || event_add(u->probe, &px->interval) < 0) {
			snprintf(err, errlen, "upstream %s: cannot add events", cu->name);
			goto fail;
		}
		if (cu->radsec) {
			/* in use once connected and answering */
			u->link = radsec_link_new(rs->base, px->tls, cu, cp->max_backoff,
						  &upstream_link_ops, u);
			if (u->link == NULL) {
				snprintf(err, errlen, "upstream %s: out of memory", cu->name);
				goto fail;
			}
			continue;
		}
		u->alive = 1;
		u->fd = socket(cu->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (u->fd < 0 || connect(u->fd, (const struct sockaddr *)&cu->addr, cu->addrlen) < 0) {
			snprintf(err, errlen, "upstream %s: %s", cu->name, strerror(errno));
			goto fail;
		}
		u->ev = event_new(rs->base, u->fd, EV_READ | EV_PERSIST, upstream_on_read, u);
		if (u->ev == NULL || event_add(u->ev, NULL) < 0) {
			snprintf(err, errlen, "upstream %s: cannot add events", cu->name);
			goto fail;
		}
	}
	log_info("proxy: %zu upstream%s, operator %s, response window %us", px->nups,
		 px->nups == 1 ? "" : "s", px->operator_name, cp->response_window);
	return px;
fail:
	proxy_free(px);
	return NULL;
}

void
proxy_free(struct proxy *px)
{
	if (px == NULL)
		return;
	for (size_t i = 0; i < px->nups; i++) {
		struct upstream *u = &px->ups[i];
		for (int id = 0; id < 256; id++) {
			struct pending *p = u->ids[id];
			if (p == NULL)
				continue;
			u->ids[id] = NULL;
			struct request *rq = p->rq;
			pending_free(p);
			if (rq != NULL)
				request_free(rq); /* shutting down: the AP retries elsewhere */
		}
		if (u->ev != NULL)
			event_free(u->ev);
		if (u->probe != NULL)
			event_free(u->probe);
		if (u->fd >= 0)
			close(u->fd);
		radsec_link_free(u->link);
		explicit_bzero(u->secret, sizeof(u->secret));
	}
	SSL_CTX_free(px->tls);
	proxy_state_free(px->state);
	free(px);
}
