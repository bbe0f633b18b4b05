/*
 * poortctl sp: the per-SP attribute release rules in the store (default
 * deny) and the release log per user and per SP. A change applies to a
 * running poortd at its next assertion. The config's sp blocks are
 * imported first (as poortd does at start), so the list is complete
 * before poortd ever ran.
 */
#include <getopt.h>
#include <stdint.h>
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

static const char *
ctl_sp_error(struct ctl *c, int rc)
{
	switch (rc) {
	case STORE_ENOTFOUND:
		return "no rule for that SP (poortctl sp add ENTITY first)";
	case STORE_EEXIST:
		return "that SP has a rule already";
	case STORE_EINVAL:
		return "invalid value (see poortctl sp attrs for the attribute names)";
	case STORE_EREADONLY:
		return "poortd.conf has an sp block for it: remove the block there (its release"
		       " list can be changed here)";
	case STORE_EBUSY:
		return "the store is busy; try again";
	default:
		return store_errmsg(c->st);
	}
}

/* The config's sp blocks into the store, as poortd's start does. */
static int
ctl_sp_import(struct ctl *c)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg;
	int replaced = 0, rc;

	if (c->config_path == NULL)
		return 0;
	if ((cfg = config_load(c->config_path, err, sizeof(err))) == NULL)
		return 0; /* -s without a config: the store's rules only */
	rc = store_sp_sync_config(c->st, cfg, &replaced);
	config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "poortctl: cannot import the config's sp blocks: %s\n",
			ctl_sp_error(c, rc));
		return -1;
	}
	if (replaced > 0)
		fprintf(stderr, "poortctl: %d sp block(s) of %s changed since their import: the"
				" file's rules replaced the store's\n",
			replaced, c->config_path);
	return 0;
}

static void
ctl_sp_entree_check(const struct store_sp_rule *r)
{
	struct config_saml_sp sp = {.nameid = r->nameid, .profile = r->profile, .entree = 1};
	char *rel[STORE_SP_RELEASE_MAX], why[512];

	if (!entree_is_engine(r->entity))
		return;
	for (size_t i = 0; i < r->nrelease; i++)
		rel[i] = (char *)(uintptr_t)r->release[i];
	sp.release = rel;
	sp.nrelease = r->nrelease;
	if (entree_sp_problems(&sp, why, sizeof(why)) > 0)
		fprintf(stderr, "warning: Entree's engine %s: %s\n", r->entity, why);
}

static int
ctl_sp_print(const struct store_sp_rule *r, void *arg)
{
	(void)arg;
	printf("sp=%s\tnameid=%s\tprofile=%s\tsource=%s\trelease=", r->entity,
	       store_sp_nameid_name(r->nameid), store_sp_profile_name(r->profile),
	       r->from_config ? (r->edited ? "config,edited" : "config") : "store");
	for (size_t i = 0; i < r->nrelease; i++)
		printf("%s%s", i ? "," : "", r->release[i]);
	printf("%s\n", r->nrelease ? "" : "-");
	ctl_sp_entree_check(r);
	return 0;
}

int
ctl_sp_list(struct ctl *c)
{
	if (ctl_sp_import(c) < 0)
		return 1;
	if (store_sp_foreach(c->st, ctl_sp_print, NULL) < 0) {
		fprintf(stderr, "poortctl: %s\n", store_errmsg(c->st));
		return 1;
	}
	printf("any other SP: nothing released (default deny)\n");
	return 0;
}

