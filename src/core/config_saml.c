/*
 * The http { } and saml { } blocks:
 *
 *	http {
 *		listen 127.0.0.1 8443
 *		certificate "/etc/poort/https.crt"
 *		key "/etc/poort/https.key"
 *		max_body 65536; rate 600; max_conns 256
 *		admin_listen 127.0.0.1 8444        # the admin UI's listener (none by default)
 *		admin_allow 127.0.0.0/8 10.0.0.0/8 # who may use it (default loopback only)
 *		admin_idle 900                     # seconds an admin session lives unused
 *		admin_max_body 16777216            # an upload on the admin listener (a backup)
 *		data_dir "/usr/share/poort"        # templates and catalogue (default: next to poortd)
 *	}
 *	saml {
 *		entity_id "https://idp.school.nl/saml"
 *		base_url "https://idp.school.nl"
 *		key "/etc/poort/saml.key"; certificate "/etc/poort/saml.crt"
 *		next_certificate "/etc/poort/saml-next.crt"
 *		federation_certificate "/etc/poort/entree.crt"
 *		metadata "/etc/poort/entree-metadata.xml"
 *		metadata_url "https://hub.entree.example/metadata.xml"
 *		metadata_refresh 3600
 *		metadata_pin certificate|document SHA256-HEX
 *		organization "De School"; organization_id "12AB"; scope "school.nl"
 *		organization_url "https://school.nl"
 *		contact technical|support "Name" "mail@school.nl"
 *		display_name nl|en "Text"; information_url nl|en "https://..."
 *		logo "https://school.nl/logo.png" WIDTH HEIGHT; cache_duration 21600
 *		sp "https://sp.example/saml" "https://other.example" {
 *			release uid givenName sn
 *			nameid uid | transient | persistent
 *			profile uri | entree
 *		}
 *		upstream "https://adfs.school.nl/..." { metadata FILE; scope "ad.school.nl"; ... }
 *	}
 *
 * Release is default deny: an SP that no sp block names gets no attributes.
 */
#include "poort/config_saml.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_tree.h"
#include "poort/config.h"
#include "poort/entree.h"
#include "poort/log.h"

/*
 * The attributes Poort can release, in their canonical order (assertions
 * and release lists follow it), with the uri profile's Name of each: urn:oid:
 * where eduPerson and inetOrgPerson define one, SURFconext's published names
 * for the Dutch ones (nlEduPerson*, the ECK iD). subject-id and pairwise-id
 * are URIs by definition (SAML V2.0 Subject Identifier Attributes), in both
 * profiles. One home: the release code (saml_assert.c) and the store's
 * rules (store_sp.c) read this table.
 */
static const struct {
	const char *name, *uri;
	int uri_always;
} csaml_attrs[] = {
	{"uid", "urn:oid:0.9.2342.19200300.100.1.1", 0},
	{"employeeNumber", "urn:oid:2.16.840.1.113730.3.1.3", 0},
	{"givenName", "urn:oid:2.5.4.42", 0},
	{"sn", "urn:oid:2.5.4.4", 0},
	{"eduPersonAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", 0},
	{"nlEduPersonHomeOrganizationId",
	 "urn:mace:surffederatie.nl:attribute-def:nlEduPersonHomeOrganizationId", 0},
	{"nlEduPersonHomeOrganization",
	 "urn:mace:surffederatie.nl:attribute-def:nlEduPersonHomeOrganization", 0},
	{"nlEduPersonProfileId", "urn:mace:surffederatie.nl:attribute-def:nlEduPersonProfileId", 0},
	{"nlEduPersonRealId", "urn:mace:surffederatie.nl:attribute-def:nlEduPersonRealId", 0},
	{"eckId", "urn:mace:surf.nl:attribute-def:eckid", 0},
	{"eduPersonScopedAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.9", 0},
	{"mail", "urn:oid:0.9.2342.19200300.100.1.3", 0},
	{"subject-id", "urn:oasis:names:tc:SAML:attribute:subject-id", 1},
	{"pairwise-id", "urn:oasis:names:tc:SAML:attribute:pairwise-id", 1},
};
#define CSAML_NATTRS (sizeof(csaml_attrs) / sizeof(csaml_attrs[0]))

