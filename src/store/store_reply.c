/* Reply attributes per affiliation in the store: see poort/store_reply.h. */
#include "poort/store_reply.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

static int
store_reply_valid(const struct store_reply *r)
{
	return (strcmp(r->group, "default") == 0 || store_affiliation_valid(r->group)) &&
	       r->vlan <= 4094 && (r->vlan != 0 || r->session_timeout != 0);
}

/* One row: upsert; the config's rows only if different, ours never over a config one. */
static int
store_reply_put(sqlite3 *db, const struct store_reply *r, int from_config)
{
	static const char cfg_sql[] =
		"INSERT INTO reply_attrs(grp, vlan, session_timeout, source, updated)"
		" VALUES (?1, ?2, ?3, 'config', ?4) ON CONFLICT(grp) DO UPDATE SET vlan = ?2,"
		" session_timeout = ?3, source = 'config', updated = ?4"
		" WHERE (vlan, session_timeout, source) IS NOT (?2, ?3, 'config')";
	static const char own_sql[] =
		"INSERT INTO reply_attrs(grp, vlan, session_timeout, source, updated)"
		" VALUES (?1, ?2, ?3, 'store', ?4) ON CONFLICT(grp) DO UPDATE SET vlan = ?2,"
		" session_timeout = ?3, updated = ?4 WHERE source = 'store'";
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, from_config ? cfg_sql : own_sql, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, r->group, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, (int)r->vlan);
	sqlite3_bind_int64(s, 3, r->session_timeout);
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_BUSY ? STORE_EBUSY : STORE_EDB;
	return sqlite3_changes(db);
}

int
store_reply_set(struct store *st, const struct store_reply *r)
{
	int rc;

	if (!store_reply_valid(r))
		return STORE_EINVAL;
	store_db_read_end(st);
	rc = store_reply_put(store_db_handle(st), r, 0);
	if (rc == 0)
		return STORE_EREADONLY; /* the row exists and comes from the config */
	return rc < 0 ? rc : 0;
}

int
store_reply_delete(struct store *st, const char *group)
{
	sqlite3 *db = store_db_handle(st);
	sqlite3_stmt *s;
	int rc;

	store_db_read_end(st);
	if (sqlite3_prepare_v2(db,
			       "DELETE FROM reply_attrs WHERE grp = ?1 AND source = 'store'",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, group, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_BUSY ? STORE_EBUSY : STORE_EDB;
	if (sqlite3_changes(db) > 0)
		return 0;
	/* nothing deleted: absent, or the config's */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM reply_attrs WHERE grp = ?", -1, &s, NULL) !=
	    SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, group, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_ROW ? STORE_EREADONLY : STORE_ENOTFOUND;
	sqlite3_finalize(s);
	return rc;
}

int
store_reply_foreach(struct store *st, store_reply_cb cb, void *arg)
{
	struct store_reply r;
	sqlite3_stmt *s;
	int rc;

	store_db_read_snapshot(st);
	if (sqlite3_prepare_v2(store_db_handle(st),
			       "SELECT grp, vlan, session_timeout, source FROM reply_attrs"
			       " ORDER BY grp",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		store_db_text(s, 0, r.group, sizeof(r.group));
		r.vlan = (unsigned)sqlite3_column_int(s, 1);
		r.session_timeout = (unsigned)sqlite3_column_int64(s, 2);
		r.from_config = strcmp((const char *)sqlite3_column_text(s, 3), "config") == 0;
		if (cb(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int64_t
store_reply_generation(struct store *st)
{
	return store_db_generation(st, "replies");
}

int
store_reply_sync_config(struct store *st, const struct config *cfg)
{
	sqlite3 *db = store_db_handle(st);
	sqlite3_stmt *s = NULL;
	int rc, changed = 0;

	store_db_read_end(st);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return STORE_EBUSY;
	/* only the config's rows whose block is gone: the generation moves on real change */
	if (sqlite3_prepare_v2(db, "SELECT grp FROM reply_attrs WHERE source = 'config'", -1, &s,
			       NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *g = (const char *)sqlite3_column_text(s, 0);
		int found = 0;
		sqlite3_stmt *d;
		for (size_t i = 0; i < cfg->eap.nreplies && !found; i++)
			found = strcmp(cfg->eap.replies[i].group, g) == 0;
		if (found)
			continue;
		if (sqlite3_prepare_v2(db, "DELETE FROM reply_attrs WHERE grp = ?", -1, &d, NULL) !=
		    SQLITE_OK)
			break;
		sqlite3_bind_text(d, 1, g, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(d);
		sqlite3_finalize(d);
		if (rc != SQLITE_DONE)
			break;
		changed++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	for (size_t i = 0; i < cfg->eap.nreplies; i++) {
		const struct config_eap_reply *cr = &cfg->eap.replies[i];
		struct store_reply r = {.vlan = cr->vlan, .session_timeout = cr->session_timeout};
		snprintf(r.group, sizeof(r.group), "%s", cr->group);
		if ((rc = store_reply_put(db, &r, 1)) < 0)
			goto fail;
		changed += rc;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return changed;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return STORE_EDB;
}
