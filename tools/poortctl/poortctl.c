/*
 * poortctl: account management and log search against poortd's store.
 * Works while poortd runs (SQLite WAL); every change is one transaction.
 */
#include "poortctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poort/accounts.h"
#include "poort/admin.h"
#include "poort/config.h"
#include "poort/password.h"
#include "poort/why.h"

static void
usage(void)
{
	fprintf(stderr,
		"usage: poortctl [-c CONFIG | -s STORE] COMMAND [ARGS]\n"
		"\n"
		"  add USER [--given NAME] [--surname NAME] [--number N] [--affiliation A]\n"
		"           [--expires YYYY-MM-DD] [--password-stdin]\n"
		"                       add an account (a password is generated and printed\n"
		"                       unless --password-stdin reads one line from stdin)\n"
		"  delete USER          delete an account\n"
		"  list                 list accounts\n"
		"  passwd USER [--password-stdin]\n"
		"                       set a new password (generated unless read from stdin)\n"
		"  enable USER | disable USER\n"
		"  expire USER YYYY-MM-DD|never\n"
		"  import FILE.csv [--preview]\n"
		"                       add accounts from a CSV export, all or nothing\n"
		"                       (--preview: check every line, write nothing):\n"
		"                       username,given name,surname,student number,affiliation,\n"
		"                       password (or \"generate\"); ',' or ';' separated\n"
		"  log [--user U] [--mac MAC] [--cui CUI] [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
		"      [--limit N]\n"
		"                       search the authentication log\n"
		"  why USER|USER@REALM|MAC|CUI [--since YYYY-MM-DD|30m|2h|7d] [--until ...]\n"
		"      [--lang nl|en] [--limit N] [--user|--mac|--cui]\n"
		"                       each login attempt with the reason in words and what\n"
		"                       to do (--lang: default from LANG)\n"
		"  why-catalogue        the why texts as a gettext PO file (English msgid,\n"
		"                       Dutch msgstr, msgctxt why:ID:title|explain|action)\n"
		"  online [--user U] [--mac MAC] [--timeout S] [--limit N]\n"
		"                       sessions from accounting: open until a Stop, the AP's\n"
		"                       Accounting-On/Off, or no update for 2.5 x the interim\n"
		"                       interval (S, default 1800, before a second update)\n"
		"  test-login USER[@REALM] [--method pap|peap|ttls-pap] [--password-fd N] [--ca FILE]\n"
		"             [--anonymous ID] [--lang nl|en]\n"
		"                       a real login against the running poortd over loopback\n"
		"                       (password from a prompt or fd N, never shown), with the\n"
		"                       reason poortd logged for it; exit 0 accept, 1 reject\n"
		"  guest add (--expires YYYY-MM-DD | --hours H) [--count N] [--prefix P]\n"
		"            [--batch ID]\n"
		"                       time-limited guest accounts for an event; prints\n"
		"                       name, password and validity once per account\n"
		"  client add NAME ADDRESS[/PREFIX] [--secret-generate | --secret-stdin]\n"
		"             [--federation] [--cert-name NAME]\n"
		"                       add a RADIUS client (access point); a generated secret\n"
		"                       is printed once. Applies to a running poortd at once\n"
		"  client del NAME      delete a client (entries from poortd.conf: edit it there)\n"
		"  client secret NAME   give a client a new generated secret (printed once)\n"
		"  client list          list clients (no secrets) and where each is set\n"
		"  reply set GROUP [--vlan N] [--session-timeout S]\n"
		"                       reply attributes on an EAP accept for an affiliation\n"
		"                       (or \"default\"); applies to a running poortd within 1 s\n"
		"  reply del GROUP | reply list\n"
		"  saml-attr USER NAME VALUE|--delete   set an SSO attribute (mail, eckId, ...)\n"
		"  saml-attrs USER      list a user's SSO attributes\n"
		"  saml-log [USER] [--limit N]   what was released to which SP (names only)\n"
		"  saml-policy          the same as sp list\n"
		"  sp list              attribute release rules per SP (default deny), where each\n"
		"                       comes from; poortd.conf's sp blocks are imported first\n"
		"  sp add ENTITY [--release ATTR,...] [--nameid transient|persistent|uid]\n"
		"         [--profile uri|entree]\n"
		"  sp release ENTITY add|remove ATTR...   change what an SP gets; a running\n"
		"                       poortd applies it to the next assertion\n"
		"  sp set ENTITY [--nameid N] [--profile P] | sp del ENTITY\n"
		"  sp attrs             the attribute names (plain, and the uri profile's)\n"
		"  sp log [--user U] [--sp ENTITY] [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
		"         [--limit N]   the release log: attribute names, never values\n"
		"  saml-status          metadata sources: last good copy, last error\n"
		"  backup FILE [--passphrase-fd N]\n"
		"                       store (a consistent copy), state directory (keys, CA)\n"
		"                       and config in one encrypted file (scrypt, AES-256-GCM);\n"
		"                       the passphrase is asked twice on the terminal, or read\n"
		"                       from fd N or POORT_BACKUP_PASSPHRASE (10+ characters)\n"
		"  restore FILE [--state-dir DIR] [--no-config] [--replace] [--passphrase-fd N]\n"
		"                       onto a fresh box (poortd stopped, state directory absent\n"
		"                       or empty; --replace moves a used one aside), all or\n"
		"                       nothing; the config goes to -c CONFIG (the old one is\n"
		"                       kept as CONFIG.before-restore-TIME) unless --no-config\n"
		"  firmware status | confirm | update FILE [--no-reboot]\n"
		"                       the boot stage's slots (see poortctl firmware --help)\n"
		"  device list [USER]   per-device certificates (onboarding)\n"
		"  device issue USER [--label TEXT] [--rsa] [--out FILE.p12]\n"
		"               [--eap-config FILE] [--mobileconfig FILE]\n"
		"                       issue one; writes a PKCS#12 and prints its passphrase,\n"
		"                       and the profiles that carry it (geteduroam, Apple)\n"
		"  device revoke SERIAL|USER   revoke one device, or all of an account's\n"
		"  device crl           rewrite the CRL of the onboarding client CA\n"
		"  admin add NAME --role admin|helpdesk [--password-stdin]\n"
		"                       an admin of the web UI; a one-time password is printed\n"
		"                       once (a new one must be set at the first login)\n"
		"  admin list           admins, roles, authenticator state (no secrets)\n"
		"  admin enable|disable|delete NAME\n"
		"  admin reset NAME     a new one-time password (printed once)\n"
		"  admin totp NAME [--issuer TEXT] [--qr | --no-qr]\n"
		"                       enrol an authenticator app: prints the otpauth:// URI\n"
		"                       (and a QR code on a terminal); active once confirmed:\n"
		"  admin totp NAME --confirm CODE | --clear\n"
		"  audit [--actor NAME] [--object NAME] [--since T] [--until T] [--limit N]\n"
		"                       the audit log of admin and poortctl changes, newest\n"
		"                       first (T: YYYY-MM-DD or epoch seconds)\n"
		"\n"
		"  -c CONFIG  poortd's config file (default /etc/poort/poortd.conf); the store is\n"
		"             STATE_DIR/poort.db\n"
		"  -s STORE   the store file itself\n");
}

