/*
 * Online now, /admin/online: the accounting sessions that count as online
 * (why_online: from a Start until a Stop, an Accounting-On/Off of the AP or
 * a timeout), with user, access point, MAC, since and traffic. Read only.
 */
#include <event2/http.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adminweb_int.h"
#include "poort/why.h"

#define AONLINE_ROWS 500

/* 1234567 -> "1.2 MB" */
static void
aonline_bytes(uint64_t n, char *out, size_t outlen)
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1000.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(out, outlen, "%" PRIu64 " B", n);
	else
		snprintf(out, outlen, "%.1f %s", v, unit[u]);
}

struct aonline_list {
	struct http_tv *tv;
	unsigned n;
};

static int
aonline_row(const struct store_session *s, void *arg)
{
	struct aonline_list *l = arg;
	struct http_tv *it = http_tv_add(l->tv, "rows");
	time_t tt;
	struct tm tm;
	char buf[32];

	if (it == NULL)
		return 1;
	http_tv_set(it, "user", s->user_name);
	http_tv_set(it, "ap", s->client);
	http_tv_set(it, "mac", s->calling_station[0] != '\0' ? s->calling_station : s->mac);
	http_tv_set(it, "ip", s->framed_ip);
	tt = (time_t)s->started;
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	http_tv_set(it, "since", buf);
	tt = (time_t)s->updated;
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	http_tv_set(it, "updated", buf);
	aonline_bytes(s->input_octets, buf, sizeof(buf));
	http_tv_set(it, "in", buf);
	aonline_bytes(s->output_octets, buf, sizeof(buf));
	http_tv_set(it, "out", buf);
	l->n++;
	return 0;
}

static void
aonline(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct why_online_query q = {.limit = AONLINE_ROWS};
	struct aonline_list l;
	char *who, *mac;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_LOG_SEARCH, &p) < 0)
		return;
	who = adminweb_query(req, "user");
	mac = adminweb_query(req, "mac");
	http_tv_set(p.tv, "user", who != NULL ? who : "");
	http_tv_set(p.tv, "mac", mac != NULL ? mac : "");
	q.now = (int64_t)time(NULL);
	q.account = who != NULL && who[0] != '\0' ? who : NULL;
	q.mac = mac != NULL && mac[0] != '\0' ? mac : NULL;
	l.tv = p.tv;
	l.n = 0;
	if (why_online(aw->st, &q, aonline_row, &l) < 0)
		http_tv_set(p.tv, "msg", http_tr(p.lang, N_("The log cannot be read.")));
	http_tv_setf(p.tv, "count", "%u", l.n);
	free(who);
	free(mac);
	adminweb_page_send(&p, 200, "admin_online", N_("Online now"));
}

static const struct http_route_def aonline_routes[] = {
	{EVHTTP_REQ_GET, "/admin/online", HTTP_R_ADMIN, aonline},
};

int
adminweb_online_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, aonline_routes,
				  sizeof(aonline_routes) / sizeof(aonline_routes[0]), aw);
}
