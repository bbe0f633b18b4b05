/*
 * Config file syntax: one statement per line (or separated by ';'), words or
 * "quoted strings", '#' starts a comment, blocks in braces:
 *
 *	realm "school.example"
 *	client "ap-hall" {
 *		address 192.0.2.0/24
 *		secret "..."
 *	}
 *
 * The file is first read into a tree of statements (config_tree.c), then
 * each statement is checked and applied here.
 */
#include "poort/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_tree.h"
#include "poort/config_saml.h"

static int
cfg_want_args(struct cfg_ctx *ctx, const struct cfg_node *n, int min, int max)
{
	int args = n->argc - 1;
	if (args < min || args > max) {
		if (min == max)
			return cfg_fail(ctx, n, "'%s' takes %d value%s, found %d", n->argv[0], min,
					min == 1 ? "" : "s", args);
		return cfg_fail(ctx, n, "'%s' takes %d to %d values, found %d", n->argv[0], min,
				max, args);
	}
	if (n->block)
		return cfg_fail(ctx, n, "'%s' does not take a { } block", n->argv[0]);
	return 0;
}

int
cfg_uint(struct cfg_ctx *ctx, const struct cfg_node *n, unsigned min, unsigned max,
	 unsigned *out)
{
	char *end;
	unsigned long v;

	if (cfg_want_args(ctx, n, 1, 1) < 0)
		return -1;
	errno = 0;
	v = strtoul(n->argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || n->argv[1][0] == '-' || !isdigit((unsigned char)n->argv[1][0]))
		return cfg_fail(ctx, n, "'%s' needs a whole number, not \"%s\"", n->argv[0],
				n->argv[1]);
	if (v < min || v > max)
		return cfg_fail(ctx, n, "'%s' must be between %u and %u, not %lu", n->argv[0], min,
				max, v);
	*out = (unsigned)v;
	return 0;
}

static int
cfg_bool(struct cfg_ctx *ctx, const struct cfg_node *n, int *out)
{
	if (cfg_want_args(ctx, n, 1, 1) < 0)
		return -1;
	if (strcmp(n->argv[1], "yes") == 0 || strcmp(n->argv[1], "true") == 0)
		*out = 1;
	else if (strcmp(n->argv[1], "no") == 0 || strcmp(n->argv[1], "false") == 0)
		*out = 0;
	else
		return cfg_fail(ctx, n, "'%s' must be yes or no, not \"%s\"", n->argv[0],
				n->argv[1]);
	return 0;
}

int
cfg_string(struct cfg_ctx *ctx, const struct cfg_node *n, char *out, size_t outlen)
{
	if (cfg_want_args(ctx, n, 1, 1) < 0)
		return -1;
	if (n->argv[1][0] == '\0')
		return cfg_fail(ctx, n, "'%s' must not be empty", n->argv[0]);
	if (strlen(n->argv[1]) >= outlen)
		return cfg_fail(ctx, n, "'%s' is too long (at most %zu characters)", n->argv[0],
				outlen - 1);
	strcpy(out, n->argv[1]);
	return 0;
}

