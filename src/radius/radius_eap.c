/*
 * EAP over RADIUS (RFC 3579): joins EAP-Message attributes, hands them with
 * the State to the EAP server (src/eap) and turns its answer into an
 * Access-Challenge, -Accept (MS-MPPE keys, VLAN, Session-Timeout) or
 * -Reject. Also the account lookups the EAP server asks for.
 */
#include <netdb.h>
#include <string.h>

#include "poort/eap.h"
#include "radius_int.h"

static void reap_answer(struct radius_server *rs, struct request *rq, struct eap_result *res_);

enum {
	PW_MS_MPPE_SEND_KEY = 16,
	PW_MS_MPPE_RECV_KEY = 17,
};

/* The EAP server's view of the store: everything goes through src/auth. */
static int
reap_account(void *arg, const char *user, struct eap_account *out)
{
	struct radius_server *rs = arg;
	struct store_account a;
	time_t now = time(NULL);
	int rc = auth_account_get(rs->auth, user, now, &a);

	if (rc == AUTH_ESTORE)
		log_error("store lookup failed user=%s error=\"%s\"", user, store_errmsg(rs->st));
	if (rc == 0) {
		snprintf(out->user, sizeof(out->user), "%s", a.username);
		snprintf(out->affiliation, sizeof(out->affiliation), "%s", a.affiliation);
		/* kept for a password check in the same step (reap_pw_begin) */
		rs->eap_acct = a;
		rs->eap_acct_time = now;
		rs->eap_acct_ok = 1;
	}
	explicit_bzero(&a, sizeof(a));
	return rc;
}

/*
 * A password check's start. TTLS/PAP sends the inner User-Name and its
 * User-Password in one message: the account reap_account just looked up
 * for that name is used rather than read again (no other event can run
 * between the two; the memo ends with the step, reap_step).
 */
static int
reap_pw_begin(struct radius_server *rs, const char *user, const char *pw, size_t len, time_t now,
              struct auth_pw *chk)
{
	if (rs->eap_acct_ok && rs->eap_acct_time == now && strcmp(rs->eap_acct.username, user) == 0)
		return auth_pw_begin_account(rs->auth, user, 0, &rs->eap_acct, pw, len, now, chk);
	return auth_pw_begin(rs->auth, user, pw, len, now, chk);
}

static void
reap_acct_forget(struct radius_server *rs)
{
	explicit_bzero(&rs->eap_acct, sizeof(rs->eap_acct));
	rs->eap_acct_ok = 0;
}

static int
reap_device(void *arg, const char *serial, const char *pseudonym, struct eap_account *out)
{
	struct radius_server *rs = arg;
	struct store_account a;
	int rc = auth_device_get(rs->auth, serial, pseudonym, time(NULL), &a);

	if (rc == AUTH_ESTORE)
		log_error("store lookup failed serial=%s error=\"%s\"", serial, store_errmsg(rs->st));
	if (rc == 0) {
		snprintf(out->user, sizeof(out->user), "%s", a.username);
		snprintf(out->affiliation, sizeof(out->affiliation), "%s", a.affiliation);
	}
	explicit_bzero(&a, sizeof(a));
	return rc;
}

/* Only the cache here: a real check goes to the worker pool (reap_verify_*). */
static int
reap_password_cached(void *arg, const struct eap_account *a, const char *pw, size_t len)
{
	struct radius_server *rs = arg;
	struct auth_pw chk;
	time_t now = time(NULL);
	int rc = 0;

	if (reap_pw_begin(rs, a->user, pw, len, now, &chk) == 1 && chk.verified == 1)
		rc = auth_pw_end(rs->auth, &chk, now) == 0;
	auth_pw_clear(&chk);
	explicit_bzero(&chk, sizeof(chk));
	return rc;
}

static int
reap_mschapv2(void *arg, const struct eap_account *a, const uint8_t auth_chal[16],
              const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name,
              size_t namelen, char authresp[43])
{
	struct radius_server *rs = arg;
	return auth_mschapv2(rs->auth, a->user, time(NULL), auth_chal, peer_chal, nt_resp, name,
	                     namelen, authresp);
}

/*
 * The device went silent mid-conversation: no Access-Reject was sent, but
 * the helpdesk wants to see the attempt, and why it probably failed (an
 * auth log row, result "timeout"; see poort/why.h).
 */
