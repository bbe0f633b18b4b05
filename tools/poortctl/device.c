/*
 * poortctl device: per-device client certificates from the box's
 * onboarding client CA (list, issue as PKCS#12, revoke). A revocation
 * takes effect in EAP-TLS at once (the store is checked on every login)
 * and rewrites the CRL.
 */
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/devca.h"
#include "poort/onboard_profile.h"
#include "poort/password.h"
#include "poort/store_device.h"
#include "poortctl.h"

#define CTL_P12_PASS_LEN 16

static int
ctl_device_print(const struct store_device *d, void *arg)
{
	char made[32], until[32], rev[32] = "-";
	time_t t;
	struct tm tm;

	(void)arg;
	t = (time_t)d->created;
	strftime(made, sizeof(made), "%Y-%m-%d", gmtime_r(&t, &tm));
	t = (time_t)d->expires;
	strftime(until, sizeof(until), "%Y-%m-%d", gmtime_r(&t, &tm));
	if (d->revoked != 0) {
		t = (time_t)d->revoked;
		strftime(rev, sizeof(rev), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	}
	printf("%s\t%s\t%s\t%s\tcreated=%s\texpires=%s\trevoked=%s\tlabel=%s\n", d->serial,
	       d->username, d->pseudonym, d->key_type, made, until, rev,
	       d->label[0] ? d->label : "-");
	return 0;
}

/* The CA, when the config has onboarding { }; NULL (and a message if wanted) otherwise. */
static struct devca *
ctl_device_ca(const struct ctl *c, struct config **cfgp, int quiet)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(c->config_path, err, sizeof(err));
	struct devca *ca;

	*cfgp = cfg;
	if (cfg == NULL) {
		if (!quiet)
			fprintf(stderr, "poortctl: %s\n", err);
		return NULL;
	}
	if (!cfg->onboard.enabled) {
		if (!quiet)
			fprintf(stderr, "poortctl: %s has no onboarding { } block\n", c->config_path);
		return NULL;
	}
	ca = devca_open(cfg->state_dir, 1, err, sizeof(err));
	if (ca == NULL)
		fprintf(stderr, "poortctl: %s\n", err);
	return ca;
}

int
ctl_device_crl(const struct ctl *c, int quiet)
{
	struct config *cfg = NULL;
	struct devca *ca = ctl_device_ca(c, &cfg, quiet);
	char err[512];
	int rc = 0;

	if (ca == NULL) {
		config_free(cfg);
		return quiet ? 0 : 1;
	}
	if (devca_crl_write(ca, c->st, (int64_t)time(NULL), err, sizeof(err)) < 0) {
		fprintf(stderr, "poortctl: %s\n", err);
		rc = 1;
	}
	devca_free(ca);
	config_free(cfg);
	return rc;
}

static int
ctl_write_file(const char *path, const unsigned char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ssize_t n;

	if (fd < 0) {
		perror(path);
		return -1;
	}
	n = write(fd, data, len);
	if (n != (ssize_t)len || fsync(fd) < 0) {
		perror(path);
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd);
}

/* The eap-config and (signed with the HTTPS key) mobileconfig of a device just issued. */
static int
ctl_device_profiles(const struct config *cfg, const struct devca_issued *is,
		    const unsigned char *p12, size_t p12len, const char *pass, const char *eapconf,
		    const char *mobileconf)
{
	struct onboard_server srv;
	struct onboard_signer sg;
	struct onboard_profile p;
	unsigned char *doc = NULL, *sig = NULL;
	size_t len = 0, siglen = 0;
	char err[1024];
	int rc = -1;

	memset(&sg, 0, sizeof(sg));
	if (onboard_server_load(cfg, &srv, err, sizeof(err)) < 0) {
		fprintf(stderr, "poortctl: %s\n", err);
		return -1;
	}
	onboard_profile_init(&p, cfg, &srv);
	p.p12 = p12;
	p.p12_len = p12len;
	p.p12_pass = pass;
	p.valid_until = is->dev.expires;
	if (RAND_bytes(p.seed, sizeof(p.seed)) != 1)
		goto done;
	if (eapconf != NULL) {
		if (onboard_eapconfig(&p, &doc, &len) < 0 || ctl_write_file(eapconf, doc, len) < 0)
			goto done;
		OPENSSL_cleanse(doc, len);
		free(doc);
		doc = NULL;
	}
	if (mobileconf != NULL) {
		if (cfg->http == NULL) {
			fprintf(stderr, "poortctl: a mobileconfig is signed with the http key; no http"
					" { } block\n");
			goto done;
		}
		if (onboard_signer_load(cfg->http->cert, cfg->http->key, &sg, err, sizeof(err)) < 0) {
			fprintf(stderr, "poortctl: %s\n", err);
			goto done;
		}
		if (onboard_mobileconfig(&p, &doc, &len) < 0 ||
		    onboard_cms_sign(sg.cert, sg.key, sg.chain, doc, len, &sig, &siglen) < 0 ||
		    ctl_write_file(mobileconf, sig, siglen) < 0)
			goto done;
	}
	rc = 0;
done:
	if (rc < 0)
		fprintf(stderr, "poortctl: cannot write the profiles\n");
	if (doc != NULL)
		OPENSSL_cleanse(doc, len);
	free(doc);
	OPENSSL_free(sig);
	onboard_signer_free(&sg);
	onboard_server_free(&srv);
	return rc;
}