/* A realm: labels of letters, digits and '-', separated by single dots. */
static int
cfg_realm_valid(const char *r)
{
	size_t len = strlen(r), label = 0;
	int dots = 0;

	if (len == 0 || len > 253 || r[0] == '.' || r[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)r[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			dots++;
		} else if (isalnum(c) || c == '-') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return dots > 0;
}

static int
cfg_realm(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n)
{
	char **nr;

	if (cfg_want_args(ctx, n, 1, 1) < 0)
		return -1;
	if (!cfg_realm_valid(n->argv[1]))
		return cfg_fail(ctx, n, "realm \"%s\" is not a valid domain name (like school.nl)",
				n->argv[1]);
	for (size_t i = 0; i < cfg->nrealms; i++)
		if (strcasecmp(cfg->realms[i], n->argv[1]) == 0)
			return cfg_fail(ctx, n, "realm \"%s\" is listed twice", n->argv[1]);
	nr = realloc(cfg->realms, (cfg->nrealms + 1) * sizeof(*nr));
	if (nr == NULL)
		return cfg_fail(ctx, n, "out of memory");
	cfg->realms = nr;
	if ((cfg->realms[cfg->nrealms] = strdup(n->argv[1])) == NULL)
		return cfg_fail(ctx, n, "out of memory");
	for (char *p = cfg->realms[cfg->nrealms]; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	cfg->nrealms++;
	return 0;
}

int
cfg_parse_ip(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

static int
cfg_add_listen(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n,
	       enum config_listen_kind kind, const char *host, unsigned port)
{
	struct config_listen *nl, *l;

	nl = realloc(cfg->listens, (cfg->nlistens + 1) * sizeof(*nl));
	if (nl == NULL)
		return cfg_fail(ctx, n, "out of memory");
	cfg->listens = nl;
	l = &cfg->listens[cfg->nlistens];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	if (cfg_parse_ip(host, &l->addr) < 0)
		return cfg_fail(ctx, n, "\"%s\" is not an IPv4 or IPv6 address", host);
	if (l->addr.ss_family == AF_INET) {
		((struct sockaddr_in *)&l->addr)->sin_port = htons((uint16_t)port);
		l->addrlen = sizeof(struct sockaddr_in);
		snprintf(l->text, sizeof(l->text), "%s:%u", host, port);
	} else {
		((struct sockaddr_in6 *)&l->addr)->sin6_port = htons((uint16_t)port);
		l->addrlen = sizeof(struct sockaddr_in6);
		snprintf(l->text, sizeof(l->text), "[%s]:%u", host, port);
	}
	cfg->nlistens++;
	return 0;
}

/* listen auth|acct|radsec ADDRESS|* [PORT] */
static int
cfg_listen(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n)
{
	enum config_listen_kind kind;
	unsigned port;
	char *end;

	if (cfg_want_args(ctx, n, 2, 3) < 0)
		return -1;
	if (strcmp(n->argv[1], "auth") == 0)
		kind = CONFIG_LISTEN_AUTH;
	else if (strcmp(n->argv[1], "acct") == 0)
		kind = CONFIG_LISTEN_ACCT;
	else if (strcmp(n->argv[1], "radsec") == 0)
		kind = CONFIG_LISTEN_RADSEC;
	else
		return cfg_fail(ctx, n, "listen needs 'auth', 'acct' or 'radsec', not \"%s\"",
				n->argv[1]);
	port = kind == CONFIG_LISTEN_AUTH ? 1812 : kind == CONFIG_LISTEN_ACCT ? 1813 : 2083;
	if (n->argc == 4) {
		unsigned long v = strtoul(n->argv[3], &end, 10);
		if (*end != '\0' || v == 0 || v > 65535 || !isdigit((unsigned char)n->argv[3][0]))
			return cfg_fail(ctx, n, "\"%s\" is not a port number (1-65535)",
					n->argv[3]);
		port = (unsigned)v;
	}
	if (strcmp(n->argv[2], "*") == 0)
		return cfg_add_listen(ctx, cfg, n, kind, "0.0.0.0", port) < 0 ||
				       cfg_add_listen(ctx, cfg, n, kind, "::", port) < 0
			       ? -1
			       : 0;
	return cfg_add_listen(ctx, cfg, n, kind, n->argv[2], port);
}

int
config_client_address(const char *text, struct config_client *c)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	unsigned max, prefix;

	if (strlen(text) >= sizeof(buf))
		return CONFIG_ADDR_EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (cfg_parse_ip(buf, &c->net) < 0)
		return CONFIG_ADDR_EINVAL;
	max = c->net.ss_family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash != NULL) {
		char *end;
		unsigned long v = strtoul(slash, &end, 10);
		if (*end != '\0' || *slash == '\0' || v > max || !isdigit((unsigned char)*slash))
			return CONFIG_ADDR_EPREFIX;
		prefix = (unsigned)v;
	}
	/* host bits set usually means a typo in the prefix: refuse, don't guess */
	const uint8_t *a = c->net.ss_family == AF_INET
				   ? (const uint8_t *)&((struct sockaddr_in *)&c->net)->sin_addr
				   : (const uint8_t *)&((struct sockaddr_in6 *)&c->net)->sin6_addr;
	for (unsigned bit = prefix; bit < max; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return CONFIG_ADDR_EHOSTBITS;
	c->prefix = prefix;
	return 0;
}

static int
cfg_prefix(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_client *c)
{
	if (cfg_want_args(ctx, n, 1, 1) < 0)
		return -1;
	switch (config_client_address(n->argv[1], c)) {
	case 0:
		return 0;
	case CONFIG_ADDR_EPREFIX:
		return cfg_fail(ctx, n, "prefix length in \"%s\" must be 0-%u", n->argv[1],
				c->net.ss_family == AF_INET ? 32 : 128);
	case CONFIG_ADDR_EHOSTBITS:
		return cfg_fail(ctx, n, "\"%s\" has host bits set after /%s", n->argv[1],
				strchr(n->argv[1], '/') + 1);
	default:
		return cfg_fail(ctx, n, "\"%s\" is not an address or prefix (like 192.0.2.0/24)",
				n->argv[1]);
	}
}

static int
cfg_client(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n)
{
	struct config_client *nc, *c;
	int have_addr = 0;

	if (n->argc != 2 || !n->block)
		return cfg_fail(ctx, n, "client needs a name and a { } block");
	if (strlen(n->argv[1]) >= CONFIG_NAME_MAX || n->argv[1][0] == '\0')
		return cfg_fail(ctx, n, "client name must be 1 to %d characters", CONFIG_NAME_MAX - 1);
	for (size_t i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].name, n->argv[1]) == 0)
			return cfg_fail(ctx, n, "client \"%s\" is defined twice (first on line %d)",
					n->argv[1], cfg->clients[i].line);
	nc = realloc(cfg->clients, (cfg->nclients + 1) * sizeof(*nc));
	if (nc == NULL)
		return cfg_fail(ctx, n, "out of memory");
	cfg->clients = nc;
	c = &cfg->clients[cfg->nclients++];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, n->argv[1]);
	c->line = n->line;
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		if (strcmp(k->argv[0], "address") == 0) {
			if (cfg_prefix(ctx, k, c) < 0)
				return -1;
			have_addr = 1;
		} else if (strcmp(k->argv[0], "secret") == 0) {
			if (cfg_string(ctx, k, c->secret, sizeof(c->secret)) < 0)
				return -1;
			if (strlen(c->secret) < 8)
				return cfg_fail(ctx, k, "secret of client \"%s\" is shorter than 8 characters",
						c->name);
		} else if (strcmp(k->argv[0], "federation") == 0) {
			if (cfg_bool(ctx, k, &c->federation) < 0)
				return -1;
		} else if (strcmp(k->argv[0], "cert_name") == 0) {
			if (cfg_string(ctx, k, c->cert_name, sizeof(c->cert_name)) < 0)
				return -1;
			if (c->cert_name[0] == '\0')
				return cfg_fail(ctx, k, "cert_name of client \"%s\" is empty", c->name);
		} else {
			return cfg_fail(ctx, k,
					"unknown setting '%s' in client (address, secret, cert_name,"
					" federation)",
					k->argv[0]);
		}
	}
	if (!have_addr)
		return cfg_fail(ctx, n, "client \"%s\" has no address", c->name);
	if (c->secret[0] == '\0' && c->cert_name[0] == '\0')
		return cfg_fail(ctx, n, "client \"%s\" has no secret (nor a cert_name for RadSec)",
				c->name);
	if (c->secret[0] == '\0') {
		/* RFC 6614: over TLS the secret is the fixed "radsec" */
		c->radsec_only = 1;
		strcpy(c->secret, "radsec");
	}
	return 0;
}