static int
ctl_sp_opts(int argc, char **argv, struct store_sp_rule *r, int *set_nameid, int *set_profile)
{
	static const struct option opts[] = {{"nameid", required_argument, NULL, 'n'},
					     {"profile", required_argument, NULL, 'p'},
					     {"release", required_argument, NULL, 'r'},
					     {NULL, 0, NULL, 0}};
	char *save = NULL, *t;
	int opt;

	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (store_sp_nameid_parse(optarg, &r->nameid) < 0) {
				fprintf(stderr, "poortctl: nameid is transient, persistent or uid\n");
				return 1;
			}
			*set_nameid = 1;
			break;
		case 'p':
			if (store_sp_profile_parse(optarg, &r->profile) < 0) {
				fprintf(stderr, "poortctl: profile is uri or entree\n");
				return 1;
			}
			*set_profile = 1;
			break;
		case 'r':
			for (t = strtok_r(optarg, ", ", &save); t != NULL;
			     t = strtok_r(NULL, ", ", &save)) {
				int k = config_saml_attr_index(t);
				if (k < 0 || r->nrelease >= STORE_SP_RELEASE_MAX) {
					fprintf(stderr, "poortctl: unknown attribute \"%s\" (poortctl"
							" sp attrs)\n",
						t);
					return 1;
				}
				snprintf(r->release[r->nrelease++], sizeof(r->release[0]), "%s",
					 config_saml_attr_name((size_t)k));
			}
			break;
		default:
			return 2;
		}
	}
	return 0;
}

/* sp add ENTITY [--nameid N] [--profile P] [--release a,b,...] */
static int
ctl_sp_add(struct ctl *c, int argc, char **argv)
{
	struct store_sp_rule r;
	int sn = 0, sprof = 0, rc;

	memset(&r, 0, sizeof(r));
	if (argc < 3)
		return 2;
	snprintf(r.entity, sizeof(r.entity), "%s", argv[2]);
	r.profile = entree_is_engine(argv[2]) ? CONFIG_PROFILE_ENTREE : CONFIG_PROFILE_URI;
	r.nameid = entree_is_engine(argv[2]) ? CONFIG_NAMEID_UID : CONFIG_NAMEID_TRANSIENT;
	if ((rc = ctl_sp_opts(argc - 2, argv + 2, &r, &sn, &sprof)) != 0)
		return rc;
	if (optind != argc - 2) {
		fprintf(stderr, "poortctl: sp add takes one entity ID\n");
		return 2;
	}
	if (ctl_sp_import(c) < 0)
		return 1;
	rc = store_sp_add(c->st, &r);
	ctl_audit(c, "sp.add", r.entity, rc, NULL);
	if (rc < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", r.entity, ctl_sp_error(c, rc));
		return 1;
	}
	ctl_sp_entree_check(&r);
	printf("added %s\n", r.entity);
	return 0;
}

/* sp set ENTITY [--nameid N] [--profile P] */
static int
ctl_sp_set(struct ctl *c, int argc, char **argv)
{
	struct store_sp_rule r;
	int sn = 0, sprof = 0, rc;

	if (argc < 4)
		return 2;
	if (ctl_sp_import(c) < 0)
		return 1;
	if ((rc = store_sp_get(c->st, argv[2], &r)) < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", argv[2], ctl_sp_error(c, rc));
		return 1;
	}
	r.nrelease = 0; /* --release is not for set */
	if ((rc = ctl_sp_opts(argc - 2, argv + 2, &r, &sn, &sprof)) != 0)
		return rc;
	if (r.nrelease > 0 || optind != argc - 2) {
		fprintf(stderr, "poortctl: sp set ENTITY [--nameid N] [--profile P]\n");
		return 2;
	}
	rc = store_sp_set(c->st, argv[2], r.nameid, r.profile);
	{
		char detail[64];
		snprintf(detail, sizeof(detail), "nameid=%s profile=%s",
			 store_sp_nameid_name(r.nameid), store_sp_profile_name(r.profile));
		ctl_audit(c, "sp.set", argv[2], rc, detail);
	}
	if (rc < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", argv[2], ctl_sp_error(c, rc));
		return 1;
	}
	printf("%s: nameid=%s profile=%s\n", argv[2], store_sp_nameid_name(r.nameid),
	       store_sp_profile_name(r.profile));
	return 0;
}

