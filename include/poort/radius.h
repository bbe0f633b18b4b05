/*
 * The RADIUS server: UDP listeners for authentication and accounting,
 * client (access point) checks, BlastRADIUS rules, duplicate detection,
 * Status-Server, local PAP against the store, and the authentication log.
 */
#ifndef POORT_RADIUS_H
#define POORT_RADIUS_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;
struct store;
struct store_logger;
struct radius_server;

struct radius_stats {
	uint64_t requests, accepts, rejects, dropped, duplicates, acct, status;
};

/*
 * Binds every listen address of cfg. cfg, st and lg are borrowed and must
 * outlive the server (or be replaced through radius_server_reload).
 */
struct radius_server *radius_server_new(struct event_base *base, const struct config *cfg,
					struct store *st, struct store_logger *lg, char *err,
					size_t errlen);
/*
 * Switches to a new config: clients, realms and limits take effect at once.
 * Listen addresses are kept; a change to them is logged as needing a restart.
 */
void radius_server_reload(struct radius_server *rs, const struct config *cfg);
/*
 * The admin UI's test login (poortd_parent.c makes the link): datagrams on
 * fd, a connected AF_UNIX datagram socket whose other end only the web
 * child holds, are Access-Requests from an internal client named name
 * with secret (not in the store; its auth log rows name it like any
 * other), answered on fd. fd is taken over, closed by radius_server_free
 * (or here on failure); datagrams queued while no radius child ran are
 * dropped unread. 0, or -1 with err.
 */
int radius_server_internal(struct radius_server *rs, int fd, const char *name, const char *secret,
			   char *err, size_t errlen);
void radius_server_stats(const struct radius_server *rs, struct radius_stats *out);
/* Stops reading; requests in the worker pool finish and are answered. */
void radius_server_free(struct radius_server *rs);

#endif
