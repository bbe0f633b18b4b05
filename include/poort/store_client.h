/*
 * RADIUS clients (access points) in the store, edited live by poortctl (and
 * the admin UI later); the RADIUS side keeps a copy in memory and reloads
 * it when the clients generation changes (src/radius/clients.c).
 *
 * Entries come from two sources. "store" entries are the school's: added,
 * changed and deleted with poortctl. "config" entries mirror the client
 * blocks of poortd.conf: poortd writes them at start and on SIGHUP
 * (store_client_sync_config) so that an existing config is imported on
 * first start; they stay read-only for poortctl, and the config remains
 * their home (the engineer's entries). A config entry takes over a store
 * entry of the same name.
 */
#ifndef POORT_STORE_CLIENT_H
#define POORT_STORE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "poort/config.h"
#include "poort/store.h"

#define STORE_CLIENT_ADDR_MAX 64

struct store_client {
	char name[CONFIG_NAME_MAX];
	char address[STORE_CLIENT_ADDR_MAX]; /* "192.0.2.1", "192.0.2.0/24", "2001:db8::/64" */
	char secret[CONFIG_SECRET_MAX];      /* empty: RadSec only (cert_name set) */
	char cert_name[CONFIG_CERT_NAME_MAX];
	int federation;
	int from_config; /* 1: mirrors a client block of poortd.conf; read-only */
};

/*
 * Adds c as a "store" entry. STORE_EEXIST if the name is taken,
 * STORE_EINVAL if the address does not parse or neither secret (8+ bytes)
 * nor cert_name is set.
 */
int store_client_add(struct store *st, const struct store_client *c);
/* STORE_ENOTFOUND, or STORE_EREADONLY for an entry from the config. */
int store_client_delete(struct store *st, const char *name);
int store_client_set_secret(struct store *st, const char *name, const char *secret);
typedef int (*store_client_cb)(const struct store_client *c, void *arg);
/* Every entry in name order; a non-zero return from cb stops. Clears secrets it read. */
int store_client_foreach(struct store *st, store_client_cb cb, void *arg);
/*
 * A number that changes whenever any client entry changes (kept by
 * triggers); < 0 on error. Cheap: one row.
 */
int64_t store_client_generation(struct store *st);
/*
 * Makes the "config" entries equal to cfg's client blocks, in one
 * transaction; rows that are already equal are not touched (the generation
 * moves only on a real change). Returns the number of rows changed, < 0 on
 * error.
 */
int store_client_sync_config(struct store *st, const struct config *cfg);
/* Fills out (a live client) from c; 0, or STORE_EINVAL for a bad address. */
int store_client_to_config(const struct store_client *c, struct config_client *out);

#endif
