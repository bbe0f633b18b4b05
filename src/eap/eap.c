/*
 * The EAP server state machine: Identity, method choice and NAK, the
 * conversation table. No I/O: packets in, packets and actions out.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eap_int.h"
#include "poort/auth.h"

static const struct eap_method *
eap_method_find(uint8_t type)
{
	switch (type) {
	case EAP_TYPE_TLS:
		return eap_tls_register();
	case EAP_TYPE_TTLS:
		return eap_ttls_register();
	case EAP_TYPE_PEAP:
		return eap_peap_register();
	default:
		return NULL;
	}
}

struct eap_server *
eap_server_new(const struct config_eap *cfg, const struct eap_backend *be, char *err, size_t errlen)
{
	struct eap_server *es = calloc(1, sizeof(*es));

	if (es == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	es->cfg = *cfg;
	es->cfg.replies = NULL; /* owned by the config, which may be reloaded */
	es->cfg.nreplies = 0;
	es->be = *be;
	es->nbuckets = 64;
	while (es->nbuckets < cfg->max_conversations && es->nbuckets < (1u << 20))
		es->nbuckets <<= 1;
	es->buckets = calloc(es->nbuckets, sizeof(*es->buckets));
	if (es->buckets == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (eap_tls_ctx_new(es, err, errlen) < 0)
		goto fail;
	return es;
fail:
	eap_server_free(es);
	return NULL;
}

int
eap_server_reload(struct eap_server *es, const struct config_eap *cfg, char *err, size_t errlen)
{
	struct eap_server tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.cfg = *cfg;
	if (eap_tls_ctx_new(&tmp, err, errlen) < 0) {
		SSL_CTX_free(tmp.tls_ctx);
		SSL_CTX_free(tmp.tunnel_ctx);
		X509_free(tmp.device_ca);
		return -1;
	}
	/* each SSL keeps a reference to the context it was made from */
	SSL_CTX_free(es->tls_ctx);
	SSL_CTX_free(es->tunnel_ctx);
	X509_free(es->device_ca);
	es->tls_ctx = tmp.tls_ctx;
	es->tunnel_ctx = tmp.tunnel_ctx;
	es->device_ca = tmp.device_ca;
	es->cfg = *cfg;
	es->cfg.replies = NULL;
	es->cfg.nreplies = 0;
	return 0;
}

int
eap_config_check(const struct config_eap *cfg, char *err, size_t errlen)
{
	struct eap_server tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.cfg = *cfg;
	rc = eap_tls_ctx_new(&tmp, err, errlen);
	SSL_CTX_free(tmp.tls_ctx);
	SSL_CTX_free(tmp.tunnel_ctx);
	X509_free(tmp.device_ca);
	return rc;
}

static size_t
eap_bucket(const struct eap_server *es, const uint8_t *state)
{
	uint32_t h = (uint32_t)state[0] << 24 | (uint32_t)state[1] << 16 | (uint32_t)state[2] << 8 |
	             state[3];
	return h & (es->nbuckets - 1);
}

static void
eap_lru_unlink(struct eap_server *es, struct eap_conv *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		es->lru_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		es->lru_tail = c->prev;
	c->prev = c->next = NULL;
}

static void
eap_lru_push(struct eap_server *es, struct eap_conv *c)
{
	c->prev = NULL;
	c->next = es->lru_head;
	if (es->lru_head != NULL)
		es->lru_head->prev = c;
	es->lru_head = c;
	if (es->lru_tail == NULL)
		es->lru_tail = c;
}

static void
eap_conv_free(struct eap_server *es, struct eap_conv *c)
{
	struct eap_conv **pp = &es->buckets[eap_bucket(es, c->state)];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp == c)
		*pp = c->hnext;
	eap_lru_unlink(es, c);
	es->count--;
	if (c->m != NULL && c->mpriv != NULL)
		c->m->free(c->mpriv);
	free(c->last_req);
	explicit_bzero(c, sizeof(*c)); /* MSK, a password waiting for its check */
	free(c);
}

void
eap_server_free(struct eap_server *es)
{
	if (es == NULL)
		return;
	while (es->lru_head != NULL)
		eap_conv_free(es, es->lru_head);
	free(es->buckets);
	SSL_CTX_free(es->tls_ctx);
	SSL_CTX_free(es->tunnel_ctx);
	X509_free(es->device_ca);
	free(es);
}

