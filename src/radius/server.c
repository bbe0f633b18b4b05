#include "poort/radius.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/log.h"
#include "poort/lsock.h"
#include "poort/realm.h"
#include "poort/password.h"
#include "poort/replycache.h"
#include "poort/store.h"
#include "poort/workq.h"
#include "poort/strcopy.h"
#include "cui.h"
#include "proxy.h"
#include "radius_int.h"
#include "radius_msg.h"

void
radius_addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		port = ntohs(s->sin_port);
		snprintf(out, outlen, "%s:%u", ip, port);
	} else if (sa->sa_family != AF_INET6) {
		snprintf(out, outlen, "local"); /* the internal link */
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		port = ntohs(s->sin6_port);
		snprintf(out, outlen, "[%s]:%u", ip, port);
	}
}

static void
radius_drop(struct radius_server *rs, struct log_ratelimit *rl, const struct sockaddr *from,
	    const char *client, const char *reason)
{
	char src[80];
	unsigned suppressed;

	rs->stats.dropped++;
	if (!log_ratelimit_allow(rl, time(NULL), &suppressed))
		return;
	radius_addr_text(from, src, sizeof(src));
	if (suppressed > 0)
		log_notice("radius drop suppressed=%u (rate limit)", suppressed);
	log_notice("radius drop src=%s client=%s reason=%s", src, client, reason);
}

/*
 * An Access-Request the box drops because it cannot trust it: from an
 * address that is no client, or from a known access point whose signature
 * fails (its secret differs). Still an auth log row (result "dropped"), so
 * that the helpdesk searching for the person or the MAC sees the cause; the
 * names come from the unverified packet, escaped, and rows are rate-limited.
 */
static void
radius_drop_row(struct radius_server *rs, const struct sockaddr *sa, const char *client,
		const uint8_t *pkt, size_t n, const char *why)
{
	struct store_auth_rec rec;
	unsigned suppressed;

	if (n < RADIUS_HDR_LEN || pkt[0] != PW_CODE_ACCESS_REQUEST ||
	    !log_ratelimit_allow(&rs->rl_droprow, time(NULL), &suppressed))
		return;
	memset(&rec, 0, sizeof(rec));
	rec.time = (int64_t)time(NULL);
	if (client != NULL) {
		snprintf(rec.client, sizeof(rec.client), "%s", client);
	} else if (getnameinfo(sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
							   : sizeof(struct sockaddr_in6),
			       rec.client, sizeof(rec.client), NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(rec.client, sizeof(rec.client), "?");
	}
	radius_msg_raw_field(pkt, n, PW_USER_NAME, rec.user_name, sizeof(rec.user_name));
	radius_msg_raw_field(pkt, n, PW_CALLING_STATION_ID, rec.calling_station,
			 sizeof(rec.calling_station));
	snprintf(rec.inner_identity, sizeof(rec.inner_identity), "-");
	snprintf(rec.result, sizeof(rec.result), "dropped");
	snprintf(rec.reason, sizeof(rec.reason), "%s", why);
	if (store_logger_auth(rs->lg, &rec) < 0)
		log_error("auth log queue full: row lost user=%s", rec.user_name);
}

static void
radius_sendq_flush(struct radius_sendq *q)
{
	struct mmsghdr mm[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	struct {
		void (*fn)(void *arg, int err);
		void *arg;
		int err;
	} failed[SEND_BATCH];
	unsigned nfailed = 0;

	for (unsigned i = 0; i < q->n; i++) {
		iov[i] = (struct iovec){.iov_base = q->m[i].data, .iov_len = q->m[i].len};
		mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = q->m[i].tolen ? &q->m[i].to : NULL,
						     .msg_namelen = q->m[i].tolen,
						     .msg_iov = &iov[i],
						     .msg_iovlen = 1}};
	}
	/* one call per run of replies on the same socket */
	for (unsigned i = 0; i < q->n;) {
		unsigned end = i;
		while (end < q->n && q->m[end].fd == q->m[i].fd)
			end++;
		while (i < end) {
			int sent = sendmmsg(q->m[i].fd, &mm[i], end - i, 0);
			if (sent <= 0) {
				/* this one failed; the rest of the run goes on */
				if (q->m[i].fail == NULL)
					log_warning("radius send failed error=\"%s\"", strerror(errno));
				else {
					failed[nfailed].fn = q->m[i].fail;
					failed[nfailed].arg = q->m[i].arg;
					failed[nfailed++].err = errno;
				}
				sent = 1;
			}
			i += (unsigned)sent;
		}
	}
	q->n = 0;
	/* after the queue is empty: these may queue again */
	for (unsigned i = 0; i < nfailed; i++)
		failed[i].fn(failed[i].arg, failed[i].err);
}

