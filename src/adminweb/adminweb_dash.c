/*
 * The dashboard, /admin/: what the web child can see cheaply.
 */
#include <event2/http.h>
#include <stdio.h>
#include <string.h>

#include "adminweb_int.h"

#ifndef POORT_VERSION
#define POORT_VERSION "dev"
#endif

static void
adash(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_DASHBOARD, &p) < 0)
		return;
	http_tv_set(p.tv, "version", POORT_VERSION);
	adminweb_page_send(&p, 200, "admin_dashboard", N_("Dashboard"));
}

static const struct http_route_def adash_routes[] = {
	{EVHTTP_REQ_GET, "/admin/", HTTP_R_ADMIN, adash},
	{EVHTTP_REQ_GET, "/admin", HTTP_R_ADMIN, adash},
};

int
adminweb_dash_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, adash_routes, sizeof(adash_routes) / sizeof(adash_routes[0]),
				  aw);
}
