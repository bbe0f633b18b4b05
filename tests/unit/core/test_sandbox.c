/*
 * The children's sandbox: each role's seccomp filter, installed in a forked
 * test process through the same function poortd's children call, lets the
 * calls a child makes through and kills the process with SIGSYS on a
 * forbidden one; as root, the user switch leaves no way back.
 */
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "poort/sandbox.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER 1
#endif
#endif

enum action { LIVE, EXECVE, PTRACE, FORK, KILL_PARENT, SETUID, BIND };

static void
act(enum action a)
{
	char *const argv[] = {"true", NULL};
	struct timespec ts;
	int fd;

	switch (a) {
	case LIVE: /* what a child does all day */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || getpid() <= 0)
			_exit(3);
		close(fd);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(4);
		close(fd);
		free(malloc(1 << 20));
		break;
	case EXECVE:
		syscall(SYS_execve, "/bin/true", argv, NULL);
		break;
	case PTRACE:
		syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
		break;
	case FORK:
		syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
		break;
	case KILL_PARENT: /* the other child runs as the same user */
		syscall(SYS_kill, getppid(), 0);
		break;
	case SETUID:
		syscall(SYS_setuid, 0);
		break;
	case BIND: {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		syscall(SYS_bind, fd, (struct sockaddr *)&sin, sizeof(sin));
		break;
	}
	}
}

/* Runs a in a child under role's filter; returns its wait status. */
static int
run(enum sandbox_role role, enum action a)
{
	char err[256];
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_filter_install(role, 0, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			_exit(2);
		}
		act(a);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static int
killed_by_sigsys(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static void
test_drop(void)
{
	struct sandbox_user u;
	char err[256];
	int status = -1;
	pid_t pid;

	if (geteuid() != 0 || getpwnam("poort") == NULL) {
		printf("skip: the user switch needs root and user poort (tools/setup)\n");
		return;
	}
	CHECK_INT(sandbox_user_lookup("poort", &u, err, sizeof(err)), 0);
	CHECK(u.do_switch && u.uid != 0 && u.gid != 0);
	CHECK_INT(sandbox_user_lookup("root", &u, err, sizeof(err)), SANDBOX_EUSER);
	CHECK_INT(sandbox_user_lookup("no-such-user-here", &u, err, sizeof(err)), SANDBOX_EUSER);
	sandbox_user_lookup("poort", &u, err, sizeof(err));
	pid = fork();
	if (pid == 0) {
		char line[256];
		int capeff_zero = 0;
		FILE *f;
		if (sandbox_drop(&u, err, sizeof(err)) < 0)
			_exit(2);
		if (getuid() != u.uid || geteuid() != u.uid || getgid() != u.gid)
			_exit(3);
		if (setuid(0) == 0 || setgid(0) == 0 || setgroups(0, NULL) == 0)
			_exit(4);
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			_exit(5);
		f = fopen("/proc/self/status", "r");
		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			if (strcmp(line, "CapEff:\t0000000000000000\n") == 0)
				capeff_zero = 1;
		if (f != NULL)
			fclose(f);
		_exit(capeff_zero ? 0 : 6);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
}

int
main(void)
{
	for (int r = SANDBOX_RADIUS; r <= SANDBOX_WEB; r++) {
		int st = run((enum sandbox_role)r, LIVE);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK(killed_by_sigsys(run((enum sandbox_role)r, KILL_PARENT)));
		CHECK(killed_by_sigsys(run((enum sandbox_role)r, SETUID)));
		CHECK(killed_by_sigsys(run((enum sandbox_role)r, BIND)));
#ifndef SANITIZER
		/* the sanitizer runtime's leak check and symbolizer need these in
		 * its builds */
		CHECK(killed_by_sigsys(run((enum sandbox_role)r, EXECVE)));
		CHECK(killed_by_sigsys(run((enum sandbox_role)r, PTRACE)));
		CHECK(killed_by_sigsys(run((enum sandbox_role)r, FORK)));
#endif
	}
	test_drop();
	TEST_DONE();
}
