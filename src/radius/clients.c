/*
 * The RADIUS side's live copy of its clients (access points). They live in
 * the store (poort/store_client.h); the config's client blocks are written
 * there at start and on reload. The copy is reloaded when the store's
 * clients generation moves: checked once a second, and at once (at most
 * every RADIUS_CLIENTS_MISS_MS) when a packet comes from an address no
 * client covers, so a new access point works on its first retransmit. No
 * store query per packet from a known client. The same poll reloads the
 * reply attributes (replies.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poort/store_client.h"
#include "radius_int.h"

enum { RADIUS_CLIENTS_POLL_MS = 1000, RADIUS_CLIENTS_MISS_MS = 20 };

struct radius_clients_load {
	struct config_client *v;
	size_t n, cap;
	int bad;
};

static int
radius_clients_add(const struct store_client *c, void *arg)
{
	struct radius_clients_load *ld = arg;

	if (ld->n == ld->cap) {
		size_t ncap = ld->cap ? ld->cap * 2 : 16;
		struct config_client *nv = calloc(ncap, sizeof(*nv));
		if (nv == NULL)
			return -1;
		if (ld->v != NULL) {
			memcpy(nv, ld->v, ld->n * sizeof(*nv));
			explicit_bzero(ld->v, ld->n * sizeof(*nv));
		}
		free(ld->v);
		ld->v = nv;
		ld->cap = ncap;
	}
	if (store_client_to_config(c, &ld->v[ld->n]) < 0) {
		ld->bad++; /* poortctl checks addresses: only a hand-edited row gets here */
		log_warning("radius client name=%s skipped: address \"%s\" does not parse", c->name,
			    c->address);
		return 0;
	}
	ld->n++;
	return 0;
}

static void
radius_clients_drop(struct config_client *v, size_t n)
{
	if (v != NULL)
		explicit_bzero(v, n * sizeof(*v));
	free(v);
}

static long long
radius_clients_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Reloads the copy if the generation moved (or force); keeps it on error. */
static void
radius_clients_refresh(struct radius_server *rs, int force)
{
	struct radius_clients_load ld = {0};
	int64_t gen;

	rs->clients_checked_ms = radius_clients_now_ms();
	gen = store_client_generation(rs->st);
	if (gen < 0) {
		log_warning("radius clients: cannot read the store: %s", store_errmsg(rs->st));
		return;
	}
	if (gen == rs->clients_gen && !force)
		return;
	if (store_client_foreach(rs->st, radius_clients_add, &ld) < 0) {
		log_error("radius clients: reload failed, the previous ones stay: %s",
			  store_errmsg(rs->st));
		radius_clients_drop(ld.v, ld.cap);
		return;
	}
	radius_clients_drop(rs->clients, rs->nclients);
	rs->clients = ld.v;
	rs->nclients = ld.n;
	if (rs->clients_gen != 0)
		log_notice("radius clients reloaded clients=%zu generation=%lld", ld.n,
			   (long long)gen);
	rs->clients_gen = gen;
	radsec_server_clients_changed(rs);
}

static void
radius_clients_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	radius_clients_refresh(arg, 0);
	radius_replies_refresh(arg, 0);
}

/* Writes the config's client blocks into the store. */
static void
radius_clients_sync(struct radius_server *rs, const struct config *cfg)
{
	int rc = store_client_sync_config(rs->st, cfg);

	if (rc < 0)
		log_error("radius clients: cannot write the config's clients to the store (%d): %s",
			  rc, store_errmsg(rs->st));
	else if (rc > 0)
		log_notice("radius clients from %s written to the store changed=%d", cfg->path, rc);
}

int
radius_clients_start(struct radius_server *rs, char *err, size_t errlen)
{
	struct timeval tv = {RADIUS_CLIENTS_POLL_MS / 1000, (RADIUS_CLIENTS_POLL_MS % 1000) * 1000};

	radius_clients_sync(rs, rs->cfg);
	radius_replies_sync(rs, rs->cfg);
	radius_clients_refresh(rs, 1);
	radius_replies_refresh(rs, 1);
	if (rs->clients_gen <= 0) {
		snprintf(err, errlen, "cannot read the RADIUS clients from the store: %s",
			 store_errmsg(rs->st));
		return -1;
	}
	rs->clients_timer = event_new(rs->base, -1, EV_PERSIST, radius_clients_on_timer, rs);
	if (rs->clients_timer == NULL || event_add(rs->clients_timer, &tv) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
radius_clients_reload(struct radius_server *rs, const struct config *cfg)
{
	radius_clients_sync(rs, cfg);
	radius_replies_sync(rs, cfg);
	radius_clients_refresh(rs, 0);
	radius_replies_refresh(rs, 0);
}

const struct config_client *
radius_clients_lookup(const struct radius_server *rs, const struct sockaddr *sa)
{
	return config_client_find_in(rs->clients, rs->nclients, sa);
}

const struct config_client *
radius_client_find(struct radius_server *rs, const struct sockaddr *sa)
{
	const struct config_client *c = radius_clients_lookup(rs, sa);

	if (c != NULL || rs->clients_timer == NULL ||
	    radius_clients_now_ms() - rs->clients_checked_ms < RADIUS_CLIENTS_MISS_MS)
		return c;
	radius_clients_refresh(rs, 0);
	return radius_clients_lookup(rs, sa);
}

void
radius_clients_free(struct radius_server *rs)
{
	if (rs->clients_timer != NULL)
		event_free(rs->clients_timer);
	rs->clients_timer = NULL;
	radius_clients_drop(rs->clients, rs->nclients);
	rs->clients = NULL;
	rs->nclients = 0;
	radius_replies_free(rs);
}
