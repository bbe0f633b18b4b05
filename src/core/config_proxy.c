/*
 * The proxy { } block: the federation-level servers foreign realms go to.
 *
 *	proxy {
 *		upstream "flr1" { address 192.0.2.1; port 1812; secret "..." }
 *		upstream "flr2" { address 192.0.2.2; secret "..." }
 *		upstream "flr3" { address 192.0.2.3; transport radsec; cert_name "flr3.example" }
 *		response_window 5
 *		check_interval 10
 *		visitor_vlan 900
 *	}
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "config_tree.h"
#include "poort/config.h"

static int
cproxy_upstream(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_proxy *px)
{
	struct config_upstream *u;
	unsigned port = 0;
	int have_addr = 0;

	if (n->argc != 2 || !n->block)
		return cfg_fail(ctx, n, "upstream needs a name and a { } block");
	if (px->nups == CONFIG_UPSTREAMS_MAX)
		return cfg_fail(ctx, n, "more than %d upstreams", CONFIG_UPSTREAMS_MAX);
	if (strlen(n->argv[1]) == 0 || strlen(n->argv[1]) >= CONFIG_NAME_MAX)
		return cfg_fail(ctx, n, "upstream name must be 1 to %d characters",
				CONFIG_NAME_MAX - 1);
	for (size_t i = 0; i < px->nups; i++)
		if (strcmp(px->ups[i].name, n->argv[1]) == 0)
			return cfg_fail(ctx, n, "upstream \"%s\" is defined twice", n->argv[1]);
	u = &px->ups[px->nups];
	memset(u, 0, sizeof(*u));
	strcpy(u->name, n->argv[1]);
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		if (strcmp(k->argv[0], "address") == 0) {
			if (k->argc != 2 || cfg_parse_ip(k->argv[1], &u->addr) < 0)
				return cfg_fail(ctx, k, "upstream address must be one IPv4 or IPv6 address");
			have_addr = 1;
		} else if (strcmp(k->argv[0], "port") == 0) {
			if (cfg_uint(ctx, k, 1, 65535, &port) < 0)
				return -1;
		} else if (strcmp(k->argv[0], "secret") == 0) {
			if (cfg_string(ctx, k, u->secret, sizeof(u->secret)) < 0)
				return -1;
			if (strlen(u->secret) < 6)
				return cfg_fail(ctx, k, "secret of upstream \"%s\" is shorter than 6 characters",
						u->name);
		} else if (strcmp(k->argv[0], "transport") == 0) {
			if (k->argc != 2 || (strcmp(k->argv[1], "udp") != 0 && strcmp(k->argv[1], "radsec") != 0))
				return cfg_fail(ctx, k, "transport must be udp or radsec");
			u->radsec = strcmp(k->argv[1], "radsec") == 0;
		} else if (strcmp(k->argv[0], "cert_name") == 0) {
			if (cfg_string(ctx, k, u->cert_name, sizeof(u->cert_name)) < 0)
				return -1;
		} else {
			return cfg_fail(ctx, k,
					"unknown setting '%s' in upstream (address, port, secret,"
					" transport, cert_name)",
					k->argv[0]);
		}
	}
	if (!have_addr)
		return cfg_fail(ctx, n, "upstream \"%s\" has no address", u->name);
	if (u->radsec) {
		/* RFC 6614: TLS protects the packets; the secret is the fixed "radsec" */
		if (u->cert_name[0] == '\0')
			return cfg_fail(ctx, n,
					"upstream \"%s\" uses radsec but has no cert_name (the name its"
					" certificate must carry)",
					u->name);
		if (u->secret[0] == '\0')
			strcpy(u->secret, "radsec");
	} else {
		if (u->secret[0] == '\0')
			return cfg_fail(ctx, n, "upstream \"%s\" has no secret", u->name);
		if (strlen(u->secret) < 8)
			return cfg_fail(ctx, n, "secret of upstream \"%s\" is shorter than 8 characters",
					u->name);
		if (u->cert_name[0] != '\0')
			return cfg_fail(ctx, n, "cert_name of upstream \"%s\" needs transport radsec",
					u->name);
	}
	if (port == 0)
		port = u->radsec ? 2083 : 1812;
	if (u->addr.ss_family == AF_INET) {
		((struct sockaddr_in *)&u->addr)->sin_port = htons((uint16_t)port);
		u->addrlen = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&u->addr)->sin6_port = htons((uint16_t)port);
		u->addrlen = sizeof(struct sockaddr_in6);
	}
	px->nups++;
	return 0;
}

int
config_proxy_parse(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_proxy *px)
{
	if (!n->block || n->argc != 1)
		return cfg_fail(ctx, n, "'proxy' needs a { } block");
	if (px->nups > 0)
		return cfg_fail(ctx, n, "'proxy' block given twice");
	px->response_window = 5; /* eduroam's common settings (DOMAIN.md) */
	px->check_interval = 10;
	px->max_inflight = 1024;
	px->max_backoff = 60;
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		int rc;
		if (strcmp(k->argv[0], "upstream") == 0)
			rc = cproxy_upstream(ctx, k, px);
		else if (strcmp(k->argv[0], "response_window") == 0)
			rc = cfg_uint(ctx, k, 1, 60, &px->response_window);
		else if (strcmp(k->argv[0], "check_interval") == 0)
			rc = cfg_uint(ctx, k, 1, 3600, &px->check_interval);
		else if (strcmp(k->argv[0], "max_inflight") == 0)
			rc = cfg_uint(ctx, k, 1, 100000, &px->max_inflight);
		else if (strcmp(k->argv[0], "visitor_vlan") == 0)
			rc = cfg_uint(ctx, k, 1, 4094, &px->visitor_vlan);
		else if (strcmp(k->argv[0], "max_backoff") == 0)
			rc = cfg_uint(ctx, k, 1, 3600, &px->max_backoff);
		else
			rc = cfg_fail(ctx, k,
				      "unknown setting '%s' in proxy (upstream, response_window,"
				      " check_interval, max_inflight, visitor_vlan, max_backoff)",
				      k->argv[0]);
		if (rc < 0)
			return -1;
	}
	if (px->nups == 0)
		return cfg_fail(ctx, n, "'proxy' has no upstream");
	return 0;
}
