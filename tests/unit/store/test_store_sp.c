/*
 * Per-SP release rules in the store: the config's sp blocks are imported
 * once (a second sync changes nothing), store edits survive a sync with the
 * same file, a changed block replaces them, a removed block leaves its rule
 * as the store's own; unknown attributes and bad entity IDs change nothing;
 * a v6 store migrates; the release log is queryable per user and per SP.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "poort/store_saml.h"
#include "poort/store_sp.h"
#include "test.h"

static char dir[] = "/tmp/poort-stsp-XXXXXX";
static char path[300];

#define SP1 "https://sp1.example/saml"
#define SP2 "https://sp2.example/saml"
#define SP3 "https://sp3.example/saml"
#define ENTREE "https://engine.entree.kennisnet.nl/authentication/sp/metadata"

static const char conf_head[] = "state_dir \"/nonexistent\"\nrealm \"school.example\"\n"
				"http {\n listen 127.0.0.1 8443\n certificate \"c\"\n key \"k\"\n}\n"
				"saml {\n entity_id \"https://idp.example\"\n"
				" base_url \"https://idp.example\"\n key \"k\"\n certificate \"c\"\n"
				" federation_certificate \"f\"\n organization \"S\"\n organization_id \"12AB\"\n scope \"school.example\"\n";

static struct config *
conf(const char *sps)
{
	char text[4096], err[CONFIG_ERR_MAX];
	struct config *cfg;

	snprintf(text, sizeof(text), "%s%s}\n", conf_head, sps);
	cfg = config_parse("t.conf", text, err, sizeof(err));
	if (cfg == NULL)
		fprintf(stderr, "config: %s\n", err);
	return cfg;
}

static int
count_cb(const struct store_sp_rule *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int
has(const struct store_sp_rule *r, const char *attr)
{
	for (size_t i = 0; i < r->nrelease; i++)
		if (strcmp(r->release[i], attr) == 0)
			return 1;
	return 0;
}

static void
test_import(struct store *st)
{
	struct config *c1 = conf(" sp \"" SP1 "\" \"" SP2 "\" {\n  release uid givenName sn mail\n"
				 "  nameid persistent\n }\n"
				 " sp \"" ENTREE "\" {\n  release uid employeeNumber givenName sn"
				 " eduPersonAffiliation nlEduPersonHomeOrganizationId"
				 " nlEduPersonHomeOrganization\n  nameid uid\n }\n");
	struct config *c2 = conf(" sp \"" SP1 "\" \"" SP2 "\" {\n  release uid givenName\n"
				 "  nameid persistent\n }\n");
	struct store_sp_rule r;
	int64_t g0, g1;
	int n = 0, replaced = -1;

	CHECK(c1 != NULL && c2 != NULL);
	if (c1 == NULL || c2 == NULL)
		goto done;
	g0 = store_sp_generation(st);
	CHECK(g0 > 0);
	CHECK_INT(store_sp_sync_config(st, c1, &replaced), 3);
	CHECK_INT(replaced, 0);
	g1 = store_sp_generation(st);
	CHECK(g1 > g0);
	/* the same file again: nothing written, the generation stays */
	CHECK_INT(store_sp_sync_config(st, c1, NULL), 0);
	CHECK_INT(store_sp_generation(st), g1);
	CHECK_INT(store_sp_foreach(st, count_cb, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(store_sp_get(st, SP2, &r), 0);
	CHECK_INT(r.nrelease, 4);
	CHECK(has(&r, "uid") && has(&r, "mail") && !has(&r, "eckId"));
	CHECK_INT(r.nameid, CONFIG_NAMEID_PERSISTENT);
	CHECK_INT(r.profile, CONFIG_PROFILE_URI);
	CHECK(r.from_config && !r.edited);
	CHECK_INT(store_sp_get(st, ENTREE, &r), 0);
	CHECK_INT(r.profile, CONFIG_PROFILE_ENTREE);
	CHECK_INT(r.nameid, CONFIG_NAMEID_UID);

	/* an edit: a URI name is the same attribute; stays over a sync with the same file */
	CHECK_INT(store_sp_release(st, SP1, "urn:oid:2.5.4.4", 0), 1); /* sn */
	CHECK_INT(store_sp_release(st, SP1, "sn", 0), 0);
	CHECK_INT(store_sp_release(st, SP1, "eckId", 1), 1);
	CHECK_INT(store_sp_release(st, SP1, "password", 1), STORE_EINVAL);
	CHECK_INT(store_sp_release(st, SP3, "uid", 1), STORE_ENOTFOUND);
	CHECK_INT(store_sp_sync_config(st, c1, NULL), 0);
	CHECK_INT(store_sp_get(st, SP1, &r), 0);
	CHECK(!has(&r, "sn") && has(&r, "eckId") && r.from_config && r.edited);
	/* imported rules are not deleted while the file names them */
	CHECK_INT(store_sp_delete(st, SP1), STORE_EREADONLY);
	CHECK_INT(store_sp_delete(st, SP3), STORE_ENOTFOUND);

	/* the engineer edits the block: the file's rule replaces the edited one */
	CHECK_INT(store_sp_sync_config(st, c2, &replaced), 3); /* SP1, SP2, Entree forgotten */
	CHECK_INT(replaced, 1);
	CHECK_INT(store_sp_get(st, SP1, &r), 0);
	CHECK(r.nrelease == 2 && has(&r, "uid") && has(&r, "givenName") && !r.edited);
	/* the Entree block left the file: its rule stays, now the store's own */
	CHECK_INT(store_sp_get(st, ENTREE, &r), 0);
	CHECK(!r.from_config && r.nrelease == 7);
	CHECK_INT(store_sp_delete(st, ENTREE), 0);
	CHECK_INT(store_sp_get(st, ENTREE, &r), STORE_ENOTFOUND);
done:
	config_free(c1);
	config_free(c2);
}

static void
test_own(struct store *st)
{
	struct store_sp_rule r;
	int64_t g;

	memset(&r, 0, sizeof(r));
	snprintf(r.entity, sizeof(r.entity), SP3);
	snprintf(r.release[0], sizeof(r.release[0]), "givenName");
	r.nrelease = 1;
	g = store_sp_generation(st);
	CHECK_INT(store_sp_add(st, &r), 0);
	CHECK(store_sp_generation(st) > g);
	CHECK_INT(store_sp_add(st, &r), STORE_EEXIST);
	CHECK_INT(store_sp_set(st, SP3, CONFIG_NAMEID_UID, CONFIG_PROFILE_ENTREE), 1);
	CHECK_INT(store_sp_set(st, SP3, CONFIG_NAMEID_UID, CONFIG_PROFILE_ENTREE), 0);
	CHECK_INT(store_sp_get(st, SP3, &r), 0);
	CHECK(r.nameid == CONFIG_NAMEID_UID && r.profile == CONFIG_PROFILE_ENTREE && !r.from_config);
	/* bad input changes nothing */
	snprintf(r.entity, sizeof(r.entity), "has space");
	CHECK_INT(store_sp_add(st, &r), STORE_EINVAL);
	snprintf(r.entity, sizeof(r.entity), "https://x.example");
	snprintf(r.release[0], sizeof(r.release[0]), "userPassword");
	CHECK_INT(store_sp_add(st, &r), STORE_EINVAL);
	CHECK_INT(store_sp_get(st, "https://x.example", &r), STORE_ENOTFOUND);
	CHECK_INT(store_sp_delete(st, SP3), 0);
}

static int
rel_cb(const struct store_release_rec *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static void
test_release_log(void)
{
	char err[256];
	struct store_saml *ss = store_saml_open(path, err, sizeof(err));
	sqlite3 *db;
	struct store_release_filter f = {0};
	int n;

	CHECK(ss != NULL);
	if (ss == NULL)
		return;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "INSERT INTO saml_release_log(time,sp,username,attrs,nameid_format) VALUES"
			   "(100,'" SP1 "','anna','uid sn','uid'),(200,'" SP2 "','anna','givenName',"
			   "'transient'),(300,'" SP1 "','bert','uid','uid')",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	n = 0;
	f.user = "anna";
	CHECK_INT(store_saml_release_find(ss, &f, rel_cb, &n), 0);
	CHECK_INT(n, 2);
	n = 0;
	f.user = NULL;
	f.sp = SP1;
	CHECK_INT(store_saml_release_find(ss, &f, rel_cb, &n), 0);
	CHECK_INT(n, 2);
	n = 0;
	f.user = "anna";
	CHECK_INT(store_saml_release_find(ss, &f, rel_cb, &n), 0);
	CHECK_INT(n, 1);
	n = 0;
	f.user = NULL;
	f.sp = NULL;
	f.since = 150;
	f.until = 250;
	CHECK_INT(store_saml_release_find(ss, &f, rel_cb, &n), 0);
	CHECK_INT(n, 1);

	/* the log writer queues rows and purges old ones with the auth log's retention
	 * (the release log was never purged before) */
	{
		struct store_logger *lg = store_logger_new(path, 183, 16, err, sizeof(err));
		struct store_release_rec rec;
		CHECK(lg != NULL);
		if (lg != NULL) {
			memset(&rec, 0, sizeof(rec));
			rec.time = (int64_t)time(NULL);
			snprintf(rec.sp, sizeof(rec.sp), SP2);
			snprintf(rec.user, sizeof(rec.user), "carla");
			snprintf(rec.attrs, sizeof(rec.attrs), "uid");
			snprintf(rec.nameid_format, sizeof(rec.nameid_format), "uid");
			CHECK_INT(store_logger_release(lg, &rec), 0);
			store_logger_flush(lg);
			store_logger_free(lg);
		}
		memset(&f, 0, sizeof(f));
		n = 0;
		CHECK_INT(store_saml_release_find(ss, &f, rel_cb, &n), 0);
		CHECK_INT(n, 1); /* carla's; the rows from 1970 are gone */
	}
	store_saml_close(ss);
}

/* A store made before version 7 gets the tables at its next open. */
static void
test_migrate(void)
{
	char p5[320], err[256];
	struct store *st;
	sqlite3 *db;
	struct store_sp_rule r;

	snprintf(p5, sizeof(p5), "%s/v5.db", dir);
	st = store_open(p5, err, sizeof(err));
	CHECK(st != NULL);
	store_close(st);
	CHECK(sqlite3_open(p5, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db,
			   "DROP TABLE sp_rules; DELETE FROM generations WHERE what = 'sp_rules';"
			   "PRAGMA user_version = 6;",
			   NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	st = store_open(p5, err, sizeof(err));
	CHECK(st != NULL);
	if (st == NULL)
		return;
	CHECK(store_sp_generation(st) > 0);
	memset(&r, 0, sizeof(r));
	snprintf(r.entity, sizeof(r.entity), SP1);
	CHECK_INT(store_sp_add(st, &r), 0);
	store_close(st);
}

int
main(void)
{
	char err[256], cmd[400];
	struct store *st;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	if (st != NULL) {
		test_import(st);
		test_own(st);
		store_close(st);
	}
	test_release_log();
	test_migrate();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	TEST_DONE();
}
