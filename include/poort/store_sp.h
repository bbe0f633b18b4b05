/*
 * Per-SP attribute release rules in the store: which attributes (names of
 * config_saml_attr_known(), the Entree set plus the uri profile's extras)
 * an SP gets, with which NameID and attribute-name profile. Default deny:
 * an SP without a rule, or with an empty release list, gets no attribute
 * and a transient NameID.
 *
 * These are the school's day-to-day settings (ARCHITECTURE "What lives
 * where"): edited live with poortctl sp (and the admin UI); the web child
 * reloads its copy when the sp_rules generation moves, checked at every
 * assertion, so a change shows in the next one without a restart.
 *
 * The sp blocks of poortd.conf are an import source, not the home:
 * store_sp_sync_config (poortd's web child at start and SIGHUP, poortctl sp)
 * writes a block's rule into the store when the store has not seen that
 * block yet, or has seen it with other contents (the engineer edited the
 * file: the file's rule replaces the store's, logged). A block already
 * imported unchanged leaves the store's rule alone, so edits made with
 * poortctl survive restarts. A rule imported from the config cannot be
 * deleted while the block is there (STORE_EREADONLY); its release list can
 * be changed, or emptied. A block removed from the file leaves its rule
 * in the store, now the school's own.
 */
#ifndef POORT_STORE_SP_H
#define POORT_STORE_SP_H

#include <stddef.h>
#include <stdint.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/store.h"

#define STORE_SP_ENTITY_MAX 256
#define STORE_SP_RELEASE_MAX 16 /* every known attribute fits */

struct store_sp_rule {
	char entity[STORE_SP_ENTITY_MAX];
	enum config_nameid nameid;
	enum config_profile profile;
	/* plain names in the canonical order of config_saml_attr_known */
	char release[STORE_SP_RELEASE_MAX][40];
	size_t nrelease;
	int from_config; /* imported from an sp block that poortd.conf still has */
	int edited;      /* from_config, and changed in the store since the import */
	int64_t updated;
};

/*
 * Adds a rule (STORE_EEXIST if the SP has one; STORE_EINVAL for an entity
 * that is empty or too long, or an unknown attribute).
 */
int store_sp_add(struct store *st, const struct store_sp_rule *r);
/* Deletes a rule: STORE_ENOTFOUND, or STORE_EREADONLY while poortd.conf names it. */
int store_sp_delete(struct store *st, const char *entity);
/*
 * Adds (add 1) or removes (add 0) one attribute in the SP's release list;
 * attr is a plain name or one of the uri profile's names (urn:oid:...).
 * Returns 1 if the list changed, 0 if it already was so, STORE_ENOTFOUND
 * (no rule: add one first), STORE_EINVAL (unknown attribute).
 */
int store_sp_release(struct store *st, const char *entity, const char *attr, int add);
/* Sets the NameID and profile of an existing rule. */
int store_sp_set(struct store *st, const char *entity, enum config_nameid nameid,
		 enum config_profile profile);
/* STORE_ENOTFOUND when the SP has no rule. */
int store_sp_get(struct store *st, const char *entity, struct store_sp_rule *out);
typedef int (*store_sp_cb)(const struct store_sp_rule *r, void *arg);
/* Every rule, by entity ID; cb returning non-zero stops. */
int store_sp_foreach(struct store *st, store_sp_cb cb, void *arg);
/* Moves on every change (triggers); < 0 on error. */
int64_t store_sp_generation(struct store *st);
/*
 * Imports cfg's sp blocks as described above; returns the number of rules
 * written or < 0. replaced, if not NULL, counts rules whose store edits a
 * changed block overrode.
 */
int store_sp_sync_config(struct store *st, const struct config *cfg, int *replaced);

/* Text forms, for poortctl and the UI: "transient"/"persistent"/"uid", "uri"/"entree". */
const char *store_sp_nameid_name(enum config_nameid n);
const char *store_sp_profile_name(enum config_profile p);
int store_sp_nameid_parse(const char *s, enum config_nameid *out);
int store_sp_profile_parse(const char *s, enum config_profile *out);

#endif
