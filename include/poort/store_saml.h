/*
 * The SSO side of the store, in the same SQLite file on its own
 * connection: extra account attributes (mail, eckId, ...), the release log
 * (which attribute names went to which SP for which user, never values) and
 * the durable copy of the AuthnRequest replay set. Release and replay rows
 * are written by the log writer thread (store.h), in batches.
 */
#ifndef POORT_STORE_SAML_H
#define POORT_STORE_SAML_H

#include <stddef.h>
#include <stdint.h>

struct store_saml;

struct store_saml *store_saml_open(const char *path, char *err, size_t errlen);
void store_saml_close(struct store_saml *ss);

/* Sets (value != NULL) or deletes (value == NULL) one attribute. */
int store_saml_attr_set(struct store_saml *ss, const char *user, const char *name,
			const char *value);
/* STORE_ENOTFOUND when the account has no such attribute. */
int store_saml_attr_get(struct store_saml *ss, const char *user, const char *name, char *out,
			size_t outlen);
typedef int (*store_saml_kv_cb)(const char *name, const char *value, void *arg);
int store_saml_attr_foreach(struct store_saml *ss, const char *user, store_saml_kv_cb cb,
			    void *arg);

struct store_release_rec {
	int64_t time;
	char sp[256];
	char user[80];
	char attrs[512]; /* space-separated names */
	char nameid_format[16];
};
struct store_logger;
/* Queues a release row for the log writer; STORE_EFULL when its queue is full. */
int store_logger_release(struct store_logger *lg, const struct store_release_rec *r);
typedef int (*store_release_cb)(const struct store_release_rec *r, void *arg);
/* user NULL = everyone; newest first, at most limit rows. */
int store_saml_release_query(struct store_saml *ss, const char *user, unsigned limit,
			     store_release_cb cb, void *arg);
/*
 * The release log, newest first: per user, per SP, both or all (NULL = any),
 * within [since, until] (UTC seconds, 0 = open), at most limit rows (0 =
 * 100). Rows older than log { retention_days } are purged with the auth log.
 * What a row holds: time, SP entity ID, user name, the NameID format and
 * the attribute *names* released (never values: the auth log shows no more
 * of a person than their user name either).
 */
struct store_release_filter {
	const char *user;
	const char *sp;
	int64_t since, until;
	unsigned limit;
};
int store_saml_release_find(struct store_saml *ss, const struct store_release_filter *f,
			    store_release_cb cb, void *arg);

/* What the last metadata refresh of a source found (for poortctl saml-status). */
struct store_meta_status {
	char source[512];
	int64_t last_ok;  /* last time a copy passed every check; 0 = never */
	int64_t last_try;
	int64_t valid_until;
	unsigned sps;
	char error[256]; /* "" when the last try succeeded */
};
int store_saml_meta_status_set(struct store_saml *ss, const struct store_meta_status *s);
typedef int (*store_meta_status_cb)(const struct store_meta_status *s, void *arg);
int store_saml_meta_status_foreach(struct store_saml *ss, store_meta_status_cb cb, void *arg);

/* An AuthnRequest ID seen from an SP, remembered until expires. */
struct store_replay_rec {
	char issuer[256];
	char id[128];
	int64_t expires;
};
/* Queues the durable copy of a replay-set entry for the log writer. */
int store_logger_replay(struct store_logger *lg, const struct store_replay_rec *r);
typedef int (*store_replay_cb)(const struct store_replay_rec *r, void *arg);
/* The entries not expired at now, for the in-memory set at start. */
int store_saml_replay_load(struct store_saml *ss, int64_t now, store_replay_cb cb, void *arg);

#endif
