/* The CSV reader: separators, quotes, BOM, line numbers, malformed lines. */
#include "csv.h"
#include "test.h"

int
main(void)
{
	static const char text[] = "\xef\xbb\xbfusername;given;surname;nr;aff;pw\r\n"
				   "anna;Anna;\"de Vries; jr\";123;student;generate\r\n"
				   "\r\n"
				   "bob;\"Bo \"\"B\"\"\";X;;staff;secret12\n"
				   "bad;\"unclosed;x\n";
	struct csv_reader r;
	struct csv_record rec;
	char err[200];

	csv_init(&r, text, sizeof(text) - 1);
	CHECK_INT(r.sep, ';');
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_STR(rec.field[0], "username"); /* the BOM is gone */
	CHECK_INT(rec.nfields, 6);
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_INT(r.line, 2);
	CHECK_STR(rec.field[2], "de Vries; jr");
	CHECK_STR(rec.field[5], "generate");
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_INT(r.line, 4); /* blank line skipped, counted */
	CHECK_STR(rec.field[1], "Bo \"B\"");
	CHECK_STR(rec.field[3], "");
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), -1);
	CHECK_INT(r.line, 5);
	CHECK(strstr(err, "not closed") != NULL);
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), 0);

	csv_init(&r, "a,b\nc,\"d\"x\n", 12);
	CHECK_INT(r.sep, ',');
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), 1);
	CHECK_INT(csv_next(&r, &rec, err, sizeof(err)), -1);
	CHECK(strstr(err, "after the closing quote") != NULL);
	TEST_DONE();
}
