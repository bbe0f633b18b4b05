/*
 * The parent's check of a child's control message (poortd.h,
 * poortd_ctl_check): the web child parses network input, so whatever it
 * sends over the control socket is untrusted. Input: a byte for the
 * sender's role (bit 0: web), a byte for the descriptors that came along
 * (0..3), then the message (header and payload) in an exact-size buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/store.h"
#include "poortd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct poortd_ctl_msg m;
	struct poortd_hdr h;
	enum sandbox_role role;
	size_t nfds, len, alen;
	uint8_t *buf;
	int rc;

	if (size < 2)
		return 0;
	role = (data[0] & 1) ? SANDBOX_WEB : SANDBOX_RADIUS;
	nfds = data[1] & 3;
	len = size - 2;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return 0;
	memcpy(buf, data + 2, len);
	memset(&m, 0xa5, sizeof(m)); /* whatever the caller had */
	rc = poortd_ctl_check(role, buf, len, nfds, &m);
	ASSERT(rc <= 0 && rc >= POORTD_CTL_EPAYLOAD);
	ASSERT(strcmp(poortd_ctl_strerror(rc), "unknown") != 0);
	if (len < sizeof(h)) {
		ASSERT(rc == POORTD_CTL_ETRUNC);
		goto out;
	}
	memcpy(&h, buf, sizeof(h));
	/* the header alone refuses what the whole message refuses for it */
	if (poortd_ctl_check_hdr(role, &h, nfds) < 0)
		ASSERT(rc == poortd_ctl_check_hdr(role, &h, nfds));
	/* refusals that must happen whatever else the message holds */
	if (role != SANDBOX_WEB && (h.type == POORTD_MSG_BACKUP || h.type == POORTD_MSG_RESTORE))
		ASSERT(rc == POORTD_CTL_EROLE);
	if (h.type != POORTD_MSG_READY && h.type != POORTD_MSG_RELOADED &&
	    h.type != POORTD_MSG_BACKUP && h.type != POORTD_MSG_RESTORE)
		ASSERT(rc == POORTD_CTL_ETYPE);
	if (rc < 0) {
		/* nothing of a refused message is handed out */
		ASSERT(m.type == 0 && m.nfds == 0 && m.actor == NULL && m.pass == NULL &&
		       m.passlen == 0);
		goto out;
	}
	/* accepted: exactly the bytes and descriptors the header says, in bounds */
	ASSERT(m.type == h.type && len == sizeof(h) + h.len && h.len <= POORTD_PASS_MAX);
	ASSERT(m.nfds == nfds && m.nfds == h.fds);
	switch (m.type) {
	case POORTD_MSG_READY:
	case POORTD_MSG_RELOADED:
		ASSERT(h.len == 0 && nfds == 0 && m.actor == NULL && m.pass == NULL);
		break;
	case POORTD_MSG_BACKUP:
		ASSERT(role == SANDBOX_WEB && nfds == 0 && m.actor == NULL);
		ASSERT(m.pass == (const char *)buf + sizeof(h) && m.passlen == h.len);
		break;
	case POORTD_MSG_RESTORE:
		ASSERT(role == SANDBOX_WEB && nfds == 1);
		ASSERT(m.actor == (const char *)buf + sizeof(h));
		alen = strnlen(m.actor, h.len);
		ASSERT(alen > 0 && alen < h.len && store_username_valid(m.actor));
		ASSERT(m.pass == m.actor + alen + 1 && alen + 1 + m.passlen == h.len);
		ASSERT(m.pass + m.passlen == (const char *)buf + len);
		break;
	default:
		ASSERT(0);
	}
out:
	free(buf);
	return 0;
}