static void
reap_expired(void *arg, const struct eap_expired *e)
{
	struct radius_server *rs = arg;
	struct store_auth_rec rec;
	char esc[EAP_NAME_MAX * 4 + 1];

	log_escape(esc, sizeof(esc), e->outer, strlen(e->outer));
	log_notice("eap conversation timed out user=%s method=%s rounds=%u in_handshake=%d", esc,
	           e->method, e->rounds, e->in_handshake);
	memset(&rec, 0, sizeof(rec));
	rec.time = (int64_t)time(NULL);
	snprintf(rec.client, sizeof(rec.client), "%s", e->client);
	snprintf(rec.calling_station, sizeof(rec.calling_station), "%s", e->station);
	log_escape(rec.user_name, sizeof(rec.user_name), e->outer, strlen(e->outer));
	if (e->inner[0] != '\0')
		log_escape(rec.inner_identity, sizeof(rec.inner_identity), e->inner, strlen(e->inner));
	else
		snprintf(rec.inner_identity, sizeof(rec.inner_identity), "-");
	snprintf(rec.result, sizeof(rec.result), "timeout");
	snprintf(rec.reason, sizeof(rec.reason), "%s",
	         e->in_handshake ? "eap-abandoned-tls" : "eap-abandoned");
	if (store_logger_auth(rs->lg, &rec) < 0)
		log_error("auth log queue full: row lost user=%s", rec.user_name);
}

static void
reap_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct radius_server *rs = arg;
	(void)fd;
	(void)what;
	eap_server_expire(rs->eap, time(NULL), reap_expired, rs);
}

int
radius_eap_new(struct radius_server *rs, char *err, size_t errlen)
{
	const struct eap_backend be = {
	    .arg = rs,
	    .account = reap_account,
	    .device = reap_device,
	    .password_cached = reap_password_cached,
	    .mschapv2 = reap_mschapv2,
	};
	struct timeval tv = {1, 0};

	rs->rl_eap = (struct log_ratelimit){.interval = 10, .burst = 1};
	if (!rs->cfg->eap.enabled)
		return 0;
	rs->eap = eap_server_new(&rs->cfg->eap, &be, err, errlen);
	if (rs->eap == NULL)
		return -1;
	rs->eap_timer = event_new(rs->base, -1, EV_PERSIST, reap_on_timer, rs);
	if (rs->eap_timer == NULL || event_add(rs->eap_timer, &tv) < 0) {
		snprintf(err, errlen, "cannot start the EAP timer");
		return -1;
	}
	return 0;
}

void
radius_eap_reload(struct radius_server *rs, const struct config *cfg)
{
	char err[CONFIG_ERR_MAX];
	const struct config *old = rs->cfg;

	if (!cfg->eap.enabled) {
		if (rs->eap != NULL)
			log_notice("eap turned off: conversations in progress are dropped");
		radius_eap_free(rs);
		return;
	}
	if (rs->eap == NULL) {
		rs->cfg = cfg; /* radius_eap_new reads the new settings */
		if (radius_eap_new(rs, err, sizeof(err)) < 0) {
			log_error("eap not started: %s", err);
			radius_eap_free(rs);
		}
		rs->cfg = old;
		return;
	}
	if (eap_server_reload(rs->eap, &cfg->eap, err, sizeof(err)) < 0)
		log_error("eap reload refused, previous certificates and settings kept: %s", err);
}

void
radius_eap_free(struct radius_server *rs)
{
	if (rs->eap_timer != NULL)
		event_free(rs->eap_timer);
	rs->eap_timer = NULL;
	eap_server_free(rs->eap);
	rs->eap = NULL;
}

/* The Access-Accept's own attributes: the MSK as MS-MPPE keys, VLAN, Session-Timeout. */
static void
reap_accept_attrs(struct radius_server *rs, struct request *rq, struct radius_enc *e,
                  const struct eap_result *res)
{
	const struct config_eap_reply *r = radius_reply_find(rs, res->affiliation);
	uint8_t salt[2];

	/* RFC 2548 and RFC 5216: Recv-Key is the first half of the MSK */
	radius_enc_salt(salt);
	radius_enc_mppe_key(e, PW_MS_MPPE_RECV_KEY, res->msk, 32, rq->req->vector, rq->secret, salt);
	radius_enc_salt(salt);
	radius_enc_mppe_key(e, PW_MS_MPPE_SEND_KEY, res->msk + 32, 32, rq->req->vector, rq->secret,
	                    salt);
	if (r == NULL)
		return;
	if (r->vlan != 0)
		radius_enc_vlan(e, r->vlan);
	if (r->session_timeout != 0)
		radius_enc_int(e, PW_SESSION_TIMEOUT, r->session_timeout);
}

