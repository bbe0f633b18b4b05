/*
 * The school's admin and helpdesk UI on the admin listener of the HTTPS
 * front (http.admin_listen), in the unprivileged web child: login with
 * password and TOTP, forced password change, TOTP enrolment, the dashboard
 * and the audit log; further page groups plug in (src/adminweb/README.md).
 */
#ifndef POORT_ADMINWEB_H
#define POORT_ADMINWEB_H

#include <stddef.h>

struct config;
struct event_base;
struct http_server;
struct store;
struct adminweb;

/* All lent for the object's lifetime. NULL with err on failure. */
struct adminweb *adminweb_new(struct event_base *base, struct http_server *hs,
			      const struct config *cfg, struct store *st, const char *store_path,
			      char *err, size_t errlen);
/* The new config after a reload (the certificates shown stay those read at start). */
void adminweb_reload(struct adminweb *aw, const struct config *cfg);
/*
 * The test login on /admin/why (adminweb_testlogin.c): fd is the web
 * child's end of the link to the radius child (poortd.h), taken over;
 * secret is the link's (copied). Without it the page offers no test.
 */
void adminweb_test_link(struct adminweb *aw, int fd, const char *secret);
void adminweb_free(struct adminweb *aw);

#endif
