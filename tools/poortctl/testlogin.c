/*
 * poortctl test-login (poort/why_test.h): a real login against the running
 * poortd over loopback, explained like any logged outcome. The password
 * comes from a prompt without echo, or from a file descriptor; it is never
 * printed or logged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/password.h"
#include "poort/store_client.h"
#include "poort/why_test.h"
#include "poortctl.h"

/* One line from fd (no echo when it is a terminal); -1 if none. */
static int
tl_read_password(int fd, char *buf, size_t buflen)
{
	struct termios old, quiet;
	int tty = isatty(fd), restore = 0;
	size_t n = 0;

	if (tty) {
		fprintf(stderr, "password: ");
		if (tcgetattr(fd, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
		}
	}
	while (n + 1 < buflen) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (tty)
		fputc('\n', stderr);
	return n > 0 ? 0 : -1;
}

struct tl_clients {
	struct config_client *v;
	size_t n, cap;
};

static int
tl_store_client(const struct store_client *sc, void *arg)
{
	struct tl_clients *cl = arg;
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 16;
		struct config_client *v = realloc(cl->v, cap * sizeof(*v));
		if (v == NULL)
			return 1;
		cl->v = v;
		cl->cap = cap;
	}
	if (store_client_to_config(sc, &cl->v[cl->n]) == 0)
		cl->n++;
	return 0;
}

/* The auth listener to test: a loopback one, or loopback in a wildcard one's family. */
static int
tl_server(const struct config *cfg, struct sockaddr_storage *ss, socklen_t *len)
{
	const struct config_listen *pick = NULL;

	for (size_t i = 0; i < cfg->nlistens; i++) {
		const struct config_listen *l = &cfg->listens[i];
		if (l->kind != CONFIG_LISTEN_AUTH)
			continue;
		if (pick == NULL || (l->addr.ss_family == AF_INET && pick->addr.ss_family != AF_INET))
			pick = l;
	}
	if (pick == NULL)
		return -1;
	*ss = pick->addr;
	*len = pick->addrlen;
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		if (s->sin_addr.s_addr == htonl(INADDR_ANY))
			s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&s->sin6_addr))
			s->sin6_addr = in6addr_loopback;
	}
	return 0;
}

static const char *
tl_method_name(enum why_test_method m)
{
	return m == WHY_TEST_PAP ? "pap" : m == WHY_TEST_PEAP ? "peap" : "ttls-pap";
}

struct tl_print {
	enum why_lang lang;
};

static int
tl_print_outcome(const struct why_outcome *o, void *arg)
{
	const struct tl_print *p = arg;
	const struct why_text *t = why_reason_text(o->reason, p->lang);

	printf("reason=%s why=%s\n  %s: %s\n", o->rec->reason, why_reason_id(o->reason), t->title,
	       t->explain);
	if (o->near_realm != NULL)
		printf(p->lang == WHY_LANG_NL ? "  Bedoeld: @%s (ingevuld: @%s)\n"
					      : "  Meant: @%s (typed: @%s)\n",
		       o->near_realm, o->realm);
	printf("  %s %s\n", p->lang == WHY_LANG_NL ? "Wat te doen:" : "What to do:", t->action);
	return 0;
}

