/*
 * The children's privilege drop and seccomp filters (include/poort/sandbox.h).
 *
 * The filters are allow-lists: the default action kills the whole process
 * with SIGSYS, so an exploited parser cannot exec, ptrace the other child,
 * fork, bind new ports, mount, load modules or change its credentials.
 */
#include "poort/sandbox.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What both children need: memory, files in the state directory (SQLite,
 * key and metadata cache files), sockets they were given or open toward
 * peers, the event loop, time, randomness and signals. */
static const char *const sandbox_common[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"close", "lseek", "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "statfs",
	"openat", "open", "access", "faccessat", "faccessat2", "fcntl", "ioctl", "dup", "dup2",
	"dup3", "fsync", "fdatasync", "ftruncate", "fallocate", "unlink", "unlinkat", "rename",
	"renameat", "renameat2", "getdents64", "readlink", "readlinkat", "getcwd", "fchmod",
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "msync", "membarrier",
	"futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield",
	"sched_getaffinity", "nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres",
	"gettimeofday", "time", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"restart_syscall", "getpid", "gettid", "getppid", "getuid", "geteuid",
	"getgid", "getegid", "getresuid", "getresgid", "getgroups", "uname", "sysinfo",
	"prlimit64", "getrlimit", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "poll", "ppoll", "select", "pselect6", "eventfd2", "pipe", "pipe2",
	"socket", "connect", "accept", "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg", "shutdown", "getsockname", "getpeername", "setsockopt",
	"getsockopt", "socketpair", "getrandom", "exit", "exit_group", "set_tid_address",
	"umask",
};

/*
 * The sanitizer runtime's leak check at exit stops the world with a traced
 * helper (clone without CLONE_THREAD, ptrace, waitpid), and a report runs
 * the symbolizer (fork, execve). Only in those test builds, so that their
 * reports come out: production filters kill these.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifdef SANDBOX_SANITIZER
static const char *const sandbox_sanitizer[] = {"ptrace", "wait4", "prctl", "getdents",
						       "fork", "vfork", "execve"};
#endif

const char *
sandbox_role_name(enum sandbox_role role)
{
	return role == SANDBOX_RADIUS ? "radius" : "web";
}

int
sandbox_user_lookup(const char *name, struct sandbox_user *out, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(out, 0, sizeof(*out));
	out->uid = getuid();
	out->gid = getgid();
	if (geteuid() != 0)
		return 0; /* development and tests: nothing to switch from */
	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		snprintf(err, errlen, "user %s: %s", name,
			 errno != 0 ? strerror(errno) : "no such user (create it: tools/setup)");
		return SANDBOX_EUSER;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, errlen, "user %s is root or in group root: the children need an"
				      " unprivileged user", name);
		return SANDBOX_EUSER;
	}
	out->do_switch = 1;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return 0;
}

static int
sandbox_caps_clear(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

int
sandbox_drop(const struct sandbox_user *u, char *err, size_t errlen)
{
	const char *what = NULL;

	if (u->do_switch) {
		if (setgroups(1, &u->gid) < 0)
			what = "setgroups";
		else if (setresgid(u->gid, u->gid, u->gid) < 0)
			what = "setresgid";
		else if (setresuid(u->uid, u->uid, u->uid) < 0)
			what = "setresuid";
		else if (setuid(0) == 0 || seteuid(0) == 0)
			what = "root could be regained";
	}
	if (what == NULL && sandbox_caps_clear() < 0)
		what = "capset";
	if (what == NULL && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		what = "no_new_privs";
	if (what != NULL) {
		snprintf(err, errlen, "cannot drop privileges to %s: %s: %s",
			 u->do_switch ? u->name : "self", what, strerror(errno));
		return SANDBOX_EDROP;
	}
#ifdef SANDBOX_SANITIZER
	/* the leak check at exit traces this process */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

static int
sandbox_allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture (open, stat, ... on aarch64) */
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

int
sandbox_filter_install(enum sandbox_role role, int log_only, char *err, size_t errlen)
{
	/* written out: clang warns on the partial initialisers of SCMP_A0 */
	const struct scmp_arg_cmp self = {
		.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid(), .datum_b = 0};
	const struct scmp_arg_cmp thread = {
		.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = CLONE_THREAD, .datum_b = CLONE_THREAD};
	scmp_filter_ctx ctx;
	const char *bad = NULL;
	int rc;

	(void)role; /* both roles need the same calls today; the table is per role */
	ctx = seccomp_init(log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return SANDBOX_EFILTER;
	}
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc < 0)
		bad = "tsync";
	for (size_t i = 0; rc == 0 && i < sizeof(sandbox_common) / sizeof(sandbox_common[0]); i++)
		if ((rc = sandbox_allow(ctx, sandbox_common[i])) < 0)
			bad = sandbox_common[i];
#ifdef SANDBOX_SANITIZER
	for (size_t i = 0; rc == 0 && i < sizeof(sandbox_sanitizer) / sizeof(sandbox_sanitizer[0]);
	     i++)
		if ((rc = sandbox_allow(ctx, sandbox_sanitizer[i])) < 0)
			bad = sandbox_sanitizer[i];
	(void)thread;
	if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0)) < 0)
		bad = "clone";
#else
	/* threads only: a clone without CLONE_THREAD would be a new process */
	if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, thread)) < 0)
		bad = "clone";
#endif
	/* signals to this process only (abort, raise): never to the other child,
	 * which runs as the same user */
	if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
					      self)) < 0)
		bad = "tgkill";
	if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
					      self)) < 0)
		bad = "kill";
	/* clone3 takes its flags in memory, out of a filter's sight: glibc falls
	 * back to clone when it is missing */
	if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		bad = "clone3";
	if (rc == 0 && (rc = seccomp_load(ctx)) < 0)
		bad = "load";
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp filter for the %s child: %s: %s",
			 sandbox_role_name(role), bad, strerror(-rc));
		return SANDBOX_EFILTER;
	}
	return 0;
}
