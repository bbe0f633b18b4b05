/*
 * The eduroam upstreams (FLRs) as the radius child sees them, for the
 * dashboard in the web child: one row per upstream, by name (store
 * version 9, table upstream_state). The radius child writes through its
 * log writer (store_logger_upstream, never on the event loop's time): at
 * its start, on every live/dead change, and every STORE_UPSTREAM_EVERY
 * seconds with the last round trip and the counters. A row not written
 * for STORE_UPSTREAM_STALE seconds says nothing any more: the radius
 * child is not running or not reporting (store_upstream_fresh).
 */
#ifndef POORT_STORE_UPSTREAM_H
#define POORT_STORE_UPSTREAM_H

#include <stdint.h>

#include "poort/store.h"

#define STORE_UPSTREAM_EVERY 30  /* seconds between refreshes of every row */
#define STORE_UPSTREAM_STALE 120 /* seconds after which a row is not believed */

struct store_upstream_rec {
	char name[64];
	char address[64];    /* "ip:port", "[ip6]:port" */
	char transport[8];   /* "udp" or "radsec" */
	int alive;           /* in use: answered, or not yet failed */
	int64_t rtt_ms;      /* the last answer's round trip; -1 before the first */
	int64_t last_answer; /* UTC seconds of the last answer (request or probe); 0 none */
	int64_t changed;     /* UTC seconds alive last changed, or the radius child's start */
	int64_t requests;    /* Access-Requests sent there (not counting retransmits) */
	int64_t timeouts;    /* requests and probes it did not answer in the window */
	int64_t updated;     /* UTC seconds the row was written */
};

/* Queues r for the writer thread (a copy). STORE_EFULL when its queue is full. */
int store_logger_upstream(struct store_logger *lg, const struct store_upstream_rec *r);
/* The row for name: 0, STORE_ENOTFOUND or STORE_EDB. */
int store_upstream_get(struct store *st, const char *name, struct store_upstream_rec *out);
/* 1 if r was written less than STORE_UPSTREAM_STALE seconds before now. */
int store_upstream_fresh(const struct store_upstream_rec *r, int64_t now);

#endif
