/*
 * poortctl client: RADIUS clients (access points) in the store. Changes
 * reach a running poortd within a second, and at once for a new address
 * (see src/radius/clients.c). Secrets are shown only when generated, once.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "poort/password.h"
#include "poort/store_client.h"
#include "poortctl.h"

#define CLIENT_SECRET_LEN 24

static const char *
client_error(struct ctl *c, int rc)
{
	switch (rc) {
	case STORE_ENOTFOUND:
		return "no such client";
	case STORE_EEXIST:
		return "a client with that name already exists";
	case STORE_EREADONLY:
		return "this client is set in poortd.conf; change it there";
	case STORE_EBUSY:
		return "the store is busy; try again";
	default:
		return store_errmsg(c->st);
	}
}

/* Reads a secret from stdin, or generates one. */
static int
client_secret(int from_stdin, char *out, size_t outlen)
{
	if (!from_stdin)
		return password_generate(out, CLIENT_SECRET_LEN);
	if (fgets(out, (int)outlen, stdin) == NULL)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int
client_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {{"secret-generate", no_argument, NULL, 'g'},
					     {"secret-stdin", no_argument, NULL, 'p'},
					     {"federation", no_argument, NULL, 'f'},
					     {"cert-name", required_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};
	struct store_client cl;
	struct config_client parsed;
	char detail[96];
	int opt, gen = 0, from_stdin = 0, rc = 1;

	memset(&cl, 0, sizeof(cl));
	optind = 0; /* 0 makes GNU getopt start afresh */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			gen = 1;
			break;
		case 'p':
			from_stdin = 1;
			break;
		case 'f':
			cl.federation = 1;
			break;
		case 'n':
			snprintf(cl.cert_name, sizeof(cl.cert_name), "%s", optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 2 != argc || gen + from_stdin > 1) {
		fprintf(stderr, "poortctl: client add NAME ADDRESS[/PREFIX] [--secret-generate |"
				" --secret-stdin] [--federation] [--cert-name NAME]\n");
		return 2;
	}
	if (strlen(argv[optind]) >= sizeof(cl.name) || argv[optind][0] == '\0') {
		fprintf(stderr, "poortctl: client name must be 1 to %zu characters\n",
			sizeof(cl.name) - 1);
		return 1;
	}
	snprintf(cl.name, sizeof(cl.name), "%s", argv[optind]);
	switch (strlen(argv[optind + 1]) < sizeof(cl.address)
			? config_client_address(argv[optind + 1], &parsed)
			: CONFIG_ADDR_EINVAL) {
	case 0:
		break;
	case CONFIG_ADDR_EHOSTBITS:
		fprintf(stderr, "poortctl: \"%s\" has host bits set after the prefix\n",
			argv[optind + 1]);
		return 1;
	default:
		fprintf(stderr, "poortctl: \"%s\" is not an address or prefix (like 192.0.2.0/24)\n",
			argv[optind + 1]);
		return 1;
	}
	snprintf(cl.address, sizeof(cl.address), "%s", argv[optind + 1]);
	if ((gen || from_stdin || cl.cert_name[0] == '\0') &&
	    client_secret(from_stdin, cl.secret, sizeof(cl.secret)) < 0) {
		fprintf(stderr, "poortctl: no secret\n");
		goto done;
	}
	if (cl.secret[0] != '\0' && strlen(cl.secret) < 8) {
		fprintf(stderr, "poortctl: the secret is shorter than 8 characters\n");
		goto done;
	}
	rc = store_client_add(c->st, &cl);
	snprintf(detail, sizeof(detail), "address=%s", cl.address);
	ctl_audit(c, "client.add", cl.name, rc, detail);
	if (rc < 0) {
		fprintf(stderr, "poortctl: cannot add client %s: %s\n", cl.name,
			rc == STORE_EINVAL ? "invalid value" : client_error(c, rc));
		rc = 1;
		goto done;
	}
	if (!from_stdin && cl.secret[0] != '\0')
		printf("%s\t%s\n", cl.name, cl.secret); /* shown once: not stored anywhere else */
	else
		printf("added client %s\n", cl.name);
	rc = 0;
done:
	explicit_bzero(&cl, sizeof(cl));
	return rc;
}

static int
client_print(const struct store_client *cl, void *arg)
{
	(void)arg;
	printf("%-20s %-24s %-6s %-10s %s\n", cl->name, cl->address,
	       cl->from_config ? "config" : "store", cl->federation ? "federation" : "-",
	       cl->cert_name[0] ? cl->cert_name : "-");
	return 0;
}

int
ctl_client(struct ctl *c, int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "add") == 0)
		return client_add(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		if (store_client_foreach(c->st, client_print, NULL) < 0) {
			fprintf(stderr, "poortctl: %s\n", store_errmsg(c->st));
			return 1;
		}
		return 0;
	}
	if ((strcmp(argv[1], "del") == 0 || strcmp(argv[1], "delete") == 0) && argc == 3) {
		rc = store_client_delete(c->st, argv[2]);
		ctl_audit(c, "client.delete", argv[2], rc, NULL);
		if (rc < 0) {
			fprintf(stderr, "poortctl: client %s: %s\n", argv[2], client_error(c, rc));
			return 1;
		}
		printf("deleted client %s\n", argv[2]);
		return 0;
	}
	if (strcmp(argv[1], "secret") == 0 && argc == 3) {
		char secret[CONFIG_SECRET_MAX];
		if (password_generate(secret, CLIENT_SECRET_LEN) < 0)
			return 1;
		rc = store_client_set_secret(c->st, argv[2], secret);
		ctl_audit(c, "client.secret", argv[2], rc, NULL);
		if (rc < 0)
			fprintf(stderr, "poortctl: client %s: %s\n", argv[2], client_error(c, rc));
		else
			printf("%s\t%s\n", argv[2], secret);
		explicit_bzero(secret, sizeof(secret));
		return rc < 0 ? 1 : 0;
	}
	return 2;
}
