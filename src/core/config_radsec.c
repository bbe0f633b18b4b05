/*
 * The radsec { } block: the certificate poortd shows and the CA(s) the
 * FLRs' certificates must chain to, for RadSec (RFC 6614) both ways.
 *
 *	radsec {
 *		certificate "/etc/poort/radsec.pem"
 *		key "/etc/poort/radsec.key"
 *		ca "/etc/poort/eduroam-ca.pem"
 *		max_connections 32
 *		idle_timeout 600
 *	}
 *
 * RadSec from the FLRs is accepted on "listen radsec * 2083" from clients
 * with a cert_name; upstreams use it with "transport radsec".
 */
#include <stdio.h>
#include <string.h>

#include "config_tree.h"
#include "poort/config.h"

int
config_radsec_parse(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_radsec *rc)
{
	if (!n->block || n->argc != 1)
		return cfg_fail(ctx, n, "'radsec' needs a { } block");
	if (rc->enabled)
		return cfg_fail(ctx, n, "'radsec' block given twice");
	rc->enabled = 1;
	rc->max_connections = 32;
	rc->idle_timeout = 600;
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		const char *w = k->argv[0];
		int r;
		if (strcmp(w, "certificate") == 0)
			r = cfg_string(ctx, k, rc->cert, sizeof(rc->cert));
		else if (strcmp(w, "key") == 0)
			r = cfg_string(ctx, k, rc->key, sizeof(rc->key));
		else if (strcmp(w, "ca") == 0)
			r = cfg_string(ctx, k, rc->ca, sizeof(rc->ca));
		else if (strcmp(w, "max_connections") == 0)
			r = cfg_uint(ctx, k, 1, 4096, &rc->max_connections);
		else if (strcmp(w, "idle_timeout") == 0)
			r = cfg_uint(ctx, k, 10, 86400, &rc->idle_timeout);
		else
			r = cfg_fail(ctx, k,
				     "unknown setting '%s' in radsec (certificate, key, ca,"
				     " max_connections, idle_timeout)",
				     w);
		if (r < 0)
			return -1;
	}
	if (rc->cert[0] == '\0' || rc->key[0] == '\0' || rc->ca[0] == '\0')
		return cfg_fail(ctx, n, "'radsec' needs certificate, key and ca");
	return 0;
}

int
config_radsec_check(struct cfg_ctx *ctx, const struct config *cfg)
{
	const char *who = NULL;

	for (size_t i = 0; i < cfg->nlistens && who == NULL; i++)
		if (cfg->listens[i].kind == CONFIG_LISTEN_RADSEC)
			who = "listen radsec";
	for (size_t i = 0; i < cfg->nclients && who == NULL; i++)
		if (cfg->clients[i].cert_name[0] != '\0')
			who = "a client with cert_name";
	for (size_t i = 0; i < cfg->proxy.nups && who == NULL; i++)
		if (cfg->proxy.ups[i].radsec)
			who = "an upstream with transport radsec";
	if (who != NULL && !cfg->radsec.enabled) {
		snprintf(ctx->err, ctx->errlen,
			 "%s: %s needs a radsec { } block (certificate, key, ca)", ctx->name, who);
		return -1;
	}
	return 0;
}
