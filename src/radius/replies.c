/*
 * The RADIUS side's live copy of the reply attributes per affiliation
 * (VLAN, Session-Timeout), from the store (poort/store_reply.h). Reloaded
 * when the replies generation moves, on the same once-a-second poll as the
 * clients (clients.c); no store query per Access-Accept.
 */
#include <stdlib.h>
#include <string.h>

#include "poort/store_reply.h"
#include "radius_int.h"

struct radius_replies_load {
	struct config_eap_reply *v;
	size_t n, cap;
};

static int
radius_replies_add(const struct store_reply *r, void *arg)
{
	struct radius_replies_load *ld = arg;

	if (ld->n == ld->cap) {
		size_t ncap = ld->cap ? ld->cap * 2 : 8;
		struct config_eap_reply *nv = realloc(ld->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		ld->v = nv;
		ld->cap = ncap;
	}
	memset(&ld->v[ld->n], 0, sizeof(ld->v[ld->n]));
	snprintf(ld->v[ld->n].group, sizeof(ld->v[ld->n].group), "%s", r->group);
	ld->v[ld->n].vlan = r->vlan;
	ld->v[ld->n].session_timeout = r->session_timeout;
	ld->n++;
	return 0;
}

void
radius_replies_refresh(struct radius_server *rs, int force)
{
	struct radius_replies_load ld = {0};
	int64_t gen = store_reply_generation(rs->st);

	if (gen < 0 || (gen == rs->replies_gen && !force))
		return;
	if (store_reply_foreach(rs->st, radius_replies_add, &ld) < 0) {
		log_error("radius replies: reload failed, the previous ones stay: %s",
			  store_errmsg(rs->st));
		free(ld.v);
		return;
	}
	free(rs->replies);
	rs->replies = ld.v;
	rs->nreplies = ld.n;
	if (rs->replies_gen != 0)
		log_notice("radius reply attributes reloaded groups=%zu generation=%lld", ld.n,
			   (long long)gen);
	rs->replies_gen = gen;
}

void
radius_replies_sync(struct radius_server *rs, const struct config *cfg)
{
	int rc = store_reply_sync_config(rs->st, cfg);

	if (rc < 0)
		log_error("radius replies: cannot write the config's reply blocks to the store: %s",
			  store_errmsg(rs->st));
}

const struct config_eap_reply *
radius_reply_find(const struct radius_server *rs, const char *affiliation)
{
	const struct config_eap_reply *def = NULL;

	for (size_t i = 0; i < rs->nreplies; i++) {
		const struct config_eap_reply *r = &rs->replies[i];
		if (affiliation != NULL && affiliation[0] != '\0' &&
		    strcmp(r->group, affiliation) == 0)
			return r;
		if (strcmp(r->group, "default") == 0)
			def = r;
	}
	return def;
}

void
radius_replies_free(struct radius_server *rs)
{
	free(rs->replies);
	rs->replies = NULL;
	rs->nreplies = 0;
}