unsigned
eap_server_count(const struct eap_server *es)
{
	return es->count;
}

unsigned
eap_server_expire(struct eap_server *es, time_t now, eap_expire_cb cb, void *arg)
{
	unsigned n = 0;

	while (es->lru_tail != NULL && es->lru_tail->last + (time_t)es->cfg.timeout <= now) {
		struct eap_conv *c = es->lru_tail;
		if (cb != NULL) {
			const struct eap_expired e = {
			    .outer = c->outer,
			    .inner = c->inner,
			    .method = c->m != NULL ? c->m->name : "-",
			    .client = c->client,
			    .station = c->station,
			    .rounds = c->rounds,
			    /* every method here runs in TLS (tls, ttls, peap) */
			    .in_handshake = c->m != NULL && c->inner[0] == '\0',
			};
			cb(arg, &e);
		}
		eap_conv_free(es, c);
		n++;
	}
	return n;
}

static struct eap_conv *
eap_conv_find(struct eap_server *es, const uint8_t *state, size_t len)
{
	if (len != EAP_STATE_LEN)
		return NULL;
	for (struct eap_conv *c = es->buckets[eap_bucket(es, state)]; c != NULL; c = c->hnext)
		if (memcmp(c->state, state, EAP_STATE_LEN) == 0)
			return c;
	return NULL;
}

static struct eap_conv *
eap_conv_new(struct eap_server *es, time_t now)
{
	struct eap_conv *c;
	size_t b;

	if (es->count >= es->cfg.max_conversations)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	do {
		if (RAND_bytes(c->state, sizeof(c->state)) != 1) {
			free(c);
			return NULL;
		}
	} while (eap_conv_find(es, c->state, sizeof(c->state)) != NULL);
	c->es = es;
	c->last = now;
	if (RAND_bytes(&c->id, 1) != 1)
		c->id = 0;
	b = eap_bucket(es, c->state);
	c->hnext = es->buckets[b];
	es->buckets[b] = c;
	eap_lru_push(es, c);
	es->count++;
	return c;
}