int
radius_batch_queue(struct radius_server *rs, int fd, const uint8_t *data, size_t len,
		   void (*fail)(void *arg, int err), void *arg)
{
	struct radius_sendq *q = rs->sendq;
	struct radius_sendq_msg *m;

	if (q->depth == 0 || len > UDP_MAX)
		return 0;
	if (q->n == SEND_BATCH)
		radius_sendq_flush(q);
	m = &q->m[q->n++];
	m->fd = fd;
	m->fail = fail;
	m->arg = arg;
	m->tolen = 0; /* connected */
	m->len = len;
	memcpy(m->data, data, len);
	return 1;
}

void
radius_batch_begin(struct radius_server *rs)
{
	rs->sendq->depth++;
}

void
radius_batch_end(struct radius_server *rs)
{
	if (--rs->sendq->depth == 0)
		radius_sendq_flush(rs->sendq);
}

void
origin_send(struct radius_server *rs, const struct origin *o, const uint8_t *data, size_t len)
{
	struct radius_sendq *q = rs->sendq;

	if (o->conn != NULL) {
		radsec_conn_send(o->conn, data, len);
		return;
	}
	if (q->depth == 0 || len > UDP_MAX) {
		if (sendto(o->fd, data, len, 0, (const struct sockaddr *)&o->from, o->fromlen) < 0)
			log_warning("radius send failed error=\"%s\"", strerror(errno));
		return;
	}
	if (q->n == SEND_BATCH)
		radius_sendq_flush(q);
	struct radius_sendq_msg *m = &q->m[q->n++];
	m->fd = o->fd;
	m->fail = NULL;
	m->to = o->from;
	m->tolen = o->fromlen;
	m->len = len;
	memcpy(m->data, data, len);
}

/* Copies an attribute's value for the log, escaped. */
static void
radius_field(const RADIUS_PACKET *p, unsigned attr, char *out, size_t outlen)
{
	size_t len = 0;
	const uint8_t *v = radius_msg_raw(p, attr, &len);
	log_escape(out, outlen, v, v != NULL ? len : 0);
}

void
request_free(struct request *rq)
{
	auth_pw_clear(&rq->pw);
	explicit_bzero(rq->secret, sizeof(rq->secret));
	talloc_free(rq->req);
	if (rq->o.conn != NULL)
		radsec_conn_put(rq->o.conn);
	free(rq);
}

/*
 * RFC 4372: a request carrying Chargeable-User-Identity (a NUL when it
 * asks for one) gets our pseudonym for the user in the Access-Accept
 * (1: rq->rec.cui is it, the reply carries it); for proxied requests the
 * home institution's own answer (in extra) is logged.
 */
static int
request_cui(struct request *rq, unsigned code, VALUE_PAIR *extra)
{
	size_t len = 0, oplen = 0;
	/* the received bytes: a proxied request is not decoded */
	const char *op = (const char *)radius_msg_raw(rq->req, PW_OPERATOR_NAME, &oplen);
	char opname[128];
	VALUE_PAIR *vp;

	/* proxied: the operator we named upstream, already filled in */
	if (rq->rec.operator_name[0] == '\0')
		log_escape(rq->rec.operator_name, sizeof(rq->rec.operator_name), op,
			   op ? oplen : 0);
	if (rq->foreign) {
		vp = fr_pair_find_by_num(extra, PW_CHARGEABLE_USER_IDENTITY, 0, TAG_ANY);
		if (vp != NULL)
			log_escape(rq->rec.cui, sizeof(rq->rec.cui), vp->vp_octets, vp->vp_length);
		return 0;
	}
	if (code != PW_CODE_ACCESS_ACCEPT ||
	    radius_msg_raw(rq->req, PW_CHARGEABLE_USER_IDENTITY, &len) == NULL)
		return 0;
	/* per visited operator; the access point's name when there is none */
	snprintf(opname, sizeof(opname), "%.*s", op != NULL ? (int)oplen : (int)strlen(rq->rec.client),
		 op != NULL ? op : rq->rec.client);
	cui_make(rq->rs->cui_mac,
		 strcmp(rq->rec.inner_identity, "-") != 0 ? rq->rec.inner_identity : rq->rec.user_name,
		 opname, rq->rec.cui);
	return 1;
}

void
request_answer(struct request *rq, int accept, const char *reason)
{
	struct radius_enc e;
	unsigned code = accept ? PW_CODE_ACCESS_ACCEPT : PW_CODE_ACCESS_REJECT;

	request_reply_begin(rq, code, &e);
	request_reply_end(rq, code, &e, reason);
}

