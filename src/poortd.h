/*
 * poortd's processes (README "How poortd runs"): a privileged parent
 * (poortd_parent.c) that binds the sockets, prepares the store and starts,
 * restarts and reloads two unprivileged children (poortd_child.c).
 */
#ifndef POORTD_H
#define POORTD_H

#include <stddef.h>
#include <stdint.h>

#include "poort/sandbox.h"

#define POORT_VERSION "0.1.0"

struct config;

/* The control socket between the parent and a child: a header, then len
 * bytes. */
enum poortd_msg {
	POORTD_MSG_READY = 1,  /* child -> parent: serving */
	POORTD_MSG_RELOAD = 2, /* parent -> child: the new config file's text */
	POORTD_MSG_RELOADED = 3, /* child -> parent: applied */
};
struct poortd_hdr {
	uint32_t type;
	uint32_t len;
	uint32_t fds; /* RELOAD: which of the EAP files came along, POORTD_FD_* */
};

/*
 * A reload re-reads the EAP certificate files, which the radius child's
 * user may not read: the parent sends their contents as memfds with the
 * RELOAD header (SCM_RIGHTS), in this order, one bit each in fds.
 */
enum { POORTD_FD_CERT, POORTD_FD_KEY, POORTD_FD_CLIENT_CA, POORTD_FD_CRL, POORTD_FD_N };
#define POORTD_MSG_MAX (1u << 20)

/*
 * The admin UI's test login: a datagram socketpair the parent makes once,
 * fd[0] the radius child's end (an internal RADIUS client named
 * POORTD_TEST_CLIENT), fd[1] the web child's, and a per-boot secret for
 * it. Both ends stay open in the parent, so either child restarts alone;
 * each child closes the end that is not its own.
 */
#define POORTD_TEST_CLIENT "admin-ui-test"
struct poortd_link {
	int fd[2];
	char secret[65]; /* 32 random bytes in hex */
};

/* The path of EAP file i (POORTD_FD_*) in cfg; "" when not set. */
char *poortd_eap_file(struct config *cfg, unsigned i);

/* Runs a child until SIGTERM or the parent's end; returns the exit status. */
int poortd_child_run(enum sandbox_role role, struct config *cfg, const struct sandbox_user *u,
		     int ctl, struct poortd_link *link);
/* -n: starts and stops every module of both children in this process. */
int poortd_child_check(const struct config *cfg);
/* Runs the parent until SIGTERM; returns the exit status. */
int poortd_parent_run(const char *config_path, struct config *cfg);
/* Names this process in ps and top ("poortd: radius"). */
void poortd_set_title(const char *title);

#endif
