/* Per-SP release rules in the store: see poort/store_sp.h. */
#include "poort/store_sp.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

#define STORE_SP_COLUMNS "entity, nameid, profile, release, config_sig, updated"
#define STORE_SP_TEXT_MAX 640 /* "nameid profile attr attr ..." */

static const char *const store_sp_nameids[] = {"transient", "persistent", "uid"};
static const char *const store_sp_profiles[] = {"uri", "entree"};

const char *
store_sp_nameid_name(enum config_nameid n)
{
	return (unsigned)n < 3 ? store_sp_nameids[n] : "transient";
}

const char *
store_sp_profile_name(enum config_profile p)
{
	return (unsigned)p < 2 ? store_sp_profiles[p] : "uri";
}

int
store_sp_nameid_parse(const char *s, enum config_nameid *out)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, store_sp_nameids[i]) == 0) {
			*out = (enum config_nameid)i;
			return 0;
		}
	return STORE_EINVAL;
}

int
store_sp_profile_parse(const char *s, enum config_profile *out)
{
	for (int i = 0; i < 2; i++)
		if (strcmp(s, store_sp_profiles[i]) == 0) {
			*out = (enum config_profile)i;
			return 0;
		}
	return STORE_EINVAL;
}

static int
store_sp_rc(int rc)
{
	switch (rc) {
	case SQLITE_DONE:
	case SQLITE_OK:
		return 0;
	case SQLITE_CONSTRAINT:
		return STORE_EEXIST;
	case SQLITE_BUSY:
		return STORE_EBUSY;
	default:
		return STORE_EDB;
	}
}

/* A set of attributes as a bit mask of canonical indexes. */
static unsigned
store_sp_mask_of(char rel[][40], size_t n)
{
	unsigned m = 0;

	for (size_t i = 0; i < n; i++) {
		int k = config_saml_attr_index(rel[i]);
		if (k >= 0)
			m |= 1u << k;
	}
	return m;
}

/* Parses "a b c" of the release column into a mask; unknown names are dropped. */
static unsigned
store_sp_mask_parse(const char *text)
{
	char buf[STORE_SP_TEXT_MAX], *save = NULL;
	unsigned m = 0;

	snprintf(buf, sizeof(buf), "%s", text != NULL ? text : "");
	for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		int k = config_saml_attr_index(t);
		if (k >= 0)
			m |= 1u << k;
	}
	return m;
}

static void
store_sp_mask_text(unsigned m, char *out, size_t outlen)
{
	size_t n = 0;
	const char *name;

	out[0] = '\0';
	for (size_t i = 0; (name = config_saml_attr_name(i)) != NULL; i++) {
		if (!(m & (1u << i)))
			continue;
		n += (size_t)snprintf(out + n, outlen - n, "%s%s", n ? " " : "", name);
		if (n >= outlen)
			n = outlen - 1;
	}
}

static void
store_sp_mask_fill(unsigned m, struct store_sp_rule *r)
{
	const char *name;

	r->nrelease = 0;
	for (size_t i = 0; (name = config_saml_attr_name(i)) != NULL; i++)
		if ((m & (1u << i)) && r->nrelease < STORE_SP_RELEASE_MAX)
			snprintf(r->release[r->nrelease++], sizeof(r->release[0]), "%s", name);
}

/* The signature of a rule's contents: what an import compares. */
static void
store_sp_sig(enum config_nameid nameid, enum config_profile profile, unsigned mask, char *out,
	     size_t outlen)
{
	char rel[STORE_SP_TEXT_MAX - 32]; /* every name: under 300 */

	store_sp_mask_text(mask, rel, sizeof(rel));
	snprintf(out, outlen, "%s %s %s", store_sp_nameid_name(nameid),
		 store_sp_profile_name(profile), rel);
}

static int
store_sp_entity_valid(const char *e)
{
	size_t n = strlen(e);

	if (n == 0 || n >= STORE_SP_ENTITY_MAX)
		return 0;
	for (; *e; e++)
		if ((unsigned char)*e <= ' ' || *e == 0x7f)
			return 0;
	return 1;
}

static void
store_sp_row(sqlite3_stmt *s, struct store_sp_rule *r)
{
	char sig[STORE_SP_TEXT_MAX], cur[STORE_SP_TEXT_MAX];
	const char *t;
	unsigned mask;

	memset(r, 0, sizeof(*r));
	store_db_text(s, 0, r->entity, sizeof(r->entity));
	t = (const char *)sqlite3_column_text(s, 1);
	if (t == NULL || store_sp_nameid_parse(t, &r->nameid) < 0)
		r->nameid = CONFIG_NAMEID_TRANSIENT;
	t = (const char *)sqlite3_column_text(s, 2);
	if (t == NULL || store_sp_profile_parse(t, &r->profile) < 0)
		r->profile = CONFIG_PROFILE_URI;
	mask = store_sp_mask_parse((const char *)sqlite3_column_text(s, 3));
	store_sp_mask_fill(mask, r);
	store_db_text(s, 4, sig, sizeof(sig));
	r->from_config = sig[0] != '\0';
	store_sp_sig(r->nameid, r->profile, mask, cur, sizeof(cur));
	r->edited = r->from_config && strcmp(sig, cur) != 0;
	r->updated = sqlite3_column_int64(s, 5);
}

