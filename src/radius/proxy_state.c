/* The upstreams' state for the dashboard (see proxy_state.h). */
#include "proxy_state.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "poort/config.h"
#include "poort/log.h"
#include "poort/store_upstream.h"
#include "radius_int.h"

struct proxy_state {
	struct store_logger *lg;
	struct event *tick;
	size_t n;
	struct store_upstream_rec rec[CONFIG_UPSTREAMS_MAX];
	struct log_ratelimit rl;
};

static void
ps_write(struct proxy_state *ps, size_t up)
{
	struct store_upstream_rec *r = &ps->rec[up];
	unsigned suppressed;

	if (ps->lg == NULL)
		return;
	r->updated = (int64_t)time(NULL);
	/* a full queue: the next tick writes it again */
	if (store_logger_upstream(ps->lg, r) < 0 &&
	    log_ratelimit_allow(&ps->rl, time(NULL), &suppressed))
		log_warning("proxy upstream=%s state not written: the log queue is full"
		            " suppressed=%u",
		            r->name, suppressed);
}

static void
ps_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_state *ps = arg;
	(void)fd;
	(void)what;

	for (size_t i = 0; i < ps->n; i++)
		ps_write(ps, i);
}

struct proxy_state *
proxy_state_new(struct event_base *base, struct store_logger *lg, const struct config_proxy *cp)
{
	struct proxy_state *ps = calloc(1, sizeof(*ps));
	struct timeval every = {STORE_UPSTREAM_EVERY, 0};
	int64_t now = (int64_t)time(NULL);

	if (ps == NULL)
		return NULL;
	ps->lg = lg;
	ps->rl = (struct log_ratelimit){.interval = 60, .burst = 1};
	for (size_t i = 0; i < cp->nups && i < CONFIG_UPSTREAMS_MAX; i++) {
		const struct config_upstream *cu = &cp->ups[i];
		struct store_upstream_rec *r = &ps->rec[ps->n++];

		snprintf(r->name, sizeof(r->name), "%s", cu->name);
		radius_addr_text((const struct sockaddr *)&cu->addr, r->address,
		                 sizeof(r->address));
		snprintf(r->transport, sizeof(r->transport), "%s", cu->radsec ? "radsec" : "udp");
		r->alive = !cu->radsec; /* as proxy.c starts them: RadSec once connected */
		r->rtt_ms = -1;
		r->changed = now;
	}
	ps->tick = event_new(base, -1, EV_PERSIST, ps_on_tick, ps);
	if (ps->tick == NULL || event_add(ps->tick, &every) < 0) {
		proxy_state_free(ps);
		return NULL;
	}
	ps_on_tick(-1, 0, ps);
	return ps;
}

void
proxy_state_sent(struct proxy_state *ps, size_t up)
{
	ps->rec[up].requests++;
}

void
proxy_state_answer(struct proxy_state *ps, size_t up, long rtt_ms)
{
	struct store_upstream_rec *r = &ps->rec[up];
	int first = r->last_answer == 0;

	r->rtt_ms = rtt_ms;
	r->last_answer = (int64_t)time(NULL);
	if (first) /* "no answer yet" becomes a round trip: worth showing now */
		ps_write(ps, up);
}

void
proxy_state_timeout(struct proxy_state *ps, size_t up)
{
	ps->rec[up].timeouts++;
}

void
proxy_state_alive(struct proxy_state *ps, size_t up, int alive)
{
	struct store_upstream_rec *r = &ps->rec[up];

	if (r->alive == alive)
		return;
	r->alive = alive;
	r->changed = (int64_t)time(NULL);
	ps_write(ps, up);
}

void
proxy_state_free(struct proxy_state *ps)
{
	if (ps == NULL)
		return;
	if (ps->tick != NULL)
		event_free(ps->tick);
	free(ps);
}