/* The reply is out: the cache, and for an outcome the stats and the auth log. */
static void
request_sent(struct request *rq, unsigned code, const uint8_t *data, size_t len,
	     const char *reason)
{
	struct radius_server *rs = rq->rs;
	int accept = code == PW_CODE_ACCESS_ACCEPT;

	origin_send(rs, &rq->o, data, len);
	rcache_complete(rs->cache, rq->h, data, len);
	if (code == PW_CODE_ACCESS_CHALLENGE) {
		/* a step of a conversation, not an outcome: nothing to log */
		request_free(rq);
		return;
	}

	if (accept)
		rs->stats.accepts++;
	else
		rs->stats.rejects++;
	rq->rec.time = (int64_t)time(NULL);
	str_copy(rq->rec.result, sizeof(rq->rec.result), accept ? "accept" : "reject");
	str_copy(rq->rec.reason, sizeof(rq->rec.reason), reason);
	if (rq->rec.upstream[0] != '\0')
		log_info("auth result=%s upstream=%s user=%s mac=%s cui=%s operator=%s client=%s"
			 " ms=%lld filtered=%u",
			 rq->rec.result, rq->rec.upstream, rq->rec.user_name,
			 rq->rec.calling_station, rq->rec.cui[0] ? rq->rec.cui : "-",
			 rq->rec.operator_name, rq->rec.client, (long long)rq->rec.ms, rq->filtered);
	else
		log_info("auth result=%s client=%s user=%s mac=%s cui=%s operator=%s reason=%s",
			 rq->rec.result, rq->rec.client, rq->rec.user_name,
			 rq->rec.calling_station, rq->rec.cui[0] ? rq->rec.cui : "-",
			 rq->rec.operator_name[0] != '-' ? rq->rec.operator_name : "-", reason);
	if (store_logger_auth(rs->lg, &rq->rec) < 0)
		log_error("auth log queue full: row lost user=%s", rq->rec.user_name);
	request_free(rq);
}

/* The proxy's path: the home server's attributes come decoded, as pairs. */
void
request_reply(struct request *rq, unsigned code, VALUE_PAIR *extra, const char *reason)
{
	struct radius_server *rs = rq->rs;
	RADIUS_PACKET *reply;

	reply = radius_msg_reply(rq->req, code);
	if (request_cui(rq, code, extra) && reply != NULL) {
		VALUE_PAIR *vp = fr_pair_afrom_num(reply, PW_CHARGEABLE_USER_IDENTITY, 0);
		if (vp != NULL) {
			fr_pair_value_memcpy(vp, (const uint8_t *)rq->rec.cui, strlen(rq->rec.cui));
			fr_pair_add(&reply->vps, vp);
		}
	}
	if (reply != NULL) {
		for (VALUE_PAIR *vp = extra; vp != NULL; vp = vp->next) {
			VALUE_PAIR *copy = fr_pair_copy(reply, vp);
			if (copy != NULL)
				fr_pair_add(&reply->vps, copy);
		}
		radius_msg_copy_proxy_state(reply, rq->req);
	}
	if (reply == NULL || radius_msg_finish(reply, rq->req, rq->secret) < 0) {
		log_error("radius reply encode failed client=%s error=\"%s\"", rq->rec.client,
			  fr_strerror());
		rcache_forget(rs->cache, rq->h);
		request_free(rq);
		return;
	}
	request_sent(rq, code, reply->data, reply->data_len, reason);
	/* reply is under rq->req, freed with rq */
}

void
request_reply_begin(struct request *rq, unsigned code, struct radius_enc *e)
{
	radius_enc_begin(e, code, rq->req->id);
	if (request_cui(rq, code, NULL))
		radius_enc_attr(e, PW_CHARGEABLE_USER_IDENTITY, rq->rec.cui, strlen(rq->rec.cui));
}

void
request_reply_end(struct request *rq, unsigned code, struct radius_enc *e, const char *reason)
{
	size_t len;

	if (radius_enc_proxy_state(e, rq->req) < 0 ||
	    radius_enc_finish(e, rq->req->vector, rq->secret, &len) < 0) {
		log_error("radius reply encode failed client=%s error=\"reply too long\"",
			  rq->rec.client);
		rcache_forget(rq->rs->cache, rq->h);
		request_free(rq);
		radius_enc_clear(e);
		return;
	}
	request_sent(rq, code, e->buf, len, reason);
	radius_enc_clear(e);
}

/* Access-Reject with a Reply-Message the user's device may show. */
static void
request_reject_message(struct request *rq, const char *reason, const char *message)
{
	struct radius_enc e;

	request_reply_begin(rq, PW_CODE_ACCESS_REJECT, &e);
	radius_enc_attr(&e, PW_REPLY_MESSAGE, message, strlen(message));
	request_reply_end(rq, PW_CODE_ACCESS_REJECT, &e, reason);
}

static void
request_verify_work(void *arg)
{
	struct request *rq = arg;
	auth_pw_run(&rq->pw);
}

static void
request_verify_done(void *arg)
{
	struct request *rq = arg;
	struct radius_server *rs = rq->rs;
	int rc;

	rs->pending--;
	rc = auth_pw_end(rs->auth, &rq->pw, time(NULL));
	if (rc == AUTH_EHASH || rc == AUTH_ESTORE)
		log_error("password check of %s failed: %s", rq->pw.user, auth_reason(rc));
	request_answer(rq, rc == 0, auth_reason(rc));
}

