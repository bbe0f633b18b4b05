/*
 * poortctl admin and audit: the web UI's admin accounts through src/admin
 * (poort/admin.h), and the audit log every change is written to. One-time
 * passwords are printed once, on stdout, and never again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poort/admin.h"
#include "poortctl.h"

static void
admin_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, outlen, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
admin_fail(const char *what, const char *name, int rc)
{
	fprintf(stderr, "poortctl: admin %s %s: %s\n", what, name != NULL ? name : "",
		admin_error_text(rc));
	return 1;
}

static int
admin_print(const struct admin_info *a, void *arg)
{
	static const char *const totp[] = {"none", "pending", "active"};
	char created[32], last[32];

	(void)arg;
	admin_time(a->created, created, sizeof(created));
	admin_time(a->last_login, last, sizeof(last));
	printf("%-20s %-9s %-8s totp=%-7s %s created=%s last-login=%s\n", a->name,
	       admin_role_name(a->role), a->enabled ? "enabled" : "disabled",
	       totp[a->totp >= 0 && a->totp <= 2 ? a->totp : 0],
	       a->must_change ? "one-time-password" : "-", created, last);
	return 0;
}

/* Reads one line from stdin as the password (--password-stdin). */
static int
admin_read_password(char *pw, size_t pwlen)
{
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password: ");
	if (fgets(pw, (int)pwlen, stdin) == NULL)
		return -1;
	pw[strcspn(pw, "\r\n")] = '\0';
	return 0;
}

static int
admin_add_cmd(struct ctl *c, const struct admin_who *who, int argc, char **argv)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
					     {"password-stdin", no_argument, NULL, 'p'},
					     {NULL, 0, NULL, 0}};
	char onetime[ADMIN_PW_GENERATED_LEN + 1], pw[PASSWORD_MAX + 2];
	int opt, role = ADMIN_EROLE, from_stdin = 0, rc = 1;

	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			role = admin_role_parse(optarg);
			break;
		case 'p':
			from_stdin = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || role < 0) {
		fprintf(stderr, "poortctl: admin add NAME --role admin|helpdesk [--password-stdin]\n");
		return 2;
	}
	if (from_stdin && admin_read_password(pw, sizeof(pw)) < 0) {
		fprintf(stderr, "poortctl: no password on stdin\n");
		return 1;
	}
	rc = admin_add(c->st, c->cost, who, argv[optind], role, from_stdin ? pw : NULL, onetime);
	if (rc < 0) {
		rc = admin_fail("add", argv[optind], rc);
	} else if (from_stdin) {
		printf("added %s (%s)\n", argv[optind], admin_role_name(role));
	} else {
		printf("%s\t%s\n", argv[optind], onetime);
		fprintf(stderr, "poortctl: a one-time password, shown only now: %s must set a new"
				" one and enrol an authenticator app at the first login\n",
			argv[optind]);
	}
	explicit_bzero(onetime, sizeof(onetime));
	explicit_bzero(pw, sizeof(pw));
	return rc < 0 ? 1 : rc;
}

static int
admin_totp_cmd(struct ctl *c, const struct admin_who *who, int argc, char **argv)
{
	static const struct option opts[] = {{"confirm", required_argument, NULL, 'c'},
					     {"clear", no_argument, NULL, 'x'},
					     {"issuer", required_argument, NULL, 'i'},
					     {"qr", no_argument, NULL, 'q'},
					     {"no-qr", no_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};
	const char *confirm = NULL, *issuer = c->issuer;
	char uri[ADMIN_TOTP_URI_MAX], *qr;
	int opt, clear = 0, show_qr = isatty(STDOUT_FILENO), rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			confirm = optarg;
			break;
		case 'x':
			clear = 1;
			break;
		case 'i':
			issuer = optarg;
			break;
		case 'q':
			show_qr = 1;
			break;
		case 'n':
			show_qr = 0;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || (confirm != NULL && clear)) {
		fprintf(stderr, "poortctl: admin totp NAME [--issuer TEXT] [--qr | --no-qr]"
				" | --confirm CODE | --clear\n");
		return 2;
	}
	const char *name = argv[optind];
	if (clear) {
		if ((rc = admin_totp_clear(c->st, who, name)) < 0)
			return admin_fail("totp", name, rc);
		printf("authenticator of %s removed: the next login enrols a new one\n", name);
		return 0;
	}
	if (confirm != NULL) {
		if ((rc = admin_totp_confirm(c->st, who, name, confirm, time(NULL))) < 0)
			return admin_fail("totp", name, rc);
		printf("authenticator of %s active\n", name);
		return 0;
	}
	if ((rc = admin_totp_begin(c->st, who, name, issuer, uri)) < 0)
		return admin_fail("totp", name, rc);
	printf("%s\n", uri);
	if (show_qr && (qr = admin_qr_text(uri)) != NULL) {
		fputs(qr, stdout);
		explicit_bzero(qr, strlen(qr));
		free(qr);
	}
	explicit_bzero(uri, sizeof(uri));
	fprintf(stderr, "poortctl: scan this into the authenticator app, then confirm with its"
			" first code: poortctl admin totp %s --confirm CODE\n",
		name);
	return 0;
}

