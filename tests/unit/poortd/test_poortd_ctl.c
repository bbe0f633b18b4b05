/*
 * The parent's check of a child's control message (poortd.h,
 * poortd_ctl_check): which child may send what, with how many bytes and
 * descriptors.
 */
#include <string.h>

#include "poort/store.h"
#include "poortd.h"
#include "test.h"

static unsigned char buf[sizeof(struct poortd_hdr) + POORTD_PASS_MAX + 16];

/* A message in buf: the header (fds as declared) and payload; its length. */
static size_t
msg(uint32_t type, uint32_t fds, const void *payload, size_t len)
{
	struct poortd_hdr h = {.type = type, .len = (uint32_t)len, .fds = fds};

	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

static int
check(enum sandbox_role role, size_t len, size_t nfds)
{
	struct poortd_ctl_msg m;
	return poortd_ctl_check(role, buf, len, nfds, &m);
}

static void
test_ready_reloaded(void)
{
	struct poortd_ctl_msg m;
	size_t n;

	n = msg(POORTD_MSG_READY, 0, NULL, 0);
	CHECK_INT(poortd_ctl_check(SANDBOX_RADIUS, buf, n, 0, &m), 0);
	CHECK_INT(m.type, POORTD_MSG_READY);
	CHECK(m.actor == NULL && m.pass == NULL && m.nfds == 0);
	CHECK_INT(check(SANDBOX_WEB, n, 0), 0);
	n = msg(POORTD_MSG_RELOADED, 0, NULL, 0);
	CHECK_INT(check(SANDBOX_RADIUS, n, 0), 0);
	CHECK_INT(check(SANDBOX_WEB, n, 0), 0);
	/* no payload, no descriptor, declared or attached */
	n = msg(POORTD_MSG_READY, 0, "x", 1);
	CHECK_INT(check(SANDBOX_RADIUS, n, 0), POORTD_CTL_ELEN);
	n = msg(POORTD_MSG_RELOADED, 1, NULL, 0);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EFDS);
	n = msg(POORTD_MSG_READY, 0, NULL, 0);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EFDS);
}

static void
test_backup(void)
{
	static char pass[POORTD_PASS_MAX + 1];
	struct poortd_ctl_msg m;
	size_t n;

	n = msg(POORTD_MSG_BACKUP, 0, "hunter22", 8);
	CHECK_INT(poortd_ctl_check(SANDBOX_WEB, buf, n, 0, &m), 0);
	CHECK_INT(m.type, POORTD_MSG_BACKUP);
	CHECK(m.pass == (const char *)buf + sizeof(struct poortd_hdr));
	CHECK_INT(m.passlen, 8);
	CHECK(m.actor == NULL && m.nfds == 0);
	/* the radius child never asks for one */
	CHECK_INT(poortd_ctl_check(SANDBOX_RADIUS, buf, n, 0, &m), POORTD_CTL_EROLE);
	CHECK(m.pass == NULL && m.type == 0);
	/* a descriptor attached, declared or not */
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EFDS);
	n = msg(POORTD_MSG_BACKUP, 1, "hunter22", 8);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EFDS);
	CHECK_INT(check(SANDBOX_WEB, n, 0), POORTD_CTL_EFDS);
	/* the passphrase's bounds; the header's len against the bytes there */
	memset(pass, 'p', sizeof(pass));
	n = msg(POORTD_MSG_BACKUP, 0, pass, POORTD_PASS_MAX);
	CHECK_INT(check(SANDBOX_WEB, n, 0), 0);
	n = msg(POORTD_MSG_BACKUP, 0, pass, POORTD_PASS_MAX + 1);
	CHECK_INT(check(SANDBOX_WEB, n, 0), POORTD_CTL_ELEN);
	n = msg(POORTD_MSG_BACKUP, 0, "hunter22", 8);
	CHECK_INT(check(SANDBOX_WEB, n - 1, 0), POORTD_CTL_ETRUNC);
	CHECK_INT(check(SANDBOX_WEB, sizeof(struct poortd_hdr), 0), POORTD_CTL_ETRUNC);
	CHECK_INT(check(SANDBOX_WEB, n + 1, 0), POORTD_CTL_ETRUNC);
	CHECK_INT(check(SANDBOX_WEB, sizeof(struct poortd_hdr) - 1, 0), POORTD_CTL_ETRUNC);
	CHECK_INT(check(SANDBOX_WEB, 0, 0), POORTD_CTL_ETRUNC);
	((struct poortd_hdr *)(void *)buf)->len = UINT32_MAX;
	CHECK_INT(check(SANDBOX_WEB, n, 0), POORTD_CTL_ELEN);
}