int
config_saml_attr_index(const char *name)
{
	for (size_t i = 0; i < CSAML_NATTRS; i++)
		if (strcmp(csaml_attrs[i].name, name) == 0 || strcmp(csaml_attrs[i].uri, name) == 0)
			return (int)i;
	return -1;
}

const char *
config_saml_attr_name(size_t i)
{
	return i < CSAML_NATTRS ? csaml_attrs[i].name : NULL;
}

const char *
config_saml_attr_uri(const char *name, int *always)
{
	for (size_t i = 0; i < CSAML_NATTRS; i++)
		if (strcmp(csaml_attrs[i].name, name) == 0) {
			*always = csaml_attrs[i].uri_always;
			return csaml_attrs[i].uri;
		}
	return NULL;
}

int
config_saml_attr_known(const char *name)
{
	for (size_t i = 0; i < CSAML_NATTRS; i++)
		if (strcmp(csaml_attrs[i].name, name) == 0)
			return 1;
	return 0;
}

static int
csaml_string(struct cfg_ctx *ctx, const struct cfg_node *n, char *out, size_t outlen)
{
	if (n->argc != 2 || n->block)
		return cfg_fail(ctx, n, "'%s' takes one value", n->argv[0]);
	if (n->argv[1][0] == '\0' || strlen(n->argv[1]) >= outlen)
		return cfg_fail(ctx, n, "'%s' must be 1 to %zu characters", n->argv[0],
				  outlen - 1);
	strcpy(out, n->argv[1]);
	return 0;
}

static int
csaml_uint(struct cfg_ctx *ctx, const struct cfg_node *n, unsigned min, unsigned max,
	   unsigned *out)
{
	char *end;
	unsigned long v;

	if (n->argc != 2 || n->block || !isdigit((unsigned char)n->argv[1][0]))
		return cfg_fail(ctx, n, "'%s' takes one whole number", n->argv[0]);
	v = strtoul(n->argv[1], &end, 10);
	if (*end != '\0' || v < min || v > max)
		return cfg_fail(ctx, n, "'%s' must be between %u and %u", n->argv[0], min, max);
	*out = (unsigned)v;
	return 0;
}

static int
csaml_strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void
csaml_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* listen ADDRESS|* PORT (and admin_listen, into the admin fields) */
static int
csaml_listen(struct cfg_ctx *ctx, struct config_http *h, const struct cfg_node *n)
{
	int admin = strcmp(n->argv[0], "admin_listen") == 0;
	struct sockaddr_storage *ss = admin ? &h->admin_addr : &h->addr;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	socklen_t *sslen = admin ? &h->admin_addrlen : &h->addrlen;
	char *text = admin ? h->admin_listen_text : h->listen_text;
	size_t textlen = admin ? sizeof(h->admin_listen_text) : sizeof(h->listen_text);
	unsigned long port;
	char *end;

	if (n->argc != 3 || n->block)
		return cfg_fail(ctx, n, "%s takes an address and a port", n->argv[0]);
	port = strtoul(n->argv[2], &end, 10);
	if (*end != '\0' || port == 0 || port > 65535 || !isdigit((unsigned char)n->argv[2][0]))
		return cfg_fail(ctx, n, "\"%s\" is not a port number", n->argv[2]);
	memset(ss, 0, sizeof(*ss));
	if (strcmp(n->argv[1], "*") == 0) {
		/* all addresses, as 'listen auth *' says: the IPv6 wildcard, which
		 * also takes IPv4 unless net.ipv6.bindv6only is set */
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
		snprintf(text, textlen, ":::%lu", port);
		return 0;
	}
	if (inet_pton(AF_INET, n->argv[1], &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, n->argv[1], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*in6);
	} else {
		return cfg_fail(ctx, n, "\"%s\" is not an IPv4 or IPv6 address", n->argv[1]);
	}
	snprintf(text, textlen, "%s:%lu", n->argv[1], port);
	return 0;
}

