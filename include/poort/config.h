/*
 * poortd's configuration: parsed from a file into an immutable struct.
 * A reload parses into a fresh struct and swaps it in only when the whole
 * file is valid; a bad file leaves the running config untouched.
 */
#ifndef POORT_CONFIG_H
#define POORT_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <sys/socket.h>

#include "poort/log.h"

#define CONFIG_NAME_MAX 64
#define CONFIG_SECRET_MAX 128
#define CONFIG_CERT_NAME_MAX 256
#define CONFIG_ERR_MAX 512
/*
 * How long admin audit rows are kept (log { audit_retention_days }). Apart
 * from the auth log's retention_days (183): an audit trail must cover at
 * least a year (a school year and the yearly audit or AVG inspection that
 * looks back over it), so 365 is the floor; the default, two years, also
 * covers the previous year's changes when an audit asks for them. The rows
 * are few (admin actions, not logins), so the cost is small.
 */
#define CONFIG_AUDIT_RETENTION_MIN 365
#define CONFIG_AUDIT_RETENTION_DEFAULT 730

enum config_listen_kind {
	CONFIG_LISTEN_AUTH,
	CONFIG_LISTEN_ACCT,
	CONFIG_LISTEN_RADSEC, /* RFC 6614: TLS over TCP from the FLRs */
};

struct config_listen {
	enum config_listen_kind kind;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[80]; /* as written, for logs */
};

/* An access point (or a group of them behind one prefix). */
struct config_client {
	char name[CONFIG_NAME_MAX];
	struct sockaddr_storage net; /* address family + network */
	unsigned prefix;             /* prefix length in bits */
	char secret[CONFIG_SECRET_MAX];
	char cert_name[CONFIG_CERT_NAME_MAX]; /* set: may connect over RadSec with this name */
	int radsec_only;                      /* no secret of its own: never over UDP */
	int federation; /* an FLR: what it sends for foreign realms is never sent back */
	int line;
};

struct config_limits {
	unsigned reply_cache;     /* entries in the RADIUS reply cache */
	unsigned reply_cache_ttl; /* seconds a reply is kept for retransmits */
	unsigned pending;         /* requests in progress at once */
	unsigned workers;         /* threads for password hashing */
	unsigned max_packet;      /* largest RADIUS packet accepted */
};

struct config_password {
	unsigned cost;      /* yescrypt cost for new hashes */
	unsigned cache;     /* verified-credential cache entries (0 = off) */
	unsigned cache_ttl; /* seconds */
};

/* EAP settings (src/core/config_eap.c). */
#define CONFIG_EAP_METHODS_MAX 8
struct config_eap_reply {
	char group[33]; /* an affiliation, or "default" */
	unsigned vlan;  /* 0 = none */
	unsigned session_timeout; /* seconds, 0 = none */
	int line;
};

#define CONFIG_UPSTREAMS_MAX 8

/* A federation-level RADIUS server (FLR) reached over RADIUS/UDP or RadSec. */
struct config_upstream {
	char name[CONFIG_NAME_MAX];
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char secret[CONFIG_SECRET_MAX];
	int radsec;                           /* TLS over TCP (RFC 6614) */
	char cert_name[CONFIG_CERT_NAME_MAX]; /* RadSec: the name its certificate must carry */
};

/* proxy { }: where foreign realms go (eduroam). */
struct config_proxy {
	struct config_upstream ups[CONFIG_UPSTREAMS_MAX]; /* in order of preference */
	size_t nups;
	unsigned response_window; /* seconds before the next upstream is tried */
	unsigned check_interval;  /* seconds between Status-Server probes of a dead one */
	unsigned max_inflight;    /* proxied requests waiting for an answer */
	unsigned visitor_vlan;    /* 0 = none */
	unsigned max_backoff;     /* RadSec: longest wait between reconnects, seconds */
};

/* radsec { }: our certificate and the CA the FLRs' certificates chain to. */
struct config_radsec {
	int enabled;
	char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
	unsigned max_connections; /* RadSec connections accepted at once */
	unsigned idle_timeout;    /* seconds a silent accepted connection is kept */
};

struct config_eap {
	int enabled;
	unsigned char methods[CONFIG_EAP_METHODS_MAX]; /* EAP types, in the order offered */
	size_t nmethods;
	char cert[PATH_MAX], key[PATH_MAX]; /* server certificate chain and key (PEM) */
	char client_ca[PATH_MAX];           /* CAs for EAP-TLS client certificates */
	char crl[PATH_MAX];                 /* CRL(s) for them, optional */
	/* the onboarding client CA (set when onboarding { } is on, not written by
	 * hand): trusted for EAP-TLS, and its certificates are checked against
	 * the store's devices on every login */
	char device_ca[PATH_MAX];
	int line; /* of the eap block, for checks made after the whole file */
	unsigned tls_min_version;           /* 12 or 13 */
	char ciphers[256];                  /* TLS 1.2 cipher list */
	char ciphersuites[256];             /* TLS 1.3 suites */
	unsigned fragment_size;             /* TLS bytes per EAP packet */
	unsigned max_conversations;
	unsigned timeout;             /* seconds a conversation may sit idle */
	unsigned resumption_lifetime; /* seconds, 0 = no resumption */
	struct config_eap_reply *replies;
	size_t nreplies;
};