/*
 * Splits "user@realm" at the last '@' into user (lower case; "" when it
 * cannot be an account name, which src/auth refuses like any unknown one).
 * eduroam routes on the realm, so a name without one is refused rather
 * than guessed.
 */
static const char *
request_check_identity(struct radius_server *rs, const char *name, size_t len,
		       char user[STORE_USERNAME_MAX + 1])
{
	const char *at = memrchr(name, '@', len);
	size_t local;

	user[0] = '\0';
	if (at == NULL)
		return "no-realm";
	local = (size_t)(at - name);
	if (!config_realm_is_local(rs->cfg, at + 1, len - local - 1))
		return "realm-not-local";
	if (local == 0 || local > STORE_USERNAME_MAX || memchr(name, '\0', local) != NULL)
		return NULL;
	memcpy(user, name, local);
	user[local] = '\0';
	for (char *p = user; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return NULL;
}

static void
radius_access(struct radius_server *rs, struct request *rq)
{
	struct realm_result rr;
	const char *name, *why;
	const uint8_t *raw;
	char user[STORE_USERNAME_MAX + 1], pw[RADIUS_PW_MAX + 16];
	size_t namelen = 0, pwlen = 0, rawlen = 0;
	time_t now = time(NULL);
	int rc;

	name = (const char *)radius_msg_raw(rq->req, PW_USER_NAME, &namelen);
	if (name == NULL)
		return request_answer(rq, 0, "no-user-name");
	/* eduroam rules on the outer name, for PAP and EAP alike */
	realm_classify(rs->cfg, name, namelen, &rr);
	if (rr.verdict == REALM_MALFORMED)
		return request_reject_message(rq, rr.reason, rr.message);
	if (rr.verdict == REALM_FOREIGN) {
		/* an FLR asking us about another realm: sending it back would loop */
		if (rq->from_federation)
			return request_reject_message(rq, "foreign-realm-from-federation",
						      "This realm is not served here.");
		if (rs->proxy != NULL) {
			rq->foreign = 1;
			return proxy_forward(rs->proxy, rq); /* forwarded undecoded */
		}
		return request_reject_message(rq, "realm-not-local",
					      "This realm is not served here.");
	}
	/* EAP needs nothing decoded either: its attributes are read from the bytes */
	if (radius_msg_raw(rq->req, PW_EAP_MESSAGE, &rawlen) != NULL)
		return radius_eap_access(rs, rq);
	if (radius_msg_raw(rq->req, PW_CHAP_PASSWORD, &rawlen) != NULL)
		return request_answer(rq, 0, "chap-not-supported");
	/* PAP needs nothing decoded but the password */
	raw = radius_msg_raw(rq->req, PW_USER_PASSWORD, &rawlen);
	if (raw == NULL)
		return request_answer(rq, 0, "no-password");
	if ((why = request_check_identity(rs, name, namelen, user)) != NULL)
		return request_answer(rq, 0, why);
	radius_auth_pw_decrypt(raw, rawlen, rq->req->vector, rq->secret, pw, &pwlen);
	/* the account rule, the cache and the dummy hash: src/auth */
	rc = auth_pw_begin(rs->auth, user, pw, pwlen, now, &rq->pw);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (rc == 1) {
		rc = auth_pw_end(rs->auth, &rq->pw, now);
		return request_answer(rq, rc == 0, auth_reason(rc));
	}

	/* the slow hash runs on a worker; the loop goes on */
	if (rs->pending >= rs->cfg->limits.pending ||
	    workq_submit(rs->wq, request_verify_work, request_verify_done, rq) < 0) {
		unsigned suppressed;
		if (log_ratelimit_allow(&rs->rl_busy, now, &suppressed))
			log_warning("radius overload: %u password checks in progress (limits.pending),"
				    " dropping request user=%s suppressed=%u",
				    rs->pending, rq->rec.user_name, suppressed);
		rs->stats.dropped++;
		rcache_forget(rs->cache, rq->h); /* the retransmit gets another chance */
		request_free(rq);
		return;
	}
	rs->pending++;
}

/* RFC 6614: over TLS the shared secret is "radsec", whatever UDP uses. */
static const char *
origin_secret(const struct origin *o, const struct config_client *client)
{
	return o->conn != NULL ? "radsec" : client->secret;
}

/* An Accounting-Response waiting for its row's batch to commit. */
struct acct_pending {
	struct radius_server *rs;
	struct origin o; /* holds a reference on o.conn */
	struct rcache_handle h;
	size_t len;
	uint8_t reply[];
};

static void
acct_pending_free(struct acct_pending *ap)
{
	if (ap->o.conn != NULL)
		radsec_conn_put(ap->o.conn);
	free(ap);
}

/* The row is in the store (rc 0): now the answer may go. */
static void
acct_committed(void *arg, int rc)
{
	struct acct_pending *ap = arg;
	struct radius_server *rs = ap->rs;

	if (rc < 0) {
		/* not recorded, not acknowledged: the retransmit is a new request */
		log_error("accounting row not written: not acknowledged");
		rcache_forget(rs->cache, ap->h);
	} else {
		rs->stats.acct++;
		origin_send(rs, &ap->o, ap->reply, ap->len);
		rcache_complete(rs->cache, ap->h, ap->reply, ap->len);
	}
	acct_pending_free(ap);
}

static void
radius_accounting(struct radius_server *rs, const struct origin *o, RADIUS_PACKET *req,
		  const struct config_client *client, struct rcache_handle h)
{
	struct store_acct_rec rec;
	struct acct_pending *ap = NULL;
	RADIUS_PACKET *reply;
	VALUE_PAIR *vp;

	memset(&rec, 0, sizeof(rec));
	rec.time = (int64_t)time(NULL);
	snprintf(rec.client, sizeof(rec.client), "%s", client->name);
	radius_field(req, PW_USER_NAME, rec.user_name, sizeof(rec.user_name));
	radius_field(req, PW_CALLING_STATION_ID, rec.calling_station, sizeof(rec.calling_station));
	radius_field(req, PW_ACCT_SESSION_ID, rec.session_id, sizeof(rec.session_id));
	rec.status_type = radius_msg_int(req, PW_ACCT_STATUS_TYPE, 0);
	rec.session_time = radius_msg_int(req, PW_ACCT_SESSION_TIME, 0);
	rec.input_octets = (uint64_t)radius_msg_int(req, PW_ACCT_INPUT_GIGAWORDS, 0) << 32 |
			   radius_msg_int(req, PW_ACCT_INPUT_OCTETS, 0);
	rec.output_octets = (uint64_t)radius_msg_int(req, PW_ACCT_OUTPUT_GIGAWORDS, 0) << 32 |
			    radius_msg_int(req, PW_ACCT_OUTPUT_OCTETS, 0);
	vp = fr_pair_find_by_num(req->vps, PW_FRAMED_IP_ADDRESS, 0, TAG_ANY);
	if (vp != NULL)
		inet_ntop(AF_INET, &vp->vp_ipaddr, rec.framed_ip, sizeof(rec.framed_ip));

	reply = radius_msg_reply(req, PW_CODE_ACCOUNTING_RESPONSE);
	if (reply != NULL)
		radius_msg_copy_proxy_state(reply, req);
	if (reply == NULL || radius_msg_finish(reply, req, origin_secret(o, client)) < 0) {
		log_error("radius reply encode failed client=%s error=\"%s\"", client->name,
			  fr_strerror());
		rcache_forget(rs->cache, h);
		return;
	}
	ap = malloc(sizeof(*ap) + reply->data_len);
	if (ap == NULL) {
		log_error("out of memory: accounting not acknowledged client=%s", client->name);
		rcache_forget(rs->cache, h);
		return;
	}
	ap->rs = rs;
	ap->o = *o;
	ap->h = h;
	ap->len = reply->data_len;
	memcpy(ap->reply, reply->data, reply->data_len);
	if (o->conn != NULL)
		radsec_conn_hold(o->conn);
	/* RFC 2866: acknowledge only what was recorded; acct_committed answers */
	if (store_logger_acct(rs->lg, &rec, acct_committed, ap) < 0) {
		log_error("accounting queue full: not acknowledged client=%s user=%s", rec.client,
			  rec.user_name);
		rcache_forget(rs->cache, h);
		acct_pending_free(ap);
		return;
	}
	log_debug("acct client=%s user=%s mac=%s status=%u session=%s", rec.client, rec.user_name,
		  rec.calling_station, rec.status_type, rec.session_id);
}

/* RFC 5997: answer on the port asked, never cached. */
static void
radius_status(struct radius_server *rs, const struct origin *o, RADIUS_PACKET *req,
	      const struct config_client *client)
{
	/* RadSec carries both; RFC 6614 answers Status-Server like an auth port */
	unsigned code = o->kind == CONFIG_LISTEN_ACCT ? PW_CODE_ACCOUNTING_RESPONSE
						      : PW_CODE_ACCESS_ACCEPT;
	RADIUS_PACKET *reply = radius_msg_reply(req, code);

	if (reply == NULL || radius_msg_finish(reply, req, origin_secret(o, client)) < 0) {
		log_error("radius reply encode failed client=%s", client->name);
		return;
	}
	rs->stats.status++;
	origin_send(rs, o, reply->data, reply->data_len);
}

/* The packet's code fits where it came: auth, acct, or either over RadSec. */
static int
radius_code_expected(enum config_listen_kind kind, unsigned code)
{
	if (code == PW_CODE_STATUS_SERVER)
		return 1;
	if (code == PW_CODE_ACCESS_REQUEST)
		return kind != CONFIG_LISTEN_ACCT;
	if (code == PW_CODE_ACCOUNTING_REQUEST)
		return kind != CONFIG_LISTEN_AUTH;
	return 0;
}

/* Over RadSec only clients with the certificate name checked at the handshake. */
static const char *
radius_transport_check(const struct config_client *client, const struct origin *o)
{
	if (o->conn == NULL)
		return client->radsec_only ? "radsec-only-client" : NULL;
	if (client->cert_name[0] == '\0' || strcasecmp(client->cert_name, o->cert_name) != 0)
		return "radsec-name-mismatch";
	return NULL;
}

void
radius_handle(struct radius_server *rs, const struct origin *o, const uint8_t *pkt, size_t n)
{
	const struct config_client *client;
	const struct sockaddr *sa = (const struct sockaddr *)&o->from;
	struct rcache_key key;
	struct rcache_handle h = {0, 0};
	const uint8_t *cached;
	size_t cachedlen, len;
	RADIUS_PACKET *req;
	const char *why = NULL;
	unsigned code;
	struct radius_scan scan;
	int is_status, has_ma;

	rs->stats.requests++;
	client = o->client != NULL ? o->client : radius_client_find(rs, sa);
	if (client == NULL) {
		if (o->conn == NULL)
			radius_drop_row(rs, sa, NULL, pkt, n, "unknown-client");
		return radius_drop(rs, &rs->rl_unknown, sa, "-", "unknown-client");
	}
	if ((why = radius_transport_check(client, o)) != NULL)
		return radius_drop(rs, &rs->rl_unknown, sa, client->name, why);
	if (n < RADIUS_HDR_LEN)
		return radius_drop(rs, &rs->rl_bad, sa, client->name, "short-packet");
	len = (size_t)pkt[2] << 8 | pkt[3];
	if (len < RADIUS_HDR_LEN || len > n || len > rs->cfg->limits.max_packet)
		return radius_drop(rs, &rs->rl_bad, sa, client->name, "bad-length");
	n = len; /* RFC 2865: octets past Length are padding */
	code = pkt[0];
	is_status = code == PW_CODE_STATUS_SERVER;
	if (!radius_code_expected(o->kind, code))
		return radius_drop(rs, &rs->rl_bad, sa, client->name, "unexpected-code");

	if (radius_msg_scan(pkt, n, &scan) < 0)
		return radius_drop(rs, &rs->rl_bad, sa, client->name, "malformed-attributes");
	if (scan.has_encrypted)
		return radius_drop(rs, &rs->rl_bad, sa, client->name, "encrypted-attribute-in-request");
	has_ma = scan.has_ma;
	/* BlastRADIUS (CVE-2024-3596) and RFC 5997 */
	if (!has_ma && (code == PW_CODE_ACCESS_REQUEST || is_status))
		return radius_drop(rs, &rs->rl_bad, sa, client->name,
				   "missing-message-authenticator");

	if (!is_status) {
		rcache_key_from(&key, sa, pkt);
		switch (rcache_lookup(rs->cache, &key, time(NULL), &h, &cached, &cachedlen)) {
		case RCACHE_REPLIED:
			rs->stats.duplicates++;
			origin_send(rs, o, cached, cachedlen);
			return;
		case RCACHE_PENDING:
			rs->stats.duplicates++;
			return;
		case RCACHE_NEW:
			break;
		}
	}

	req = radius_msg_wrap(NULL, pkt, n, &why);
	if (req == NULL) {
		if (!is_status)
			rcache_forget(rs->cache, h);
		return radius_drop(rs, &rs->rl_bad, sa, client->name, why);
	}
	/* Access-Request and Status-Server: the Message-Authenticator (required
	 * above); Accounting-Request: its Request Authenticator (libfreeradius) */
	if (code == PW_CODE_ACCOUNTING_REQUEST
		    ? rad_verify(req, NULL, origin_secret(o, client)) < 0
		    : radius_auth_verify(pkt, n, NULL, origin_secret(o, client)) < 0) {
		why = has_ma ? "bad-message-authenticator" : "bad-request-authenticator";
		radius_drop_row(rs, sa, client->name, pkt, n, why);
		goto drop;
	}
	/* Access-Requests are decoded once known not to be forwarded (radius_access) */
	if (code != PW_CODE_ACCESS_REQUEST && rad_decode(req, NULL, origin_secret(o, client)) < 0) {
		why = "undecodable";
		goto drop;
	}

	if (is_status) {
		radius_status(rs, o, req, client);
		talloc_free(req);
		return;
	}
	if (code == PW_CODE_ACCOUNTING_REQUEST) {
		radius_accounting(rs, o, req, client, h);
		talloc_free(req);
		return;
	}

	struct request *rq = calloc(1, sizeof(*rq));
	if (rq == NULL) {
		why = "out-of-memory";
		goto drop;
	}
	rq->rs = rs;
	rq->req = req;
	rq->o = *o;
	rq->from_federation = client->federation;
	if (o->conn != NULL)
		radsec_conn_hold(o->conn);
	rq->h = h;
	str_copy(rq->secret, sizeof(rq->secret), origin_secret(o, client));
	str_copy(rq->rec.client, sizeof(rq->rec.client), client->name);
	radius_field(req, PW_USER_NAME, rq->rec.user_name, sizeof(rq->rec.user_name));
	radius_field(req, PW_CALLING_STATION_ID, rq->rec.calling_station,
		     sizeof(rq->rec.calling_station));
	str_copy(rq->rec.inner_identity, sizeof(rq->rec.inner_identity), "-");
	radius_access(rs, rq);
	return;
drop:
	if (!is_status)
		rcache_forget(rs->cache, h);
	talloc_free(req);
	radius_drop(rs, &rs->rl_bad, sa, client->name, why);
}

static void
radius_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	struct radius_server *rs = l->rs;
	(void)what;

	struct mmsghdr mm[READ_BURST];
	struct iovec iov[READ_BURST];
	struct origin o[READ_BURST];
	int n;

	/* up to READ_BURST datagrams in one call; the loop calls again for more */
	for (int i = 0; i < READ_BURST; i++) {
		o[i] = (struct origin){.kind = l->kind, .fd = fd, .client = l->client};
		iov[i] = (struct iovec){.iov_base = rs->rbuf[i], .iov_len = UDP_MAX + 1};
		mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &o[i].from,
						     .msg_namelen = sizeof(o[i].from),
						     .msg_iov = &iov[i],
						     .msg_iovlen = 1}};
	}
	n = recvmmsg(fd, mm, READ_BURST, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warning("radius receive failed on %s error=\"%s\"", l->text,
				    strerror(errno));
		return;
	}
	radius_batch_begin(rs);
	for (int i = 0; i < n; i++) {
		o[i].fromlen = mm[i].msg_hdr.msg_namelen;
		if (l->client != NULL) { /* unnamed: the answer goes to the connected peer */
			memset(&o[i].from, 0, sizeof(o[i].from));
			o[i].from.ss_family = AF_UNIX;
			o[i].fromlen = 0;
		}
		radius_handle(rs, &o[i], rs->rbuf[i], mm[i].msg_len);
	}
	radius_batch_end(rs);
}

