/*
 * The control socket's one receive, for the parent and the children, and
 * the parent's check of what a child sent (poortd.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "poort/store.h"
#include "poortd.h"

#define CTL_FDS_MAX 8 /* descriptors read with one message at most */

ssize_t
poortd_ctl_recv(int fd, void *buf, size_t len, int *fds, size_t *nfds, size_t max)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CTL_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u)};
	ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < k; i++) {
			int got;
			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = got;
			else
				close(got);
		}
	}
	return n;
}

int
poortd_ctl_check_hdr(enum sandbox_role role, const struct poortd_hdr *h, size_t nfds)
{
	uint32_t want_fds = 0;

	switch (h->type) {
	case POORTD_MSG_READY:
	case POORTD_MSG_RELOADED:
		if (h->len != 0)
			return POORTD_CTL_ELEN;
		break;
	case POORTD_MSG_RESTORE:
		want_fds = 1;
		/* fall through */
	case POORTD_MSG_BACKUP:
		if (role != SANDBOX_WEB)
			return POORTD_CTL_EROLE;
		if (h->len > POORTD_PASS_MAX)
			return POORTD_CTL_ELEN;
		break;
	default:
		return POORTD_CTL_ETYPE;
	}
	if (h->fds != want_fds || nfds != want_fds)
		return POORTD_CTL_EFDS;
	return 0;
}

int
poortd_ctl_check(enum sandbox_role role, const void *buf, size_t len, size_t nfds,
		 struct poortd_ctl_msg *m)
{
	const char *payload = (const char *)buf + sizeof(struct poortd_hdr);
	struct poortd_hdr h;
	const char *nul;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(h))
		return POORTD_CTL_ETRUNC;
	memcpy(&h, buf, sizeof(h));
	if ((rc = poortd_ctl_check_hdr(role, &h, nfds)) < 0)
		return rc;
	if (len - sizeof(h) != h.len)
		return POORTD_CTL_ETRUNC;
	m->type = h.type;
	m->nfds = h.fds;
	if (h.type == POORTD_MSG_BACKUP) {
		m->pass = payload;
		m->passlen = h.len;
	} else if (h.type == POORTD_MSG_RESTORE) {
		/* the admin's name, a NUL, the passphrase */
		if ((nul = memchr(payload, '\0', h.len)) == NULL || !store_username_valid(payload)) {
			memset(m, 0, sizeof(*m));
			return POORTD_CTL_EPAYLOAD;
		}
		m->actor = payload;
		m->pass = nul + 1;
		m->passlen = h.len - (size_t)(nul + 1 - payload);
	}
	return 0;
}

const char *
poortd_ctl_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case POORTD_CTL_ETYPE:
		return "unknown-type";
	case POORTD_CTL_EROLE:
		return "wrong-role";
	case POORTD_CTL_ELEN:
		return "bad-length";
	case POORTD_CTL_ETRUNC:
		return "truncated";
	case POORTD_CTL_EFDS:
		return "bad-descriptors";
	case POORTD_CTL_EPAYLOAD:
		return "bad-payload";
	default:
		return "unknown";
	}
}
