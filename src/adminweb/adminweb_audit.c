/*
 * The audit log, /admin/audit: every admin change and login, newest first,
 * filtered by actor and time (store_audit_foreach).
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/store_admin.h"

#define AAUDIT_ROWS 200

static int
aaudit_row(const struct store_audit *r, void *arg)
{
	struct http_tv *it = http_tv_add(arg, "rows");
	time_t t = (time_t)r->time;
	struct tm tm;
	char when[32];

	if (it == NULL)
		return 1;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	http_tv_set(it, "when", when);
	http_tv_set(it, "actor", r->actor);
	http_tv_set(it, "action", r->action);
	http_tv_set(it, "object", r->object);
	http_tv_set(it, "source", r->source);
	http_tv_set(it, "outcome", r->outcome);
	http_tv_set(it, "detail", r->detail);
	if (strcmp(r->outcome, "ok") != 0)
		http_tv_set(it, "failed", "1");
	return 0;
}

static void
aaudit(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct store_audit_filter f = {.limit = AAUDIT_ROWS};
	char *actor, *since, *until;
	int64_t t0, t1;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_AUDIT, &p) < 0)
		return;
	actor = adminweb_query(req, "actor");
	since = adminweb_query(req, "since");
	until = adminweb_query(req, "until");
	t0 = adminweb_time(since, 0);
	t1 = adminweb_time(until, 1);
	if (t0 < 0 || t1 < 0) {
		http_tv_set(p.tv, "msg", http_tr(p.lang, N_("Write a date as 2026-12-01, or with a time"
							     " as 2026-12-01T08:30 (UTC).")));
		t0 = t0 < 0 ? 0 : t0;
		t1 = t1 < 0 ? 0 : t1;
	}
	f.actor = actor != NULL && actor[0] != '\0' ? actor : NULL;
	f.since = t0;
	f.until = t1;
	http_tv_set(p.tv, "actor", actor != NULL ? actor : "");
	http_tv_set(p.tv, "since", since != NULL ? since : "");
	http_tv_set(p.tv, "until", until != NULL ? until : "");
	if (store_audit_foreach(aw->st, &f, aaudit_row, p.tv) < 0)
		http_tv_set(p.tv, "msg", http_tr(p.lang, N_("The audit log cannot be read.")));
	free(actor);
	free(since);
	free(until);
	adminweb_page_send(&p, 200, "admin_audit", N_("Audit log"));
}

static const struct http_route_def aaudit_routes[] = {
	{EVHTTP_REQ_GET, "/admin/audit", HTTP_R_ADMIN, aaudit},
};

int
adminweb_audit_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, aaudit_routes,
				  sizeof(aaudit_routes) / sizeof(aaudit_routes[0]), aw);
}
