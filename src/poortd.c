/*
 * poortd: the box's daemon. A privileged parent (poortd_parent.c) and two
 * unprivileged children (poortd_child.c): radius and web.
 *
 *	poortd -c FILE       run
 *	poortd -n -c FILE    check FILE and everything a start would load (keys,
 *	                     certificates, store, SAML metadata) and exit
 *
 * SIGHUP re-reads the config; a bad file is refused and the running config
 * stays. SIGTERM/SIGINT stop cleanly: queued log rows are committed first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/eap.h"
#include "poort/log.h"
#include "poort/sandbox.h"
#include "poort/store.h"
#include "poortd.h"

static char *title_area;
static size_t title_len;
char **poortd_argv;

static void
usage(void)
{
	fprintf(stderr, "usage: poortd [-n] -c FILE\n"
			"  -c FILE  configuration file\n"
			"  -n       check the configuration and everything it names, and exit\n"
			"  -V       print the version\n");
}

void
poortd_set_title(const char *title)
{
	char comm[16];

	snprintf(comm, sizeof(comm), "%s", title);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	/* ps shows argv: write over it (the arguments were parsed already) */
	if (title_area != NULL && title_len > 1) {
		memset(title_area, 0, title_len);
		snprintf(title_area, title_len, "%s", title);
	}
}

static void
title_init(int argc, char **argv)
{
	/* a copy first: the title is written over argv, and a restore re-executes with it */
	poortd_argv = calloc((size_t)argc + 1, sizeof(char *));
	for (int i = 0; poortd_argv != NULL && i < argc; i++)
		poortd_argv[i] = strdup(argv[i]);
	/* argv strings are contiguous; the environment after them stays */
	title_area = argv[0];
	title_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

static void
check_config_mode(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && (sb.st_mode & 004))
		log_warning("%s is readable by everyone and holds RADIUS secrets: chmod 640 it",
			    path);
}

/* Private keys: for the eyes of the child that uses them only. */
static void
check_key_modes(const struct config *cfg)
{
	const char *keys[] = {cfg->eap.enabled ? cfg->eap.key : NULL,
			      cfg->radsec.enabled ? cfg->radsec.key : NULL,
			      cfg->http != NULL && cfg->http->enabled ? cfg->http->key : NULL,
			      cfg->saml != NULL ? cfg->saml->key : NULL};
	struct stat sb;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i] != NULL && keys[i][0] != '\0' && stat(keys[i], &sb) == 0 &&
		    (sb.st_mode & 077))
			log_warning("private key %s is accessible to group or others: chmod 600 it",
				    keys[i]);
}

/* -n: what a start would do, short of serving. */
static int
check(const char *path, const struct config *cfg)
{
	char err[CONFIG_ERR_MAX];
	struct sandbox_user u;

	struct config_eap ce = cfg->eap;

	/* the onboarding client CA is made at the first start: nothing to check yet */
	if (ce.device_ca[0] != '\0' && access(ce.device_ca, F_OK) < 0)
		ce.device_ca[0] = '\0';
	if (cfg->eap.enabled && eap_config_check(&ce, err, sizeof(err)) < 0)
		goto fail;
	if (sandbox_user_lookup(cfg->user, &u, err, sizeof(err)) < 0)
		goto fail;
	if (store_state_dir(cfg->state_dir, err, sizeof(err)) < 0)
		goto fail;
	if (cfg->saml != NULL)
		config_saml_entree_warn(cfg->saml);
	log_init("poortd", LOG_LVL_WARNING, 0);
	if (poortd_child_check(cfg) < 0) {
		log_flush();
		fprintf(stderr, "poortd: %s: the check above failed\n", path);
		return 1;
	}
	printf("%s: configuration ok (%zu realm%s, %zu client%s, %zu listen address%s)\n", path,
	       cfg->nrealms, cfg->nrealms == 1 ? "" : "s", cfg->nclients,
	       cfg->nclients == 1 ? "" : "s", cfg->nlistens, cfg->nlistens == 1 ? "" : "es");
	return 0;
fail:
	fprintf(stderr, "poortd: %s: %s\n", path, err);
	return 1;
}

int
main(int argc, char **argv)
{
	static char config_path_buf[PATH_MAX];
	const char *config_path = NULL;
	char err[CONFIG_ERR_MAX];
	struct config *cfg;
	int do_check = 0, opt, rc;

	while ((opt = getopt(argc, argv, "c:nVh")) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			do_check = 1;
			break;
		case 'V':
			printf("poortd %s\n", POORT_VERSION);
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (config_path == NULL || optind != argc) {
		usage();
		return 2;
	}
	/* the title is written over argv, optarg included */
	snprintf(config_path_buf, sizeof(config_path_buf), "%s", config_path);
	config_path = config_path_buf;
	title_init(argc, argv);
	log_init("poortd", LOG_LVL_INFO, 0);
	cfg = config_load(config_path, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "poortd: %s\n", err);
		return 1;
	}
	if (do_check) {
		rc = check(config_path, cfg);
		config_free(cfg);
		log_close();
		return rc;
	}
	log_init("poortd", cfg->log_level, cfg->log_syslog);
	check_config_mode(config_path);
	check_key_modes(cfg);
	if (cfg->saml != NULL)
		config_saml_entree_warn(cfg->saml);
	return poortd_parent_run(config_path, cfg);
}