const char *
ctl_unix_user(void)
{
	const char *s = getenv("SUDO_USER");
	struct passwd *pw;

	if (s != NULL && s[0] != '\0')
		return s;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "unknown";
}

void
ctl_audit(const struct ctl *c, const char *action, const char *object, int rc,
	  const char *detail)
{
	struct admin_who who = {c->who, "local"};

	if (admin_audit(c->st, &who, action, object, rc < 0 ? "failed" : "ok", detail) < 0)
		fprintf(stderr, "poortctl: the audit log row was not written: %s\n",
			store_errmsg(c->st));
}

const char *
ctl_password_problem(const char *pw)
{
	static char msg[128];
	struct accounts_error e = {.code = accounts_password_check(pw)};

	return e.code == 0 ? NULL : accounts_error_text(&e, msg, sizeof(msg));
}

int
ctl_hash(const struct ctl *c, const char *pw, char *hash, unsigned char nthash[16])
{
	if (accounts_password_hash(pw, c->cost, hash, nthash) < 0) {
		fprintf(stderr, "poortctl: cannot hash the password\n");
		return -1;
	}
	return 0;
}

int
ctl_parse_date(const char *s, long long *out)
{
	int64_t v;

	if (accounts_date_parse(s, &v) < 0)
		return -1;
	*out = (long long)v;
	return 0;
}

int
ctl_parse_day(const char *s, int end, int64_t *out)
{
	long long v;

	/* ctl_parse_date gives the day's last second; 0 is "never" */
	if (ctl_parse_date(s, &v) < 0 || v == 0)
		return -1;
	*out = end ? (int64_t)v : (int64_t)v - 86399;
	return 0;
}