static int
cfg_log(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		if (strcmp(k->argv[0], "level") == 0) {
			if (cfg_want_args(ctx, k, 1, 1) < 0)
				return -1;
			if (log_level_parse(k->argv[1], &cfg->log_level) < 0)
				return cfg_fail(ctx, k,
						"log level must be debug, info, notice, warning or error");
		} else if (strcmp(k->argv[0], "syslog") == 0) {
			if (cfg_bool(ctx, k, &cfg->log_syslog) < 0)
				return -1;
		} else if (strcmp(k->argv[0], "retention_days") == 0) {
			if (cfg_uint(ctx, k, 1, 3650, &cfg->log_retention_days) < 0)
				return -1;
		} else if (strcmp(k->argv[0], "audit_retention_days") == 0) {
			if (cfg_uint(ctx, k, CONFIG_AUDIT_RETENTION_MIN, 3650,
				     &cfg->log_audit_retention_days) < 0)
				return -1;
		} else {
			return cfg_fail(ctx, k,
					"unknown setting '%s' in log (level, syslog, retention_days,"
					" audit_retention_days)",
					k->argv[0]);
		}
	}
	return 0;
}

struct cfg_uint_setting {
	const char *name;
	size_t offset;
	unsigned min, max;
};

static int
cfg_uint_block(struct cfg_ctx *ctx, const struct cfg_node *n, void *base,
	       const struct cfg_uint_setting *set, size_t nset)
{
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		size_t j;
		for (j = 0; j < nset; j++)
			if (strcmp(k->argv[0], set[j].name) == 0)
				break;
		if (j == nset)
			return cfg_fail(ctx, k, "unknown setting '%s' in %s", k->argv[0], n->argv[0]);
		if (cfg_uint(ctx, k, set[j].min, set[j].max,
			     (unsigned *)((char *)base + set[j].offset)) < 0)
			return -1;
	}
	return 0;
}

