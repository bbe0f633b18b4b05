/*
 * poortd: the box's daemon. Wires config, store, logging and the RADIUS
 * server onto one libevent loop.
 *
 *	poortd -c FILE       run
 *	poortd -n -c FILE    check FILE and exit (0 good, 1 bad)
 *
 * SIGHUP re-reads the config; a bad file is refused and the running config
 * stays. SIGTERM/SIGINT stop cleanly: queued log rows are committed first.
 */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/devca.h"
#include "poort/eap.h"
#include "poort/onboard_profile.h"
#include "poort/onboard_web.h"
#include "poort/config_saml.h"
#include "poort/http.h"
#include "poort/log.h"
#include "poort/radius.h"
#include "poort/saml.h"
#include "poort/store.h"

#define POORT_VERSION "0.1.0"

struct daemon {
	const char *config_path;
	struct config *cfg;
	struct event_base *base;
	struct store *st;
	struct store_logger *lg;
	struct radius_server *rs;
	struct http_server *hs;
	struct saml_idp *idp;
	struct devca *ca; /* onboarding { }: the client CA, else NULL */
	struct onboard_web *ow;
};

static void
usage(void)
{
	fprintf(stderr, "usage: poortd [-n] -c FILE\n"
			"  -c FILE  configuration file\n"
			"  -n       check the configuration and exit\n"
			"  -V       print the version\n");
}

static int
daemon_state_dir(const struct config *cfg)
{
	char err[CONFIG_ERR_MAX];
	int rc = store_state_dir(cfg->state_dir, err, sizeof(err));

	if (rc < 0)
		log_error("%s", err);
	else if (rc > 0)
		log_warning("state_dir %s is accessible to others; it holds password hashes:"
			    " chmod 700 it",
			    cfg->state_dir);
	return rc < 0 ? -1 : 0;
}

static void
daemon_check_config_mode(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && (sb.st_mode & 004))
		log_warning("%s is readable by everyone and holds RADIUS secrets: chmod 640 it",
			    path);
}

/* Private keys: for poortd's eyes only. */
static void
daemon_check_key_modes(const struct config *cfg)
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

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	char err[CONFIG_ERR_MAX];
	struct config *cfg;
	(void)sig;
	(void)what;

	cfg = config_load(d->config_path, err, sizeof(err));
	if (cfg == NULL) {
		log_error("reload refused, running config kept: %s", err);
		return;
	}
	if (strcmp(cfg->state_dir, d->cfg->state_dir) != 0)
		log_warning("state_dir changed: it takes effect at the next restart");
	radius_server_reload(d->rs, cfg);
	saml_idp_reload(d->idp, cfg);
	log_init("poortd", cfg->log_level, cfg->log_syslog);
	store_logger_set_retention(d->lg, cfg->log_retention_days);
	config_free(d->cfg);
	d->cfg = cfg;
	log_notice("reload done config=%s clients=%zu realms=%zu", d->config_path, cfg->nclients,
		   cfg->nrealms);
}

/*
 * Onboarding: the client CA is made at the first start (before the EAP
 * server, which trusts it) and the CRL written from the store.
 */