/* Reads one line from stdin as the password; the caller clears buf. */
static int
read_password(char *buf, size_t buflen)
{
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password: ");
	if (fgets(buf, (int)buflen, stdin) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static const char *
store_error(struct ctl *c, int rc)
{
	switch (rc) {
	case STORE_ENOTFOUND:
		return "no such account";
	case STORE_EEXIST:
		return "account already exists";
	case STORE_EINVAL:
		return "invalid value";
	case STORE_EBUSY:
		return "the store is busy; try again";
	default:
		return store_errmsg(c->st);
	}
}

static int
get_password(int from_stdin, char *pw, size_t pwlen, int *generated)
{
	const char *problem;

	*generated = !from_stdin;
	if (!from_stdin)
		return accounts_password_generate(pw) < 0 ? -1 : 0;
	if (read_password(pw, pwlen) < 0) {
		fprintf(stderr, "poortctl: no password on stdin\n");
		return -1;
	}
	if ((problem = ctl_password_problem(pw)) != NULL) {
		fprintf(stderr, "poortctl: %s\n", problem);
		return -1;
	}
	return 0;
}

static int
cmd_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"given", required_argument, NULL, 'g'},   {"surname", required_argument, NULL, 's'},
		{"number", required_argument, NULL, 'n'},  {"affiliation", required_argument, NULL, 'a'},
		{"expires", required_argument, NULL, 'e'}, {"password-stdin", no_argument, NULL, 'p'},
		{NULL, 0, NULL, 0}};
	struct store_account a;
	char pw[PASSWORD_MAX + 2], detail[64];
	unsigned char nt[16];
	int opt, from_stdin = 0, generated, rc = 1;
	long long exp;

	memset(&a, 0, sizeof(a));
	strcpy(a.affiliation, "student");
	a.enabled = 1;
	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			snprintf(a.given_name, sizeof(a.given_name), "%s", optarg);
			break;
		case 's':
			snprintf(a.surname, sizeof(a.surname), "%s", optarg);
			break;
		case 'n':
			snprintf(a.student_number, sizeof(a.student_number), "%s", optarg);
			break;
		case 'a':
			snprintf(a.affiliation, sizeof(a.affiliation), "%s", optarg);
			break;
		case 'e':
			if (ctl_parse_date(optarg, &exp) < 0) {
				fprintf(stderr, "poortctl: expiry \"%s\" is not YYYY-MM-DD\n", optarg);
				return 1;
			}
			a.expires = exp;
			break;
		case 'p':
			from_stdin = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poortctl: add takes one user name\n");
		return 2;
	}
	if (!store_username_valid(argv[optind])) {
		fprintf(stderr, "poortctl: \"%s\" is not a valid user name (a-z, 0-9, . _ -,"
				" starting with a letter or digit, at most %d)\n",
			argv[optind], STORE_USERNAME_MAX);
		return 1;
	}
	snprintf(a.username, sizeof(a.username), "%s", argv[optind]);
	if (!store_affiliation_valid(a.affiliation)) {
		fprintf(stderr, "poortctl: unknown affiliation \"%s\"\n", a.affiliation);
		return 1;
	}
	if (get_password(from_stdin, pw, sizeof(pw), &generated) < 0 ||
	    ctl_hash(c, pw, a.pw_hash, nt) < 0)
		goto done;
	rc = store_account_add(c->st, &a, nt);
	snprintf(detail, sizeof(detail), "affiliation=%s", a.affiliation);
	ctl_audit(c, "account.add", a.username, rc, detail);
	if (rc < 0) {
		fprintf(stderr, "poortctl: cannot add %s: %s\n", a.username, store_error(c, rc));
		rc = 1;
		goto done;
	}
	if (generated)
		printf("%s\t%s\n", a.username, pw);
	else
		printf("added %s\n", a.username);
	rc = 0;
done:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(nt, sizeof(nt));
	return rc;
}

