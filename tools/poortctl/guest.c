/*
 * poortctl guest add: time-limited guest accounts for an event, through the
 * accounts library. Each name and password is printed once (to hand out as
 * vouchers); the accounts stop working at their expiry by themselves.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "poort/accounts.h"
#include "poortctl.h"

static void
guest_print(const char *username, const char *password, void *arg)
{
	printf("%s\t%s\t%s\n", username, password, (const char *)arg);
}

int
ctl_guest(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'n'},   {"prefix", required_argument, NULL, 'p'},
		{"batch", required_argument, NULL, 'b'},   {"expires", required_argument, NULL, 'e'},
		{"hours", required_argument, NULL, 'h'},   {NULL, 0, NULL, 0}};
	struct accounts_guest_req req = {.count = 1};
	struct accounts_error err;
	char batch[33], until[32], msg[300], *end;
	int opt;
	unsigned long v;
	int64_t exp = 0;
	struct tm tm;
	time_t t;

	if (argc < 2 || strcmp(argv[1], "add") != 0)
		return 2;
	argc--;
	argv++;
	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			v = strtoul(optarg, &end, 10);
			req.count = *end == '\0' && v <= ACCOUNTS_GUEST_MAX ? (unsigned)v : 0;
			break;
		case 'p':
			req.prefix = optarg;
			break;
		case 'b':
			req.batch = optarg;
			break;
		case 'e':
			if (accounts_date_parse(optarg, &exp) < 0 || exp == 0) {
				fprintf(stderr, "poortctl: expiry \"%s\" is not YYYY-MM-DD\n", optarg);
				return 1;
			}
			break;
		case 'h':
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v == 0 || v > 24 * 366) {
				fprintf(stderr, "poortctl: --hours takes 1 to %d\n", 24 * 366);
				return 1;
			}
			exp = (int64_t)time(NULL) + (int64_t)v * 3600;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc || exp == 0) {
		fprintf(stderr, "poortctl: guest add (--expires YYYY-MM-DD | --hours H) [--count N]"
				" [--prefix P] [--batch ID]\n");
		return 2;
	}
	req.expires = exp;
	req.created_by = ctl_unix_user();
	t = (time_t)exp;
	gmtime_r(&t, &tm);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%MZ", &tm);
	if (accounts_guest_batch(c->st, &req, c->cost, batch, guest_print, until, &err) < 0) {
		ctl_audit(c, "guest.add", req.batch, -1, accounts_error_key(err.code));
		fprintf(stderr, "poortctl: no guest accounts created: %s\n",
			accounts_error_text(&err, msg, sizeof(msg)));
		return 1;
	}
	snprintf(msg, sizeof(msg), "count=%u until=%s", req.count, until);
	ctl_audit(c, "guest.add", batch, 0, msg);
	fprintf(stderr, "poortctl: %u guest account%s in batch %s, valid until %s\n", req.count,
		req.count == 1 ? "" : "s", batch, until);
	return 0;
}