/* admin_allow PREFIX... */
static int
csaml_allow(struct cfg_ctx *ctx, struct config_http *h, const struct cfg_node *n)
{
	struct config_client c;

	if (n->argc < 2 || n->block)
		return cfg_fail(ctx, n, "admin_allow takes one or more addresses or prefixes");
	for (int i = 1; i < n->argc; i++) {
		if (h->nadmin_allow == CONFIG_HTTP_ALLOW_MAX)
			return cfg_fail(ctx, n, "admin_allow: more than %d prefixes",
					CONFIG_HTTP_ALLOW_MAX);
		memset(&c, 0, sizeof(c));
		if (config_client_address(n->argv[i], &c) < 0)
			return cfg_fail(ctx, n, "admin_allow: \"%s\" is not an address or prefix",
					n->argv[i]);
		h->admin_allow[h->nadmin_allow].net = c.net;
		h->admin_allow[h->nadmin_allow].prefix = c.prefix;
		h->nadmin_allow++;
	}
	return 0;
}

static int
csaml_http(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n)
{
	struct config_http *h;
	int rc = 0;

	if (cfg->http != NULL)
		return cfg_fail(ctx, n, "http is set twice");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return cfg_fail(ctx, n, "out of memory");
	cfg->http = h;
	h->enabled = 1;
	h->max_body = 65536;
	h->rate = 600;
	h->max_conns = 256;
	h->admin_max_body = 16u << 20;
	for (size_t i = 0; i < n->nchildren && rc == 0; i++) {
		const struct cfg_node *k = &n->children[i];
		const char *w = k->argv[0];
		if (strcmp(w, "listen") == 0 || strcmp(w, "admin_listen") == 0)
			rc = csaml_listen(ctx, h, k);
		else if (strcmp(w, "admin_allow") == 0)
			rc = csaml_allow(ctx, h, k);
		else if (strcmp(w, "data_dir") == 0)
			rc = csaml_string(ctx, k, h->data_dir, sizeof(h->data_dir));
		else if (strcmp(w, "certificate") == 0)
			rc = csaml_string(ctx, k, h->cert, sizeof(h->cert));
		else if (strcmp(w, "key") == 0)
			rc = csaml_string(ctx, k, h->key, sizeof(h->key));
		else if (strcmp(w, "max_body") == 0)
			rc = csaml_uint(ctx, k, 1024, 1 << 20, &h->max_body);
		else if (strcmp(w, "rate") == 0)
			rc = csaml_uint(ctx, k, 1, 1000000, &h->rate);
		else if (strcmp(w, "max_conns") == 0)
			rc = csaml_uint(ctx, k, 1, 100000, &h->max_conns);
		else if (strcmp(w, "admin_idle") == 0)
			rc = csaml_uint(ctx, k, 10, 86400, &h->admin_idle);
		else if (strcmp(w, "admin_max_body") == 0)
			rc = csaml_uint(ctx, k, 65536, 256u << 20, &h->admin_max_body);
		else
			rc = cfg_fail(ctx, k,
					"unknown setting '%s' in http (listen, certificate, key, "
					"max_body, rate, max_conns, admin_listen, admin_allow, admin_idle, "
					"admin_max_body, data_dir)",
					w);
	}
	if (rc == 0 && h->addrlen == 0)
		rc = cfg_fail(ctx, n, "http has no listen address");
	if (rc == 0 && h->admin_addrlen != 0 && h->admin_addrlen == h->addrlen &&
	    memcmp(&h->admin_addr, &h->addr, h->addrlen) == 0)
		rc = cfg_fail(ctx, n, "admin_listen must differ from listen");
	if (rc == 0 && h->nadmin_allow == 0) { /* loopback only */
		struct config_client c;
		const char *const def[] = {"127.0.0.0/8", "::1"};
		for (size_t i = 0; i < 2; i++) {
			memset(&c, 0, sizeof(c));
			config_client_address(def[i], &c);
			h->admin_allow[i].net = c.net;
			h->admin_allow[i].prefix = c.prefix;
		}
		h->nadmin_allow = 2;
	}
	if (rc == 0 && (h->cert[0] == '\0' || h->key[0] == '\0'))
		rc = cfg_fail(ctx, n, "http needs a certificate and a key (HTTPS only)");
	return rc;
}

