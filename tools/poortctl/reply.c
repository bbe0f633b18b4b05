/*
 * poortctl reply: reply attributes per affiliation (VLAN, Session-Timeout
 * on an EAP Access-Accept) in the store; a running poortd applies a change
 * within a second.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/store_reply.h"
#include "poortctl.h"

static int
reply_num(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
reply_print(const struct store_reply *r, void *arg)
{
	(void)arg;
	printf("%-12s vlan=%-5u session_timeout=%-7u %s\n", r->group, r->vlan, r->session_timeout,
	       r->from_config ? "config" : "store");
	return 0;
}

static const char *
reply_error(struct ctl *c, int rc)
{
	switch (rc) {
	case STORE_ENOTFOUND:
		return "no reply attributes for that group";
	case STORE_EREADONLY:
		return "this group's reply is set in poortd.conf; change it there";
	case STORE_EINVAL:
		return "invalid value (an affiliation or \"default\"; vlan 1-4094; at least one"
		       " attribute)";
	case STORE_EBUSY:
		return "the store is busy; try again";
	default:
		return store_errmsg(c->st);
	}
}

int
ctl_reply(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {{"vlan", required_argument, NULL, 'v'},
					     {"session-timeout", required_argument, NULL, 't'},
					     {NULL, 0, NULL, 0}};
	struct store_reply r;
	int opt, rc;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return store_reply_foreach(c->st, reply_print, NULL) < 0 ? 1 : 0;
	if (argc == 3 && (strcmp(argv[1], "del") == 0 || strcmp(argv[1], "delete") == 0)) {
		rc = store_reply_delete(c->st, argv[2]);
		ctl_audit(c, "reply.delete", argv[2], rc, NULL);
		if (rc < 0) {
			fprintf(stderr, "poortctl: reply %s: %s\n", argv[2], reply_error(c, rc));
			return 1;
		}
		printf("deleted reply %s\n", argv[2]);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "set") != 0)
		return 2;
	memset(&r, 0, sizeof(r));
	argc--;
	argv++;
	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((opt == 'v' && reply_num(optarg, 4094, &r.vlan) < 0) ||
		    (opt == 't' && reply_num(optarg, 31 * 86400, &r.session_timeout) < 0)) {
			fprintf(stderr, "poortctl: \"%s\" is out of range\n", optarg);
			return 1;
		}
		if (opt != 'v' && opt != 't')
			return 2;
	}
	if (optind + 1 != argc || strlen(argv[optind]) >= sizeof(r.group))
		return 2;
	snprintf(r.group, sizeof(r.group), "%s", argv[optind]);
	rc = store_reply_set(c->st, &r);
	ctl_audit(c, "reply.set", r.group, rc, NULL);
	if (rc < 0) {
		fprintf(stderr, "poortctl: reply %s: %s\n", r.group, reply_error(c, rc));
		return 1;
	}
	printf("reply %s: vlan=%u session_timeout=%u\n", r.group, r.vlan, r.session_timeout);
	return 0;
}
