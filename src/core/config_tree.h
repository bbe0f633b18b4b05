/* The config file's syntax tree: statements of words, some with a block. */
#ifndef POORT_CONFIG_TREE_H
#define POORT_CONFIG_TREE_H

#include <stddef.h>

#define CFG_MAX_ARGS 16
#define CFG_MAX_DEPTH 4

struct cfg_node {
	int line;
	int argc;
	char *argv[CFG_MAX_ARGS];
	int block; /* had a { } block (possibly empty) */
	struct cfg_node *children;
	size_t nchildren;
};

struct cfg_tree {
	struct cfg_node *nodes;
	size_t nnodes;
};

/* Where a config is being applied, for error messages. */
struct cfg_ctx {
	const char *name; /* the file, as named to the user */
	char *err;
	size_t errlen;
};

/* Writes "NAME:LINE: message" into ctx->err; returns -1. */
int cfg_fail(struct cfg_ctx *ctx, const struct cfg_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses text; on error writes "NAME:LINE: problem" into err. */
int cfg_tree_parse(struct cfg_tree *tree, const char *name, const char *text, char *err,
		   size_t errlen);
void cfg_tree_free(struct cfg_tree *tree);

/* The eap { } block (config_eap.c); "NAME:LINE: problem" into err. */
struct config_eap;
struct config_proxy;
struct sockaddr_storage;
/* Shared checks for config blocks (config.c): FILE:LINE errors via ctx. */
int cfg_uint(struct cfg_ctx *ctx, const struct cfg_node *n, unsigned min, unsigned max,
	     unsigned *out);
int cfg_string(struct cfg_ctx *ctx, const struct cfg_node *n, char *out, size_t outlen);
int cfg_parse_ip(const char *s, struct sockaddr_storage *ss);
int config_proxy_parse(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_proxy *px);
struct config;
struct config_radsec;
int config_radsec_parse(struct cfg_ctx *ctx, const struct cfg_node *n, struct config_radsec *rc);
/* After every block: RadSec users (listen, clients, upstreams) need radsec { }. */
int config_radsec_check(struct cfg_ctx *ctx, const struct config *cfg);
struct config_firmware;
int config_firmware_parse(struct cfg_ctx *ctx, const struct cfg_node *n,
			  struct config_firmware *fw);
struct config_onboard;
int config_onboard_parse(struct cfg_ctx *ctx, const struct cfg_node *n,
			 struct config_onboard *ob);
/* After every block: EAP-TLS trusts the onboarding client CA; tls needs some CA. */
int config_onboard_check(struct cfg_ctx *ctx, struct config *cfg);
int config_eap_parse(const char *name, const struct cfg_node *n, struct config_eap *eap,
		     char *err, size_t errlen);
void config_eap_free(struct config_eap *eap);

#endif
