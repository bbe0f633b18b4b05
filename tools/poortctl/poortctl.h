/* Shared between poortctl's command files. */
#ifndef POORTCTL_H
#define POORTCTL_H

#include "poort/store.h"

struct ctl {
	struct store *st;
	unsigned cost; /* yescrypt cost for new hashes */
	const char *config_path;
	char who[96];     /* the audit log's actor: "poortctl:<unix user>" */
	char issuer[128]; /* TOTP issuer: the config's first realm, or "Poort" */
};

/* The Unix user running poortctl (the sudo user if any). */
const char *ctl_unix_user(void);
/*
 * An audit row for a change made here: action ("account.add", ...), the
 * object's name, ok (rc >= 0) or failed, detail (NULL or a short note,
 * never a secret). A failure to write it is reported on stderr.
 */
void ctl_audit(const struct ctl *c, const char *action, const char *object, int rc,
	       const char *detail);

/* Validates a password (length, UTF-8); returns NULL or a message. */
const char *ctl_password_problem(const char *pw);
/* Hashes pw into hash and nthash; prints an error and returns -1 on failure. */
int ctl_hash(const struct ctl *c, const char *pw, char *hash, unsigned char nthash[16]);
/* Parses YYYY-MM-DD (end of that day, UTC) or "never" (0). */
int ctl_parse_date(const char *s, long long *out);
/* "YYYY-MM-DD" as the first (end 0) or last (end 1) second of that UTC day; -1 if not a date. */
int ctl_parse_day(const char *s, int end, int64_t *out);

int ctl_import(struct ctl *c, int argc, char **argv);
/* reply set|del|list (tools/poortctl/reply.c). */
int ctl_reply(struct ctl *c, int argc, char **argv);
/* guest add (tools/poortctl/guest.c). */
int ctl_guest(struct ctl *c, int argc, char **argv);
/* client add|del|list|secret (tools/poortctl/client.c). */
int ctl_client(struct ctl *c, int argc, char **argv);
/* saml-* commands (tools/poortctl/saml.c). */
int ctl_saml(struct ctl *c, const char *store_path, const char *config_path, int argc,
	     char **argv);
/* When the config has Entree's engine as an SP: a warning per account it would refuse. */
void ctl_saml_entree_warn(struct ctl *c, const char *store_path, const char *config_path);

/* sp list|add|set|del|release|log|attrs (tools/poortctl/sp.c); argv[0] is "sp". */
int ctl_sp(struct ctl *c, const char *store_path, int argc, char **argv);
/* The release rules in the store (after importing the config's sp blocks). */
int ctl_sp_list(struct ctl *c);

/* backup FILE | restore FILE (tools/poortctl/backup.c): needs no store open;
 * argv[0] is "backup" or "restore". */
int ctl_backup(const char *config_path, int argc, char **argv);

/* firmware status|confirm|update (tools/poortctl/firmware.c): needs no
 * config or store; argv[0] is "firmware". */
int ctl_firmware(int argc, char **argv);
/* device * commands (tools/poortctl/device.c). */
int ctl_device(struct ctl *c, int argc, char **argv);
/* Rewrites the onboarding CRL (after a revocation); quiet: nothing without onboarding. */
int ctl_device_crl(const struct ctl *c, int quiet);
/* why, online (tools/poortctl/why.c) and test-login (tools/poortctl/testlogin.c). */
int ctl_why(struct ctl *c, int argc, char **argv);
int ctl_online(struct ctl *c, int argc, char **argv);
int ctl_test_login(struct ctl *c, int argc, char **argv);

/* admin add|list|enable|disable|delete|reset|totp (tools/poortctl/admin.c). */
int ctl_admin(struct ctl *c, int argc, char **argv);
/* audit [--actor X] [--object Y] [--since T] [--until T] [--limit N]. */
int ctl_audit_cmd(struct ctl *c, int argc, char **argv);

#endif
