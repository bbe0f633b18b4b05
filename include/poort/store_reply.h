/*
 * Reply attributes per affiliation (VLAN, Session-Timeout on an EAP
 * Access-Accept) in the store, edited live with poortctl reply. As with
 * RADIUS clients (poort/store_client.h): the config's eap { reply } blocks
 * are mirrored as read-only "config" entries at start and on SIGHUP, and
 * the RADIUS side reloads its copy when the replies generation moves.
 */
#ifndef POORT_STORE_REPLY_H
#define POORT_STORE_REPLY_H

#include <stdint.h>

#include "poort/config.h"
#include "poort/store.h"

struct store_reply {
	char group[33]; /* an affiliation, or "default" */
	unsigned vlan;  /* 1-4094, 0 = none */
	unsigned session_timeout; /* seconds, 0 = none */
	int from_config;
};

/* Adds or changes a "store" entry; STORE_EREADONLY for a config one, STORE_EINVAL. */
int store_reply_set(struct store *st, const struct store_reply *r);
int store_reply_delete(struct store *st, const char *group);
typedef int (*store_reply_cb)(const struct store_reply *r, void *arg);
int store_reply_foreach(struct store *st, store_reply_cb cb, void *arg);
int64_t store_reply_generation(struct store *st);
/* The "config" entries made equal to cfg's eap replies; rows changed or < 0. */
int store_reply_sync_config(struct store *st, const struct config *cfg);

#endif
