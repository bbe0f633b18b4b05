/*
 * Bench only, for bench_eap.py --callgrind: valgrind does not know the
 * seccomp system call, so poortd's children could not install their
 * filters under it and would stop. Preloaded into poortd under callgrind
 * only: the filters are built as usual and never loaded. Never for a real
 * deployment.
 */
#include <seccomp.h>

__attribute__((constructor)) static void
noseccomp_init(void)
{
	seccomp_api_set(3);
}

int
seccomp_load(const scmp_filter_ctx ctx)
{
	(void)ctx;
	return 0;
}