static const struct cfg_uint_setting cfg_limits_set[] = {
	{"reply_cache", offsetof(struct config_limits, reply_cache), 16, 1000000},
	{"reply_cache_ttl", offsetof(struct config_limits, reply_cache_ttl), 1, 600},
	{"pending", offsetof(struct config_limits, pending), 1, 100000},
	{"workers", offsetof(struct config_limits, workers), 1, 64},
	{"max_packet", offsetof(struct config_limits, max_packet), 20, 4096},
};

static const struct cfg_uint_setting cfg_password_set[] = {
	{"cost", offsetof(struct config_password, cost), 1, 11},
	{"cache", offsetof(struct config_password, cache), 0, 1000000},
	{"cache_ttl", offsetof(struct config_password, cache_ttl), 1, 86400},
};

static int
cfg_apply(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *top, size_t ntop)
{
	int have_state = 0;

	for (size_t i = 0; i < ntop; i++) {
		const struct cfg_node *n = &top[i];
		const char *k = n->argv[0];
		int rc;
		if (strcmp(k, "state_dir") == 0) {
			rc = cfg_string(ctx, n, cfg->state_dir, sizeof(cfg->state_dir));
			have_state = 1;
		} else if (strcmp(k, "user") == 0) {
			rc = cfg_string(ctx, n, cfg->user, sizeof(cfg->user));
		} else if (strcmp(k, "seccomp") == 0) {
			rc = cfg_want_args(ctx, n, 1, 1);
			if (rc == 0 && strcmp(n->argv[1], "kill") != 0 &&
			    strcmp(n->argv[1], "log") != 0)
				return cfg_fail(ctx, n, "seccomp is 'kill' or 'log'");
			cfg->seccomp_log = rc == 0 && strcmp(n->argv[1], "log") == 0;
		} else if (strcmp(k, "realm") == 0) {
			rc = cfg_realm(ctx, cfg, n);
		} else if (strcmp(k, "listen") == 0) {
			rc = cfg_listen(ctx, cfg, n);
		} else if (strcmp(k, "client") == 0) {
			rc = cfg_client(ctx, cfg, n);
		} else if (strcmp(k, "proxy") == 0) {
			rc = config_proxy_parse(ctx, n, &cfg->proxy);
		} else if (strcmp(k, "radsec") == 0) {
			rc = config_radsec_parse(ctx, n, &cfg->radsec);
		} else if (strcmp(k, "firmware") == 0) {
			rc = config_firmware_parse(ctx, n, &cfg->firmware);
		} else if (strcmp(k, "onboarding") == 0) {
			rc = config_onboard_parse(ctx, n, &cfg->onboard);
		} else if (strcmp(k, "eap") == 0) {
			rc = config_eap_parse(ctx->name, n, &cfg->eap, ctx->err, ctx->errlen);
		} else if (strcmp(k, "http") == 0 || strcmp(k, "saml") == 0) {
			rc = config_saml_apply(cfg, n, ctx->name, ctx->err, ctx->errlen);
		} else if (strcmp(k, "log") == 0 || strcmp(k, "limits") == 0 ||
			   strcmp(k, "password") == 0) {
			if (!n->block || n->argc != 1)
				return cfg_fail(ctx, n, "'%s' needs a { } block", k);
			if (strcmp(k, "log") == 0)
				rc = cfg_log(ctx, cfg, n);
			else if (strcmp(k, "limits") == 0)
				rc = cfg_uint_block(ctx, n, &cfg->limits, cfg_limits_set,
						    sizeof(cfg_limits_set) / sizeof(cfg_limits_set[0]));
			else
				rc = cfg_uint_block(ctx, n, &cfg->password, cfg_password_set,
						    sizeof(cfg_password_set) /
							    sizeof(cfg_password_set[0]));
		} else {
			return cfg_fail(ctx, n, "unknown setting '%s'", k);
		}
		if (rc < 0)
			return -1;
	}
	if (!have_state) {
		snprintf(ctx->err, ctx->errlen, "%s: state_dir is not set", ctx->name);
		return -1;
	}
	if (cfg->nrealms == 0) {
		snprintf(ctx->err, ctx->errlen, "%s: no realm is set (e.g. realm \"school.nl\")",
			 ctx->name);
		return -1;
	}
	if (config_radsec_check(ctx, cfg) < 0 || config_onboard_check(ctx, cfg) < 0)
		return -1;
	size_t nudp = 0;
	for (size_t i = 0; i < cfg->nlistens; i++)
		nudp += cfg->listens[i].kind != CONFIG_LISTEN_RADSEC;
	if (nudp == 0) {
		struct cfg_node def = {.line = 0};
		if (cfg_add_listen(ctx, cfg, &def, CONFIG_LISTEN_AUTH, "0.0.0.0", 1812) < 0 ||
		    cfg_add_listen(ctx, cfg, &def, CONFIG_LISTEN_AUTH, "::", 1812) < 0 ||
		    cfg_add_listen(ctx, cfg, &def, CONFIG_LISTEN_ACCT, "0.0.0.0", 1813) < 0 ||
		    cfg_add_listen(ctx, cfg, &def, CONFIG_LISTEN_ACCT, "::", 1813) < 0)
			return -1;
	}
	return 0;
}

