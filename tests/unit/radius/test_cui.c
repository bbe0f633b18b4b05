/* CUI pseudonyms: HMAC-SHA256 as RFC 2104 has it (checked against Python's
 * hmac), case-insensitive, per operator. */
#include <string.h>

#include "cui.h"
#include "test.h"

int
main(void)
{
	uint8_t key[CUI_KEY_LEN];
	char a[CUI_TEXT_LEN + 1], b[CUI_TEXT_LEN + 1];
	struct cui_key *k;

	for (int i = 0; i < CUI_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	k = cui_keyed(key);
	CHECK(k != NULL);
	if (k == NULL)
		TEST_DONE();
	/* hmac.new(bytes(range(32)), b"anna@school.example\0" b"1visited.example", sha256) */
	cui_make(k, "Anna@School.Example", "1visited.example", a);
	CHECK_STR(a, "4c9bf828e173ecf0b5eb37cbccbf4541e1969659");
	cui_make(k, "anna@school.example", "1VISITED.example", b);
	CHECK_STR(a, b);
	cui_make(k, "anna@school.example", "1other.example", b);
	CHECK(strcmp(a, b) != 0);
	cui_key_free(k);
	TEST_DONE();
}
