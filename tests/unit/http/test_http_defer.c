/*
 * http_defer against a real libevent server on loopback: a request kept
 * for a later answer is answered as usual; one whose server is freed
 * meanwhile is reported gone (not a dangling pointer: ASan would see the
 * use); after the answer the connection no longer calls back into the
 * freed watcher when the browser closes it.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "poort/http_defer.h"
#include "test.h"

static struct http_defer *held;

static void
hold(struct evhttp_request *req, void *arg)
{
	(void)arg;
	held = http_defer_new(req);
}

/* A server on 127.0.0.1 (port into *port) whose every request is held. */
static struct evhttp *
server(struct event_base *base, int *port)
{
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	evhttp_set_gencb(http, hold, NULL);
	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	CHECK(bs != NULL);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &len);
	*port = ntohs(sin.sin_port);
	return http;
}

/* Connects, sends a GET and turns the loop until the server holds it. */
static int
client(struct event_base *base, int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	const char get[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(write(fd, get, sizeof(get) - 1) == (ssize_t)(sizeof(get) - 1));
	held = NULL;
	for (int i = 0; i < 200 && held == NULL; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(1000);
	CHECK(held != NULL);
	return fd;
}

static void
turn(struct event_base *base)
{
	for (int i = 0; i < 50; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), usleep(1000);
}

int
main(void)
{
	struct event_base *base = event_base_new();
	struct evhttp_request *req;
	struct evhttp *http;
	char buf[256];
	int port, fd;
	ssize_t n;

	/* answered later, as usual; then the browser closes the kept-alive connection */
	http = server(base, &port);
	fd = client(base, port);
	req = http_defer_take(held);
	CHECK(req != NULL);
	if (req != NULL)
		evhttp_send_reply(req, 200, "OK", NULL);
	http_defer_free(held);
	turn(base);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0);
	close(fd);
	turn(base); /* the connection goes: the freed watcher is not called */

	/* the server is freed while the request waits: gone, not dangling */
	fd = client(base, port);
	evhttp_free(http);
	CHECK(http_defer_take(held) == NULL);
	http_defer_free(held);
	close(fd);

	/* freed without an answer ever taken */
	http = server(base, &port);
	fd = client(base, port);
	http_defer_free(held);
	evhttp_free(http);
	close(fd);

	event_base_free(base);
	TEST_DONE();
}