static int
daemon_onboard_start(struct daemon *d)
{
	struct onboard_server srv;
	char err[1024];

	d->ca = devca_open(d->cfg->state_dir, 1, err, sizeof(err));
	if (d->ca == NULL) {
		log_error("onboarding: %s", err);
		return -1;
	}
	if (devca_crl_write(d->ca, d->st, (int64_t)time(NULL), err, sizeof(err)) < 0) {
		log_error("onboarding: %s", err);
		return -1;
	}
	if (onboard_server_load(d->cfg, &srv, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (!srv.has_san)
		log_warning("onboarding: the eap certificate %s has no DNS subjectAltName; profiles"
			    " pin its CN \"%s\", which Android refuses",
			    d->cfg->eap.cert, srv.name);
	log_notice("onboarding client CA %s, CRL %s, profiles pin server=%s", devca_cert_path(d->ca),
		   devca_crl_path(d->ca), srv.name);
	onboard_server_free(&srv);
	return 0;
}

/* The HTTPS front and, with a saml { } block, the IdP pages on it. */
static int
daemon_sso_start(struct daemon *d, const char *store_path)
{
	char err[CONFIG_ERR_MAX];

	if (saml_global_init() < 0) {
		log_error("cannot initialise lasso");
		return -1;
	}
	d->hs = http_server_new(d->base, d->cfg->http, err, sizeof(err));
	if (d->hs == NULL) {
		log_error("%s", err);
		return -1;
	}
	if (d->cfg->saml != NULL) {
		d->idp = saml_idp_new(d->base, d->cfg, d->st, d->lg, store_path, d->hs, err,
				      sizeof(err));
		if (d->idp == NULL) {
			log_error("%s", err);
			return -1;
		}
	}
	if (d->ca != NULL && d->idp != NULL) {
		d->ow = onboard_web_new(d->hs, d->idp, d->cfg, d->st, d->ca, err, sizeof(err));
		if (d->ow == NULL) {
			log_error("onboarding: %s", err);
			return -1;
		}
		log_notice("onboarding at %s/saml/onboard", d->cfg->saml->base_url);
	}
	log_notice("https listening on %s%s", d->cfg->http->listen_text,
		   d->idp != NULL ? " with the SAML IdP" : "");
	return 0;
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;
	log_notice("signal %d: shutting down", (int)sig);
	event_base_loopbreak(d->base);
}

int
main(int argc, char **argv)
{
	struct daemon d = {0};
	char err[CONFIG_ERR_MAX], path[PATH_MAX + 16];
	struct event *ev_hup = NULL, *ev_term = NULL, *ev_int = NULL;
	int check = 0, opt, rc = 1;

	while ((opt = getopt(argc, argv, "c:nVh")) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("poortd %s\n", POORT_VERSION);
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (d.config_path == NULL || optind != argc) {
		usage();
		return 2;
	}
	log_init("poortd", LOG_LVL_INFO, 0);
	d.cfg = config_load(d.config_path, err, sizeof(err));
	if (d.cfg == NULL) {
		fprintf(stderr, "poortd: %s\n", err);
		return 1;
	}
	if (check) {
		struct config_eap ce = d.cfg->eap;
		/* the onboarding client CA is made at the first start: nothing to check yet */
		if (ce.device_ca[0] != '\0' && access(ce.device_ca, F_OK) < 0)
			ce.device_ca[0] = '\0';
		if (d.cfg->eap.enabled && eap_config_check(&ce, err, sizeof(err)) < 0) {
			fprintf(stderr, "poortd: %s: %s\n", d.config_path, err);
			config_free(d.cfg);
			return 1;
		}
		if (d.cfg->saml != NULL)
			config_saml_entree_warn(d.cfg->saml);
		printf("%s: configuration ok (%zu realm%s, %zu client%s, %zu listen address%s)\n",
		       d.config_path, d.cfg->nrealms, d.cfg->nrealms == 1 ? "" : "s",
		       d.cfg->nclients, d.cfg->nclients == 1 ? "" : "s", d.cfg->nlistens,
		       d.cfg->nlistens == 1 ? "" : "es");
		config_free(d.cfg);
		return 0;
	}
	log_init("poortd", d.cfg->log_level, d.cfg->log_syslog);
	daemon_check_config_mode(d.config_path);
	daemon_check_key_modes(d.cfg);
	if (d.cfg->saml != NULL)
		config_saml_entree_warn(d.cfg->saml);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_state_dir(d.cfg) < 0)
		goto done;
	snprintf(path, sizeof(path), "%s/poort.db", d.cfg->state_dir);
	d.st = store_open(path, err, sizeof(err));
	if (d.st == NULL) {
		log_error("cannot open the store: %s", err);
		goto done;
	}
	/* account changes by poortctl show within 100 ms */
	store_set_read_snapshot(d.st, 100);
	d.lg = store_logger_new(path, d.cfg->log_retention_days, 16384, err, sizeof(err));
	if (d.lg == NULL) {
		log_error("cannot start the log writer: %s", err);
		goto done;
	}
	d.base = event_base_new();
	if (d.base == NULL || store_logger_attach(d.lg, d.base) < 0) {
		log_error("cannot create the event loop");
		goto done;
	}
	if (d.cfg->onboard.enabled && daemon_onboard_start(&d) < 0)
		goto done;
	d.rs = radius_server_new(d.base, d.cfg, d.st, d.lg, err, sizeof(err));
	if (d.rs == NULL) {
		log_error("%s", err);
		goto done;
	}
	if (d.cfg->http != NULL && daemon_sso_start(&d, path) < 0)
		goto done;
	ev_hup = evsignal_new(d.base, SIGHUP, on_hup, &d);
	ev_term = evsignal_new(d.base, SIGTERM, on_stop, &d);
	ev_int = evsignal_new(d.base, SIGINT, on_stop, &d);
	if (ev_hup == NULL || ev_term == NULL || ev_int == NULL || evsignal_add(ev_hup, NULL) < 0 ||
	    evsignal_add(ev_term, NULL) < 0 || evsignal_add(ev_int, NULL) < 0) {
		log_error("cannot install signal handlers");
		goto done;
	}
	log_notice("poortd %s ready config=%s store=%s realms=%zu clients=%zu", POORT_VERSION,
		   d.config_path, path, d.cfg->nrealms, d.cfg->nclients);
	/* one loop iteration handles every ready event; then one log write */
	while (!event_base_got_break(d.base)) {
		if (event_base_loop(d.base, EVLOOP_ONCE) < 0) {
			log_error("event loop failed");
			break;
		}
		log_flush();
	}
	rc = 0;
done:
	onboard_web_free(d.ow);
	saml_idp_free(d.idp);
	devca_free(d.ca);
	http_server_free(d.hs);
	saml_global_free();
	radius_server_free(d.rs);
	if (d.lg != NULL) {
		store_logger_flush(d.lg);
		store_logger_free(d.lg);
	}
	store_close(d.st);
	if (ev_hup != NULL)
		event_free(ev_hup);
	if (ev_term != NULL)
		event_free(ev_term);
	if (ev_int != NULL)
		event_free(ev_int);
	if (d.base != NULL)
		event_base_free(d.base);
	config_free(d.cfg);
	if (rc == 0)
		log_notice("stopped");
	log_close();
	return rc;
}
