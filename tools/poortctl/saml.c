/*
 * poortctl saml-*: SSO attributes of accounts, the release history and the
 * release policy per SP. The release log holds attribute names, never
 * values, so it can be shown to the school and to the student.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/entree.h"
#include "poort/store_saml.h"
#include "poort/store_sp.h"
#include "poortctl.h"

/* Attributes kept in account_attrs; the others come from the account. */
static const char *const ctl_saml_stored[] = {
	"mail", "eckId", "nlEduPersonProfileId", "employeeNumber",
};

static int
ctl_saml_print_kv(const char *name, const char *value, void *arg)
{
	(void)arg;
	printf("%s\t%s\n", name, value);
	return 0;
}

static int
ctl_saml_print_rel(const struct store_release_rec *r, void *arg)
{
	char when[32];
	time_t t = (time_t)r->time;
	struct tm tm;
	(void)arg;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\tuser=%s\tsp=%s\tnameid=%s\tattrs=%s\n", when, r->user, r->sp, r->nameid_format,
	       r->attrs[0] ? r->attrs : "-");
	return 0;
}

static void
ctl_saml_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t == 0) {
		snprintf(out, outlen, "never");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
ctl_saml_print_status(const struct store_meta_status *m, void *arg)
{
	char ok[32], tr[32], vu[32];
	(void)arg;
	ctl_saml_time(m->last_ok, ok, sizeof(ok));
	ctl_saml_time(m->last_try, tr, sizeof(tr));
	ctl_saml_time(m->valid_until, vu, sizeof(vu));
	printf("%s	sps=%u	last_ok=%s	last_try=%s	valid_until=%s	%s%s\n", m->source, m->sps, ok,
	       tr, vu, m->error[0] ? "error=" : "status=ok", m->error);
	return 0;
}

static int
ctl_saml_attr(struct ctl *c, struct store_saml *ss, int argc, char **argv)
{
	struct store_account a;
	size_t i;

	if (argc != 4)
		return 2;
	for (i = 0; i < sizeof(ctl_saml_stored) / sizeof(ctl_saml_stored[0]); i++)
		if (strcmp(argv[2], ctl_saml_stored[i]) == 0)
			break;
	if (i == sizeof(ctl_saml_stored) / sizeof(ctl_saml_stored[0])) {
		/* nlEduPersonRealId is derived from uid at each login, never stored */
		fprintf(stderr, "poortctl: %s is not a stored attribute (mail, eckId, "
				"nlEduPersonProfileId, employeeNumber)\n",
			argv[2]);
		return 1;
	}
	if (store_account_get(c->st, argv[1], &a) < 0) {
		fprintf(stderr, "poortctl: no account %s\n", argv[1]);
		return 1;
	}
	if (strcmp(argv[2], "eckId") == 0 && strcmp(argv[3], "--delete") != 0 &&
	    !entree_eckid_valid(argv[3])) {
		fprintf(stderr, "poortctl: an ECK iD is https://ketenid.nl/201703/ and 128 hex "
				"characters\n");
		return 1;
	}
	if (store_saml_attr_set(ss, a.username, argv[2],
				strcmp(argv[3], "--delete") == 0 ? NULL : argv[3]) < 0) {
		fprintf(stderr, "poortctl: cannot store the attribute\n");
		return 1;
	}
	return 0;
}

struct ctl_entree_scan {
	struct store_saml *ss;
	unsigned missing;
};

static int
ctl_entree_check(const struct store_account *a, void *arg)
{
	struct ctl_entree_scan *sc = arg;
	char v[64];

	if (a->student_number[0] != '\0' ||
	    store_saml_attr_get(sc->ss, a->username, "employeeNumber", v, sizeof(v)) == 0)
		return 0;
	fprintf(stderr,
		"warning: %s has no employeeNumber (student or staff number): cannot log in to "
		"Entree\n",
		a->username);
	sc->missing++;
	return 0;
}

void
ctl_saml_entree_warn(struct ctl *c, const char *store_path, const char *config_path)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(config_path, err, sizeof(err));
	struct ctl_entree_scan scan = {0};
	int entree = 0;

	if (cfg == NULL)
		return;
	for (size_t i = 0; cfg->saml != NULL && i < cfg->saml->nsps; i++)
		entree |= cfg->saml->sps[i].entree;
	config_free(cfg);
	/* the rules live in the store: one for Entree's engine made there counts too */
	{
		struct store_sp_rule r;
		entree |= store_sp_get(c->st, ENTREE_ENGINE, &r) == 0 ||
			  store_sp_get(c->st, ENTREE_ENGINE_STAGING, &r) == 0;
	}
	if (!entree || (scan.ss = store_saml_open(store_path, err, sizeof(err))) == NULL)
		return;
	store_account_foreach(c->st, ctl_entree_check, &scan);
	store_saml_close(scan.ss);
}

int
ctl_saml(struct ctl *c, const char *store_path, const char *config_path, int argc, char **argv)
{
	struct store_saml *ss;
	char err[256];
	const char *user = NULL;
	unsigned limit = 100;
	int rc = 2;

	(void)config_path;
	if (strcmp(argv[0], "saml-policy") == 0)
		return ctl_sp_list(c); /* the rules live in the store now: poortctl sp */
	if ((ss = store_saml_open(store_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "poortctl: %s\n", err);
		return 1;
	}
	if (strcmp(argv[0], "saml-attr") == 0) {
		rc = ctl_saml_attr(c, ss, argc, argv);
	} else if (strcmp(argv[0], "saml-status") == 0 && argc == 1) {
		rc = store_saml_meta_status_foreach(ss, ctl_saml_print_status, NULL) < 0 ? 1 : 0;
	} else if (strcmp(argv[0], "saml-attrs") == 0 && argc == 2) {
		rc = store_saml_attr_foreach(ss, argv[1], ctl_saml_print_kv, NULL) < 0 ? 1 : 0;
	} else if (strcmp(argv[0], "saml-log") == 0) {
		rc = 0;
		for (int i = 1; i < argc && rc == 0; i++) {
			if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
				limit = (unsigned)strtoul(argv[++i], NULL, 10);
			else if (argv[i][0] != '-' && user == NULL)
				user = argv[i];
			else
				rc = 2;
		}
		if (rc == 0)
			rc = store_saml_release_query(ss, user, limit, ctl_saml_print_rel, NULL) < 0 ? 1
												     : 0;
	} else {
		fprintf(stderr, "poortctl: unknown command \"%s\"\n", argv[0]);
	}
	store_saml_close(ss);
	return rc;
}