int
ctl_admin(struct ctl *c, int argc, char **argv)
{
	char onetime[ADMIN_PW_GENERATED_LEN + 1];
	struct admin_who who = {c->who, "local"};
	const char *sub;
	int rc;

	if (argc < 2)
		return 2;
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "add") == 0)
		return admin_add_cmd(c, &who, argc, argv);
	if (strcmp(sub, "totp") == 0)
		return admin_totp_cmd(c, &who, argc, argv);
	if (strcmp(sub, "list") == 0) {
		if (argc != 1)
			return 2;
		if ((rc = admin_foreach(c->st, admin_print, NULL)) < 0)
			return admin_fail("list", NULL, rc);
		return 0;
	}
	if (argc != 2)
		return 2;
	if (strcmp(sub, "reset") == 0) {
		if ((rc = admin_password_reset(c->st, c->cost, &who, argv[1], onetime)) < 0)
			return admin_fail(sub, argv[1], rc);
		printf("%s\t%s\n", argv[1], onetime);
		explicit_bzero(onetime, sizeof(onetime));
		fprintf(stderr, "poortctl: a one-time password, shown only now; %s sets a new one"
				" at the next login\n",
			argv[1]);
		return 0;
	}
	if (strcmp(sub, "enable") == 0 || strcmp(sub, "disable") == 0)
		rc = admin_set_enabled(c->st, &who, argv[1], strcmp(sub, "enable") == 0);
	else if (strcmp(sub, "delete") == 0)
		rc = admin_delete(c->st, &who, argv[1]);
	else
		return 2;
	if (rc < 0)
		return admin_fail(sub, argv[1], rc);
	printf("admin %s %s: done\n", sub, argv[1]);
	return 0;
}

/* ---- audit ---- */

static int
audit_print(const struct store_audit *r, void *arg)
{
	char when[32];

	(void)arg;
	admin_time(r->time, when, sizeof(when));
	printf("%s actor=%s action=%s object=%s from=%s outcome=%s%s%s\n", when, r->actor,
	       r->action, r->object[0] ? r->object : "-", r->source[0] ? r->source : "-",
	       r->outcome, r->detail[0] ? " " : "", r->detail);
	return 0;
}

/* YYYY-MM-DD (start or end of that day), or seconds since the epoch. */
static int
audit_time(const char *s, int end, int64_t *out)
{
	long long v;
	char *e;

	if (ctl_parse_day(s, end, out) == 0)
		return 0;
	v = strtoll(s, &e, 10);
	if (*s == '\0' || *e != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

int
ctl_audit_cmd(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"actor", required_argument, NULL, 'a'}, {"object", required_argument, NULL, 'o'},
		{"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	struct store_audit_filter f = {.limit = 100};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			f.actor = optarg;
			break;
		case 'o':
			f.object = optarg;
			break;
		case 's':
		case 't':
			if (audit_time(optarg, opt == 't', opt == 's' ? &f.since : &f.until) < 0) {
				fprintf(stderr, "poortctl: \"%s\" is not YYYY-MM-DD or epoch seconds\n",
					optarg);
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
	if (optind != argc)
		return 2;
	if (store_audit_foreach(c->st, &f, audit_print, NULL) < 0) {
		fprintf(stderr, "poortctl: %s\n", store_errmsg(c->st));
		return 1;
	}
	return 0;
}