static const char *
ctl_devca_error(int rc)
{
	switch (rc) {
	case DEVCA_EACCOUNT:
		return "no such account, or it may not log in";
	case DEVCA_ELIMIT:
		return "the account has as many devices as allowed (device_limit)";
	case DEVCA_ESTORE:
		return "the store refused";
	case DEVCA_EINVAL:
		return "invalid request";
	default:
		return "cannot make the certificate";
	}
}

static int
ctl_device_issue(struct ctl *c, int argc, char **argv)
{
	struct config *cfg = NULL;
	struct devca *ca = NULL;
	struct devca_issued is;
	struct devca_request rq = {.user = argv[2]};
	const char *out = NULL, *eapconf = NULL, *mobileconf = NULL;
	char pass[CTL_P12_PASS_LEN + 1] = "", path[512], detail[64];
	unsigned char *der = NULL;
	size_t len = 0;
	int rc = 1, r;

	memset(&is, 0, sizeof(is));
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			rq.label = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--eap-config") == 0 && i + 1 < argc)
			eapconf = argv[++i];
		else if (strcmp(argv[i], "--mobileconfig") == 0 && i + 1 < argc)
			mobileconf = argv[++i];
		else if (strcmp(argv[i], "--rsa") == 0)
			rq.rsa = 1;
		else
			return 2;
	}
	if ((ca = ctl_device_ca(c, &cfg, 0)) == NULL)
		goto done;
	rq.rsa = rq.rsa || cfg->onboard.rsa;
	rq.realm = cfg->realms[0];
	rq.now = (int64_t)time(NULL);
	rq.expires = cfg->onboard.validity_days > 0
			 ? rq.now + (int64_t)cfg->onboard.validity_days * 86400
			 : devca_school_year_end(rq.now);
	rq.limit = cfg->onboard.device_limit;
	if ((r = devca_device_issue(ca, c->st, &rq, &is)) < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", rq.user, ctl_devca_error(r));
		goto done;
	}
	if (password_generate(pass, CTL_P12_PASS_LEN) < 0 ||
	    devca_pkcs12(ca, &is, pass, &der, &len) < 0) {
		fprintf(stderr, "poortctl: cannot make the PKCS#12 file\n");
		store_device_revoke(c->st, is.dev.serial, rq.now);
		goto done;
	}
	if (out == NULL) {
		snprintf(path, sizeof(path), "%s-%s.p12", rq.user, is.dev.serial);
		out = path;
	}
	if (ctl_write_file(out, der, len) < 0 ||
	    ((eapconf != NULL || mobileconf != NULL) &&
	     ctl_device_profiles(cfg, &is, der, len, pass, eapconf, mobileconf) < 0)) {
		store_device_revoke(c->st, is.dev.serial, rq.now);
		goto done;
	}
	snprintf(detail, sizeof(detail), "serial=%s", is.dev.serial);
	ctl_audit(c, "device.issue", rq.user, 0, detail);
	printf("serial %s\nidentity %s\nexpires %lld\nfile %s\npassphrase %s\n", is.dev.serial,
	       is.dev.pseudonym, (long long)is.dev.expires, out, pass);
	rc = 0;
done:
	OPENSSL_cleanse(pass, sizeof(pass));
	if (der != NULL)
		OPENSSL_cleanse(der, len);
	OPENSSL_free(der);
	devca_issued_free(&is);
	devca_free(ca);
	config_free(cfg);
	return rc;
}

struct device_count {
	int active;
};

static int
ctl_device_count(const struct store_device *d, void *arg)
{
	struct device_count *n = arg;

	n->active += d->revoked == 0;
	return 0;
}

static int
ctl_device_revoke(struct ctl *c, const char *what)
{
	int64_t now = (int64_t)time(NULL);
	int rc;

	/* a serial is hex; an account name that is all hex digits is taken as a serial first */
	rc = store_device_revoke(c->st, what, now);
	if (rc == STORE_ENOTFOUND && store_username_valid(what)) {
		/* an account's devices; a proxy-mode user has devices but no account */
		struct device_count n = {0};
		rc = store_device_foreach(c->st, what, ctl_device_count, &n);
		if (rc == 0 && n.active == 0)
			rc = STORE_ENOTFOUND;
		else if (rc == 0)
			rc = store_device_revoke_user(c->st, what, now);
	}
	ctl_audit(c, "device.revoke", what, rc, NULL);
	if (rc < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", what,
			rc == STORE_ENOTFOUND ? "no such device (or revoked already) or account"
					      : store_errmsg(c->st));
		return 1;
	}
	printf("revoke %s: done\n", what);
	return ctl_device_crl(c, 0);
}

int
ctl_device(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "list") == 0 && argc <= 3)
		return store_device_foreach(c->st, argc == 3 ? argv[2] : NULL, ctl_device_print,
					    NULL) < 0
			   ? 1
			   : 0;
	if (strcmp(argv[1], "issue") == 0 && argc >= 3)
		return ctl_device_issue(c, argc, argv);
	if (strcmp(argv[1], "revoke") == 0 && argc == 3)
		return ctl_device_revoke(c, argv[2]);
	if (strcmp(argv[1], "crl") == 0 && argc == 2)
		return ctl_device_crl(c, 0);
	return 2;
}