static int
cmd_passwd(struct ctl *c, int argc, char **argv)
{
	char pw[PASSWORD_MAX + 2], hash[PASSWORD_HASH_MAX];
	unsigned char nt[16];
	int from_stdin = 0, generated, rc = 1;

	if (argc == 3 && strcmp(argv[2], "--password-stdin") == 0)
		from_stdin = 1;
	else if (argc != 2)
		return 2;
	if (get_password(from_stdin, pw, sizeof(pw), &generated) < 0 || ctl_hash(c, pw, hash, nt) < 0)
		goto done;
	rc = store_account_set_password(c->st, argv[1], hash, nt);
	ctl_audit(c, "account.passwd", argv[1], rc, NULL);
	if (rc < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", argv[1], store_error(c, rc));
		rc = 1;
		goto done;
	}
	if (generated)
		printf("%s\t%s\n", argv[1], pw);
	else
		printf("password of %s changed\n", argv[1]);
	rc = 0;
done:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(nt, sizeof(nt));
	return rc;
}

static int
print_account(const struct store_account *a, void *arg)
{
	char exp[32] = "never";
	(void)arg;
	if (a->expires != 0) {
		time_t t = (time_t)a->expires;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(exp, sizeof(exp), "%Y-%m-%d", &tm);
	}
	printf("%-20s %-9s %-8s %-10s %-12s %s %s%s%s\n", a->username, a->affiliation,
	       a->enabled ? "enabled" : "disabled", exp,
	       a->student_number[0] ? a->student_number : "-", a->given_name, a->surname,
	       a->guest ? " guest batch=" : "", a->guest ? a->batch : "");
	return 0;
}

static int
print_auth(const struct store_auth_rec *r, void *arg)
{
	char when[32];
	time_t t = (time_t)r->time;
	struct tm tm;
	(void)arg;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s result=%s client=%s user=%s inner=%s mac=%s cui=%s operator=%s reason=%s", when,
	       r->result, r->client, r->user_name, r->inner_identity, r->calling_station,
	       r->cui[0] ? r->cui : "-", r->operator_name[0] ? r->operator_name : "-", r->reason);
	if (r->upstream[0] != '\0')
		printf(" upstream=%s ms=%lld", r->upstream, (long long)r->ms);
	putchar('\n');
	return 0;
}

static int
cmd_log(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"user", required_argument, NULL, 'u'},  {"mac", required_argument, NULL, 'm'},
		{"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'l'}, {"cui", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0}};
	struct store_log_filter f = {.limit = 100};
	int opt;

	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			f.user = optarg;
			break;
		case 'm':
			f.mac = optarg;
			break;
		case 'c':
			f.cui = optarg;
			break;
		case 's':
		case 't':
			if (ctl_parse_day(optarg, opt == 't', opt == 's' ? &f.since : &f.until) < 0) {
				fprintf(stderr, "poortctl: \"%s\" is not YYYY-MM-DD\n", optarg);
				return 1;
			}
			break;
		case 'l':
			f.limit = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (store_auth_query(c->st, &f, print_auth, NULL) < 0) {
		fprintf(stderr, "poortctl: %s\n", store_errmsg(c->st));
		return 1;
	}
	return 0;
}