/* sp release ENTITY add|remove ATTR... */
static int
ctl_sp_release(struct ctl *c, int argc, char **argv)
{
	struct store_sp_rule r;
	int add, rc, changed = 0;

	if (argc < 5 || (strcmp(argv[3], "add") != 0 && strcmp(argv[3], "remove") != 0))
		return 2;
	add = strcmp(argv[3], "add") == 0;
	for (int i = 4; i < argc; i++)
		if (config_saml_attr_index(argv[i]) < 0) {
			fprintf(stderr, "poortctl: unknown attribute \"%s\" (poortctl sp attrs)\n",
				argv[i]);
			return 1;
		}
	if (ctl_sp_import(c) < 0)
		return 1;
	for (int i = 4; i < argc; i++) {
		char detail[128];
		rc = store_sp_release(c->st, argv[2], argv[i], add);
		snprintf(detail, sizeof(detail), "%s %s", argv[3], argv[i]);
		if (rc != 0)
			ctl_audit(c, "sp.release", argv[2], rc, detail);
		if (rc < 0) {
			fprintf(stderr, "poortctl: %s: %s\n", argv[2], ctl_sp_error(c, rc));
			return 1;
		}
		changed += rc;
	}
	if (store_sp_get(c->st, argv[2], &r) == 0)
		ctl_sp_print(&r, NULL);
	if (changed == 0)
		fprintf(stderr, "poortctl: nothing changed\n");
	return 0;
}

static int
ctl_sp_print_rel(const struct store_release_rec *r, void *arg)
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

/* sp log [--user U] [--sp ENTITY] [--since D] [--until D] [--limit N] */
static int
ctl_sp_log(const char *store_path, int argc, char **argv)
{
	static const struct option opts[] = {
		{"user", required_argument, NULL, 'u'},  {"sp", required_argument, NULL, 'p'},
		{"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	struct store_release_filter f = {.limit = 100};
	struct store_saml *ss;
	char err[256];
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			f.user = optarg;
			break;
		case 'p':
			f.sp = optarg;
			break;
		case 's':
		case 't':
			if (ctl_parse_day(optarg, opt == 't', opt == 's' ? &f.since : &f.until) < 0) {
				fprintf(stderr, "poortctl: \"%s\" is not YYYY-MM-DD\n", optarg);
				return 1;
			}
			break;
		case 'l':
			f.limit = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	if ((ss = store_saml_open(store_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "poortctl: %s\n", err);
		return 1;
	}
	rc = store_saml_release_find(ss, &f, ctl_sp_print_rel, NULL) < 0 ? 1 : 0;
	store_saml_close(ss);
	return rc;
}

static int
ctl_sp_mandatory(const char *name)
{
	for (size_t i = 0; i < entree_nmandatory; i++)
		if (strcmp(entree_mandatory[i], name) == 0)
			return 1;
	return 0;
}

static int
ctl_sp_attrs(void)
{
	const char *name, *uri;
	int always;

	for (size_t i = 0; (name = config_saml_attr_name(i)) != NULL; i++) {
		uri = config_saml_attr_uri(name, &always);
		printf("%s\t%s%s%s\n", name, uri != NULL ? uri : "-",
		       ctl_sp_mandatory(name) ? "\tentree-mandatory" : "",
		       always ? "\turi-in-both-profiles" : "");
	}
	return 0;
}

int
ctl_sp(struct ctl *c, const char *store_path, int argc, char **argv)
{
	int rc = 2;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		rc = ctl_sp_list(c);
	else if (strcmp(argv[1], "attrs") == 0 && argc == 2)
		rc = ctl_sp_attrs();
	else if (strcmp(argv[1], "add") == 0)
		rc = ctl_sp_add(c, argc, argv);
	else if (strcmp(argv[1], "set") == 0)
		rc = ctl_sp_set(c, argc, argv);
	else if (strcmp(argv[1], "del") == 0 && argc == 3) {
		if (ctl_sp_import(c) < 0)
			return 1;
		rc = store_sp_delete(c->st, argv[2]);
		ctl_audit(c, "sp.delete", argv[2], rc, NULL);
		if (rc < 0) {
			fprintf(stderr, "poortctl: %s: %s\n", argv[2], ctl_sp_error(c, rc));
			return 1;
		}
		printf("deleted %s: it gets nothing now (default deny)\n", argv[2]);
	} else if (strcmp(argv[1], "release") == 0)
		rc = ctl_sp_release(c, argc, argv);
	else if (strcmp(argv[1], "log") == 0)
		rc = ctl_sp_log(store_path, argc, argv);
	return rc;
}