/* Splits an identity at its last '@'; realm lower case. -1 if it has none. */
static int
eap_split_realm(const char *name, size_t len, size_t *local, char *realm, size_t realmcap)
{
	const char *at = memrchr(name, '@', len);
	size_t rlen;

	if (at == NULL)
		return -1;
	*local = (size_t)(at - name);
	rlen = len - *local - 1;
	if (rlen == 0 || rlen >= realmcap)
		return -1;
	for (size_t i = 0; i < rlen; i++) {
		char ch = at[1 + i];
		realm[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	realm[rlen] = '\0';
	return 0;
}

static int
eap_conv_fail(struct eap_conv *c, const char *why)
{
	c->reason = why;
	memset(&c->acct, 0, sizeof(c->acct));
	return -1;
}

/*
 * Checks name (user@realm) against the outer realm; the local part, lower
 * case, into user. 0, or -1 with the reason set.
 */
static int
eap_conv_name(struct eap_conv *c, const char *name, size_t len, char *user, size_t userlen)
{
	char realm[EAP_NAME_MAX + 1];
	size_t local, keep = len > EAP_NAME_MAX ? EAP_NAME_MAX : len;

	memcpy(c->inner, name, keep);
	c->inner[keep] = '\0';
	memset(&c->acct, 0, sizeof(c->acct));
	if (len > EAP_NAME_MAX || memchr(name, '\0', len) != NULL)
		return eap_conv_fail(c, "bad-inner-identity");
	if (eap_split_realm(name, len, &local, realm, sizeof(realm)) < 0)
		return eap_conv_fail(c, "inner-identity-without-realm");
	/* eduroam: the realm routed on outside must be the one proven inside */
	if (strcmp(realm, c->realm) != 0)
		return eap_conv_fail(c, "inner-realm-mismatch");
	if (local == 0 || local >= userlen)
		return eap_conv_fail(c, auth_reason(AUTH_EUNKNOWN));
	for (size_t i = 0; i < local; i++)
		user[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	user[local] = '\0';
	return 0;
}

int
eap_conv_device_identity(struct eap_conv *c, const char *name, size_t len, const char *serial)
{
	char user[sizeof(c->acct.user)];
	int rc;

	if (eap_conv_name(c, name, len, user, sizeof(user)) < 0)
		return -1;
	if (c->es->be.device == NULL)
		return eap_conv_fail(c, auth_reason(AUTH_EDEVICE));
	/* the whole CN is the pseudonym: the store ties it to the serial */
	rc = c->es->be.device(c->es->be.arg, serial, c->inner, &c->acct);
	if (rc != 0)
		return eap_conv_fail(c, auth_reason(rc < 0 ? rc : AUTH_EDEVICE));
	return 0;
}

int
eap_conv_inner_identity(struct eap_conv *c, const char *name, size_t len)
{
	char user[sizeof(c->acct.user)];
	int rc;

	if (eap_conv_name(c, name, len, user, sizeof(user)) < 0)
		return -1;
	rc = c->es->be.account(c->es->be.arg, user, &c->acct);
	if (rc != 0)
		return eap_conv_fail(c, auth_reason(rc < 0 ? rc : AUTH_EUNKNOWN));
	return 0;
}

/* Writes a whole EAP packet (code, id, type, type-data by the method). */
static int
eap_build(struct eap_server *es, uint8_t code, uint8_t id, size_t *len)
{
	if (*len + 4 > sizeof(es->out))
		return EAP_EINVAL;
	es->out[0] = code;
	es->out[1] = id;
	es->out[2] = (uint8_t)((*len + 4) >> 8);
	es->out[3] = (uint8_t)(*len + 4);
	*len += 4;
	return 0;
}

static void
eap_result_fill(struct eap_result *out, struct eap_conv *c)
{
	out->method = c->m != NULL ? c->m->name : "-";
	snprintf(out->inner_identity, sizeof(out->inner_identity), "%s", c->inner);
	snprintf(out->user, sizeof(out->user), "%s", c->acct.user);
	snprintf(out->affiliation, sizeof(out->affiliation), "%s", c->acct.affiliation);
	out->rounds = c->rounds;
	out->resumed = c->resumed;
	memcpy(out->state, c->state, EAP_STATE_LEN);
}

static int
eap_finish(struct eap_server *es, struct eap_conv *c, uint8_t id, int success,
           struct eap_result *out)
{
	size_t len = 0;

	if (c != NULL) {
		eap_result_fill(out, c);
		out->reason = success ? "-" : (c->reason != NULL ? c->reason : "eap-failure");
		if (success)
			memcpy(out->msk, c->msk, EAP_MSK_LEN);
		eap_conv_free(es, c);
	}
	eap_build(es, success ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE, id, &len);
	out->action = success ? EAP_ACT_ACCEPT : EAP_ACT_REJECT;
	out->msg = es->out;
	out->msglen = len;
	return 0;
}

static int
eap_reject(struct eap_server *es, uint8_t id, const char *reason, struct eap_result *out)
{
	out->reason = reason;
	return eap_finish(es, NULL, id, 0, out);
}

/* Sends the request the method wrote at es->out + 5, and keeps a copy. */
static int
eap_challenge(struct eap_server *es, struct eap_conv *c, size_t datalen, struct eap_result *out)
{
	size_t len = datalen + 1;
	uint8_t *copy;

	c->id++;
	es->out[4] = c->m->type;
	if (eap_build(es, EAP_CODE_REQUEST, c->id, &len) < 0)
		return EAP_EINVAL;
	copy = realloc(c->last_req, len);
	if (copy == NULL)
		return EAP_ENOMEM;
	memcpy(copy, es->out, len);
	c->last_req = copy;
	c->last_req_len = len;
	c->rounds++;
	eap_result_fill(out, c);
	out->action = EAP_ACT_CHALLENGE;
	out->msg = es->out;
	out->msglen = len;
	out->reason = "-";
	return 0;
}

/* Starts method index i of the configured list. */
static int
eap_method_begin(struct eap_server *es, struct eap_conv *c, size_t i, uint8_t id,
                 struct eap_result *out)
{
	struct wcursor w;
	int rc;

	if (c->m != NULL && c->mpriv != NULL)
		c->m->free(c->mpriv);
	c->mpriv = NULL;
	c->m = eap_method_find(es->cfg.methods[i]);
	c->tried |= 1u << i;
	c->m_answered = 0;
	if (c->m == NULL) {
		c->reason = "method-unavailable";
		return eap_finish(es, c, id, 0, out);
	}
	wcursor_init(&w, es->out + 5, sizeof(es->out) - 5);
	rc = c->m->start(c, &c->mpriv, &w);
	if (rc != EAP_M_CONT || w.err) {
		if (c->reason == NULL)
			c->reason = "method-start-failed";
		return eap_finish(es, c, id, 0, out);
	}
	return eap_challenge(es, c, w.pos, out);
}

/* The peer's NAK lists the types it wants; take the first we offer and did not try. */
static int
eap_nak(struct eap_server *es, struct eap_conv *c, uint8_t id, struct rcursor *r,
        struct eap_result *out)
{
	uint8_t want[64];
	size_t n = rcursor_left(r);

	if (n > sizeof(want))
		n = sizeof(want);
	if (rcursor_bytes(r, want, n) < 0)
		n = 0;
	for (size_t i = 0; i < es->cfg.nmethods; i++) {
		if (c->tried & (1u << i))
			continue;
		if (memchr(want, es->cfg.methods[i], n) != NULL)
			return eap_method_begin(es, c, i, id, out);
	}
	c->reason = "no-common-method";
	return eap_finish(es, c, id, 0, out);
}

static const char *
eap_peer(const struct eap_input *in)
{
	return in->peer != NULL ? in->peer : "";
}

/*
 * A State is honoured only from the peer it was issued to; FLRs may hand a
 * conversation to one another (failover), which the result reports.
 */
static int
eap_peer_allowed(struct eap_conv *c, const struct eap_input *in, struct eap_result *out)
{
	const char *p = eap_peer(in);

	if (strncmp(c->peer, p, sizeof(c->peer)) == 0 && strlen(p) < sizeof(c->peer))
		return 1;
	if (!c->federation || !in->federation)
		return 0;
	out->peer_moved = 1;
	snprintf(out->peer_before, sizeof(out->peer_before), "%s", c->peer);
	snprintf(c->peer, sizeof(c->peer), "%s", p);
	return 1;
}

static int
eap_start(struct eap_server *es, const struct config *cfg, const struct eap_input *in, uint8_t id,
          struct rcursor *r, time_t now, struct eap_result *out)
{
	const uint8_t *name;
	size_t len = rcursor_left(r), local;
	char realm[EAP_NAME_MAX + 1];
	struct eap_conv *c;

	if (len > EAP_NAME_MAX || rcursor_ptr(r, &name, len) < 0)
		return eap_reject(es, id, "bad-identity", out);
	if (memchr(name, '\0', len) != NULL)
		return eap_reject(es, id, "bad-identity", out);
	if (eap_split_realm((const char *)name, len, &local, realm, sizeof(realm)) < 0)
		return eap_reject(es, id, "no-realm", out);
	if (!config_realm_is_local(cfg, realm, strlen(realm)))
		return eap_reject(es, id, "realm-not-local", out);
	if (es->cfg.nmethods == 0)
		return eap_reject(es, id, "no-eap-methods", out);
	c = eap_conv_new(es, now);
	if (c == NULL)
		return eap_reject(es, id,
		                  es->count >= es->cfg.max_conversations ? "too-many-conversations"
		                                                         : "out-of-memory",
		                  out);
	memcpy(c->outer, name, len);
	c->outer[len] = '\0';
	memcpy(c->realm, realm, strlen(realm) + 1);
	snprintf(c->peer, sizeof(c->peer), "%s", eap_peer(in));
	snprintf(c->client, sizeof(c->client), "%s", in->client != NULL ? in->client : "");
	snprintf(c->station, sizeof(c->station), "%s", in->station != NULL ? in->station : "");
	c->federation = in->federation;
	c->id = id;
	return eap_method_begin(es, c, 0, id, out);
}

/* What a method's process or resume returned, turned into the server's answer. */
static int
eap_after_method(struct eap_server *es, struct eap_conv *c, int rc, struct wcursor *w,
                 struct eap_result *out)
{
	if (rc == EAP_M_VERIFY) {
		eap_result_fill(out, c);
		out->action = EAP_ACT_VERIFY;
		memcpy(out->verify_pw, c->verify_pw, c->verify_pwlen);
		out->verify_pwlen = c->verify_pwlen;
		explicit_bzero(c->verify_pw, sizeof(c->verify_pw));
		c->verify_pwlen = 0;
		c->verifying = 1;
		return 0;
	}
	if (rc == EAP_M_CONT && !w->err)
		return eap_challenge(es, c, w->pos, out);
	if (rc == EAP_M_CONT && c->reason == NULL)
		c->reason = "request-too-large";
	return eap_finish(es, c, c->resp_id, rc == EAP_M_SUCCESS, out);
}

int
eap_server_step(struct eap_server *es, const struct config *cfg, const struct eap_input *in,
                time_t now, struct eap_result *out)
{
	struct rcursor r, body;
	uint8_t code, id, type;
	uint16_t len;
	struct eap_conv *c = NULL;
	struct wcursor w;
	int rc;

	memset(out, 0, sizeof(*out));
	out->method = "-";
	out->reason = "-";
	eap_server_expire(es, now, NULL, NULL);
	rcursor_init(&r, in->msg, in->msglen);
	if (rcursor_u8(&r, &code) < 0 || rcursor_u8(&r, &id) < 0 || rcursor_u16(&r, &len) < 0)
		return EAP_EINVAL;
	/* RFC 3748 4.1: octets past Length are padding; fewer is an error */
	if (len < 5 || rcursor_sub(&r, &body, (size_t)len - 4) < 0 || rcursor_u8(&body, &type) < 0)
		return EAP_EINVAL;
	if (code != EAP_CODE_RESPONSE)
		return EAP_EINVAL;

	if (in->state != NULL && in->statelen > 0) {
		c = eap_conv_find(es, in->state, in->statelen);
		/* another client's State is no conversation of its own: left alone */
		if (c != NULL && !eap_peer_allowed(c, in, out)) {
			c = NULL;
			if (type != EAP_TYPE_IDENTITY)
				return eap_reject(es, id, "state-from-other-client", out);
		}
		/* a fresh Identity with a stale State is a peer starting over */
		if (c == NULL && type != EAP_TYPE_IDENTITY)
			return eap_reject(es, id, "unknown-or-expired-state", out);
	}
	if (c == NULL) {
		if (type != EAP_TYPE_IDENTITY)
			return eap_reject(es, id, "expected-identity", out);
		return eap_start(es, cfg, in, id, &body, now, out);
	}

	c->last = now;
	eap_lru_unlink(es, c);
	eap_lru_push(es, c);
	if (c->verifying)
		return EAP_EBUSY; /* the answer comes with eap_server_resume */
	if (id != c->id) {
		/* a stale response: repeat our last request rather than fail the login */
		if (c->last_req == NULL || c->last_req_len > sizeof(es->out))
			return EAP_EINVAL;
		memcpy(es->out, c->last_req, c->last_req_len);
		eap_result_fill(out, c);
		out->action = EAP_ACT_CHALLENGE;
		out->msg = es->out;
		out->msglen = c->last_req_len;
		return 0;
	}
	c->resp_id = id;
	if (type == EAP_TYPE_NAK) {
		if (c->m_answered) {
			c->reason = "unexpected-nak";
			return eap_finish(es, c, id, 0, out);
		}
		return eap_nak(es, c, id, &body, out);
	}
	if (c->m == NULL || type != c->m->type) {
		c->reason = "unexpected-eap-type";
		return eap_finish(es, c, id, 0, out);
	}
	c->m_answered = 1;
	c->resp_id = id;
	{
		const uint8_t *data;
		size_t dlen = rcursor_left(&body);
		if (rcursor_ptr(&body, &data, dlen) < 0)
			return EAP_EINVAL;
		wcursor_init(&w, es->out + 5, sizeof(es->out) - 5);
		rc = c->m->process(c, c->mpriv, data, dlen, &w);
	}
	return eap_after_method(es, c, rc, &w, out);
}

int
eap_server_resume(struct eap_server *es, const uint8_t state[EAP_STATE_LEN], int verified,
                  time_t now, struct eap_result *out)
{
	struct eap_conv *c = eap_conv_find(es, state, EAP_STATE_LEN);
	struct wcursor w;
	int rc;

	memset(out, 0, sizeof(*out));
	out->method = "-";
	out->reason = "-";
	if (c == NULL || !c->verifying || c->m->resume == NULL)
		return EAP_ESTATE; /* timed out meanwhile: already logged and freed */
	c->verifying = 0;
	c->last = now;
	wcursor_init(&w, es->out + 5, sizeof(es->out) - 5);
	rc = c->m->resume(c, c->mpriv, verified, &w);
	return eap_after_method(es, c, rc, &w, out);
}
