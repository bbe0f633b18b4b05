/* Internal: opening a connection with the project's pragmas and schema. */
#ifndef POORT_STORE_DB_H
#define POORT_STORE_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

sqlite3 *store_db_open(const char *path, char *err, size_t errlen);
/* Copies a column's text into a fixed buffer, truncating safely. */
void store_db_text(sqlite3_stmt *s, int col, char *out, size_t outlen);

/* Deletes auth and accounting log rows older than before; rows or -1. */
int64_t store_db_purge(sqlite3 *db, int64_t before);

struct store;
/* For the store's other files (store_client.c): the connection of st. */
sqlite3 *store_db_handle(struct store *st);
/* Ends the shared read snapshot before a write (see store_set_read_snapshot). */
void store_db_read_end(struct store *st);
/* Opens or renews it before a read. */
void store_db_read_snapshot(struct store *st);
/* The generation row `what` (kept by triggers), read fresh; < 0 on error. */
int64_t store_db_generation(struct store *st, const char *what);
/*
 * For the store's other files (store_device.c): the connection of st, with
 * the shared read transaction renewed (reader) or ended (writer) first.
 */
sqlite3 *store_db_reader(struct store *st);
sqlite3 *store_db_writer(struct store *st);

/* The log writer's part of store_upstream.c: replaces r's row; *stmt is
 * prepared on first use and kept (finalized by the caller). 0 or -1. */
struct store_upstream_rec;
int store_db_upstream_write(sqlite3 *db, sqlite3_stmt **stmt,
			    const struct store_upstream_rec *r);

#endif
