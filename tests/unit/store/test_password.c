/* Password hashing: yescrypt round trip, NT hash vectors, generation. */
#include <stdlib.h>

#include "poort/password.h"
#include "poort/pwcache.h"
#include "test.h"

static void
test_nthash_vectors(void)
{
	FILE *f = fopen("vectors/nthash.txt", "r");
	char line[256];
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		uint8_t nt[16];
		char hex[33];
		char *bar;
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		bar = strchr(line, '|');
		*bar = '\0';
		CHECK_INT(password_nthash(line, strlen(line), nt), 0);
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", nt[i]);
		CHECK_STR(hex, bar + 1);
		n++;
	}
	fclose(f);
	CHECK_INT(n, 2);
}

static void
test_hash(void)
{
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
	uint8_t nt[16];

	CHECK_INT(password_hash("Correct horse", 1, h1), 0);
	CHECK_INT(password_hash("Correct horse", 1, h2), 0);
	CHECK(strncmp(h1, "$y$", 3) == 0);
	CHECK(strcmp(h1, h2) != 0); /* salted */
	CHECK_INT(password_verify("Correct horse", 13, h1), 1);
	CHECK_INT(password_verify("Correct horsf", 13, h1), 0);
	CHECK_INT(password_verify("Correct horse", 12, h1), 0);
	CHECK_INT(password_verify("Correct\0horse", 13, h1), 0); /* embedded NUL */
	CHECK_INT(password_verify("x", 1, "garbage"), PASSWORD_EHASH);
	CHECK_INT(password_hash("", 1, h1), PASSWORD_EINVAL);
	CHECK_INT(password_nthash("\xff\xfe", 2, nt), PASSWORD_EINVAL); /* not UTF-8 */
	CHECK_INT(password_nthash("\xc3\xa9t\xc3\xa9", 6, nt), 0);      /* "été" */
}

static void
test_generate(void)
{
	char a[13], b[13];
	CHECK_INT(password_generate(a, 12), 0);
	CHECK_INT(password_generate(b, 12), 0);
	CHECK_INT(strlen(a), 12);
	CHECK(strcmp(a, b) != 0);
	CHECK(strpbrk(a, "0O1lI") == NULL);
}

static void
test_pwcache(void)
{
	struct pwcache *c = pwcache_new(8, 60);
	time_t now = 1000;

	CHECK(c != NULL);
	CHECK_INT(pwcache_check(c, "anna", "$y$h1", "pw1", 3, now), 0);
	pwcache_put(c, "anna", "$y$h1", "pw1", 3, now);
	CHECK_INT(pwcache_check(c, "anna", "$y$h1", "pw1", 3, now), 1);
	CHECK_INT(pwcache_check(c, "anna", "$y$h1", "pw2", 3, now), 0);  /* wrong password */
	CHECK_INT(pwcache_check(c, "anna", "$y$h2", "pw1", 3, now), 0);  /* password changed */
	CHECK_INT(pwcache_check(c, "bob", "$y$h1", "pw1", 3, now), 0);   /* other user */
	CHECK_INT(pwcache_check(c, "anna", "$y$h1", "pw1", 3, now + 60), 0); /* expired */
	pwcache_forget(c, "anna", "$y$h1");
	CHECK_INT(pwcache_check(c, "anna", "$y$h1", "pw1", 3, now), 0);
	pwcache_free(c);
	CHECK(pwcache_new(0, 60) == NULL);

	/* one set of four: four users stay, a fifth replaces the oldest */
	c = pwcache_new(4, 60);
	const char *users[] = {"u1", "u2", "u3", "u4", "u5"};
	for (int i = 0; i < 4; i++)
		pwcache_put(c, users[i], "$y$h", "pw", 2, now + i);
	for (int i = 0; i < 4; i++)
		CHECK_INT(pwcache_check(c, users[i], "$y$h", "pw", 2, now + 4), 1);
	pwcache_put(c, "u5", "$y$h", "pw", 2, now + 5);
	CHECK_INT(pwcache_check(c, "u1", "$y$h", "pw", 2, now + 5), 0);
	for (int i = 1; i < 5; i++)
		CHECK_INT(pwcache_check(c, users[i], "$y$h", "pw", 2, now + 5), 1);
	pwcache_free(c);
}

int
main(void)
{
	test_nthash_vectors();
	test_hash();
	test_generate();
	test_pwcache();
	TEST_DONE();
}
