/*
 * poortctl backup FILE / restore FILE (poort/backup.h). The passphrase
 * comes from --passphrase-fd N (one line), else POORT_BACKUP_PASSPHRASE
 * (tests, scripts), else a prompt on the terminal without echo (twice for
 * a backup). It is never printed or logged, and cleared after use.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "poort/backup.h"
#include "poort/config.h"
#include "poortctl.h"

#define PASS_MAX 1024

static int
ctl_pass_line(int fd, char *out, size_t outlen)
{
	size_t n = 0;
	char ch;

	while (n + 1 < outlen) {
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		out[n++] = ch;
	}
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int
ctl_pass_prompt(const char *prompt, char *out, size_t outlen)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	if (write(fd, prompt, strlen(prompt)) < 0 || tcgetattr(fd, &old) < 0) {
		close(fd);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	rc = ctl_pass_line(fd, out, outlen);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		rc = -1;
	close(fd);
	return rc;
}

/* The passphrase into out; confirm: ask twice at a prompt. */
static int
ctl_pass_get(int pass_fd, int confirm, char *out, size_t outlen)
{
	char again[PASS_MAX];
	const char *env = getenv("POORT_BACKUP_PASSPHRASE");
	int rc;

	if (pass_fd >= 0)
		return ctl_pass_line(pass_fd, out, outlen);
	if (env != NULL && env[0] != '\0') {
		snprintf(out, outlen, "%s", env);
		return 0;
	}
	if (ctl_pass_prompt("backup passphrase: ", out, outlen) < 0)
		return -1;
	if (!confirm)
		return 0;
	rc = ctl_pass_prompt("again: ", again, sizeof(again));
	if (rc == 0 && strcmp(again, out) != 0) {
		fprintf(stderr, "poortctl: the passphrases differ\n");
		rc = -1;
	}
	explicit_bzero(again, sizeof(again));
	return rc;
}

static int
ctl_backup_fail(const char *what, const struct backup_error *e)
{
	fprintf(stderr, "poortctl: %s: %s%s%s\n", what, backup_strerror(e->code),
		e->detail[0] ? ": " : "", e->detail);
	return 1;
}

int
ctl_backup(const char *config_path, int argc, char **argv)
{
	static const struct option opts[] = {
		{"passphrase-fd", required_argument, NULL, 'f'},
		{"state-dir", required_argument, NULL, 'd'},
		{"no-config", no_argument, NULL, 'n'},
		{"replace", no_argument, NULL, 'r'},
		{"scrypt-log2n", required_argument, NULL, 's'}, /* tests: a cheaper scrypt */
		{NULL, 0, NULL, 0}};
	int restore = strcmp(argv[0], "restore") == 0, opt, pass_fd = -1, no_config = 0;
	int replace = 0, rc = 1;
	unsigned log2n = 0;
	const char *state_dir = NULL;
	char pass[PASS_MAX], err[CONFIG_ERR_MAX], sd[PATH_MAX];
	struct backup_error e;
	struct config *cfg = NULL;

	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			pass_fd = atoi(optarg);
			break;
		case 'd':
			state_dir = optarg;
			break;
		case 'n':
			no_config = 1;
			break;
		case 'r':
			replace = 1;
			break;
		case 's':
			log2n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc)
		return 2;
	if (state_dir == NULL) {
		if ((cfg = config_load(config_path, err, sizeof(err))) == NULL) {
			fprintf(stderr, "poortctl: %s%s\n", err,
				restore ? " (name the state directory with --state-dir)" : "");
			return 1;
		}
		snprintf(sd, sizeof(sd), "%s", cfg->state_dir);
		config_free(cfg);
		state_dir = sd;
	}
	if (ctl_pass_get(pass_fd, !restore, pass, sizeof(pass)) < 0) {
		fprintf(stderr, "poortctl: no passphrase (--passphrase-fd N, or a terminal)\n");
		goto done;
	}
	if (restore) {
		struct backup_target t = {.state_dir = state_dir,
					  .config_path = no_config ? NULL : config_path,
					  .replace = replace};
		if (backup_restore(argv[optind], &t, pass, strlen(pass), &e) < 0) {
			rc = ctl_backup_fail("restore", &e);
			goto done;
		}
		printf("restored %s into %s%s%s; start poortd\n", argv[optind], state_dir,
		       no_config ? "" : " and ", no_config ? "" : config_path);
	} else {
		struct backup_source src = {.config_path = config_path, .state_dir = state_dir,
					    .scrypt_log2n = log2n};
		if (backup_write(&src, argv[optind], pass, strlen(pass), &e) < 0) {
			rc = ctl_backup_fail("backup", &e);
			goto done;
		}
		printf("backup written to %s\n", argv[optind]);
	}
	rc = 0;
done:
	explicit_bzero(pass, sizeof(pass));
	return rc;
}