static int
csaml_sp(struct cfg_ctx *ctx, struct config_saml *sc, const struct cfg_node *n)
{
	struct config_saml_sp *nsp, *sp;
	int have_nameid = 0, have_profile = 0;

	if (n->argc < 2 || !n->block)
		return cfg_fail(ctx, n, "sp needs one or more entity IDs and a { } block");
	nsp = realloc(sc->sps, (sc->nsps + 1) * sizeof(*nsp));
	if (nsp == NULL)
		return cfg_fail(ctx, n, "out of memory");
	sc->sps = nsp;
	sp = &sc->sps[sc->nsps++];
	memset(sp, 0, sizeof(*sp));
	sp->line = n->line;
	sp->nameid = CONFIG_NAMEID_TRANSIENT;
	for (int a = 1; a < n->argc; a++) {
		if (config_saml_sp_find(sc, n->argv[a]) != NULL)
			return cfg_fail(ctx, n, "sp \"%s\" is named in two sp blocks", n->argv[a]);
		if (csaml_strv_add(&sp->entities, &sp->nentities, n->argv[a]) < 0)
			return cfg_fail(ctx, n, "out of memory");
		if (entree_is_engine(n->argv[a]))
			sp->entree = 1;
	}
	sp->profile = sp->entree ? CONFIG_PROFILE_ENTREE : CONFIG_PROFILE_URI;
	for (size_t i = 0; i < n->nchildren; i++) {
		const struct cfg_node *k = &n->children[i];
		if (strcmp(k->argv[0], "release") == 0) {
			for (int a = 1; a < k->argc; a++) {
				if (!config_saml_attr_known(k->argv[a]))
					return cfg_fail(ctx, k, "unknown attribute \"%s\"",
							  k->argv[a]);
				if (csaml_strv_add(&sp->release, &sp->nrelease, k->argv[a]) < 0)
					return cfg_fail(ctx, k, "out of memory");
			}
		} else if (strcmp(k->argv[0], "nameid") == 0 && k->argc == 2 && !have_nameid) {
			have_nameid = 1;
			if (strcmp(k->argv[1], "transient") == 0)
				sp->nameid = CONFIG_NAMEID_TRANSIENT;
			else if (strcmp(k->argv[1], "persistent") == 0)
				sp->nameid = CONFIG_NAMEID_PERSISTENT;
			else if (strcmp(k->argv[1], "uid") == 0)
				sp->nameid = CONFIG_NAMEID_UID;
			else
				return cfg_fail(ctx, k, "nameid must be transient, persistent or uid");
		} else if (strcmp(k->argv[0], "profile") == 0 && k->argc == 2 && !have_profile) {
			have_profile = 1;
			if (strcmp(k->argv[1], "entree") == 0)
				sp->profile = CONFIG_PROFILE_ENTREE;
			else if (strcmp(k->argv[1], "uri") == 0)
				sp->profile = CONFIG_PROFILE_URI;
			else
				return cfg_fail(ctx, k, "profile must be uri or entree");
		} else {
			return cfg_fail(ctx, k,
					"unknown or repeated setting '%s' in sp (release, nameid, profile)",
					k->argv[0]);
		}
	}
	return 0;
}

/* upstream "ENTITY" { metadata FILE; metadata_certificate FILE; user ATTR|nameid;
 *                     scope UPSTREAM-SCOPE; map LOCAL REMOTE } */
