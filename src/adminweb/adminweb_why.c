/*
 * "Why can't X log in?", /admin/why: the auth log for a user, MAC (any
 * notation) or CUI in a time range (why_search), each outcome with its
 * reason and what to do in the page's language (why_reason_text: the
 * reasons' own catalogue). Read only: helpdesk and admin.
 *
 * The page also carries the test login's form; its POST and the result
 * are adminweb_testlogin.c's.
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/config.h"
#include "poort/why.h"

#define AWHY_ROWS 100

struct awhy_list {
	struct http_tv *tv;
	enum why_lang lang;
	const char *ui; /* "nl" or "en" */
};

static const char *const awhy_actor_class[] = {
	[WHY_ACTOR_NONE] = "ok",
	[WHY_ACTOR_USER] = "user",
	[WHY_ACTOR_HELPDESK] = "helpdesk",
	[WHY_ACTOR_ADMIN] = "admin",
	[WHY_ACTOR_REMOTE] = "remote",
};

static int
awhy_row(const struct why_outcome *o, void *arg)
{
	struct awhy_list *l = arg;
	const struct store_auth_rec *r = o->rec;
	const struct why_text *t = why_reason_text(o->reason, l->lang);
	struct http_tv *it = http_tv_add(l->tv, "rows");
	enum why_actor who = why_reason_actor(o->reason);
	time_t tt = (time_t)r->time;
	struct tm tm;
	char when[32];

	if (it == NULL)
		return 1;
	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	http_tv_set(it, "when", when);
	http_tv_set(it, "user", r->user_name);
	if (r->inner_identity[0] != '\0' && strcmp(r->inner_identity, "-") != 0 &&
	    strcmp(r->inner_identity, r->user_name) != 0)
		http_tv_set(it, "inner", r->inner_identity);
	http_tv_set(it, "mac", r->calling_station[0] != '\0' ? r->calling_station : "-");
	http_tv_set(it, "ap", r->client);
	http_tv_set(it, "upstream", r->upstream);
	http_tv_set(it, "word", r->reason);
	http_tv_set(it, "reason", why_reason_id(o->reason));
	http_tv_set(it, "result", http_tr(l->ui, o->accepted ? N_("accepted") : N_("refused")));
	if (!o->accepted)
		http_tv_set(it, "failed", "1");
	http_tv_set(it, "title", t->title);
	http_tv_set(it, "explain", t->explain);
	http_tv_set(it, "action", t->action);
	http_tv_set(it, "who", (unsigned)who < sizeof(awhy_actor_class) / sizeof(awhy_actor_class[0])
				       ? awhy_actor_class[who]
				       : "admin");
	if (o->near_realm != NULL) {
		http_tv_set(it, "meant", o->near_realm);
		http_tv_set(it, "typed", o->realm);
	}
	return 0;
}

static void
awhy(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct why_query q = {.limit = AWHY_ROWS};
	struct awhy_list l;
	char *subject, *kind, *since, *until;
	int64_t t0, t1;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_LOG_SEARCH, &p) < 0)
		return;
	subject = adminweb_query(req, "q");
	kind = adminweb_query(req, "kind");
	since = adminweb_query(req, "since");
	until = adminweb_query(req, "until");
	http_tv_set(p.tv, "q", subject != NULL ? subject : "");
	http_tv_set(p.tv, "since", since != NULL ? since : "");
	if (aw->tl != NULL) {
		http_tv_set(p.tv, "test_on", "1");
		http_tv_set(p.tv, "m_pap", "1");
	}
	http_tv_set(p.tv, "until", until != NULL ? until : "");
	q.kind = WHY_BY_AUTO;
	if (kind != NULL && strcmp(kind, "user") == 0)
		q.kind = WHY_BY_ACCOUNT;
	else if (kind != NULL && strcmp(kind, "mac") == 0)
		q.kind = WHY_BY_MAC;
	else if (kind != NULL && strcmp(kind, "cui") == 0)
		q.kind = WHY_BY_CUI;
	http_tv_set(p.tv, q.kind == WHY_BY_ACCOUNT ? "k_user"
			  : q.kind == WHY_BY_MAC   ? "k_mac"
			  : q.kind == WHY_BY_CUI   ? "k_cui"
						   : "k_auto",
		    "1");
	t0 = adminweb_time(since, 0);
	t1 = adminweb_time(until, 1);
	if (t0 < 0 || t1 < 0) {
		http_tv_set(p.tv, "msg", http_tr(p.lang, N_("Write a date as 2026-12-01, or with a time"
							     " as 2026-12-01T08:30 (UTC).")));
		goto out;
	}
	if (subject == NULL || subject[0] == '\0')
		goto out;
	q.subject = subject;
	q.since = t0;
	q.until = t1;
	q.realms = (const char *const *)aw->cfg->realms;
	q.nrealms = aw->cfg->nrealms;
	l.tv = p.tv;
	l.ui = p.lang;
	l.lang = why_lang_parse(p.lang);
	http_tv_set(p.tv, "searched", "1");
	if (why_search(aw->st, &q, awhy_row, &l) < 0)
		http_tv_set(p.tv, "msg", http_tr(p.lang, N_("The log cannot be read.")));
out:
	free(subject);
	free(kind);
	free(since);
	free(until);
	adminweb_page_send(&p, 200, "admin_why", N_("Why can't someone log in?"));
}

static const struct http_route_def awhy_routes[] = {
	{EVHTTP_REQ_GET, "/admin/why", HTTP_R_ADMIN, awhy},
};

int
adminweb_why_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, awhy_routes,
				  sizeof(awhy_routes) / sizeof(awhy_routes[0]), aw);
}