int
ctl_test_login(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {{"method", required_argument, NULL, 'm'},
					     {"password-fd", required_argument, NULL, 'p'},
					     {"ca", required_argument, NULL, 'a'},
					     {"anonymous", required_argument, NULL, 'n'},
					     {"lang", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	struct why_test_opts o = {.method = WHY_TEST_PAP};
	struct why_test_result r;
	struct tl_print pr = {.lang = why_lang_parse(getenv("LANG"))};
	struct tl_clients cl = {0};
	struct config *cfg = NULL;
	const struct config_client *client;
	char err[CONFIG_ERR_MAX], user[STORE_USERNAME_MAX + 260], pw[PASSWORD_MAX + 2];
	char secret[CONFIG_SECRET_MAX];
	int opt, pwfd = STDIN_FILENO, rc = 3;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (strcmp(optarg, "pap") == 0)
				o.method = WHY_TEST_PAP;
			else if (strcmp(optarg, "ttls-pap") == 0 || strcmp(optarg, "ttls") == 0)
				o.method = WHY_TEST_TTLS_PAP;
			else if (strcmp(optarg, "peap") == 0)
				o.method = WHY_TEST_PEAP;
			else {
				fprintf(stderr, "poortctl: --method is pap, peap or ttls-pap\n");
				return 2;
			}
			break;
		case 'p':
			pwfd = atoi(optarg);
			break;
		case 'a':
			o.ca_file = optarg;
			break;
		case 'n':
			o.anon = optarg;
			break;
		case 'l':
			pr.lang = why_lang_parse(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poortctl: test-login takes one user\n");
		return 2;
	}
	cfg = config_load(c->config_path, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "poortctl: test-login needs poortd's config: %s\n", err);
		return 1;
	}
	/* without a realm: the school's own */
	if (strchr(argv[optind], '@') == NULL && cfg->nrealms > 0)
		snprintf(user, sizeof(user), "%s@%s", argv[optind], cfg->realms[0]);
	else
		snprintf(user, sizeof(user), "%s", argv[optind]);
	if (tl_server(cfg, &o.server, &o.serverlen) < 0) {
		fprintf(stderr, "poortctl: poortd's config has no \"listen auth\"\n");
		goto done;
	}
	/* the secret poortd expects from this host: a client holding loopback */
	cl.v = calloc(cfg->nclients + 1, sizeof(*cl.v));
	cl.cap = cfg->nclients + 1;
	if (cl.v == NULL)
		goto done;
	memcpy(cl.v, cfg->clients, cfg->nclients * sizeof(*cl.v));
	cl.n = cfg->nclients;
	store_client_foreach(c->st, tl_store_client, &cl);
	client = config_client_find_in(cl.v, cl.n, (const struct sockaddr *)&o.server);
	if (client == NULL || client->secret[0] == '\0') {
		fprintf(stderr, "poortctl: %s is no RADIUS client of poortd: add one (poortctl client"
				" add test-login %s --secret-generate)\n",
			o.server.ss_family == AF_INET ? "127.0.0.1" : "::1",
			o.server.ss_family == AF_INET ? "127.0.0.1" : "::1");
		goto done;
	}
	snprintf(secret, sizeof(secret), "%s", client->secret);
	o.secret = secret;
	if (tl_read_password(pwfd, pw, sizeof(pw)) < 0) {
		fprintf(stderr, "poortctl: no password\n");
		goto done;
	}
	o.user = user;
	o.password = pw;
	if (why_test_login(&o, &r) < 0) {
		const struct why_text *t = why_reason_text(WHY_TEST_NO_ANSWER, pr.lang);
		printf("%s %s result=none why=%s error=\"%s\"\n  %s: %s\n  %s %s\n", user,
		       tl_method_name(o.method),
		       why_reason_id(WHY_TEST_NO_ANSWER), r.error, t->title, t->explain,
		       pr.lang == WHY_LANG_NL ? "Wat te doen:" : "What to do:", t->action);
		goto done;
	}
	printf("%s %s result=%s mac=%s rounds=%u%s%s\n", user,
	       tl_method_name(o.method), r.accepted ? "accept" : "reject",
	       r.station, r.rounds, r.tls_version[0] ? " tls=" : "", r.tls_version);
	if (r.reply_message[0] != '\0')
		printf("  Reply-Message: %s\n", r.reply_message);
	if (why_test_explain(c->st, &r, (const char *const *)cfg->realms, cfg->nrealms, 3000,
			     tl_print_outcome, &pr) == 0)
		printf("  (poortd logged no row for this test yet)\n");
	rc = r.accepted ? 0 : 1;
done:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(secret, sizeof(secret));
	if (cl.v != NULL) {
		explicit_bzero(cl.v, cl.cap * sizeof(*cl.v));
		free(cl.v);
	}
	config_free(cfg);
	return rc;
}
