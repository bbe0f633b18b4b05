/*
 * Listening sockets, bound once by poortd's privileged parent and inherited
 * by the children across fork. A module that listens asks lsock_get for its
 * address: it gets its own descriptor for the socket the parent bound, or,
 * when nothing was bound for it (tests, or a listen address added by a
 * reload the parent could not bind), a socket it binds itself.
 */
#ifndef POORT_LSOCK_H
#define POORT_LSOCK_H

#include <stddef.h>
#include <sys/socket.h>

struct config;

/*
 * Parent: binds every listen address of cfg (RADIUS UDP, RadSec and HTTPS
 * TCP) not bound yet. Addresses bound before stay. 0, or -1 with a message.
 */
int lsock_bind_config(const struct config *cfg, char *err, size_t errlen);
/*
 * A listening socket for (type, addr): SOCK_DGRAM bound, or SOCK_STREAM
 * bound and listening; non-blocking, close-on-exec. The caller owns the
 * descriptor. -1 with errno on failure.
 */
int lsock_get(int type, const struct sockaddr *addr, socklen_t addrlen);
/* Child: closes the registry's descriptors once its modules have theirs. */
void lsock_close_all(void);
/* -n: lsock_get returns unbound sockets, so a check runs beside a daemon. */
void lsock_set_check(int on);

#endif