/* firmware { }: poortd's automatic confirm of a trial boot (src/fwhealth). */
enum config_fw_action {
	CONFIG_FW_REBOOT, /* reboot(2): the boot stage's trial counter falls back */
	CONFIG_FW_EXIT,   /* exit with FWHEALTH_EXIT_TIMEOUT (host tests, supervisors) */
};
struct config_firmware {
	unsigned confirm_timeout; /* seconds the trial image has to become healthy */
	unsigned check_interval;  /* seconds between health checks */
	enum config_fw_action on_timeout;
	char board[32];        /* "" = /chosen's poort,board */
	char flash[PATH_MAX];  /* "" = the board's MTD partition */
	char chosen[PATH_MAX]; /* "" = /proc/device-tree/chosen */
};

/* onboarding { }: per-device certificates and profiles (src/core/config_onboard.c). */
#define CONFIG_SSIDS_MAX 4
struct config_onboard {
	int enabled;
	char ssids[CONFIG_SSIDS_MAX][33]; /* default: eduroam */
	size_t nssids;
	char display_name[128];
	char logo[PATH_MAX];       /* PNG or JPEG shown by the apps, optional */
	char helpdesk_email[128], helpdesk_url[256], helpdesk_phone[64];
	char terms[256];           /* URL of the terms of use, optional */
	char server_ca[PATH_MAX];  /* the CA profiles pin; default: the end of eap's chain */
	unsigned validity_days;    /* 0: until the end of the school year (1 August) */
	unsigned device_limit;     /* active devices per account, 0 = no limit */
	int rsa;                   /* key_type rsa: RSA-2048 by default instead of P-256 */
};

struct config {
	char path[PATH_MAX];
	char state_dir[PATH_MAX];
	char user[64];   /* the children run as this user when poortd starts as root */
	int seccomp_log; /* seccomp log: forbidden calls logged, not killed (debugging) */
	char **realms;
	size_t nrealms;
	struct config_listen *listens;
	size_t nlistens;
	struct config_client *clients;
	size_t nclients;
	enum log_level log_level;
	int log_syslog;
	unsigned log_retention_days;
	unsigned log_audit_retention_days; /* admin audit rows (CONFIG_AUDIT_RETENTION_*) */
	struct config_limits limits;
	struct config_password password;
	struct config_eap eap;
	struct config_proxy proxy; /* nups == 0: foreign realms are rejected */
	struct config_radsec radsec;
	struct config_onboard onboard;
	struct config_http *http; /* NULL when there is no http { } block */
	struct config_saml *saml; /* NULL when there is no saml { } block */
	struct config_firmware firmware;
	unsigned holds;           /* config_hold; not part of the settings */
};

/*
 * Parses `path`. On error returns NULL and writes "FILE:LINE: problem" into
 * err (size CONFIG_ERR_MAX).
 */
struct config *config_load(const char *path, char *err, size_t errlen);
/*
 * The file's text (at most 1 MiB, no NUL), for the parent to hand to the
 * children on a reload; *len its length. Free with config_text_free.
 */
char *config_read(const char *path, size_t *len, char *err, size_t errlen);
/* Clears (it holds client secrets) and frees. */
void config_text_free(char *text, size_t len);
/* Same, from a string; `name` stands for the file in error messages. */
struct config *config_parse(const char *name, const char *text, char *err, size_t errlen);
void config_free(struct config *cfg);
/*
 * For a module that keeps using a config across reloads (the SAML IdP when a
 * reload removes its block): config_hold returns cfg and keeps it alive
 * through config_free until the matching config_put. Loop thread only.
 */
const struct config *config_hold(const struct config *cfg);
void config_put(const struct config *cfg);

/* The client whose prefix holds addr (longest prefix wins), or NULL. */
const struct config_client *config_client_find(const struct config *cfg,
					       const struct sockaddr *addr);
/* The same over any array of clients (the RADIUS side's live copy). */
const struct config_client *config_client_find_in(const struct config_client *clients, size_t n,
						  const struct sockaddr *addr);
enum {
	CONFIG_ADDR_EINVAL = -1,    /* not an address or prefix */
	CONFIG_ADDR_EPREFIX = -2,   /* prefix length out of range */
	CONFIG_ADDR_EHOSTBITS = -3, /* host bits set after the prefix */
};
/* Parses "192.0.2.1", "192.0.2.0/24" or an IPv6 one into c->net and c->prefix. */
int config_client_address(const char *text, struct config_client *c);
/* 1 if realm (case-insensitive) is one of ours. */
/* The reply attributes for an affiliation (or the "default" ones), or NULL. */
const struct config_eap_reply *config_eap_reply_find(const struct config *cfg,
						     const char *affiliation);
int config_realm_is_local(const struct config *cfg, const char *realm, size_t len);

#endif
