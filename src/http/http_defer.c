/* A request answered later: see poort/http_defer.h. */
#include "poort/http_defer.h"

#include <event2/http.h>
#include <stdlib.h>

struct http_defer {
	struct evhttp_request *req;    /* NULL once freed with its connection */
	struct evhttp_connection *conn; /* watched, or NULL */
	int detached;                   /* req outlived its connection: ours to free */
};

/* The connection goes (evhttp_connection_free): req with it, or left detached. */
static void
http_defer_closed(struct evhttp_connection *conn, void *arg)
{
	struct http_defer *d = arg;

	if (d->req != NULL) {
		if (evhttp_request_get_connection(d->req) == conn)
			d->req = NULL; /* freed right after this callback */
		else
			d->detached = 1;
	}
	d->conn = NULL;
}

static void
http_defer_unwatch(struct http_defer *d)
{
	if (d->conn != NULL)
		evhttp_connection_set_closecb(d->conn, NULL, NULL);
	d->conn = NULL;
}

struct http_defer *
http_defer_new(struct evhttp_request *req)
{
	struct http_defer *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->req = req;
	d->conn = evhttp_request_get_connection(req);
	/* none: a request built in a test, answered as usual */
	if (d->conn != NULL)
		evhttp_connection_set_closecb(d->conn, http_defer_closed, d);
	return d;
}

struct evhttp_request *
http_defer_take(struct http_defer *d)
{
	struct evhttp_request *req = d->req;

	http_defer_unwatch(d);
	d->req = NULL;
	if (req != NULL && d->detached) {
		evhttp_request_free(req);
		req = NULL;
	}
	return req;
}

void
http_defer_free(struct http_defer *d)
{
	if (d == NULL)
		return;
	http_defer_unwatch(d);
	free(d);
}