static int
cmd_simple(struct ctl *c, const char *cmd, int argc, char **argv)
{
	long long exp;
	char action[48];
	int rc;

	if (strcmp(cmd, "expire") == 0) {
		if (argc != 3)
			return 2;
		if (ctl_parse_date(argv[2], &exp) < 0) {
			fprintf(stderr, "poortctl: \"%s\" is not YYYY-MM-DD or never\n", argv[2]);
			return 1;
		}
		rc = store_account_set_expiry(c->st, argv[1], exp);
		snprintf(action, sizeof(action), "expires=%s", argv[2]);
		ctl_audit(c, "account.expire", argv[1], rc, action);
	} else {
		if (argc != 2)
			return 2;
		if (strcmp(cmd, "delete") == 0)
			rc = store_account_delete(c->st, argv[1]);
		else
			rc = store_account_set_enabled(c->st, argv[1], strcmp(cmd, "enable") == 0);
		snprintf(action, sizeof(action), "account.%s", cmd);
		ctl_audit(c, action, argv[1], rc, NULL);
	}
	if (rc < 0) {
		fprintf(stderr, "poortctl: %s: %s\n", argv[1], store_error(c, rc));
		return 1;
	}
	printf("%s %s: done\n", cmd, argv[1]);
	/* delete and disable revoked the account's devices: the CRL follows */
	if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "disable") == 0)
		return ctl_device_crl(c, 1);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config_path = "/etc/poort/poortd.conf", *store_path = NULL;
	char path[PATH_MAX + 16], err[CONFIG_ERR_MAX];
	struct ctl c = {.cost = 4};
	int opt, rc;

	while ((opt = getopt(argc, argv, "+c:s:h")) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			store_path = optarg;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	log_init("poortctl", LOG_LVL_WARNING, 0);
	if (strcmp(argv[optind], "firmware") == 0)
		return ctl_firmware(argc - optind, argv + optind);
	if (strcmp(argv[optind], "why-catalogue") == 0)
		return why_catalogue_write(stdout) < 0 ? 1 : 0;
	/* before the store is opened: a restore wants the state directory untouched */
	if (strcmp(argv[optind], "backup") == 0 || strcmp(argv[optind], "restore") == 0) {
		rc = ctl_backup(config_path, argc - optind, argv + optind);
		if (rc == 2)
			usage();
		return rc;
	}
	if (store_path == NULL) {
		struct config *cfg = config_load(config_path, err, sizeof(err));
		if (cfg == NULL) {
			fprintf(stderr, "poortctl: %s\n", err);
			return 1;
		}
		if (store_state_dir(cfg->state_dir, err, sizeof(err)) < 0) {
			fprintf(stderr, "poortctl: %s\n", err);
			config_free(cfg);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/poort.db", cfg->state_dir);
		c.cost = cfg->password.cost;
		if (cfg->nrealms > 0)
			snprintf(c.issuer, sizeof(c.issuer), "%s", cfg->realms[0]);
		config_free(cfg);
		store_path = path;
	}
	c.config_path = config_path;
	snprintf(c.who, sizeof(c.who), "%s:%s", ADMIN_ACTOR_POORTCTL, ctl_unix_user());
	if (c.issuer[0] == '\0')
		snprintf(c.issuer, sizeof(c.issuer), "Poort");
	c.st = store_open(store_path, err, sizeof(err));
	if (c.st == NULL) {
		fprintf(stderr, "poortctl: cannot open the store: %s\n", err);
		return 1;
	}
	const char *cmd = argv[optind];
	int cargc = argc - optind;
	char **cargv = argv + optind;
	if (strcmp(cmd, "add") == 0)
		rc = cmd_add(&c, cargc, cargv);
	else if (strcmp(cmd, "passwd") == 0)
		rc = cmd_passwd(&c, cargc, cargv);
	else if (strcmp(cmd, "list") == 0) {
		rc = store_account_foreach(c.st, print_account, NULL) < 0 ? 1 : 0;
		if (rc == 0)
			ctl_saml_entree_warn(&c, store_path, config_path);
	}
	else if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "enable") == 0 ||
		 strcmp(cmd, "disable") == 0 || strcmp(cmd, "expire") == 0)
		rc = cmd_simple(&c, cmd, cargc, cargv);
	else if (strcmp(cmd, "import") == 0)
		rc = ctl_import(&c, cargc, cargv);
	else if (strcmp(cmd, "reply") == 0)
		rc = ctl_reply(&c, cargc, cargv);
	else if (strcmp(cmd, "guest") == 0)
		rc = ctl_guest(&c, cargc, cargv);
	else if (strcmp(cmd, "client") == 0)
		rc = ctl_client(&c, cargc, cargv);
	else if (strcmp(cmd, "log") == 0)
		rc = cmd_log(&c, cargc, cargv);
	else if (strcmp(cmd, "why") == 0)
		rc = ctl_why(&c, cargc, cargv);
	else if (strcmp(cmd, "online") == 0)
		rc = ctl_online(&c, cargc, cargv);
	else if (strcmp(cmd, "test-login") == 0)
		rc = ctl_test_login(&c, cargc, cargv);
	else if (strcmp(cmd, "device") == 0)
		rc = ctl_device(&c, cargc, cargv);
	else if (strcmp(cmd, "sp") == 0)
		rc = ctl_sp(&c, store_path, cargc, cargv);
	else if (strcmp(cmd, "admin") == 0)
		rc = ctl_admin(&c, cargc, cargv);
	else if (strcmp(cmd, "audit") == 0)
		rc = ctl_audit_cmd(&c, cargc, cargv);
	else if (strncmp(cmd, "saml-", 5) == 0)
		rc = ctl_saml(&c, store_path, config_path, cargc, cargv);
	else {
		fprintf(stderr, "poortctl: unknown command \"%s\"\n", cmd);
		rc = 2;
	}
	if (rc == 2)
		usage();
	store_close(c.st);
	return rc;
}
