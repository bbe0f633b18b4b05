/* Rebooting the running box (see fwl_reboot in fw_linux.h). */
#include <errno.h>
#include <spawn.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fw_linux.h"

extern char **environ;

int
fwl_reboot(const char *cmd)
{
	char *argv[] = {(char *)cmd, NULL};
	pid_t pid;
	int st;

	if (cmd != NULL && access(cmd, X_OK) == 0 &&
	    posix_spawn(&pid, cmd, NULL, NULL, argv, environ) == 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			return 0; /* init brings the box down */
	}
	sync();
	return reboot(RB_AUTOBOOT);
}
