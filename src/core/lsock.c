/*
 * The registry of listening sockets the parent binds before it forks the
 * children (include/poort/lsock.h). A restarted child takes the same
 * sockets again, so a restart never needs privilege.
 */
#include "poort/lsock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/config_saml.h"

#define LSOCK_MAX 64

struct lsock {
	int type;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd;
};

static struct lsock lsock_tab[LSOCK_MAX];
static size_t lsock_n;
static int lsock_check;

/*
 * v6only: RADIUS and RadSec bind '*' as 0.0.0.0 and :: apart, so their IPv6
 * sockets take IPv6 only; the HTTPS front's '*' is the one IPv6 wildcard
 * that also takes IPv4 (dual stack, unless net.ipv6.bindv6only is set).
 */
static int
lsock_open(int type, const struct sockaddr *addr, socklen_t addrlen, int v6only)
{
	int one = 1, buf = 4 << 20, fd, saved;

	fd = socket(addr->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* room for a burst of access points retrying at once */
	if (type == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (lsock_check)
		return fd;
	if (bind(fd, addr, addrlen) < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0))
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static struct lsock *
lsock_find(int type, const struct sockaddr *addr, socklen_t addrlen)
{
	for (size_t i = 0; i < lsock_n; i++)
		if (lsock_tab[i].type == type && lsock_tab[i].addrlen == addrlen &&
		    memcmp(&lsock_tab[i].addr, addr, addrlen) == 0)
			return &lsock_tab[i];
	return NULL;
}

static int
lsock_add(int type, const struct sockaddr_storage *addr, socklen_t addrlen, int v6only,
	  const char *text, char *err, size_t errlen)
{
	struct lsock *l;

	if (lsock_find(type, (const struct sockaddr *)addr, addrlen) != NULL)
		return 0;
	if (lsock_n == LSOCK_MAX) {
		snprintf(err, errlen, "more than %d listen addresses", LSOCK_MAX);
		return -1;
	}
	l = &lsock_tab[lsock_n];
	l->fd = lsock_open(type, (const struct sockaddr *)addr, addrlen, v6only);
	if (l->fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", text, strerror(errno));
		return -1;
	}
	l->type = type;
	memcpy(&l->addr, addr, addrlen);
	l->addrlen = addrlen;
	lsock_n++;
	return 0;
}

int
lsock_bind_config(const struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nlistens; i++) {
		const struct config_listen *cl = &cfg->listens[i];
		int type = cl->kind == CONFIG_LISTEN_RADSEC ? SOCK_STREAM : SOCK_DGRAM;
		if (lsock_add(type, &cl->addr, cl->addrlen, 1, cl->text, err, errlen) < 0)
			return -1;
	}
	if (cfg->http != NULL &&
	    lsock_add(SOCK_STREAM, &cfg->http->addr, cfg->http->addrlen, 0, cfg->http->listen_text,
		      err, errlen) < 0)
		return -1;
	if (cfg->http != NULL && cfg->http->admin_addrlen != 0 &&
	    lsock_add(SOCK_STREAM, &cfg->http->admin_addr, cfg->http->admin_addrlen, 0,
		      cfg->http->admin_listen_text, err, errlen) < 0)
		return -1;
	return 0;
}

int
lsock_get(int type, const struct sockaddr *addr, socklen_t addrlen)
{
	struct lsock *l = lsock_find(type, addr, addrlen);

	if (l == NULL || lsock_check)
		return lsock_open(type, addr, addrlen, 1);
	return fcntl(l->fd, F_DUPFD_CLOEXEC, 3);
}

void
lsock_close_all(void)
{
	for (size_t i = 0; i < lsock_n; i++)
		close(lsock_tab[i].fd);
	lsock_n = 0;
}

void
lsock_set_check(int on)
{
	lsock_check = on;
}