static void
reap_verify_work(void *arg)
{
	struct request *rq = arg;
	auth_pw_run(&rq->pw);
}

/* The check's outcome as eap_server_resume takes it: 1, 0 or an AUTH_E* code. */
static int
reap_verified(struct radius_server *rs, struct request *rq)
{
	int rc = auth_pw_end(rs->auth, &rq->pw, time(NULL));

	if (rc == AUTH_EHASH || rc == AUTH_ESTORE)
		log_error("password check of %s failed: %s", rq->pw.user, auth_reason(rc));
	return rc == 0 ? 1 : rc == AUTH_EPASSWORD ? 0 : rc;
}

static void
reap_resume(struct radius_server *rs, struct request *rq, int verified)
{
	struct eap_result res;

	if (rs->eap == NULL)
		return request_answer(rq, 0, "eap-not-enabled");
	if (eap_server_resume(rs->eap, rq->eap_state, verified, time(NULL), &res) < 0)
		return request_answer(rq, 0, "conversation-timed-out");
	reap_answer(rs, rq, &res);
	reap_acct_forget(rs);
}

static void
reap_verify_done(void *arg)
{
	struct request *rq = arg;
	struct radius_server *rs = rq->rs;

	rs->pending--;
	reap_resume(rs, rq, reap_verified(rs, rq));
}

/* Hands the password check of an inner PAP to the worker pool. */
static void
reap_verify(struct radius_server *rs, struct request *rq, struct eap_result *res)
{
	time_t now = time(NULL);
	int done;

	memcpy(rq->eap_state, res->state, sizeof(rq->eap_state));
	/* the account as looked up in this step (it may have changed since an
	 * identity of an earlier round) */
	done = reap_pw_begin(rs, res->user, res->verify_pw, res->verify_pwlen, now, &rq->pw);
	explicit_bzero(res->verify_pw, sizeof(res->verify_pw));
	if (done == 1)
		return reap_resume(rs, rq, reap_verified(rs, rq));
	if (rs->pending >= rs->cfg->limits.pending ||
	    workq_submit(rs->wq, reap_verify_work, reap_verify_done, rq) < 0) {
		unsigned suppressed;
		if (log_ratelimit_allow(&rs->rl_busy, now, &suppressed))
			log_warning(
			    "radius overload: %u password checks in progress (limits.pending),"
			    " rejecting EAP login user=%s suppressed=%u",
			    rs->pending, rq->rec.user_name, suppressed);
		/* the conversation cannot wait for a retransmit: it ends here */
		auth_pw_clear(&rq->pw);
		return reap_resume(rs, rq, AUTH_EBUSY);
	}
	rs->pending++;
}