static int
radius_bind(struct radius_server *rs, struct listener *l, const struct config_listen *cl,
	    char *err, size_t errlen)
{
	l->rs = rs;
	l->kind = cl->kind;
	snprintf(l->text, sizeof(l->text), "%s", cl->text);
	/* bound by the parent when it had the privilege to (lsock.h) */
	l->fd = lsock_get(SOCK_DGRAM, (const struct sockaddr *)&cl->addr, cl->addrlen);
	if (l->fd < 0)
		goto fail;
	l->ev = event_new(rs->base, l->fd, EV_READ | EV_PERSIST, radius_on_read, l);
	if (l->ev == NULL || event_add(l->ev, NULL) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on %s (%s): %s", cl->text,
		 cl->kind == CONFIG_LISTEN_AUTH ? "auth" : "acct", strerror(errno));
	return -1;
}

struct radius_server *
radius_server_new(struct event_base *base, const struct config *cfg, struct store *st,
		  struct store_logger *lg, char *err, size_t errlen)
{
	struct radius_server *rs;

	if (radius_msg_init(POORT_DICT_DIR, err, errlen) < 0)
		return NULL;
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		goto oom;
	rs->base = base;
	rs->cfg = cfg;
	rs->st = st;
	rs->lg = lg;
	rs->rl_unknown = (struct log_ratelimit){.interval = 10, .burst = 5};
	rs->rl_bad = (struct log_ratelimit){.interval = 10, .burst = 20};
	rs->rl_droprow = (struct log_ratelimit){.interval = 60, .burst = 30};
	rs->rl_busy = (struct log_ratelimit){.interval = 10, .burst = 1};
	rs->cache = rcache_new(cfg->limits.reply_cache, cfg->limits.reply_cache_ttl);
	rs->wq = workq_new(base, cfg->limits.workers, cfg->limits.pending);
	rs->auth = auth_new(st, cfg->password.cost, cfg->password.cache, cfg->password.cache_ttl);
	rs->ls = calloc(cfg->nlistens + 1, sizeof(*rs->ls)); /* + the internal link */
	rs->sendq = calloc(1, sizeof(*rs->sendq));
	rs->rbuf = calloc(READ_BURST, sizeof(*rs->rbuf));
	if (rs->cache == NULL || rs->wq == NULL || rs->ls == NULL || rs->auth == NULL ||
	    rs->sendq == NULL || rs->rbuf == NULL)
		goto oom;
	if (radius_eap_new(rs, err, errlen) < 0)
		goto fail;
	if (cfg->proxy.nups > 0 && (rs->proxy = proxy_new(rs, err, errlen)) == NULL)
		goto fail;
	{
		uint8_t key[CUI_KEY_LEN];
		int rc = cui_key_load(cfg->state_dir, key, err, errlen);
		rs->cui_mac = rc == 0 ? cui_keyed(key) : NULL;
		OPENSSL_cleanse(key, sizeof(key));
		if (rc < 0)
			goto fail;
		if (rs->cui_mac == NULL)
			goto oom;
	}
	for (size_t i = 0; i < cfg->nlistens; i++) {
		struct listener *l = &rs->ls[rs->nls];
		if (cfg->listens[i].kind == CONFIG_LISTEN_RADSEC)
			continue; /* radsec_server.c */
		l->fd = -1;
		rs->nls++;
		if (radius_bind(rs, l, &cfg->listens[i], err, errlen) < 0)
			goto fail;
		log_info("radius listening on %s (%s)", cfg->listens[i].text,
			 cfg->listens[i].kind == CONFIG_LISTEN_AUTH ? "auth" : "acct");
	}
	if (radsec_server_new(rs, err, errlen) < 0 || radius_clients_start(rs, err, errlen) < 0)
		goto fail;
	return rs;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	radius_server_free(rs);
	return NULL;
}

