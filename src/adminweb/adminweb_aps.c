/*
 * Access points (RADIUS clients in the store), /admin/aps, admin role
 * only: the list (the config file's clients read-only), add with a
 * generated secret shown once on the POST's answer, and delete. poortd's
 * RADIUS side follows the store's client generation, so a change applies
 * without a restart.
 */
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adminweb_int.h"
#include "poort/config.h"
#include "poort/http_form.h"
#include "poort/password.h"
#include "poort/store_client.h"

#define AAPS_SECRET_LEN 24

static int
aaps_row(const struct store_client *c, void *arg)
{
	struct http_tv *it = http_tv_add(arg, "rows");

	http_tv_set(it, "name", c->name);
	http_tv_set(it, "address", c->address);
	if (c->from_config)
		http_tv_set(it, "config", "1");
	if (c->federation)
		http_tv_set(it, "federation", "1");
	if (c->cert_name[0] != '\0')
		http_tv_set(it, "radsec", "1");
	return 0;
}

static void
aaps_page(struct adminweb_page *p, const char *msg, int ok)
{
	if (msg != NULL) {
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
		if (ok)
			http_tv_set(p->tv, "msg_ok", "1");
	}
	if (store_client_foreach(p->aw->st, aaps_row, p->tv) < 0)
		http_tv_set(p->tv, "msg", http_tr(p->lang, N_("The access points cannot be read.")));
	adminweb_page_send(p, 200, "admin_aps", N_("Access points"));
}

static void
aaps_list(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_CLIENTS, &p) < 0)
		return;
	aaps_page(&p, NULL, 0);
}

static void
aaps_add(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	struct store_client c;
	struct config_client parsed;
	const char *name, *addr, *msg = NULL;
	char detail[96];
	int rc;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_CLIENTS, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	memset(&c, 0, sizeof(c));
	name = http_form_get(&f, "name");
	addr = http_form_get(&f, "address");
	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(c.name))
		msg = N_("Give the access point a name of at most 63 characters.");
	else if (addr == NULL || strlen(addr) >= sizeof(c.address) ||
		 config_client_address(addr, &parsed) < 0)
		msg = N_("Write an address or a prefix, like 192.0.2.10 or 192.0.2.0/24.");
	if (msg != NULL) {
		aaps_page(&p, msg, 0);
		goto done;
	}
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.address, sizeof(c.address), "%s", addr);
	if (password_generate(c.secret, AAPS_SECRET_LEN) < 0) {
		adminweb_error(aw, req, &p, 503, N_("Something went wrong. Try again."));
		goto done;
	}
	rc = store_client_add(aw->st, &c);
	snprintf(detail, sizeof(detail), "address=%s", c.address);
	admin_audit(aw->st, &p.who, "client.add", c.name,
		    rc == STORE_EEXIST ? "exists" : rc < 0 ? "refused" : NULL, detail);
	if (rc < 0) {
		aaps_page(&p, rc == STORE_EEXIST ? N_("There is an access point with that name already.")
						 : N_("The access point could not be added."), 0);
		goto done;
	}
	/* the secret: on this answer only */
	http_tv_set(p.tv, "new_name", c.name);
	http_tv_set(p.tv, "new_secret", c.secret);
	aaps_page(&p, N_("The access point was added. Enter this secret in the access point now:"
			 " it is not shown again."), 1);
done:
	explicit_bzero(&c, sizeof(c));
	http_form_free(&f);
}

static void
aaps_delete(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *name;
	int rc;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_CLIENTS, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		adminweb_error(aw, req, &p, 400, N_("The form could not be read. Try again."));
		return;
	}
	name = http_form_get(&f, "name");
	rc = name != NULL ? store_client_delete(aw->st, name) : STORE_ENOTFOUND;
	admin_audit(aw->st, &p.who, "client.delete", name,
		    rc == STORE_EREADONLY ? "config" : rc < 0 ? "refused" : NULL, NULL);
	if (rc == 0) {
		adminweb_page_end(&p);
		adminweb_redirect(req, "/admin/aps");
	} else
		aaps_page(&p, rc == STORE_EREADONLY ? N_("This access point is in poortd.conf: change"
							  " it there.")
						    : N_("There is no such access point."), 0);
	http_form_free(&f);
}

#define R_POST (HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION)

static const struct http_route_def aaps_routes[] = {
	{EVHTTP_REQ_GET, "/admin/aps", HTTP_R_ADMIN, aaps_list},
	{EVHTTP_REQ_POST, "/admin/aps/add", R_POST, aaps_add},
	{EVHTTP_REQ_POST, "/admin/aps/delete", R_POST, aaps_delete},
};

int
adminweb_aps_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, aaps_routes, sizeof(aaps_routes) / sizeof(aaps_routes[0]),
				  aw);
}
