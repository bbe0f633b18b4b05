/*
 * The onboarding { } block: per-device EAP-TLS certificates from the box's
 * own client CA, and the profiles (eap-config, mobileconfig) that carry them.
 *
 *	onboarding {
 *		ssid "eduroam"                  # up to 4; default eduroam
 *		display_name "Het Lyceum"
 *		logo "/etc/poort/logo.png"      # optional; PNG or JPEG <= 256 KiB
 *		helpdesk_email "ict@school.nl"  # optional, also _url and _phone
 *		terms "https://school.nl/wifi-voorwaarden"
 *		validity 0                      # days; 0 = until 1 August
 *		device_limit 5                  # active devices per account; 0 = no limit
 *		key_type ec                     # or rsa (RSA-2048) for old devices
 *		server_ca "/etc/poort/eap-ca.pem"  # optional, see below
 *	}
 *
 * The server name and CA that profiles pin come from the eap { } block: the
 * name from its certificate's DNS subjectAltName, the CA from server_ca or,
 * without it, the last certificate of eap's certificate chain file.
 */
#include <stdio.h>
#include <string.h>

#include "config_tree.h"
#include "poort/config.h"

static int
cob_set(struct cfg_ctx *ctx, const struct cfg_node *k, struct config_onboard *ob)
{
	const char *w = k->argv[0];

	if (strcmp(w, "ssid") == 0) {
		if (ob->nssids == CONFIG_SSIDS_MAX)
			return cfg_fail(ctx, k, "at most %d ssid lines", CONFIG_SSIDS_MAX);
		return cfg_string(ctx, k, ob->ssids[ob->nssids++], sizeof(ob->ssids[0]));
	}
	if (strcmp(w, "display_name") == 0)
		return cfg_string(ctx, k, ob->display_name, sizeof(ob->display_name));
	if (strcmp(w, "logo") == 0)
		return cfg_string(ctx, k, ob->logo, sizeof(ob->logo));
	if (strcmp(w, "helpdesk_email") == 0)
		return cfg_string(ctx, k, ob->helpdesk_email, sizeof(ob->helpdesk_email));
	if (strcmp(w, "helpdesk_url") == 0)
		return cfg_string(ctx, k, ob->helpdesk_url, sizeof(ob->helpdesk_url));
	if (strcmp(w, "helpdesk_phone") == 0)
		return cfg_string(ctx, k, ob->helpdesk_phone, sizeof(ob->helpdesk_phone));
	if (strcmp(w, "server_ca") == 0)
		return cfg_string(ctx, k, ob->server_ca, sizeof(ob->server_ca));
	if (strcmp(w, "terms") == 0)
		return cfg_string(ctx, k, ob->terms, sizeof(ob->terms));
	if (strcmp(w, "validity") == 0)
		return cfg_uint(ctx, k, 0, 3660, &ob->validity_days);
	if (strcmp(w, "device_limit") == 0)
		return cfg_uint(ctx, k, 0, 1000, &ob->device_limit);
	if (strcmp(w, "key_type") == 0) {
		if (k->argc != 2 || (strcmp(k->argv[1], "ec") != 0 && strcmp(k->argv[1], "rsa") != 0))
			return cfg_fail(ctx, k, "'key_type' is ec or rsa");
		ob->rsa = strcmp(k->argv[1], "rsa") == 0;
		return 0;
	}
	return cfg_fail(ctx, k,
			"unknown setting '%s' in onboarding (ssid, display_name, logo,"
			" helpdesk_email, helpdesk_url, helpdesk_phone, terms, server_ca, validity,"
			" device_limit, key_type)",
			w);
}

int
config_onboard_parse(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_onboard *ob)
{
	if (!n->block || n->argc != 1)
		return cfg_fail(ctx, n, "'onboarding' needs a { } block");
	if (ob->enabled)
		return cfg_fail(ctx, n, "'onboarding' block given twice");
	memset(ob, 0, sizeof(*ob));
	ob->enabled = 1;
	ob->device_limit = 5;
	snprintf(ob->display_name, sizeof(ob->display_name), "eduroam");
	for (size_t i = 0; i < n->nchildren; i++)
		if (cob_set(ctx, &n->children[i], ob) < 0)
			return -1;
	if (ob->nssids == 0)
		snprintf(ob->ssids[ob->nssids++], sizeof(ob->ssids[0]), "eduroam");
	return 0;
}

int
config_onboard_check(struct cfg_ctx *ctx, struct config *cfg)
{
	struct config_eap *eap = &cfg->eap;
	struct cfg_node at = {.line = eap->line};
	int want_tls = 0;

	if (cfg->onboard.enabled) {
		if (!eap->enabled || eap->cert[0] == '\0')
			return cfg_fail(ctx, &at,
					"onboarding needs an eap { } block (its certificate is"
					" what the profiles pin)");
		if ((size_t)snprintf(eap->device_ca, sizeof(eap->device_ca), "%s/onboard-ca.pem",
				     cfg->state_dir) >= sizeof(eap->device_ca))
			return cfg_fail(ctx, &at, "state_dir is too long");
	}
	for (size_t i = 0; eap->enabled && i < eap->nmethods; i++)
		if (eap->methods[i] == 13)
			want_tls = 1;
	if (want_tls && eap->client_ca[0] == '\0' && eap->device_ca[0] == '\0')
		return cfg_fail(ctx, &at,
				"eap method tls needs 'client_ca' (the CA of the client"
				" certificates) or an onboarding { } block");
	return 0;
}
