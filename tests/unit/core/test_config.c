/* Config parsing: a full good file, and each bad file with its exact error. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "test.h"

static void
test_good(void)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cfg = config_load("configs/good.conf", err, sizeof(err));
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};

	CHECK(cfg != NULL);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_STR(cfg->state_dir, "/var/lib/poort");
	CHECK_INT(cfg->nrealms, 2);
	CHECK_STR(cfg->realms[1], "second.example");
	CHECK(config_realm_is_local(cfg, "SCHOOL.example", 14));
	CHECK(!config_realm_is_local(cfg, "school.exampl", 13));
	CHECK_INT(cfg->nlistens, 6); /* '*' is IPv4 and IPv6 */
	CHECK_STR(cfg->listens[1].text, "[::1]:1812");
	CHECK_STR(cfg->listens[3].text, "[::]:11813");
	CHECK_INT(cfg->listens[4].kind, CONFIG_LISTEN_RADSEC);
	CHECK_STR(cfg->listens[5].text, "[::]:2083");
	CHECK_INT(cfg->nclients, 4);
	CHECK_STR(cfg->clients[3].cert_name, "flr.eduroam.example");
	CHECK_INT(cfg->clients[3].radsec_only, 1);
	CHECK_STR(cfg->clients[3].secret, "radsec"); /* RFC 6614 */
	CHECK_INT(cfg->clients[0].radsec_only, 0);
	CHECK_INT(cfg->clients[3].federation, 1);
	CHECK_INT(cfg->clients[0].federation, 0);
	CHECK_INT(cfg->radsec.enabled, 1);
	CHECK_STR(cfg->radsec.ca, "/etc/poort/eduroam-ca.pem");
	CHECK_INT(cfg->radsec.max_connections, 32); /* default */
	CHECK_STR(cfg->clients[0].secret, "a \"quoted\" secret");
	CHECK_STR(cfg->clients[1].secret, "longenough");
	CHECK_INT(cfg->log_level, LOG_LVL_DEBUG);
	CHECK_INT(cfg->log_retention_days, 30);
	CHECK_INT(cfg->log_audit_retention_days, 400);
	CHECK_INT(cfg->limits.reply_cache, 100);
	CHECK_INT(cfg->limits.pending, 50);
	CHECK_INT(cfg->limits.reply_cache_ttl, 30); /* default kept */
	CHECK_INT(cfg->password.cost, 6);
	CHECK_INT(cfg->password.cache, 0);
	CHECK_INT(cfg->proxy.nups, 3);
	CHECK_STR(cfg->proxy.ups[1].name, "flr2");
	CHECK_INT(cfg->proxy.ups[2].radsec, 1);
	CHECK_STR(cfg->proxy.ups[2].cert_name, "flr3.eduroam.example");
	CHECK_INT(ntohs(((struct sockaddr_in *)&cfg->proxy.ups[2].addr)->sin_port), 2083);
	CHECK_STR(cfg->proxy.ups[2].secret, "radsec");
	CHECK_INT(cfg->proxy.ups[0].radsec, 0);
	CHECK_INT(ntohs(((struct sockaddr_in6 *)&cfg->proxy.ups[1].addr)->sin6_port), 11812);
	CHECK_INT(ntohs(((struct sockaddr_in *)&cfg->proxy.ups[0].addr)->sin_port), 1812);
	CHECK_INT(cfg->proxy.response_window, 3);
	CHECK_INT(cfg->proxy.check_interval, 10); /* default */
	CHECK_INT(cfg->proxy.visitor_vlan, 900);

	/* longest prefix wins */
	inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr);
	CHECK_STR(config_client_find(cfg, (struct sockaddr *)&a4)->name, "ap-gym");
	inet_pton(AF_INET, "192.0.2.8", &a4.sin_addr);
	CHECK_STR(config_client_find(cfg, (struct sockaddr *)&a4)->name, "ap-hall");
	inet_pton(AF_INET, "192.0.3.1", &a4.sin_addr);
	CHECK(config_client_find(cfg, (struct sockaddr *)&a4) == NULL);
	inet_pton(AF_INET6, "2001:db8:1::5", &a6.sin6_addr);
	CHECK_STR(config_client_find(cfg, (struct sockaddr *)&a6)->name, "v6");
	/* an IPv4 client seen on a dual-stack socket */
	inet_pton(AF_INET6, "::ffff:192.0.2.9", &a6.sin6_addr);
	CHECK_STR(config_client_find(cfg, (struct sockaddr *)&a6)->name, "ap-hall");
	config_free(cfg);
}

