/*
 * EAP over RADIUS (RFC 3579): joins EAP-Message attributes, hands them with
 * the State to the EAP server (src/eap) and turns its answer into an
 * Access-Challenge, -Accept (MS-MPPE keys, VLAN, Session-Timeout) or
 * -Reject. Also the account lookups the EAP server asks for.
 */
#include <string.h>

#include "poort/eap.h"
#include "radius_int.h"

enum {
	PW_MS_MPPE_SEND_KEY = 16,
	PW_MS_MPPE_RECV_KEY = 17,
	VENDOR_MICROSOFT = 311,
	EAP_ATTR_MAX = 253,
};

static const char *
reap_account(void *arg, const char *user, struct eap_account *out)
{
	struct radius_server *rs = arg;
	struct store_account a;
	int rc;

	if (!store_username_valid(user))
		return "unknown-user";
	rc = store_account_get(rs->st, user, &a);
	if (rc == STORE_ENOTFOUND)
		return "unknown-user";
	if (rc < 0) {
		log_error("store lookup failed user=%s error=\"%s\"", user, store_errmsg(rs->st));
		return "store-error";
	}
	if (!a.enabled)
		return "account-disabled";
	if (a.expires != 0 && a.expires <= (int64_t)time(NULL))
		return "account-expired";
	snprintf(out->user, sizeof(out->user), "%s", a.username);
	snprintf(out->affiliation, sizeof(out->affiliation), "%s", a.affiliation);
	snprintf(out->pw_hash, sizeof(out->pw_hash), "%s", a.pw_hash);
	explicit_bzero(&a, sizeof(a));
	return NULL;
}

/* Only the cache here: a real check goes to the worker pool (reap_verify_*). */
static int
reap_password_cached(void *arg, const struct eap_account *a, const char *pw, size_t len)
{
	struct radius_server *rs = arg;
	return pwcache_check(rs->pwc, a->user, a->pw_hash, pw, len, time(NULL));
}

static int
reap_nthash(void *arg, const char *user, uint8_t out[16])
{
	struct radius_server *rs = arg;
	return store_account_nthash(rs->st, user, out) == 0 ? 0 : -1;
}

