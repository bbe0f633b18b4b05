/*
 * The eap { } block:
 *
 *	eap {
 *		methods peap ttls tls          # offered in this order
 *		certificate "/etc/poort/server.pem"
 *		private_key "/etc/poort/server.key"
 *		client_ca "/etc/poort/clients-ca.pem"   # EAP-TLS
 *		crl "/etc/poort/clients.crl"           # optional
 *		tls_min_version 1.2
 *		ciphers "HIGH:!aNULL"                   # TLS 1.2
 *		ciphersuites "TLS_AES_256_GCM_SHA384"   # TLS 1.3
 *		fragment_size 1000
 *		max_conversations 1024
 *		timeout 30
 *		resumption_lifetime 3600               # 0 turns it off
 *		reply "student" { vlan 20; session_timeout 28800 }
 *		reply "default" { vlan 30 }
 *	}
 *
 * Kept apart from config.c so the EAP settings can change on their own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_tree.h"
#include "poort/affiliation.h"
#include "poort/config.h"

static int
ceap_one(struct cfg_ctx *x, const struct cfg_node *n)
{
	if (n->argc != 2 || n->block)
		return cfg_fail(x, n, "'%s' takes 1 value", n->argv[0]);
	return 0;
}

static int
ceap_string(struct cfg_ctx *x, const struct cfg_node *n, char *out, size_t outlen)
{
	if (ceap_one(x, n) < 0)
		return -1;
	if (n->argv[1][0] == '\0' || strlen(n->argv[1]) >= outlen)
		return cfg_fail(x, n, "'%s' must be 1 to %zu characters", n->argv[0], outlen - 1);
	strcpy(out, n->argv[1]);
	return 0;
}

static int
ceap_uint(struct cfg_ctx *x, const struct cfg_node *n, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (ceap_one(x, n) < 0)
		return -1;
	v = strtoul(n->argv[1], &end, 10);
	if (*end != '\0' || n->argv[1][0] < '0' || n->argv[1][0] > '9' || v < min || v > max)
		return cfg_fail(x, n, "'%s' must be a whole number from %u to %u, not \"%s\"",
		                 n->argv[0], min, max, n->argv[1]);
	*out = (unsigned)v;
	return 0;
}

static int
ceap_methods(struct cfg_ctx *x, const struct cfg_node *n, struct config_eap *eap)
{
	static const struct {
		const char *name;
		unsigned char type;
	} known[] = {{"tls", 13}, {"ttls", 21}, {"peap", 25}};

	if (n->argc < 2 || n->block)
		return cfg_fail(x, n, "'methods' needs at least one of tls, ttls, peap");
	eap->nmethods = 0;
	for (int i = 1; i < n->argc; i++) {
		size_t k;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(n->argv[i], known[k].name) == 0)
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			return cfg_fail(x, n, "unknown EAP method \"%s\" (tls, ttls, peap)",
			                 n->argv[i]);
		for (size_t j = 0; j < eap->nmethods; j++)
			if (eap->methods[j] == known[k].type)
				return cfg_fail(x, n, "EAP method \"%s\" is listed twice",
				                 n->argv[i]);
		eap->methods[eap->nmethods++] = known[k].type;
	}
	return 0;
}

static int
ceap_reply(struct cfg_ctx *x, const struct cfg_node *n, struct config_eap *eap)
{
	struct config_eap_reply *nr, *r;

	if (n->argc != 2 || !n->block)
		return cfg_fail(x, n,
		                 "reply needs an affiliation (or \"default\") and a { } block");
	if (strcmp(n->argv[1], "default") != 0 && !affiliation_valid(n->argv[1]))
		return cfg_fail(x, n,
		                 "reply \"%s\": not an affiliation (student, employee, staff,"
		                 " ...) or \"default\"",
		                 n->argv[1]);
	for (size_t i = 0; i < eap->nreplies; i++)
		if (strcmp(eap->replies[i].group, n->argv[1]) == 0)
			return cfg_fail(x, n, "reply \"%s\" is defined twice (first on line %d)",
			                 n->argv[1], eap->replies[i].line);
	nr = realloc(eap->replies, (eap->nreplies + 1) * sizeof(*nr));
	if (nr == NULL)
		return cfg_fail(x, n, "out of memory");
	eap->replies = nr;
	r = &eap->replies[eap->nreplies++];
	memset(r, 0, sizeof(*r));
	snprintf(r->group, sizeof(r->group), "%s", n->argv[1]);
	r->line = n->line;
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		int rc;
		if (strcmp(k->argv[0], "vlan") == 0)
			rc = ceap_uint(x, k, 1, 4094, &r->vlan);
		else if (strcmp(k->argv[0], "session_timeout") == 0)
			rc = ceap_uint(x, k, 60, 604800, &r->session_timeout);
		else
			rc =
			    cfg_fail(x, k, "unknown setting '%s' in reply (vlan, session_timeout)",
			              k->argv[0]);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
ceap_set(struct cfg_ctx *x, const struct cfg_node *k, struct config_eap *eap)
{
	const char *s = k->argv[0];

	if (strcmp(s, "methods") == 0)
		return ceap_methods(x, k, eap);
	if (strcmp(s, "certificate") == 0)
		return ceap_string(x, k, eap->cert, sizeof(eap->cert));
	if (strcmp(s, "private_key") == 0)
		return ceap_string(x, k, eap->key, sizeof(eap->key));
	if (strcmp(s, "client_ca") == 0)
		return ceap_string(x, k, eap->client_ca, sizeof(eap->client_ca));
	if (strcmp(s, "crl") == 0)
		return ceap_string(x, k, eap->crl, sizeof(eap->crl));
	if (strcmp(s, "ciphers") == 0)
		return ceap_string(x, k, eap->ciphers, sizeof(eap->ciphers));
	if (strcmp(s, "ciphersuites") == 0)
		return ceap_string(x, k, eap->ciphersuites, sizeof(eap->ciphersuites));
	if (strcmp(s, "tls_min_version") == 0) {
		if (ceap_one(x, k) < 0)
			return -1;
		if (strcmp(k->argv[1], "1.2") == 0)
			eap->tls_min_version = 12;
		else if (strcmp(k->argv[1], "1.3") == 0)
			eap->tls_min_version = 13;
		else
			return cfg_fail(x, k, "tls_min_version must be 1.2 or 1.3, not \"%s\"",
			                 k->argv[1]);
		return 0;
	}
	if (strcmp(s, "fragment_size") == 0)
		return ceap_uint(x, k, 100, 3000, &eap->fragment_size);
	if (strcmp(s, "max_conversations") == 0)
		return ceap_uint(x, k, 1, 1000000, &eap->max_conversations);
	if (strcmp(s, "timeout") == 0)
		return ceap_uint(x, k, 2, 600, &eap->timeout);
	if (strcmp(s, "resumption_lifetime") == 0)
		return ceap_uint(x, k, 0, 86400 * 7, &eap->resumption_lifetime);
	if (strcmp(s, "reply") == 0)
		return ceap_reply(x, k, eap);
	return cfg_fail(
	    x, k,
	    "unknown setting '%s' in eap (methods, certificate, private_key, client_ca,"
	    " crl, tls_min_version, ciphers, ciphersuites, fragment_size,"
	    " max_conversations, timeout, resumption_lifetime, reply)",
	    s);
}

int
config_eap_parse(const char *name, const struct cfg_node *n, struct config_eap *eap, char *err,
                 size_t errlen)
{
	struct cfg_ctx x = {.name = name, .err = err, .errlen = errlen};

	if (!n->block || n->argc != 1)
		return cfg_fail(&x, n, "'eap' needs a { } block");
	if (eap->enabled)
		return cfg_fail(&x, n, "'eap' block given twice");
	config_eap_free(eap);
	eap->enabled = 1;
	eap->methods[0] = 25; /* PEAP first: what most phones try */
	eap->methods[1] = 21;
	eap->methods[2] = 13;
	eap->nmethods = 3;
	eap->tls_min_version = 12;
	/* 1000 TLS bytes + EAP and RADIUS headers stay under a 1500-byte path */
	eap->fragment_size = 1000;
	/* sized for the 256 MiB box: a conversation mid-handshake holds ~45 kB
	 * (OpenSSL's handshake state), so 1,024 of them are ~45 MB at worst,
	 * next to poortd's ~30 MB and its session caches (tests/bench/README.md) */
	eap->max_conversations = 1024;
	eap->timeout = 30;
	eap->resumption_lifetime = 3600;
	for (size_t i = 0; i < n->nchildren; i++)
		if (ceap_set(&x, &n->children[i], eap) < 0)
			return -1;
	if (eap->cert[0] == '\0' || eap->key[0] == '\0')
		return cfg_fail(&x, n, "eap needs 'certificate' and 'private_key'");
	/* method tls needs client_ca or onboarding { }: config_onboard_check */
	eap->line = n->line;
	return 0;
}

void
config_eap_free(struct config_eap *eap)
{
	free(eap->replies);
	memset(eap, 0, sizeof(*eap));
}

const struct config_eap_reply *
config_eap_reply_find(const struct config *cfg, const char *affiliation)
{
	const struct config_eap_reply *def = NULL;

	for (size_t i = 0; i < cfg->eap.nreplies; i++) {
		const struct config_eap_reply *r = &cfg->eap.replies[i];
		if (affiliation != NULL && affiliation[0] != '\0' &&
		    strcmp(r->group, affiliation) == 0)
			return r;
		if (strcmp(r->group, "default") == 0)
			def = r;
	}
	return def;
}
