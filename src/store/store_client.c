/* RADIUS clients in the store: see poort/store_client.h. */
#include "poort/store_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_db.h"

#define STORE_CLIENT_COLUMNS "name, address, secret, cert_name, federation, source"

static int
store_client_rc(int rc)
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

int
store_client_to_config(const struct store_client *c, struct config_client *out)
{
	memset(out, 0, sizeof(*out));
	if (config_client_address(c->address, out) < 0)
		return STORE_EINVAL;
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	snprintf(out->secret, sizeof(out->secret), "%s", c->secret);
	snprintf(out->cert_name, sizeof(out->cert_name), "%s", c->cert_name);
	out->federation = c->federation;
	if (out->secret[0] == '\0') {
		/* RFC 6614: over TLS the secret is the fixed "radsec" */
		out->radsec_only = 1;
		strcpy(out->secret, "radsec");
	}
	return 0;
}

static int
store_client_valid(const struct store_client *c)
{
	struct config_client tmp;
	int ok;

	if (c->name[0] == '\0' || strlen(c->name) >= CONFIG_NAME_MAX)
		return 0;
	if (c->secret[0] == '\0' && c->cert_name[0] == '\0')
		return 0;
	if (c->secret[0] != '\0' && strlen(c->secret) < 8)
		return 0;
	ok = store_client_to_config(c, &tmp) == 0;
	explicit_bzero(&tmp, sizeof(tmp));
	return ok;
}

/* Writes one row; upsert for the config's entries, plain insert for ours. */
static int
store_client_put(sqlite3 *db, const struct store_client *c, int from_config)
{
	static const char ins[] =
		"INSERT INTO radius_clients(" STORE_CLIENT_COLUMNS ", created, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
	static const char upsert[] =
		"INSERT INTO radius_clients(" STORE_CLIENT_COLUMNS ", created, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
		" ON CONFLICT(name) DO UPDATE SET address = ?2, secret = ?3, cert_name = ?4,"
		" federation = ?5, source = ?6, updated = ?7"
		" WHERE (address, secret, cert_name, federation, source) IS NOT (?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, from_config ? upsert : ins, -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, c->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, c->secret, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, c->cert_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, c->federation != 0);
	sqlite3_bind_text(s, 6, from_config ? "config" : "store", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, (int64_t)time(NULL));
	rc = store_client_rc(sqlite3_step(s));
	if (rc == 0)
		rc = sqlite3_changes(db);
	sqlite3_finalize(s);
	return rc;
}

int
store_client_add(struct store *st, const struct store_client *c)
{
	if (!store_client_valid(c))
		return STORE_EINVAL;
	store_db_read_end(st);
	int rc = store_client_put(store_db_handle(st), c, 0);
	return rc < 0 ? rc : 0;
}

/* The source of name's row: 1 config, 0 store, or STORE_ENOTFOUND/EDB. */
static int
store_client_source(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT source FROM radius_clients WHERE name = ?", -1, &s,
			       NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = strcmp((const char *)sqlite3_column_text(s, 0), "config") == 0;
	else
		rc = rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EDB;
	sqlite3_finalize(s);
	return rc;
}