/* Reads entity's row on db: 0, STORE_ENOTFOUND or STORE_EDB. */
static int
store_sp_read(sqlite3 *db, const char *entity, struct store_sp_rule *out, char *sig,
	      size_t siglen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT " STORE_SP_COLUMNS " FROM sp_rules WHERE entity = ?", -1,
			       &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_sp_row(s, out);
		if (sig != NULL)
			store_db_text(s, 4, sig, siglen);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Writes a whole row (insert or replace); sig NULL keeps the row's config_sig. */
static int
store_sp_write(sqlite3 *db, const char *entity, enum config_nameid nameid,
	       enum config_profile profile, unsigned mask, const char *sig, int insert)
{
	static const char ins[] = "INSERT INTO sp_rules(" STORE_SP_COLUMNS ")"
				  " VALUES (?1, ?2, ?3, ?4, coalesce(?5, ''), ?6)";
	static const char upd[] = "UPDATE sp_rules SET nameid = ?2, profile = ?3, release = ?4,"
				  " config_sig = coalesce(?5, config_sig), updated = ?6"
				  " WHERE entity = ?1";
	char rel[STORE_SP_TEXT_MAX];
	sqlite3_stmt *s;
	int rc;

	store_sp_mask_text(mask, rel, sizeof(rel));
	if (sqlite3_prepare_v2(db, insert ? ins : upd, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, store_sp_nameid_name(nameid), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, store_sp_profile_name(profile), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, rel, -1, SQLITE_TRANSIENT);
	if (sig != NULL)
		sqlite3_bind_text(s, 5, sig, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (int64_t)time(NULL));
	rc = store_sp_rc(sqlite3_step(s));
	sqlite3_finalize(s);
	return rc;
}

int
store_sp_add(struct store *st, const struct store_sp_rule *r)
{
	unsigned mask = 0;

	if (!store_sp_entity_valid(r->entity) || (unsigned)r->nameid > CONFIG_NAMEID_UID ||
	    (unsigned)r->profile > CONFIG_PROFILE_ENTREE || r->nrelease > STORE_SP_RELEASE_MAX)
		return STORE_EINVAL;
	for (size_t i = 0; i < r->nrelease; i++) {
		int k = config_saml_attr_index(r->release[i]);
		if (k < 0)
			return STORE_EINVAL;
		mask |= 1u << k;
	}
	store_db_read_end(st);
	return store_sp_write(store_db_handle(st), r->entity, r->nameid, r->profile, mask, NULL, 1);
}

/* Read-modify-write of entity's rule in one immediate transaction. */
static int
store_sp_modify(struct store *st, const char *entity, int attr, int add, int set_nameid,
		enum config_nameid nameid, enum config_profile profile)
{
	sqlite3 *db = store_db_handle(st);
	struct store_sp_rule r;
	unsigned mask, nmask;
	int rc;

	store_db_read_end(st);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return STORE_EBUSY;
	if ((rc = store_sp_read(db, entity, &r, NULL, 0)) < 0)
		goto fail;
	mask = nmask = store_sp_mask_of(r.release, r.nrelease);
	if (attr >= 0)
		nmask = add ? mask | (1u << attr) : mask & ~(1u << attr);
	if (set_nameid) {
		rc = r.nameid != nameid || r.profile != profile;
		r.nameid = nameid;
		r.profile = profile;
	} else {
		rc = nmask != mask;
	}
	if (rc > 0 && store_sp_write(db, entity, r.nameid, r.profile, nmask, NULL, 0) < 0) {
		rc = STORE_EDB;
		goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = STORE_EDB;
		goto fail;
	}
	return rc;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
store_sp_release(struct store *st, const char *entity, const char *attr, int add)
{
	int k = config_saml_attr_index(attr);

	if (k < 0)
		return STORE_EINVAL;
	return store_sp_modify(st, entity, k, add, 0, CONFIG_NAMEID_TRANSIENT, CONFIG_PROFILE_URI);
}

int
store_sp_set(struct store *st, const char *entity, enum config_nameid nameid,
	     enum config_profile profile)
{
	if ((unsigned)nameid > CONFIG_NAMEID_UID || (unsigned)profile > CONFIG_PROFILE_ENTREE)
		return STORE_EINVAL;
	return store_sp_modify(st, entity, -1, 0, 1, nameid, profile);
}

int
store_sp_delete(struct store *st, const char *entity)
{
	sqlite3 *db = store_db_handle(st);
	sqlite3_stmt *s;
	int rc;

	store_db_read_end(st);
	if (sqlite3_prepare_v2(db, "DELETE FROM sp_rules WHERE entity = ?1 AND config_sig = ''",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
	rc = store_sp_rc(sqlite3_step(s));
	sqlite3_finalize(s);
	if (rc < 0)
		return rc;
	if (sqlite3_changes(db) > 0)
		return 0;
	/* nothing deleted: absent, or named by poortd.conf */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sp_rules WHERE entity = ?", -1, &s, NULL) !=
	    SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, entity, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_ROW ? STORE_EREADONLY : STORE_ENOTFOUND;
	sqlite3_finalize(s);
	return rc;
}

int
store_sp_get(struct store *st, const char *entity, struct store_sp_rule *out)
{
	store_db_read_snapshot(st);
	return store_sp_read(store_db_handle(st), entity, out, NULL, 0);
}

int
store_sp_foreach(struct store *st, store_sp_cb cb, void *arg)
{
	struct store_sp_rule r;
	sqlite3_stmt *s;
	int rc;

	store_db_read_snapshot(st);
	if (sqlite3_prepare_v2(store_db_handle(st),
			       "SELECT " STORE_SP_COLUMNS " FROM sp_rules ORDER BY entity", -1, &s,
			       NULL) != SQLITE_OK)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_sp_row(s, &r);
		if (cb(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int64_t
store_sp_generation(struct store *st)
{
	return store_db_generation(st, "sp_rules");
}

static int
store_sp_in_config(const struct config_saml *sc, const char *entity)
{
	return sc != NULL && config_saml_sp_find(sc, entity) != NULL;
}

/* Blocks that left the file: their rules stay, now the store's own. */
static int
store_sp_forget_gone(sqlite3 *db, const struct config_saml *sc)
{
	sqlite3_stmt *s, *u;
	int rc, changed = 0;

	if (sqlite3_prepare_v2(db, "SELECT entity FROM sp_rules WHERE config_sig != ''", -1, &s,
			       NULL) != SQLITE_OK)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(s, 0);
		if (store_sp_in_config(sc, e))
			continue;
		if (sqlite3_prepare_v2(db, "UPDATE sp_rules SET config_sig = '' WHERE entity = ?",
				       -1, &u, NULL) != SQLITE_OK) {
			rc = SQLITE_ERROR;
			break;
		}
		sqlite3_bind_text(u, 1, e, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(u);
		sqlite3_finalize(u);
		if (rc != SQLITE_DONE)
			break;
		changed++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? changed : STORE_EDB;
}

int
store_sp_sync_config(struct store *st, const struct config *cfg, int *replaced)
{
	const struct config_saml *sc = cfg->saml;
	sqlite3 *db = store_db_handle(st);
	char sig[STORE_SP_TEXT_MAX], old[STORE_SP_TEXT_MAX], cur[STORE_SP_TEXT_MAX];
	struct store_sp_rule r;
	int rc, changed = 0;

	if (replaced != NULL)
		*replaced = 0;
	store_db_read_end(st);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return STORE_EBUSY;
	if ((rc = store_sp_forget_gone(db, sc)) < 0)
		goto fail;
	changed += rc;
	for (size_t i = 0; sc != NULL && i < sc->nsps; i++) {
		const struct config_saml_sp *sp = &sc->sps[i];
		unsigned mask = 0;
		for (size_t k = 0; k < sp->nrelease; k++) {
			int idx = config_saml_attr_index(sp->release[k]);
			if (idx >= 0)
				mask |= 1u << idx;
		}
		store_sp_sig(sp->nameid, sp->profile, mask, sig, sizeof(sig));
		for (size_t j = 0; j < sp->nentities; j++) {
			const char *e = sp->entities[j];
			if (!store_sp_entity_valid(e))
				continue; /* the config parser let it through; the store cannot hold it */
			rc = store_sp_read(db, e, &r, old, sizeof(old));
			if (rc == 0 && strcmp(old, sig) == 0)
				continue; /* imported before, unchanged: the store's rule stands */
			if (rc < 0 && rc != STORE_ENOTFOUND)
				goto fail;
			if (rc == 0 && replaced != NULL) {
				store_sp_sig(r.nameid, r.profile, store_sp_mask_of(r.release, r.nrelease),
					     cur, sizeof(cur));
				if (strcmp(cur, sig) != 0 && (old[0] == '\0' || strcmp(cur, old) != 0))
					(*replaced)++;
			}
			rc = store_sp_write(db, e, sp->nameid, sp->profile, mask, sig,
					    rc == STORE_ENOTFOUND);
			if (rc < 0)
				goto fail;
			changed++;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = STORE_EDB;
		goto fail;
	}
	return changed;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc < 0 ? rc : STORE_EDB;
}