static int
csaml_upstream(struct cfg_ctx *ctx, struct config_saml *sc, const struct cfg_node *n)
{
	struct config_saml_upstream *u;
	int rc = 0;

	if (sc->upstream != NULL || n->argc != 2 || !n->block || strlen(n->argv[1]) >= 256)
		return cfg_fail(ctx, n, "upstream needs one entity ID and a { } block, once");
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return cfg_fail(ctx, n, "out of memory");
	sc->upstream = u;
	strcpy(u->entity_id, n->argv[1]);
	snprintf(u->user_attr, sizeof(u->user_attr), "nameid");
	for (size_t i = 0; i < n->nchildren && rc == 0; i++) {
		const struct cfg_node *k = &n->children[i];
		if (strcmp(k->argv[0], "metadata") == 0)
			rc = csaml_string(ctx, k, u->metadata, sizeof(u->metadata));
		else if (strcmp(k->argv[0], "metadata_certificate") == 0)
			rc = csaml_string(ctx, k, u->metadata_cert, sizeof(u->metadata_cert));
		else if (strcmp(k->argv[0], "user") == 0)
			rc = csaml_string(ctx, k, u->user_attr, sizeof(u->user_attr));
		else if (strcmp(k->argv[0], "scope") == 0)
			rc = csaml_string(ctx, k, u->scope, sizeof(u->scope));
		else if (strcmp(k->argv[0], "map") == 0 && k->argc == 3 && !k->block) {
			if (!config_saml_attr_known(k->argv[1]))
				rc = cfg_fail(ctx, k, "unknown attribute \"%s\"", k->argv[1]);
			else if (csaml_strv_add(&u->map_local, &u->nmap, k->argv[1]) < 0 ||
				 (u->nmap--, csaml_strv_add(&u->map_remote, &u->nmap, k->argv[2])) < 0)
				rc = cfg_fail(ctx, k, "out of memory");
		} else
			rc = cfg_fail(ctx, k,
					"unknown setting '%s' in upstream (metadata, "
					"metadata_certificate, user, scope, map LOCAL REMOTE)",
					k->argv[0]);
	}
	if (rc == 0 && u->metadata[0] == '\0')
		rc = cfg_fail(ctx, n, "upstream needs the IdP's metadata file");
	/* jan@a and jan@b must never both become our jan: one upstream scope, named */
	if (rc == 0 && u->scope[0] == '\0')
		rc = cfg_fail(ctx, n,
			      "upstream needs scope: the realm of the user ids it sends "
			      "(user@scope becomes our user)");
	return rc;
}

/* nl | en, for the language-tagged settings of our metadata */
static int
csaml_lang(struct cfg_ctx *ctx, const struct cfg_node *n, int *idx)
{
	if (n->argc != 3 || n->block)
		return cfg_fail(ctx, n, "'%s' takes a language (nl or en) and a value", n->argv[0]);
	if (strcmp(n->argv[1], "nl") == 0)
		*idx = 0;
	else if (strcmp(n->argv[1], "en") == 0)
		*idx = 1;
	else
		return cfg_fail(ctx, n, "'%s': language must be nl or en", n->argv[0]);
	return 0;
}

/* out: two strings of len bytes each, nl then en */
static int
csaml_lang_string(struct cfg_ctx *ctx, const struct cfg_node *n, char *out, size_t len, int url)
{
	int i = 0;

	if (csaml_lang(ctx, n, &i) < 0)
		return -1;
	if (n->argv[2][0] == '\0' || strlen(n->argv[2]) >= len ||
	    (url && strncmp(n->argv[2], "https://", 8) != 0))
		return cfg_fail(ctx, n, "'%s %s' must be %s of at most %zu characters", n->argv[0],
				n->argv[1], url ? "an https:// URL" : "text", len - 1);
	strcpy(out + (size_t)i * len, n->argv[2]);
	return 0;
}

/* contact technical|support "Name" "address@example.nl" */
static int
csaml_contact(struct cfg_ctx *ctx, struct config_saml *sc, const struct cfg_node *n)
{
	struct config_saml_contact *c;

	if (n->argc != 4 || n->block)
		return cfg_fail(ctx, n, "contact takes technical or support, a name and an e-mail "
					"address");
	if (strcmp(n->argv[1], "technical") == 0)
		c = &sc->contact_technical;
	else if (strcmp(n->argv[1], "support") == 0)
		c = &sc->contact_support;
	else
		return cfg_fail(ctx, n, "contact type must be technical or support");
	if (n->argv[2][0] == '\0' || strlen(n->argv[2]) >= sizeof(c->name) ||
	    strchr(n->argv[3], '@') == NULL || strlen(n->argv[3]) >= sizeof(c->email) ||
	    strpbrk(n->argv[3], " <>\"'&") != NULL)
		return cfg_fail(ctx, n, "contact needs a name and an e-mail address");
	strcpy(c->name, n->argv[2]);
	strcpy(c->email, n->argv[3]);
	return 0;
}