/* Sends what the EAP server decided (or starts a password check). */
static void
reap_answer(struct radius_server *rs, struct request *rq, struct eap_result *res_)
{
	struct eap_result res = *res_;
	struct radius_enc e;
	unsigned code;
	char esc[EAP_NAME_MAX * 4 + 1];

	explicit_bzero(res_, sizeof(*res_));
	if (res.inner_identity[0] != '\0')
		log_escape(rq->rec.inner_identity, sizeof(rq->rec.inner_identity),
		           res.inner_identity, strlen(res.inner_identity));
	if (res.action == EAP_ACT_VERIFY) {
		reap_verify(rs, rq, &res);
		explicit_bzero(&res, sizeof(res));
		return;
	}
	if (res.reason != NULL && strcmp(res.reason, "too-many-conversations") == 0) {
		unsigned suppressed;
		if (log_ratelimit_allow(&rs->rl_eap, time(NULL), &suppressed))
			log_warning("eap conversation limit reached (eap.max_conversations=%u):"
			            " new logins rejected suppressed=%u",
			            rs->cfg->eap.max_conversations, suppressed);
	}
	code = res.action == EAP_ACT_CHALLENGE ? PW_CODE_ACCESS_CHALLENGE
	       : res.action == EAP_ACT_ACCEPT  ? PW_CODE_ACCESS_ACCEPT
	                                       : PW_CODE_ACCESS_REJECT;
	/* in the order libfreeradius wrote them: MA, CUI, EAP-Message, the rest, Proxy-State */
	request_reply_begin(rq, code, &e);
	radius_enc_split(&e, PW_EAP_MESSAGE, res.msg, res.msglen);
	if (code == PW_CODE_ACCESS_CHALLENGE)
		radius_enc_attr(&e, PW_STATE, res.state, EAP_STATE_LEN);
	else if (code == PW_CODE_ACCESS_ACCEPT)
		reap_accept_attrs(rs, rq, &e, &res);
	explicit_bzero(res.msk, sizeof(res.msk));
	if (code != PW_CODE_ACCESS_CHALLENGE)
		log_debug(
		    "eap done result=%s method=%s user=%s inner=%s rounds=%u resumed=%d"
		    " reason=%s",
		    code == PW_CODE_ACCESS_ACCEPT ? "accept" : "reject", res.method,
		    rq->rec.user_name,
		    log_escape(esc, sizeof(esc), res.inner_identity, strlen(res.inner_identity)),
		    res.rounds, res.resumed, res.reason);
	request_reply_end(rq, code, &e, res.reason);
}

/*
 * Whom a conversation belongs to: the client's name and transport, and
 * over UDP its address too (one client entry may cover a whole subnet of
 * access points).
 */
static void
reap_peer(const struct request *rq, char *out, size_t outlen)
{
	char host[NI_MAXHOST] = "";

	if (rq->o.conn == NULL && getnameinfo((const struct sockaddr *)&rq->o.from, rq->o.fromlen,
	                                      host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
		host[0] = '\0';
	snprintf(out, outlen, "%s %s %s", rq->o.conn != NULL ? "radsec" : "udp", rq->rec.client,
	         host);
}

static void reap_step(struct radius_server *rs, struct request *rq);

void
radius_eap_access(struct radius_server *rs, struct request *rq)
{
	reap_step(rs, rq);
	reap_acct_forget(rs);
}

static void
reap_step(struct radius_server *rs, struct request *rq)
{
	char peer[EAP_PEER_MAX];
	uint8_t msg[4096];
	size_t msglen = 0, len;
	struct eap_input in = {0};
	struct eap_result res;
	struct rcursor cur;
	const uint8_t *val;
	uint8_t type;
	int rc;

	if (rs->eap == NULL)
		return request_answer(rq, 0, "eap-not-enabled");
	/* from the received bytes (radius_handle checked their structure), not decoded */
	radius_msg_attrs(rq->req, &cur);
	while (radius_msg_attr_next(&cur, &type, &val, &len) > 0) {
		if (type != PW_EAP_MESSAGE)
			continue;
		if (msglen + len > sizeof(msg))
			return request_answer(rq, 0, "oversize-eap-message");
		memcpy(msg + msglen, val, len);
		msglen += len;
	}
	in.msg = msg;
	in.msglen = msglen;
	in.outer = (const char *)radius_msg_raw(rq->req, PW_USER_NAME, &len);
	in.outerlen = in.outer != NULL ? len : 0;
	in.state = radius_msg_raw(rq->req, PW_STATE, &len);
	in.statelen = in.state != NULL ? len : 0;

	reap_peer(rq, peer, sizeof(peer));
	in.peer = peer;
	in.federation = rq->from_federation;
	in.client = rq->rec.client;
	in.station = rq->rec.calling_station;
	rc = eap_server_step(rs->eap, rs->cfg, &in, time(NULL), &res);
	if (res.peer_moved)
		log_notice("eap conversation moved between federation clients from=\"%s\" to=\"%s\""
		           " user=%s",
		           res.peer_before, peer, rq->rec.user_name);
	if (rc == EAP_EBUSY) {
		/* a new request while its password is checked: the answer is on its way */
		rcache_forget(rs->cache, rq->h);
		request_free(rq);
		return;
	}
	if (rc < 0)
		return request_answer(rq, 0, "malformed-eap");
	reap_answer(rs, rq, &res);
}
