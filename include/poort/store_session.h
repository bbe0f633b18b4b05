/*
 * Accounting sessions (acct_session, store version 6): one row per access
 * point and Acct-Session-Id, kept up to date by the log writer from each
 * Start, Interim-Update and Stop (src/store/store_logger.c). Whether an
 * open session still counts as online is policy: poort/why.h.
 */
#ifndef POORT_STORE_SESSION_H
#define POORT_STORE_SESSION_H

#include <stdint.h>

#include "poort/store.h"

struct store_session {
	char client[64];     /* the RADIUS client (access point) by name */
	char session_id[64]; /* Acct-Session-Id */
	char user_name[254];
	char calling_station[64]; /* as the access point sent it */
	char mac[STORE_MAC_LEN + 1];
	char framed_ip[48];
	int64_t started;     /* UTC seconds: first row's time - Acct-Session-Time */
	int64_t updated;     /* the last row's time */
	int64_t prev_update; /* the row before it, 0 if none: the interim interval */
	uint32_t session_time;
	uint64_t input_octets, output_octets;
	int64_t ended;      /* 0: no Stop yet */
	char end_cause[16]; /* "stop", "nas-on", "nas-off" (the AP restarted), or "" */
};

struct store_session_filter {
	int open_only;         /* only sessions without a Stop */
	int64_t updated_since; /* 0 = any */
	const char *account;   /* as in store_log_filter, or NULL */
	const char *mac;       /* any notation, or NULL */
	unsigned limit;        /* 0: 1000 */
};

typedef int (*store_session_cb)(const struct store_session *s, void *arg);
/* Calls cb for each matching session, most recently updated first; a
 * non-zero return stops. 0 or STORE_EDB. */
int store_session_query(struct store *st, const struct store_session_filter *f,
			store_session_cb cb, void *arg);

#endif