/* logo "https://..." WIDTH HEIGHT */
static int
csaml_logo(struct cfg_ctx *ctx, struct config_saml *sc, const struct cfg_node *n)
{
	char *e1, *e2;
	unsigned long w, h;

	if (n->argc != 4 || n->block || strncmp(n->argv[1], "https://", 8) != 0 ||
	    strlen(n->argv[1]) >= sizeof(sc->logo))
		return cfg_fail(ctx, n, "logo takes an https:// URL, a width and a height");
	w = strtoul(n->argv[2], &e1, 10);
	h = strtoul(n->argv[3], &e2, 10);
	if (*e1 != '\0' || *e2 != '\0' || w == 0 || h == 0 || w > 4096 || h > 4096)
		return cfg_fail(ctx, n, "logo width and height must be 1 to 4096 pixels");
	strcpy(sc->logo, n->argv[1]);
	sc->logo_width = (unsigned)w;
	sc->logo_height = (unsigned)h;
	return 0;
}

static int
csaml_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* metadata_pin certificate|document SHA256 (hex, colons allowed) */
static int
csaml_pin(struct cfg_ctx *ctx, struct config_saml *sc, const struct cfg_node *n)
{
	struct config_saml_pin pin, *np;
	size_t got = 0;

	memset(&pin, 0, sizeof(pin));
	if (n->argc != 3 || n->block)
		return cfg_fail(ctx, n, "metadata_pin takes certificate or document and a SHA-256");
	if (strcmp(n->argv[1], "certificate") == 0)
		pin.kind = CONFIG_PIN_CERTIFICATE;
	else if (strcmp(n->argv[1], "document") == 0)
		pin.kind = CONFIG_PIN_DOCUMENT;
	else
		return cfg_fail(ctx, n, "metadata_pin: certificate or document");
	for (const char *p = n->argv[2]; *p; p++) {
		int hi, lo;
		if (*p == ':')
			continue;
		if (got == 32 || (hi = csaml_hexval(p[0])) < 0 || (lo = csaml_hexval(p[1])) < 0)
			return cfg_fail(ctx, n, "metadata_pin: a SHA-256 is 64 hex digits");
		pin.sha256[got++] = (unsigned char)(hi << 4 | lo);
		p++;
	}
	if (got != 32)
		return cfg_fail(ctx, n, "metadata_pin: a SHA-256 is 64 hex digits");
	if ((np = realloc(sc->pins, (sc->npins + 1) * sizeof(*np))) == NULL)
		return cfg_fail(ctx, n, "out of memory");
	sc->pins = np;
	sc->pins[sc->npins++] = pin;
	return 0;
}

