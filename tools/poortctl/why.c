/*
 * poortctl why / online (poort/why.h): what the helpdesk asks first, "why
 * can't X log in?" and "is X online?", answered from the store.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "poort/config.h"
#include "poort/why.h"
#include "poortctl.h"

/* "YYYY-MM-DD" (start of that day, UTC), or a span back from now: 30m, 2h, 7d. */
static int
why_parse_since(const char *s, int64_t now, int64_t *out)
{
	char *end;
	long long v;

	if (strlen(s) == 10 && s[4] == '-')
		return ctl_parse_day(s, 0, out);
	v = strtoll(s, &end, 10);
	if (end == s || v < 0 || v > 10 * 365 * 24)
		return -1;
	if (strcmp(end, "m") == 0)
		*out = now - v * 60;
	else if (strcmp(end, "h") == 0)
		*out = now - v * 3600;
	else if (strcmp(end, "d") == 0)
		*out = now - v * 86400;
	else
		return -1;
	return 0;
}

static void
why_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct why_print {
	enum why_lang lang;
	int n;
};

static int
why_print_outcome(const struct why_outcome *o, void *arg)
{
	struct why_print *p = arg;
	const struct store_auth_rec *r = o->rec;
	const struct why_text *t = why_reason_text(o->reason, p->lang);
	char when[32];

	why_time(r->time, when, sizeof(when));
	printf("%s %s user=%s", when, r->result, r->user_name);
	if (r->inner_identity[0] != '\0' && strcmp(r->inner_identity, "-") != 0)
		printf(" inner=%s", r->inner_identity);
	printf(" mac=%s ap=%s", r->calling_station[0] ? r->calling_station : "-", r->client);
	if (r->upstream[0] != '\0')
		printf(" upstream=%s", r->upstream);
	printf(" reason=%s why=%s\n", r->reason, why_reason_id(o->reason));
	printf("  %s: %s\n", t->title, t->explain);
	if (o->near_realm != NULL)
		printf(p->lang == WHY_LANG_NL ? "  Bedoeld: @%s (ingevuld: @%s)\n"
					      : "  Meant: @%s (typed: @%s)\n",
		       o->near_realm, o->realm);
	printf("  %s %s\n", p->lang == WHY_LANG_NL ? "Wat te doen:" : "What to do:", t->action);
	p->n++;
	return 0;
}

/* The config's realms, for typos (none with -s STORE and no config). */
static struct config *
why_config(const struct ctl *c)
{
	char err[CONFIG_ERR_MAX];
	return c->config_path != NULL ? config_load(c->config_path, err, sizeof(err)) : NULL;
}

int
ctl_why(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 'u'},
		{"lang", required_argument, NULL, 'l'},  {"limit", required_argument, NULL, 'n'},
		{"mac", no_argument, NULL, 'm'},         {"cui", no_argument, NULL, 'c'},
		{"user", no_argument, NULL, 'a'},        {NULL, 0, NULL, 0}};
	struct why_query q = {0};
	struct why_print p = {.lang = why_lang_parse(getenv("LANG"))};
	int64_t now = (int64_t)time(NULL);
	struct config *cfg;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
		case 'u':
			if (why_parse_since(optarg, now, opt == 's' ? &q.since : &q.until) < 0) {
				fprintf(stderr, "poortctl: \"%s\" is not YYYY-MM-DD or 30m, 2h, 7d\n",
					optarg);
				return 1;
			}
			if (opt == 'u' && strlen(optarg) == 10)
				q.until += 86399; /* the whole day */
			break;
		case 'l':
			p.lang = why_lang_parse(optarg);
			break;
		case 'n':
			q.limit = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			q.kind = WHY_BY_MAC;
			break;
		case 'c':
			q.kind = WHY_BY_CUI;
			break;
		case 'a':
			q.kind = WHY_BY_ACCOUNT;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poortctl: why takes one user, MAC or CUI\n");
		return 2;
	}
	q.subject = argv[optind];
	cfg = why_config(c);
	if (cfg != NULL) {
		q.realms = (const char *const *)cfg->realms;
		q.nrealms = cfg->nrealms;
	}
	rc = why_search(c->st, &q, why_print_outcome, &p);
	config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "poortctl: %s\n", store_errmsg(c->st));
		return 1;
	}
	if (p.n == 0)
		printf(p.lang == WHY_LANG_NL ? "Geen inlogpogingen gevonden voor %s.\n"
					     : "No login attempts found for %s.\n",
		       q.subject);
	return 0;
}

static void
why_bytes(uint64_t n, char *out, size_t outlen)
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	snprintf(out, outlen, u == 0 ? "%.0f %s" : "%.1f %s", v, unit[u]);
}

static int
why_print_session(const struct store_session *s, void *arg)
{
	char since[32], upd[32], in[16], out[16];
	int *n = arg;

	why_time(s->started, since, sizeof(since));
	why_time(s->updated, upd, sizeof(upd));
	why_bytes(s->input_octets, in, sizeof(in));
	why_bytes(s->output_octets, out, sizeof(out));
	printf("%s ap=%s mac=%s since=%s in=\"%s\" out=\"%s\" updated=%s session=%s%s%s\n",
	       s->user_name[0] ? s->user_name : "-", s->client,
	       s->calling_station[0] ? s->calling_station : "-", since, in, out, upd,
	       s->session_id, s->framed_ip[0] ? " ip=" : "", s->framed_ip);
	(*n)++;
	return 0;
}

int
ctl_online(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {{"timeout", required_argument, NULL, 't'},
					     {"user", required_argument, NULL, 'u'},
					     {"mac", required_argument, NULL, 'm'},
					     {"limit", required_argument, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	struct why_online_query q = {.now = (int64_t)time(NULL), .limit = 1000};
	int opt, n = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			q.default_timeout = (unsigned)strtoul(optarg, NULL, 10);
			if (q.default_timeout == 0 || q.default_timeout > WHY_ONLINE_MAX_TIMEOUT) {
				fprintf(stderr, "poortctl: --timeout takes 1..%d seconds\n",
					WHY_ONLINE_MAX_TIMEOUT);
				return 1;
			}
			break;
		case 'u':
			q.account = optarg;
			break;
		case 'm':
			q.mac = optarg;
			break;
		case 'l':
			q.limit = (unsigned)strtoul(optarg, NULL, 10);
			if (q.limit == 0)
				q.limit = 1000;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc)
		return 2;
	if (why_online(c->st, &q, why_print_session, &n) < 0) {
		fprintf(stderr, "poortctl: %s\n", store_errmsg(c->st));
		return 1;
	}
	if ((unsigned)n >= q.limit)
		fprintf(stderr, "%d or more online (the %d most recently updated shown; --limit N)\n",
			n, n);
	else
		fprintf(stderr, "%d online\n", n);
	return 0;
}
