/*
 * A request answered later: its handler hands slow work to a worker pool
 * (workq.h) and the job's done callback answers. The browser may leave
 * meanwhile, or the server may be freed with the request pending; the
 * done callback then must not touch the request. libevent 2.1 either
 * frees a pending request with its connection (evhttp_free) or, when the
 * connection fails, detaches it (no connection) and frees it only when it
 * is answered. A close callback on the connection tells us which.
 */
#ifndef POORT_HTTP_DEFER_H
#define POORT_HTTP_DEFER_H

struct evhttp_request;
struct http_defer;

/* Watches req's connection until http_defer_take; NULL when out of memory. */
struct http_defer *http_defer_new(struct evhttp_request *req);
/*
 * On the loop, when the answer is ready: the request to answer now, or NULL
 * when the browser or the server went away (a request left without its
 * connection is freed here). Stops watching; call it once.
 */
struct evhttp_request *http_defer_take(struct http_defer *d);
/* Stops watching (if http_defer_take was not called) and frees d. */
void http_defer_free(struct http_defer *d);

#endif