static int
csaml_saml(struct cfg_ctx *ctx, struct config *cfg, const struct cfg_node *n)
{
	struct config_saml *sc;
	int rc = 0;

	if (cfg->saml != NULL)
		return cfg_fail(ctx, n, "saml is set twice");
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return cfg_fail(ctx, n, "out of memory");
	cfg->saml = sc;
	sc->session_lifetime = 8 * 3600;
	sc->clock_skew = 180;
	sc->assertion_lifetime = 300;
	sc->max_request = 65536;
	sc->login_rate = 10;
	sc->metadata_refresh = 3600;
	sc->cache_duration = 6 * 3600;
	for (size_t i = 0; i < n->nchildren && rc == 0; i++) {
		const struct cfg_node *k = &n->children[i];
		const char *w = k->argv[0];
		if (strcmp(w, "entity_id") == 0)
			rc = csaml_string(ctx, k, sc->entity_id, sizeof(sc->entity_id));
		else if (strcmp(w, "base_url") == 0)
			rc = csaml_string(ctx, k, sc->base_url, sizeof(sc->base_url));
		else if (strcmp(w, "key") == 0)
			rc = csaml_string(ctx, k, sc->key, sizeof(sc->key));
		else if (strcmp(w, "certificate") == 0)
			rc = csaml_string(ctx, k, sc->cert, sizeof(sc->cert));
		else if (strcmp(w, "next_certificate") == 0)
			rc = csaml_string(ctx, k, sc->next_cert, sizeof(sc->next_cert));
		else if (strcmp(w, "federation_certificate") == 0)
			rc = csaml_string(ctx, k, sc->federation_cert, sizeof(sc->federation_cert));
		else if (strcmp(w, "organization") == 0)
			rc = csaml_string(ctx, k, sc->organization, sizeof(sc->organization));
		else if (strcmp(w, "organization_id") == 0) {
			rc = csaml_string(ctx, k, sc->organization_id, sizeof(sc->organization_id));
			if (rc == 0 && !entree_brin_valid(sc->organization_id))
				rc = cfg_fail(ctx, k,
					      "organization_id \"%s\" is not a BRIN code (2 digits, 2 "
					      "capitals or digits, optionally 2 digits: 12AB or 12AB01)",
					      sc->organization_id);
		}
		else if (strcmp(w, "scope") == 0)
			rc = csaml_string(ctx, k, sc->scope, sizeof(sc->scope));
		else if (strcmp(w, "organization_url") == 0)
			rc = csaml_string(ctx, k, sc->organization_url, sizeof(sc->organization_url));
		else if (strcmp(w, "contact") == 0)
			rc = csaml_contact(ctx, sc, k);
		else if (strcmp(w, "display_name") == 0)
			rc = csaml_lang_string(ctx, k, sc->display_name[0],
					       sizeof(sc->display_name[0]), 0);
		else if (strcmp(w, "information_url") == 0)
			rc = csaml_lang_string(ctx, k, sc->information_url[0],
					       sizeof(sc->information_url[0]), 1);
		else if (strcmp(w, "logo") == 0)
			rc = csaml_logo(ctx, sc, k);
		else if (strcmp(w, "cache_duration") == 0)
			rc = csaml_uint(ctx, k, 60, 7 * 86400, &sc->cache_duration);
		else if (strcmp(w, "metadata_pin") == 0)
			rc = csaml_pin(ctx, sc, k);
		else if (strcmp(w, "metadata") == 0) {
			if (k->argc != 2 || k->block || k->argv[1][0] == '\0')
				rc = cfg_fail(ctx, k, "metadata takes one file name");
			else if (csaml_strv_add(&sc->metadata, &sc->nmetadata, k->argv[1]) < 0)
				rc = cfg_fail(ctx, k, "out of memory");
		} else if (strcmp(w, "metadata_url") == 0) {
			if (k->argc != 2 || k->block ||
			    (strncmp(k->argv[1], "https://", 8) != 0 &&
			     strncmp(k->argv[1], "http://", 7) != 0))
				rc = cfg_fail(ctx, k, "metadata_url takes one http:// or https:// URL");
			else if (csaml_strv_add(&sc->metadata_urls, &sc->nmetadata_urls, k->argv[1]) < 0)
				rc = cfg_fail(ctx, k, "out of memory");
		} else if (strcmp(w, "session_lifetime") == 0)
			rc = csaml_uint(ctx, k, 60, 7 * 86400, &sc->session_lifetime);
		else if (strcmp(w, "clock_skew") == 0)
			rc = csaml_uint(ctx, k, 0, 3600, &sc->clock_skew);
		else if (strcmp(w, "assertion_lifetime") == 0)
			rc = csaml_uint(ctx, k, 30, 3600, &sc->assertion_lifetime);
		else if (strcmp(w, "max_request") == 0)
			rc = csaml_uint(ctx, k, 1024, 1 << 20, &sc->max_request);
		else if (strcmp(w, "login_rate") == 0)
			rc = csaml_uint(ctx, k, 1, 10000, &sc->login_rate);
		else if (strcmp(w, "metadata_refresh") == 0)
			rc = csaml_uint(ctx, k, 1, 7 * 86400, &sc->metadata_refresh);
		else if (strcmp(w, "sp") == 0)
			rc = csaml_sp(ctx, sc, k);
		else if (strcmp(w, "upstream") == 0)
			rc = csaml_upstream(ctx, sc, k);
		else
			rc = cfg_fail(ctx, k, "unknown setting '%s' in saml", w);
	}
	if (rc == 0 && (sc->entity_id[0] == '\0' || sc->base_url[0] == '\0'))
		rc = cfg_fail(ctx, n, "saml needs entity_id and base_url");
	if (rc == 0 && strncmp(sc->base_url, "https://", 8) != 0)
		rc = cfg_fail(ctx, n, "base_url must start with https://");
	if (rc == 0 && sc->base_url[strlen(sc->base_url) - 1] == '/')
		sc->base_url[strlen(sc->base_url) - 1] = '\0';
	if (rc == 0 && (sc->key[0] == '\0' || sc->cert[0] == '\0'))
		rc = cfg_fail(ctx, n, "saml needs a signing key and certificate");
	if (rc == 0 && sc->federation_cert[0] == '\0' && sc->npins == 0)
		rc = cfg_fail(ctx, n,
			      "saml needs federation_certificate or metadata_pin: metadata is only "
			      "trusted signed or pinned");
	if (rc == 0 && sc->scope[0] == '\0' && cfg->nrealms > 0)
		snprintf(sc->scope, sizeof(sc->scope), "%s", cfg->realms[0]);
	return rc;
}