/* Runs sql (binding ?1 name, ?2 arg) on a "store" entry only. */
static int
store_client_change(struct store *st, const char *sql, const char *name, const char *arg)
{
	sqlite3 *db = store_db_handle(st);
	sqlite3_stmt *s = NULL;
	int rc;

	store_db_read_end(st);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return STORE_EBUSY;
	rc = store_client_source(db, name);
	if (rc == 1)
		rc = STORE_EREADONLY;
	if (rc < 0)
		goto fail;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = STORE_EDB;
		goto fail;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (arg != NULL)
		sqlite3_bind_text(s, 2, arg, -1, SQLITE_STATIC);
	if ((rc = store_client_rc(sqlite3_step(s))) < 0)
		goto fail;
	sqlite3_finalize(s);
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : STORE_EDB;
fail:
	sqlite3_finalize(s);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
store_client_delete(struct store *st, const char *name)
{
	return store_client_change(st, "DELETE FROM radius_clients WHERE name = ?1", name, NULL);
}

int
store_client_set_secret(struct store *st, const char *name, const char *secret)
{
	if (strlen(secret) < 8 || strlen(secret) >= CONFIG_SECRET_MAX)
		return STORE_EINVAL;
	return store_client_change(st,
				   "UPDATE radius_clients SET secret = ?2, updated = strftime('%s')"
				   " WHERE name = ?1",
				   name, secret);
}

static void
store_client_row(sqlite3_stmt *s, struct store_client *c)
{
	memset(c, 0, sizeof(*c));
	store_db_text(s, 0, c->name, sizeof(c->name));
	store_db_text(s, 1, c->address, sizeof(c->address));
	store_db_text(s, 2, c->secret, sizeof(c->secret));
	store_db_text(s, 3, c->cert_name, sizeof(c->cert_name));
	c->federation = sqlite3_column_int(s, 4);
	c->from_config = strcmp((const char *)sqlite3_column_text(s, 5), "config") == 0;
}

int
store_client_foreach(struct store *st, store_client_cb cb, void *arg)
{
	struct store_client c;
	sqlite3_stmt *s;
	int rc;

	store_db_read_snapshot(st);
	if (sqlite3_prepare_v2(store_db_handle(st),
			       "SELECT " STORE_CLIENT_COLUMNS " FROM radius_clients ORDER BY name", -1,
			       &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_client_row(s, &c);
		int stop = cb(&c, arg);
		explicit_bzero(&c, sizeof(c));
		if (stop != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : STORE_EDB;
}

int64_t
store_db_generation(struct store *st, const char *what)
{
	sqlite3_stmt *s;
	int64_t gen = STORE_EDB;

	/* outside the shared snapshot: a change must show at once */
	store_db_read_end(st);
	if (sqlite3_prepare_v2(store_db_handle(st), "SELECT gen FROM generations WHERE what = ?",
			       -1, &s, NULL) != SQLITE_OK)
		return STORE_EDB;
	sqlite3_bind_text(s, 1, what, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		gen = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return gen;
}

int64_t
store_client_generation(struct store *st)
{
	return store_db_generation(st, "clients");
}

/* The text form of a config client's address, as store_client keeps it. */
static void
store_client_addr_text(const struct config_client *cc, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = cc->net.ss_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)&cc->net)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)&cc->net)->sin6_addr;
	unsigned max = cc->net.ss_family == AF_INET ? 32 : 128;

	if (inet_ntop(cc->net.ss_family, a, ip, sizeof(ip)) == NULL)
		ip[0] = '\0';
	if (cc->prefix == max)
		snprintf(out, outlen, "%s", ip);
	else
		snprintf(out, outlen, "%s/%u", ip, cc->prefix);
}

static int
store_client_in_config(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].name, name) == 0)
			return 1;
	return 0;
}

int
store_client_sync_config(struct store *st, const struct config *cfg)
{
	sqlite3 *db = store_db_handle(st);
	struct store_client c;
	sqlite3_stmt *s = NULL;
	int rc, changed = 0;

	store_db_read_end(st);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return STORE_EBUSY;
	/* config entries whose block is gone */
	if (sqlite3_prepare_v2(db, "SELECT name FROM radius_clients WHERE source = 'config'", -1, &s,
			       NULL) != SQLITE_OK) {
		rc = STORE_EDB;
		goto fail;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		sqlite3_stmt *d;
		if (store_client_in_config(cfg, name))
			continue;
		if (sqlite3_prepare_v2(db, "DELETE FROM radius_clients WHERE name = ?", -1, &d,
				       NULL) != SQLITE_OK) {
			rc = SQLITE_ERROR;
			break;
		}
		sqlite3_bind_text(d, 1, name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(d);
		sqlite3_finalize(d);
		if (rc != SQLITE_DONE)
			break;
		changed++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = store_client_rc(rc);
		goto fail;
	}
	for (size_t i = 0; i < cfg->nclients; i++) {
		const struct config_client *cc = &cfg->clients[i];
		memset(&c, 0, sizeof(c));
		snprintf(c.name, sizeof(c.name), "%s", cc->name);
		store_client_addr_text(cc, c.address, sizeof(c.address));
		if (!cc->radsec_only)
			snprintf(c.secret, sizeof(c.secret), "%s", cc->secret);
		snprintf(c.cert_name, sizeof(c.cert_name), "%s", cc->cert_name);
		c.federation = cc->federation;
		rc = store_client_put(db, &c, 1);
		explicit_bzero(&c, sizeof(c));
		if (rc < 0)
			goto fail;
		changed += rc;
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
