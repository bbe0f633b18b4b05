/*
 * Internal to src/radius: Access-Requests for foreign realms go to the
 * configured upstreams (eduroam FLRs) over RADIUS/UDP. The preferred live
 * upstream gets the request; one that does not answer within the response
 * window is marked dead and the next live one is tried; dead ones are
 * probed with Status-Server (RFC 5997) and taken back when they answer.
 * Nothing is ever blackholed: without a live upstream the answer is an
 * Access-Reject with reason no-upstream. What the dashboard shows of each
 * upstream (live or dead, round trip, counters) is kept and written to the
 * store by proxy_state.c.
 */
#ifndef POORT_RADIUS_PROXY_H
#define POORT_RADIUS_PROXY_H

#include <stddef.h>

struct radius_server;
struct request;
struct proxy;

struct proxy *proxy_new(struct radius_server *rs, char *err, size_t errlen);
/* Takes rq: it is answered (or dropped) later. */
void proxy_forward(struct proxy *px, struct request *rq);
void proxy_free(struct proxy *px);

#endif