int
config_saml_apply(struct config *cfg, const struct cfg_node *n, const char *name, char *err,
		  size_t errlen)
{
	struct cfg_ctx ctx = {.name = name, .err = err, .errlen = errlen};

	if (!n->block || n->argc != 1)
		return cfg_fail(&ctx, n, "'%s' needs a { } block", n->argv[0]);
	if (strcmp(n->argv[0], "http") == 0)
		return csaml_http(&ctx, cfg, n);
	return csaml_saml(&ctx, cfg, n);
}

void
config_saml_free(struct config *cfg)
{
	struct config_saml *sc = cfg->saml;

	free(cfg->http);
	cfg->http = NULL;
	if (sc == NULL)
		return;
	csaml_strv_free(sc->metadata, sc->nmetadata);
	csaml_strv_free(sc->metadata_urls, sc->nmetadata_urls);
	free(sc->pins);
	for (size_t i = 0; i < sc->nsps; i++) {
		csaml_strv_free(sc->sps[i].entities, sc->sps[i].nentities);
		csaml_strv_free(sc->sps[i].release, sc->sps[i].nrelease);
	}
	free(sc->sps);
	if (sc->upstream != NULL) {
		csaml_strv_free(sc->upstream->map_local, sc->upstream->nmap);
		csaml_strv_free(sc->upstream->map_remote, sc->upstream->nmap);
		free(sc->upstream);
	}
	free(sc);
	cfg->saml = NULL;
}

const struct config_saml_sp *
config_saml_sp_find(const struct config_saml *sc, const char *entity_id)
{
	for (size_t i = 0; i < sc->nsps; i++)
		for (size_t j = 0; j < sc->sps[i].nentities; j++)
			if (strcmp(sc->sps[i].entities[j], entity_id) == 0)
				return &sc->sps[i];
	return NULL;
}

int
config_saml_entree_warn(const struct config_saml *sc)
{
	char why[512];
	int n = 0;

	for (size_t i = 0; i < sc->nsps; i++) {
		if (!sc->sps[i].entree)
			continue;
		if (entree_sp_problems(&sc->sps[i], why, sizeof(why)) > 0) {
			log_warning("saml sp %s (line %d): Entree needs the mandatory set on every "
				    "login: %s",
				    sc->sps[i].entities[0], sc->sps[i].line, why);
			n++;
		}
		if (!entree_brin_valid(sc->organization_id) || sc->organization[0] == '\0' ||
		    sc->scope[0] == '\0') {
			log_warning("saml sp %s (line %d): Entree needs organization, organization_id "
				    "(BRIN) and scope",
				    sc->sps[i].entities[0], sc->sps[i].line);
			n++;
		}
	}
	return n;
}
