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

/*
 * What the backup page asks of the privileged parent (poortd_child.c
 * sends it over the control socket, poortd.h). Both return 0 when sent.
 */
struct adminweb_parent {
	/* a backup under pass: adminweb_backup_done() follows */
	int (*backup)(void *ctx, const char *pass, size_t len);
	/* restore the verified backup on fd (lent; the parent gets its own copy);
	 * msg: the admin's name, a NUL, the passphrase */
	int (*restore)(void *ctx, int fd, const char *msg, size_t len);
	void *ctx;
};
void adminweb_set_parent(struct adminweb *aw, const struct adminweb_parent *par);
/* The parent's answer to a backup: 0 with fd (taken), or a BACKUP_E* code
 * or -1 (busy) with fd -1. */
void adminweb_backup_done(struct adminweb *aw, int result, int fd);

#endif
