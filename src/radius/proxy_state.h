/*
 * Internal to src/radius: what the dashboard shows of each upstream
 * (poort/store_upstream.h). proxy.c reports what happens (a request sent,
 * an answer and its round trip, a timeout, live or dead); this file keeps
 * the figures and hands rows to the log writer: every row at the start,
 * one row at once when an upstream goes live or dead or answers for the
 * first time, every row each STORE_UPSTREAM_EVERY seconds. The event loop
 * only counts and queues; the disk is the writer thread's.
 */
#ifndef POORT_RADIUS_PROXY_STATE_H
#define POORT_RADIUS_PROXY_STATE_H

#include <stddef.h>

struct event_base;
struct store_logger;
struct config_proxy;
struct proxy_state;

/* One row per upstream of cp, in its order. lg may be NULL: nothing is written. */
struct proxy_state *proxy_state_new(struct event_base *base, struct store_logger *lg,
                                    const struct config_proxy *cp);
void proxy_state_sent(struct proxy_state *ps, size_t up);
void proxy_state_answer(struct proxy_state *ps, size_t up, long rtt_ms);
void proxy_state_timeout(struct proxy_state *ps, size_t up);
void proxy_state_alive(struct proxy_state *ps, size_t up, int alive);
void proxy_state_free(struct proxy_state *ps);

#endif