struct config *
config_parse(const char *name, const char *text, char *err, size_t errlen)
{
	struct cfg_ctx ctx = {.name = name, .err = err, .errlen = errlen};
	struct cfg_tree tree;
	struct config *cfg;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	snprintf(cfg->user, sizeof(cfg->user), "poort");
	cfg->log_level = LOG_LVL_INFO;
	cfg->log_retention_days = 183;
	cfg->log_audit_retention_days = CONFIG_AUDIT_RETENTION_DEFAULT;
	cfg->limits = (struct config_limits){.reply_cache = 8192,
					     .reply_cache_ttl = 30,
					     .pending = 1024,
					     .workers = 2,
					     .max_packet = 4096};
	cfg->password = (struct config_password){.cost = 4, .cache = 4096, .cache_ttl = 3600};
	cfg->firmware.confirm_timeout = 300;
	cfg->firmware.check_interval = 5;
	cfg->firmware.on_timeout = CONFIG_FW_REBOOT;

	if (cfg_tree_parse(&tree, name, text, err, errlen) < 0)
		goto fail;
	if (cfg_apply(&ctx, cfg, tree.nodes, tree.nnodes) < 0) {
		cfg_tree_free(&tree);
		goto fail;
	}
	cfg_tree_free(&tree);
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

char *
config_read(const char *path, size_t *lenp, char *err, size_t errlen)
{
	enum { MAX_SIZE = 1 << 20 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(MAX_SIZE + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	len = fread(text, 1, MAX_SIZE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	if (len > MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, MAX_SIZE);
		goto fail;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte (not a text file?)", path);
		goto fail;
	}
	text[len] = '\0';
	fclose(f);
	*lenp = len;
	return text;
fail:
	config_text_free(text, len);
	fclose(f);
	return NULL;
}

void
config_text_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	explicit_bzero(text, len); /* it held client secrets */
	free(text);
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config *cfg;
	size_t len = 0;
	char *text = config_read(path, &len, err, errlen);

	if (text == NULL)
		return NULL;
	cfg = config_parse(path, text, err, errlen);
	config_text_free(text, len);
	return cfg;
}

const struct config *
config_hold(const struct config *cfg)
{
	/* the count lives in the (heap) object, apart from the settings */
	((struct config *)cfg)->holds++;
	return cfg;
}

void
config_put(const struct config *cfg)
{
	config_free((struct config *)cfg);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->holds > 0) {
		cfg->holds--;
		return;
	}
	for (size_t i = 0; i < cfg->nrealms; i++)
		free(cfg->realms[i]);
	free(cfg->realms);
	free(cfg->listens);
	config_eap_free(&cfg->eap);
	explicit_bzero(&cfg->proxy, sizeof(cfg->proxy)); /* upstream secrets */
	if (cfg->clients != NULL)
		explicit_bzero(cfg->clients, cfg->nclients * sizeof(*cfg->clients));
	free(cfg->clients);
	config_saml_free(cfg);
	free(cfg);
}

static int
cfg_prefix_match(const struct config_client *c, const struct sockaddr *addr)
{
	const uint8_t *a, *n;
	unsigned full, rest;

	if (addr->sa_family != c->net.ss_family)
		return 0;
	if (addr->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)addr)->sin_addr;
		n = (const uint8_t *)&((const struct sockaddr_in *)&c->net)->sin_addr;
	} else {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)addr)->sin6_addr;
		n = (const uint8_t *)&((const struct sockaddr_in6 *)&c->net)->sin6_addr;
	}
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, n, full) != 0)
		return 0;
	if (rest != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a[full] & mask) != (n[full] & mask))
			return 0;
	}
	return 1;
}

const struct config_client *
config_client_find(const struct config *cfg, const struct sockaddr *addr)
{
	return config_client_find_in(cfg->clients, cfg->nclients, addr);
}

const struct config_client *
config_client_find_in(const struct config_client *clients, size_t n, const struct sockaddr *addr)
{
	const struct config_client *best = NULL;
	struct sockaddr_in mapped;

	/* an IPv4 client reaching a dual-stack socket shows up v4-mapped */
	if (addr->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)addr)->sin6_addr)) {
		memset(&mapped, 0, sizeof(mapped));
		mapped.sin_family = AF_INET;
		memcpy(&mapped.sin_addr, &((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr[12],
		       4);
		addr = (const struct sockaddr *)&mapped;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_client *c = &clients[i];
		if (cfg_prefix_match(c, addr) && (best == NULL || c->prefix > best->prefix))
			best = c;
	}
	return best;
}

int
config_realm_is_local(const struct config *cfg, const char *realm, size_t len)
{
	for (size_t i = 0; i < cfg->nrealms; i++)
		if (strlen(cfg->realms[i]) == len && strncasecmp(cfg->realms[i], realm, len) == 0)
			return 1;
	return 0;
}
