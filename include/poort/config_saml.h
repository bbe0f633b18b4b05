/*
 * The http { } and saml { } blocks of poortd's config (src/core/config_saml.c).
 * Kept apart from config.h so the SSO side can grow without touching the
 * RADIUS side's structures.
 */
#ifndef POORT_CONFIG_SAML_H
#define POORT_CONFIG_SAML_H

#include <limits.h>
#include <stddef.h>
#include <sys/socket.h>

struct config;
struct cfg_node;

enum config_nameid {
	CONFIG_NAMEID_TRANSIENT,  /* random per assertion */
	CONFIG_NAMEID_PERSISTENT, /* keyed hash of (SP, user): pairwise, stable */
	CONFIG_NAMEID_UID,        /* uid (user@realm): what Entree asks for */
};

/* How attribute names are written in assertions to an SP. */
enum config_profile {
	CONFIG_PROFILE_URI,    /* urn:oid: names (SURFconext's for nlEduPerson*, eckId) */
	CONFIG_PROFILE_ENTREE, /* plain names (uid, eckId, ...), NameFormat unspecified */
};

/* One release rule: these SP entity IDs get these attributes. */
struct config_saml_sp {
	char **entities;
	size_t nentities;
	char **release; /* attribute names from saml_attr_known() */
	size_t nrelease;
	enum config_nameid nameid;
	enum config_profile profile; /* default entree for Entree's engine, else uri */
	int entree;                  /* one of entities is Entree's engine */
	int line;
};

/* Proxy mode: logins go to the school's existing IdP; poortd is its SP. */
struct config_saml_upstream {
	char entity_id[256];
	char metadata[PATH_MAX];
	char metadata_cert[PATH_MAX]; /* signs that metadata; default federation_certificate */
	char user_attr[256];          /* attribute Name with the user id, or "nameid" */
	char **map_local;             /* our attribute names ... */
	char **map_remote;            /* ... from these upstream attribute Names */
	size_t nmap;
	char scope[254]; /* the upstream's user ids end in @scope; ours are the local part */
};

/* A metadata source trusted by a pinned SHA-256 instead of the federation key. */
enum config_pin_kind {
	CONFIG_PIN_CERTIFICATE, /* of the certificate (DER) that signed the metadata */
	CONFIG_PIN_DOCUMENT,    /* of the metadata document as fetched */
};
struct config_saml_pin {
	enum config_pin_kind kind;
	unsigned char sha256[32];
};

/* A contact for our metadata (md:ContactPerson). */
struct config_saml_contact {
	char name[128];
	char email[128];
};

#define CONFIG_HTTP_ALLOW_MAX 16

struct config_http {
	int enabled;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char listen_text[80];
	char cert[PATH_MAX];
	char key[PATH_MAX];
	unsigned max_body;       /* bytes of a request body */
	unsigned rate;           /* requests per source (address, IPv6 /64) per minute */
	unsigned max_conns;      /* connections at once */
	/* the admin UI's own listener; admin_addrlen 0: none (no admin UI) */
	struct sockaddr_storage admin_addr;
	socklen_t admin_addrlen;
	char admin_listen_text[80];
	/* who may use it: address prefixes (default 127.0.0.0/8 and ::1) */
	struct config_http_net {
		struct sockaddr_storage net;
		unsigned prefix;
	} admin_allow[CONFIG_HTTP_ALLOW_MAX];
	size_t nadmin_allow;
	unsigned admin_idle;     /* seconds an admin session lives unused; 0: 900 */
	/* bytes of a request body on the admin listener (a backup to restore);
	 * 0: max_body. Only admin_allow addresses can send one. */
	unsigned admin_max_body;
	char data_dir[PATH_MAX]; /* templates and catalogue; "" the default (http_data.c) */
};

struct config_saml {
	char entity_id[256];
	char base_url[256]; /* https://host[:port], no trailing slash */
	char key[PATH_MAX];
	char cert[PATH_MAX];
	char next_cert[PATH_MAX];       /* published for rollover, not used to sign */
	char federation_cert[PATH_MAX]; /* metadata signatures are checked against it */
	char **metadata;                /* files */
	size_t nmetadata;
	char **metadata_urls;           /* fetched over HTTP(S) */
	size_t nmetadata_urls;
	char organization[128];    /* nlEduPersonHomeOrganization */
	char organization_id[16];  /* nlEduPersonHomeOrganizationId (BRIN) */
	char organization_url[256]; /* md:OrganizationURL; default base_url */
	struct config_saml_contact contact_technical, contact_support;
	char display_name[2][128];    /* mdui:DisplayName, [0] nl, [1] en */
	char information_url[2][256]; /* mdui:InformationURL, nl, en */
	char logo[256];               /* mdui:Logo URL (https) */
	unsigned logo_width, logo_height;
	unsigned cache_duration;      /* seconds: our metadata's cacheDuration */
	struct config_saml_pin *pins; /* metadata trusted by these, besides the federation */
	size_t npins;
	char scope[254];           /* realm for uid and scoped affiliation */
	unsigned session_lifetime; /* seconds of the SSO cookie */
	unsigned clock_skew;       /* seconds of IssueInstant slack */
	unsigned assertion_lifetime;
	unsigned max_request;      /* bytes of an AuthnRequest, decoded and inflated */
	unsigned login_rate;       /* failed logins per user or address per 5 min */
	unsigned metadata_refresh; /* seconds */
	struct config_saml_sp *sps;
	size_t nsps;
	struct config_saml_upstream *upstream; /* NULL: local accounts */
};

/* Applies an http or saml block; err gets "NAME:LINE: problem". */
int config_saml_apply(struct config *cfg, const struct cfg_node *n, const char *name, char *err,
		      size_t errlen);
void config_saml_free(struct config *cfg);
/* The rule for an SP entity ID, or NULL (release nothing). */
const struct config_saml_sp *config_saml_sp_find(const struct config_saml *sc,
						 const char *entity_id);
/*
 * Logs a warning for each Entree SP whose release, NameID or profile
 * would break Entree's rules (poortd -n and start-up); returns how many.
 */
int config_saml_entree_warn(const struct config_saml *sc);
/* 1 if name is an attribute Poort knows how to release (its plain name). */
int config_saml_attr_known(const char *name);
/* The canonical index of a plain name or a uri-profile Name, or -1. */
int config_saml_attr_index(const char *name);
/* The plain name at canonical index i, or NULL past the last. */
const char *config_saml_attr_name(size_t i);
/* The uri profile's Name of a plain name (NULL if none); *always: also in entree. */
const char *config_saml_attr_uri(const char *name, int *always);

#endif