static void
test_bad(void)
{
	FILE *f = fopen("configs/bad.txt", "r");
	char line[512];
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char path[600], err[CONFIG_ERR_MAX] = "";
		char *bar;
		struct config *cfg;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		bar = strchr(line, '|');
		CHECK(bar != NULL);
		if (bar == NULL)
			continue;
		*bar = '\0';
		snprintf(path, sizeof(path), "configs/%s", line);
		cfg = config_load(path, err, sizeof(err));
		CHECK(cfg == NULL);
		config_free(cfg);
		if (strstr(err, bar + 1) == NULL) {
			fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", line, err, bar + 1);
			CHECK(0);
		} else {
			CHECK(1);
		}
		n++;
	}
	fclose(f);
	CHECK(n >= 12);
}

static void
test_missing_file(void)
{
	char err[CONFIG_ERR_MAX] = "";
	CHECK(config_load("configs/does-not-exist.conf", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "does-not-exist.conf: cannot open") != NULL);
}

static void
test_defaults(void)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cfg = config_parse("mem", "state_dir /s\nrealm a.nl\n", err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	CHECK_INT(cfg->nlistens, 4); /* auth and acct on every address */
	CHECK_INT(cfg->log_retention_days, 183);
	CHECK_INT(cfg->log_audit_retention_days, 730); /* an audit trail: two years */
	CHECK_INT(cfg->nclients, 0); /* default deny */
	CHECK_INT(cfg->firmware.confirm_timeout, 300);
	CHECK_INT(cfg->firmware.check_interval, 5);
	CHECK_INT(cfg->firmware.on_timeout, CONFIG_FW_REBOOT);
	CHECK_STR(cfg->firmware.flash, "");
	config_free(cfg);
	cfg = config_parse("mem",
			   "state_dir /s\nrealm a.nl\nfirmware {\n confirm_timeout 60\n"
			   " check_interval 2\n on_timeout exit\n flash /dev/mtd3\n"
			   " board qemu-virt\n chosen /c\n}\n",
			   err, sizeof(err));
	CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	CHECK_INT(cfg->firmware.confirm_timeout, 60);
	CHECK_INT(cfg->firmware.check_interval, 2);
	CHECK_INT(cfg->firmware.on_timeout, CONFIG_FW_EXIT);
	CHECK_STR(cfg->firmware.flash, "/dev/mtd3");
	CHECK_STR(cfg->firmware.board, "qemu-virt");
	CHECK_STR(cfg->firmware.chosen, "/c");
	config_free(cfg);
}

/* http listen '*' (what etc/poortd.conf.example says) and a bad BRIN code
 * reported at its own line, not at the saml block's */
static void
test_http_saml(void)
{
	char err[CONFIG_ERR_MAX] = "";
	const char *base = "state_dir /s\nrealm a.nl\n"
			   "http {\n listen * 8443\n certificate /c.pem\n key /k.pem\n}\n";
	char text[1024];
	struct config *cfg = config_parse("mem", base, err, sizeof(err));

	CHECK(cfg != NULL);
	if (cfg != NULL) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&cfg->http->addr;
		CHECK_INT(in6->sin6_family, AF_INET6);
		CHECK(memcmp(&in6->sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0);
		CHECK_INT(ntohs(in6->sin6_port), 8443);
		CHECK(strcmp(cfg->http->listen_text, ":::8443") == 0);
		config_free(cfg);
	}
	snprintf(text, sizeof(text),
		 "%ssaml {\n entity_id https://i.a.nl/md\n base_url https://i.a.nl\n"
		 " organization_id \"12AB0X\"\n}\n",
		 base);
	cfg = config_parse("mem", text, err, sizeof(err));
	CHECK(cfg == NULL);
	config_free(cfg);
	if (strstr(err, "mem:11: organization_id \"12AB0X\" is not a BRIN code") == NULL) {
		fprintf(stderr, "bad BRIN: got \"%s\"\n", err);
		CHECK(0);
	}
}

int
main(void)
{
	test_good();
	test_bad();
	test_missing_file();
	test_defaults();
	test_http_saml();
	TEST_DONE();
}
