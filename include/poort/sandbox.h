/*
 * What a poortd child gives up before it reads network input: its user
 * (root -> the configured unprivileged user, no capabilities), the right to
 * gain privileges again (no_new_privs), and every system call its role does
 * not need (a seccomp filter whose default action kills the process).
 */
#ifndef POORT_SANDBOX_H
#define POORT_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

enum {
	SANDBOX_EUSER = -701,  /* no such user, or it is root */
	SANDBOX_EDROP = -702,  /* a set*id/capability call failed */
	SANDBOX_EFILTER = -703 /* the seccomp filter could not be built or loaded */
};

enum sandbox_role {
	SANDBOX_RADIUS, /* RADIUS/UDP, RadSec, EAP, proxy, store */
	SANDBOX_WEB,    /* HTTPS, SAML, metadata fetches, store */
};

struct sandbox_user {
	int do_switch; /* 0: not started as root, the children keep our uid */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Looks name up (before fork: NSS is not available in a child). */
int sandbox_user_lookup(const char *name, struct sandbox_user *out, char *err, size_t errlen);
/*
 * Becomes u (all threads: glibc applies set*id to every thread), keeps no
 * capability, and sets no_new_privs. Checks that root cannot be regained.
 */
int sandbox_drop(const struct sandbox_user *u, char *err, size_t errlen);
/*
 * Loads role's filter on every thread of the process. log_only: forbidden
 * calls are logged by the kernel (audit) and allowed, for finding what a
 * new code path needs; never in production.
 */
int sandbox_filter_install(enum sandbox_role role, int log_only, char *err, size_t errlen);
const char *sandbox_role_name(enum sandbox_role role);

#endif
