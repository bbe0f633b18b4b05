/*
 * The web child's copy of the per-SP release rules (poort/store_sp.h).
 * Reloaded when the store's sp_rules generation moves, checked at every
 * assertion (one small indexed read per SSO login), so a rule changed with
 * poortctl sp or the admin UI applies to the next assertion, no restart.
 * The config's sp blocks are imported into the store at start and reload.
 */
#include <stdlib.h>
#include <string.h>

#include "poort/entree.h"
#include "poort/store_sp.h"
#include "saml_idp_int.h"

struct srules_load {
	struct config_saml_sp *v;
	size_t n, cap;
};

static void
srules_free_one(struct config_saml_sp *sp)
{
	for (size_t i = 0; i < sp->nentities; i++)
		free(sp->entities[i]);
	free(sp->entities);
	for (size_t i = 0; i < sp->nrelease; i++)
		free(sp->release[i]);
	free(sp->release);
}

static void
srules_free_all(struct config_saml_sp *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		srules_free_one(&v[i]);
	free(v);
}

static int
srules_add(const struct store_sp_rule *r, void *arg)
{
	struct srules_load *ld = arg;
	struct config_saml_sp *sp;

	if (ld->n == ld->cap) {
		size_t ncap = ld->cap ? ld->cap * 2 : 8;
		struct config_saml_sp *nv = realloc(ld->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		ld->v = nv;
		ld->cap = ncap;
	}
	sp = &ld->v[ld->n];
	memset(sp, 0, sizeof(*sp));
	sp->nameid = r->nameid;
	sp->profile = r->profile;
	sp->entree = entree_is_engine(r->entity);
	if ((sp->entities = calloc(1, sizeof(char *))) == NULL ||
	    (sp->entities[0] = strdup(r->entity)) == NULL ||
	    (r->nrelease > 0 && (sp->release = calloc(r->nrelease, sizeof(char *))) == NULL)) {
		if (sp->entities != NULL && sp->entities[0] != NULL)
			sp->nentities = 1;
		srules_free_one(sp);
		return -1;
	}
	sp->nentities = 1;
	for (size_t i = 0; i < r->nrelease; i++) {
		if ((sp->release[i] = strdup(r->release[i])) == NULL) {
			srules_free_one(sp);
			return -1;
		}
		sp->nrelease++;
	}
	ld->n++;
	return 0;
}

static void
srules_refresh(struct saml_idp *idp)
{
	struct srules_load ld = {0};
	char why[512];
	int64_t gen = store_sp_generation(idp->st);

	if (gen < 0 || gen == idp->rules_gen)
		return;
	if (store_sp_foreach(idp->st, srules_add, &ld) < 0) {
		log_error("saml release rules: reload failed, the previous ones stay: %s",
			  store_errmsg(idp->st));
		srules_free_all(ld.v, ld.n);
		return;
	}
	srules_free_all(idp->rules, idp->nrules);
	idp->rules = ld.v;
	idp->nrules = ld.n;
	for (size_t i = 0; i < ld.n; i++)
		if (ld.v[i].entree && entree_sp_problems(&ld.v[i], why, sizeof(why)) > 0)
			log_warning("saml release rule for Entree %s: %s", ld.v[i].entities[0], why);
	if (idp->rules_gen != 0)
		log_notice("saml release rules reloaded sps=%zu generation=%lld", ld.n,
			   (long long)gen);
	idp->rules_gen = gen;
}

const struct config_saml_sp *
saml_rules_find(struct saml_idp *idp, const char *entity)
{
	srules_refresh(idp);
	for (size_t i = 0; i < idp->nrules; i++)
		if (strcmp(idp->rules[i].entities[0], entity) == 0)
			return &idp->rules[i];
	return NULL;
}

void
saml_rules_sync(struct saml_idp *idp, const struct config *cfg)
{
	int replaced = 0;
	int rc = store_sp_sync_config(idp->st, cfg, &replaced);

	if (rc < 0)
		log_error("saml: cannot import the config's sp blocks into the store: %s",
			  store_errmsg(idp->st));
	else if (rc > 0)
		log_notice("saml release rules imported from the config: %d written", rc);
	if (replaced > 0)
		log_warning("saml: %d sp block(s) of the config changed since their import: their"
			    " rules replace the ones edited in the store",
			    replaced);
	srules_refresh(idp);
}

void
saml_rules_free(struct saml_idp *idp)
{
	srules_free_all(idp->rules, idp->nrules);
	idp->rules = NULL;
	idp->nrules = 0;
	idp->rules_gen = 0;
}
