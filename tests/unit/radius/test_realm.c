/* eduroam realm rules: vectors in vectors/realms.txt, plus control bytes. */
#include <stdlib.h>

#include "poort/config.h"
#include "poort/realm.h"
#include "test.h"

static const char *const verdicts[] = {"local", "foreign", "malformed"};

int
main(void)
{
	char err[CONFIG_ERR_MAX], line[512];
	struct config *cfg = config_parse(
		"mem", "state_dir /s\nrealm school.example\nrealm second.example\n", err, sizeof(err));
	struct realm_result r;
	FILE *f = fopen("vectors/realms.txt", "r");
	int n = 0;

	CHECK(cfg != NULL && f != NULL);
	if (cfg == NULL || f == NULL)
		TEST_DONE();
	while (fgets(line, sizeof(line), f) != NULL) {
		char *name = line, *verdict, *reason;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		verdict = strchr(name, '|');
		*verdict++ = '\0';
		reason = strchr(verdict, '|');
		*reason++ = '\0';
		realm_classify(cfg, name, strlen(name), &r);
		if (strcmp(verdicts[r.verdict], verdict) != 0 ||
		    (r.verdict == REALM_MALFORMED && strcmp(r.reason, reason) != 0)) {
			fprintf(stderr, "\"%s\": got %s/%s, want %s/%s\n", name, verdicts[r.verdict],
				r.reason ? r.reason : "-", verdict, reason);
			CHECK(0);
		} else {
			CHECK(1);
		}
		CHECK(r.verdict != REALM_MALFORMED || (r.message != NULL && r.message[0] != '\0'));
		n++;
	}
	fclose(f);
	CHECK(n >= 18);

	/* bytes a text file cannot carry well */
	realm_classify(cfg, "anna\0@school.example", 20, &r);
	CHECK_INT(r.verdict, REALM_MALFORMED);
	realm_classify(cfg, "anna@school.exa\tmple", 20, &r);
	CHECK_STR(r.reason, "space-or-control-character");
	realm_classify(cfg, "visitor@uni.example", 19, &r);
	CHECK_INT(r.realmlen, 11);
	CHECK(strncmp(r.realm, "uni.example", 11) == 0);
	config_free(cfg);
	TEST_DONE();
}