static void
test_restore(void)
{
	static const char ok[] = "j.de-vries\0correct horse";
	struct poortd_ctl_msg m;
	size_t n;

	n = msg(POORTD_MSG_RESTORE, 1, ok, sizeof(ok) - 1);
	CHECK_INT(poortd_ctl_check(SANDBOX_WEB, buf, n, 1, &m), 0);
	CHECK_INT(m.type, POORTD_MSG_RESTORE);
	CHECK_INT(m.nfds, 1);
	CHECK_STR(m.actor, "j.de-vries");
	CHECK_INT(m.passlen, 13);
	CHECK(m.pass != NULL && memcmp(m.pass, "correct horse", 13) == 0);
	/* from the radius child: refused, whatever it holds */
	CHECK_INT(poortd_ctl_check(SANDBOX_RADIUS, buf, n, 1, &m), POORTD_CTL_EROLE);
	CHECK(m.actor == NULL && m.pass == NULL);
	/* exactly one descriptor, declared and attached */
	CHECK_INT(check(SANDBOX_WEB, n, 0), POORTD_CTL_EFDS);
	CHECK_INT(check(SANDBOX_WEB, n, 2), POORTD_CTL_EFDS);
	n = msg(POORTD_MSG_RESTORE, 0, ok, sizeof(ok) - 1);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EFDS);
	CHECK_INT(check(SANDBOX_WEB, n, 0), POORTD_CTL_EFDS);
	n = msg(POORTD_MSG_RESTORE, 2, ok, sizeof(ok) - 1);
	CHECK_INT(check(SANDBOX_WEB, n, 2), POORTD_CTL_EFDS);
	/* the admin's name, a NUL, the passphrase; an empty passphrase is the job's to refuse */
	n = msg(POORTD_MSG_RESTORE, 1, "admin\0", 6);
	CHECK_INT(poortd_ctl_check(SANDBOX_WEB, buf, n, 1, &m), 0);
	CHECK_INT(m.passlen, 0);
	n = msg(POORTD_MSG_RESTORE, 1, "adminpass", 9);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EPAYLOAD);
	n = msg(POORTD_MSG_RESTORE, 1, NULL, 0);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EPAYLOAD);
	/* the name goes to the parent's log and the audit row: an admin's name or nothing */
	n = msg(POORTD_MSG_RESTORE, 1, "\0pw", 3);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EPAYLOAD);
	n = msg(POORTD_MSG_RESTORE, 1, "ad\nmin ready\0pw", 15);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EPAYLOAD);
	n = msg(POORTD_MSG_RESTORE, 1, "Admin\0pw", 8);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EPAYLOAD);
	{
		char name[STORE_USERNAME_MAX + 4];
		memset(name, 'a', sizeof(name));
		name[sizeof(name) - 3] = '\0';
		memcpy(name + sizeof(name) - 2, "pw", 2);
		n = msg(POORTD_MSG_RESTORE, 1, name, sizeof(name));
		CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_EPAYLOAD);
	}
	/* truncated, oversized */
	n = msg(POORTD_MSG_RESTORE, 1, ok, sizeof(ok) - 1);
	CHECK_INT(check(SANDBOX_WEB, n - 1, 1), POORTD_CTL_ETRUNC);
	CHECK_INT(check(SANDBOX_WEB, n + 1, 1), POORTD_CTL_ETRUNC);
	((struct poortd_hdr *)(void *)buf)->len = POORTD_PASS_MAX + 1;
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_ELEN);
}

static void
test_types(void)
{
	static const uint32_t bad[] = {0,     POORTD_MSG_RELOAD, POORTD_MSG_BACKUP_DONE, 7,
	                               0x100, UINT32_MAX};
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = msg(bad[i], 0, NULL, 0);
		CHECK_INT(check(SANDBOX_RADIUS, n, 0), POORTD_CTL_ETYPE);
		CHECK_INT(check(SANDBOX_WEB, n, 0), POORTD_CTL_ETYPE);
	}
	/* the parent's own BACKUP_DONE, sent back with its memfd */
	n = msg(POORTD_MSG_BACKUP_DONE, 1, "\0\0\0\0", 4);
	CHECK_INT(check(SANDBOX_WEB, n, 1), POORTD_CTL_ETYPE);
	CHECK_STR(poortd_ctl_strerror(POORTD_CTL_EROLE), "wrong-role");
	CHECK_STR(poortd_ctl_strerror(POORTD_CTL_EFDS), "bad-descriptors");
	for (int rc = POORTD_CTL_EPAYLOAD; rc <= 0; rc++)
		CHECK(strcmp(poortd_ctl_strerror(rc), "unknown") != 0);
}

int
main(void)
{
	test_ready_reloaded();
	test_backup();
	test_restore();
	test_types();
	TEST_DONE();
}
