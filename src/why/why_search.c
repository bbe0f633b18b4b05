/* Log search with explanations, and online sessions (see poort/why.h). */
#include "poort/why.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

unsigned
why_realm_distance(const char *a, const char *b, unsigned max)
{
	enum { N = 128 };
	unsigned d[3][N + 1]; /* rows i-2, i-1, i of the optimal string alignment */
	size_t la = strlen(a), lb = strlen(b);

	if (la > N || lb > N)
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (size_t j = 0; j <= lb; j++)
		d[1][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned *cur = d[(i + 1) % 3], *prev = d[i % 3], *prev2 = d[(i + 2) % 3];
		unsigned best = cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned v = prev[j - 1] + (ca != cb);
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1; /* two letters swapped */
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return d[(la + 1) % 3][lb] > max ? max + 1 : d[(la + 1) % 3][lb];
}

const char *
why_realm_near(const char *realm, const char *const *realms, size_t n)
{
	const char *best = NULL;
	unsigned bestd = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(realms[i]);
		unsigned max = len >= 16 ? 3 : len >= 6 ? 2 : 1;
		unsigned d = why_realm_distance(realm, realms[i], max);
		if (d == 0)
			return NULL; /* ours, spelled right */
		if (d <= max && (best == NULL || d < bestd)) {
			best = realms[i];
			bestd = d;
		}
	}
	return best;
}

void
why_classify(const struct store_auth_rec *rec, const char *const *realms, size_t nrealms,
	     struct why_outcome *out)
{
	const char *at = strrchr(rec->user_name, '@');
	int proxied = rec->upstream[0] != '\0' || strncmp(rec->reason, "upstream=", 9) == 0;

	memset(out, 0, sizeof(*out));
	out->rec = rec;
	out->accepted = strcmp(rec->result, "accept") == 0;
	if (at != NULL)
		snprintf(out->realm, sizeof(out->realm), "%s", at + 1);
	if (out->accepted) {
		out->reason = proxied ? WHY_OK_HOME : WHY_OK;
		return;
	}
	out->reason = proxied ? WHY_UPSTREAM_REJECT : why_reason_from_word(rec->reason);
	/*
	 * A realm a letter or two from ours went to the federation (or was
	 * refused as not ours): the person meant us. Only for the outcomes a
	 * foreign realm can have; a wrong password inside our realm stays one.
	 */
	if (out->realm[0] != '\0' &&
	    (out->reason == WHY_UPSTREAM_REJECT || out->reason == WHY_REALM_UNKNOWN ||
	     out->reason == WHY_UPSTREAM_UNREACHABLE || out->reason == WHY_REALM_TYPO ||
	     out->reason == WHY_REALM_MALFORMED)) {
		out->near_realm = why_realm_near(out->realm, realms, nrealms);
		if (out->near_realm != NULL)
			out->reason = WHY_REALM_TYPO;
	}
}

enum why_kind
why_kind_guess(const char *subject)
{
	char mac[STORE_MAC_LEN + 1];
	size_t hex = 0, other = 0;

	if (strchr(subject, '@') != NULL)
		return WHY_BY_ACCOUNT;
	for (const char *p = subject; *p != '\0'; p++) {
		if (isxdigit((unsigned char)*p))
			hex++;
		else if (*p != ':' && *p != '-' && *p != '.')
			other++;
	}
	if (other == 0 && hex == STORE_MAC_LEN && store_mac_normalise(subject, mac) == STORE_MAC_LEN)
		return WHY_BY_MAC;
	if (other == 0 && hex > STORE_MAC_LEN && strlen(subject) == hex)
		return WHY_BY_CUI;
	return WHY_BY_ACCOUNT;
}

struct why_walk {
	const struct why_query *q;
	why_cb cb;
	void *arg;
};

static int
why_row(const struct store_auth_rec *r, void *arg)
{
	struct why_walk *w = arg;
	struct why_outcome o;

	why_classify(r, w->q->realms, w->q->nrealms, &o);
	return w->cb(&o, w->arg);
}

int
why_search(struct store *st, const struct why_query *q, why_cb cb, void *arg)
{
	struct store_log_filter f = {.since = q->since, .until = q->until};
	struct why_walk w = {q, cb, arg};
	enum why_kind kind = q->kind;

	f.limit = q->limit != 0 ? q->limit : 50;
	if (q->subject == NULL || q->subject[0] == '\0')
		return STORE_EINVAL;
	if (kind == WHY_BY_AUTO)
		kind = why_kind_guess(q->subject);
	if (kind == WHY_BY_MAC)
		f.mac = q->subject;
	else if (kind == WHY_BY_CUI)
		f.cui = q->subject;
	else
		f.account = q->subject;
	return store_auth_query(st, &f, why_row, &w);
}

unsigned
why_session_timeout(const struct store_session *s, unsigned default_timeout)
{
	int64_t interval = s->prev_update != 0 ? s->updated - s->prev_update : 0;
	int64_t t;

	if (default_timeout == 0)
		default_timeout = WHY_ONLINE_TIMEOUT;
	/* a retransmitted or bunched update says nothing about the interval */
	if (interval < 30)
		return default_timeout;
	t = interval * 5 / 2;
	return t > WHY_ONLINE_MAX_TIMEOUT ? WHY_ONLINE_MAX_TIMEOUT : (unsigned)t;
}

int
why_session_online(const struct store_session *s, int64_t now, unsigned default_timeout)
{
	return s->ended == 0 && s->updated + (int64_t)why_session_timeout(s, default_timeout) > now;
}

struct why_online_walk {
	const struct why_online_query *q;
	why_session_cb cb;
	void *arg;
};

static int
why_online_row(const struct store_session *s, void *arg)
{
	struct why_online_walk *w = arg;

	if (!why_session_online(s, w->q->now, w->q->default_timeout))
		return 0;
	return w->cb(s, w->arg);
}

int
why_online(struct store *st, const struct why_online_query *q, why_session_cb cb, void *arg)
{
	struct store_session_filter f = {.open_only = 1, .account = q->account, .mac = q->mac};
	struct why_online_walk w = {q, cb, arg};

	/* nothing older can still be online, whatever its interval */
	f.updated_since = q->now - WHY_ONLINE_MAX_TIMEOUT;
	f.limit = q->limit;
	return store_session_query(st, &f, why_online_row, &w);
}