static void
reap_expired(void *arg, const char *outer, const char *method, unsigned rounds)
{
	char esc[EAP_NAME_MAX * 4 + 1];
	(void)arg;
	log_escape(esc, sizeof(esc), outer, strlen(outer));
	log_notice("eap conversation timed out user=%s method=%s rounds=%u", esc, method, rounds);
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
	    .password_cached = reap_password_cached,
	    .nthash = reap_nthash,
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

static int
reap_add(TALLOC_CTX *ctx, VALUE_PAIR **list, unsigned attr, unsigned vendor, const void *data,
         size_t len)
{
	VALUE_PAIR *vp = fr_pair_afrom_num(ctx, attr, vendor);
	if (vp == NULL)
		return -1;
	fr_pair_value_memcpy(vp, data, len);
	fr_pair_add(list, vp);
	return 0;
}

static int
reap_add_int(TALLOC_CTX *ctx, VALUE_PAIR **list, unsigned attr, uint32_t v, int tagged)
{
	VALUE_PAIR *vp = fr_pair_afrom_num(ctx, attr, 0);
	if (vp == NULL)
		return -1;
	vp->vp_integer = v;
	vp->vp_length = 4;
	if (tagged)
		vp->tag = 0;
	fr_pair_add(list, vp);
	return 0;
}

static int
reap_accept_attrs(struct radius_server *rs, TALLOC_CTX *ctx, VALUE_PAIR **list,
                  const struct eap_result *res)
{
	const struct config_eap_reply *r = config_eap_reply_find(rs->cfg, res->affiliation);

	/* RFC 2548 and RFC 5216: Recv-Key is the first half of the MSK */
	if (reap_add(ctx, list, PW_MS_MPPE_RECV_KEY, VENDOR_MICROSOFT, res->msk, 32) < 0 ||
	    reap_add(ctx, list, PW_MS_MPPE_SEND_KEY, VENDOR_MICROSOFT, res->msk + 32, 32) < 0)
		return -1;
	if (r == NULL)
		return 0;
	if (r->vlan != 0 && radius_msg_add_vlan(ctx, list, r->vlan) < 0)
		return -1;
	if (r->session_timeout != 0 &&
	    reap_add_int(ctx, list, PW_SESSION_TIMEOUT, r->session_timeout, 0) < 0)
		return -1;
	return 0;
}

static void reap_answer(struct radius_server *rs, struct request *rq, struct eap_result *res_);

static void
reap_verify_work(void *arg)
{
	struct request *rq = arg;
	rq->verified = password_verify(rq->pw, rq->pwlen, rq->hash);
}

static void
reap_verify_done(void *arg)
{
	struct request *rq = arg;
	struct radius_server *rs = rq->rs;
	struct eap_result res;
	int rc;

	rs->pending--;
	if (rq->verified < 0)
		log_error("stored password hash of %s is unusable (code %d)", rq->user,
		          rq->verified);
	else if (rq->verified == 1)
		pwcache_put(rs->pwc, rq->user, rq->hash, rq->pw, rq->pwlen, time(NULL));
	explicit_bzero(rq->pw, sizeof(rq->pw));
	if (rs->eap == NULL)
		return request_answer(rq, 0, "eap-not-enabled");
	rc = eap_server_resume(rs->eap, rq->eap_state, rq->verified, time(NULL), &res);
	if (rc < 0)
		return request_answer(rq, 0, "conversation-timed-out");
	reap_answer(rs, rq, &res);
}

/* Hands the password check of an inner PAP to the worker pool. */
static void
reap_verify(struct radius_server *rs, struct request *rq, struct eap_result *res)
{
	time_t now = time(NULL);

	memcpy(rq->pw, res->verify_pw, res->verify_pwlen);
	rq->pwlen = res->verify_pwlen;
	explicit_bzero(res->verify_pw, sizeof(res->verify_pw));
	snprintf(rq->hash, sizeof(rq->hash), "%s", res->verify_hash);
	snprintf(rq->user, sizeof(rq->user), "%s", res->user);
	memcpy(rq->eap_state, res->state, sizeof(rq->eap_state));
	if (rs->pending >= rs->cfg->limits.pending ||
	    workq_submit(rs->wq, reap_verify_work, reap_verify_done, rq) < 0) {
		unsigned suppressed;
		if (log_ratelimit_allow(&rs->rl_busy, now, &suppressed))
			log_warning(
			    "radius overload: %u password checks in progress (limits.pending),"
			    " rejecting EAP login user=%s suppressed=%u",
			    rs->pending, rq->rec.user_name, suppressed);
		/* the conversation cannot wait for a retransmit: it ends here */
		rq->verified = -1;
		rs->pending++;
		reap_verify_done(rq);
		return;
	}
	rs->pending++;
}

/* Sends what the EAP server decided (or starts a password check). */
static void
reap_answer(struct radius_server *rs, struct request *rq, struct eap_result *res_)
{
	struct eap_result res = *res_;
	VALUE_PAIR *list = NULL, *vp;
	TALLOC_CTX *ctx;
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
	ctx = talloc_new(NULL); /* the reply's attributes; rq goes away in request_reply */
	if (ctx == NULL) {
		explicit_bzero(res.msk, sizeof(res.msk));
		return request_answer(rq, 0, "out-of-memory");
	}
	if (res.reason != NULL && strcmp(res.reason, "too-many-conversations") == 0) {
		unsigned suppressed;
		if (log_ratelimit_allow(&rs->rl_eap, time(NULL), &suppressed))
			log_warning("eap conversation limit reached (eap.max_conversations=%u):"
			            " new logins rejected suppressed=%u",
			            rs->cfg->eap.max_conversations, suppressed);
	}

	for (size_t off = 0; off < res.msglen; off += EAP_ATTR_MAX) {
		size_t n = res.msglen - off < EAP_ATTR_MAX ? res.msglen - off : EAP_ATTR_MAX;
		if (reap_add(ctx, &list, PW_EAP_MESSAGE, 0, res.msg + off, n) < 0)
			goto oom;
	}
	switch (res.action) {
	case EAP_ACT_CHALLENGE:
		code = PW_CODE_ACCESS_CHALLENGE;
		if (reap_add(ctx, &list, PW_STATE, 0, res.state, EAP_STATE_LEN) < 0)
			goto oom;
		break;
	case EAP_ACT_ACCEPT:
		code = PW_CODE_ACCESS_ACCEPT;
		if (reap_accept_attrs(rs, ctx, &list, &res) < 0)
			goto oom;
		break;
	default:
		code = PW_CODE_ACCESS_REJECT;
		break;
	}
	if (code != PW_CODE_ACCESS_CHALLENGE)
		log_debug(
		    "eap done result=%s method=%s user=%s inner=%s rounds=%u resumed=%d"
		    " reason=%s",
		    code == PW_CODE_ACCESS_ACCEPT ? "accept" : "reject", res.method,
		    rq->rec.user_name,
		    log_escape(esc, sizeof(esc), res.inner_identity, strlen(res.inner_identity)),
		    res.rounds, res.resumed, res.reason);
	request_reply(rq, code, list, res.reason);
	explicit_bzero(res.msk, sizeof(res.msk));
	/* the reply copied them; wipe our copies of the keys before talloc frees them */
	for (vp = list; vp != NULL; vp = vp->next)
		if (vp->da->vendor == VENDOR_MICROSOFT)
			explicit_bzero((void *)vp->vp_octets, vp->vp_length);
	fr_pair_list_free(&list);
	talloc_free(ctx);
	return;
oom:
	explicit_bzero(res.msk, sizeof(res.msk));
	fr_pair_list_free(&list);
	talloc_free(ctx);
	request_answer(rq, 0, "out-of-memory");
}

void
radius_eap_access(struct radius_server *rs, struct request *rq)
{
	uint8_t msg[4096];
	size_t msglen = 0, statelen = 0, namelen = 0;
	struct eap_input in = {0};
	struct eap_result res;
	VALUE_PAIR *vp;
	vp_cursor_t cur;
	int rc;

	if (rs->eap == NULL)
		return request_answer(rq, 0, "eap-not-enabled");
	for (vp = fr_cursor_init(&cur, &rq->req->vps); vp != NULL; vp = fr_cursor_next(&cur)) {
		if (vp->da->vendor != 0 || vp->da->attr != PW_EAP_MESSAGE)
			continue;
		if (msglen + vp->vp_length > sizeof(msg))
			return request_answer(rq, 0, "oversize-eap-message");
		memcpy(msg + msglen, vp->vp_octets, vp->vp_length);
		msglen += vp->vp_length;
	}
	in.msg = msg;
	in.msglen = msglen;
	in.outer = radius_msg_str(rq->req, PW_USER_NAME, &namelen);
	in.outerlen = namelen;
	vp = fr_pair_find_by_num(rq->req->vps, PW_STATE, 0, TAG_ANY);
	if (vp != NULL) {
		in.state = vp->vp_octets;
		statelen = vp->vp_length;
		in.statelen = statelen;
	}

	rc = eap_server_step(rs->eap, rs->cfg, &in, time(NULL), &res);
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