int
radius_server_internal(struct radius_server *rs, int fd, const char *name, const char *secret,
		       char *err, size_t errlen)
{
	struct listener *l = &rs->ls[rs->nls];
	uint8_t buf[64];
	unsigned stale = 0;

	if (rs->internal.name[0] != '\0' || strlen(secret) >= sizeof(rs->internal.secret)) {
		snprintf(err, errlen, "the internal RADIUS link is set up already, or its secret"
				      " is too long");
		close(fd);
		return -1;
	}
	/* what a radius child that died left unread: old requests, not to be answered now */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		stale++;
	snprintf(rs->internal.name, sizeof(rs->internal.name), "%s", name);
	snprintf(rs->internal.secret, sizeof(rs->internal.secret), "%s", secret);
	rs->internal.net.ss_family = AF_UNIX; /* matches no address: found by its listener only */
	memset(l, 0, sizeof(*l));
	l->rs = rs;
	l->fd = fd;
	l->kind = CONFIG_LISTEN_AUTH;
	l->client = &rs->internal;
	snprintf(l->text, sizeof(l->text), "internal:%s", name);
	rs->nls++;
	l->ev = event_new(rs->base, fd, EV_READ | EV_PERSIST, radius_on_read, l);
	if (l->ev == NULL || event_add(l->ev, NULL) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	log_info("radius internal client=%s for the admin ui's test login%s", name,
		 stale > 0 ? " (stale requests dropped)" : "");
	return 0;
}

static int
radius_listens_equal(const struct config *a, const struct config *b)
{
	if (a->nlistens != b->nlistens)
		return 0;
	for (size_t i = 0; i < a->nlistens; i++)
		if (a->listens[i].kind != b->listens[i].kind ||
		    strcmp(a->listens[i].text, b->listens[i].text) != 0)
			return 0;
	return 1;
}

void
radius_server_reload(struct radius_server *rs, const struct config *cfg)
{
	if (!radius_listens_equal(rs->cfg, cfg))
		log_warning("listen addresses changed: they take effect at the next restart");
	if (cfg->limits.reply_cache != rs->cfg->limits.reply_cache ||
	    cfg->limits.workers != rs->cfg->limits.workers)
		log_warning("limits.reply_cache and limits.workers take effect at the next restart");
	/* both are zeroed before parsing: a byte compare sees every change */
	if (memcmp(&cfg->proxy, &rs->cfg->proxy, sizeof(cfg->proxy)) != 0 ||
	    memcmp(&cfg->radsec, &rs->cfg->radsec, sizeof(cfg->radsec)) != 0)
		log_warning("proxy and radsec settings take effect at the next restart");
	radius_eap_reload(rs, cfg);
	rs->cfg = cfg;
	radius_clients_reload(rs, cfg);
}

void
radius_server_stats(const struct radius_server *rs, struct radius_stats *out)
{
	*out = rs->stats;
}

void
radius_server_free(struct radius_server *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->nls; i++)
		if (rs->ls[i].ev != NULL)
			event_del(rs->ls[i].ev);
	workq_free(rs->wq); /* answers what is in flight */
	/* accounting waiting for its rows: commit them and answer */
	if (rs->lg != NULL) {
		store_logger_flush(rs->lg);
		store_logger_run_done(rs->lg);
	}
	proxy_free(rs->proxy);
	radius_eap_free(rs);
	radsec_server_free(rs); /* after everything that could still answer */
	radius_clients_free(rs);
	for (size_t i = 0; i < rs->nls; i++) {
		if (rs->ls[i].ev != NULL)
			event_free(rs->ls[i].ev);
		if (rs->ls[i].fd >= 0)
			close(rs->ls[i].fd);
	}
	free(rs->ls);
	explicit_bzero(&rs->internal, sizeof(rs->internal));
	rcache_free(rs->cache);
	auth_free(rs->auth);
	cui_key_free(rs->cui_mac);
	radius_auth_forget();
	free(rs->sendq);
	free(rs->rbuf);
	free(rs);
}
