/*
 * The last restore's status file (poort/backup_status.h): what the restore
 * job writes the web child reads back the same, mode 0644; each backup code
 * has a reason word; an admin name with other characters is made safe on
 * write and refused on read; bad files (not JSON, another format, unknown
 * words, a failure without a reason, numbers out of range, too large, every
 * prefix of a good one in an exact-size buffer) are BACKUP_STATUS_EFORMAT
 * and leave nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/backup.h"
#include "poort/backup_status.h"
#include "test.h"

static char dir[] = "/tmp/poort-bst-XXXXXX";

static void
put(const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" BACKUP_STATUS_FILE, dir);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void
test_round_trip(void)
{
	struct backup_status in = {.at = 1764553200, .made = 1764500000}, out;
	char err[256], path[300];
	struct stat sb;

	snprintf(in.by, sizeof(in.by), "boss");
	CHECK_INT(backup_status_write(dir, &in, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/" BACKUP_STATUS_FILE, dir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	CHECK_INT(backup_status_read(dir, &out), 0);
	CHECK(memcmp(&in, &out, sizeof(in)) == 0);
	CHECK_INT(out.reason, BACKUP_STATUS_OK);

	/* a failure: the reason word, no made time */
	in.reason = backup_status_reason(BACKUP_EIO);
	in.made = 0;
	CHECK_INT(backup_status_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(backup_status_read(dir, &out), 0);
	CHECK_INT(out.reason, BACKUP_STATUS_RIO);
	CHECK_INT(out.made, 0);
	CHECK_STR(out.by, "boss");

	/* a name with other characters (markup, a NUL-less long one) is made safe */
	snprintf(in.by, sizeof(in.by), "<b>x\"y z</b>");
	CHECK_INT(backup_status_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(backup_status_read(dir, &out), 0);
	CHECK_STR(out.by, "_b_x_y_z__b_");
	memset(in.by, 'a', BACKUP_STATUS_BY_MAX);
	in.by[BACKUP_STATUS_BY_MAX] = '\0';
	CHECK_INT(backup_status_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(backup_status_read(dir, &out), 0);
	CHECK_INT(strlen(out.by), BACKUP_STATUS_BY_MAX);

	/* every code has a word; unknown ones are "other" */
	CHECK_INT(backup_status_reason(0), BACKUP_STATUS_OK);
	CHECK_INT(backup_status_reason(BACKUP_EPASSPHRASE), BACKUP_STATUS_RPASS);
	CHECK_INT(backup_status_reason(BACKUP_ETRUNCATED), BACKUP_STATUS_RDAMAGED);
	CHECK_INT(backup_status_reason(BACKUP_EVERSION), BACKUP_STATUS_RVERSION);
	CHECK_INT(backup_status_reason(BACKUP_ECONTENT), BACKUP_STATUS_RCONTENT);
	CHECK_INT(backup_status_reason(BACKUP_ECRYPTO), BACKUP_STATUS_ROTHER);
	CHECK_INT(backup_status_reason(-1), BACKUP_STATUS_ROTHER);
	CHECK_STR(backup_status_reason_word(BACKUP_STATUS_RSTART), "start");
	CHECK_STR(backup_status_reason_word((enum backup_status_reason)99), "other");
}

static const char good[] = "{\"format\":1,\"at\":1764553200,\"result\":\"failed\","
                           "\"reason\":\"io\",\"made\":0,\"by\":\"boss\"}";

/* good with the first occurrence of from replaced by to */
static void
variant(char *out, size_t outlen, const char *from, const char *to)
{
	const char *at = strstr(good, from);

	if (at == NULL) {
		snprintf(out, outlen, "%s", good);
		return;
	}
	snprintf(out, outlen, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
}

static void
test_bad(void)
{
	static const struct {
		const char *from, *to;
	} bad[] = {
	    {"\"format\":1", "\"format\":2"},
	    {"\"result\":\"failed\"", "\"result\":\"maybe\""},
	    {"\"reason\":\"io\"", "\"reason\":\"disk on fire\""},
	    {"\"reason\":\"io\"", "\"reason\":\"\""},             /* failed without a reason */
	    {"\"result\":\"failed\"", "\"result\":\"restored\""}, /* restored with one */
	    {"\"at\":1764553200", "\"at\":-1"},
	    {"\"made\":0", "\"made\":-5"},
	    {"\"made\":0", "\"made\":\"0\""},
	    {"\"by\":\"boss\"", "\"by\":\"<script>\""},
	    {"\"by\":\"boss\"", "\"by\":\"/etc/passwd\""},
	    {"\"by\":\"boss\"", "\"by\":\"b\\u0000ss\""},
	    {"\"by\":\"boss\"",
	     "\"by\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""},
	    {",\"by\":\"boss\"", ""},
	    {"\"made\":0", "\"made\":0,\"made\":1"}, /* a duplicate key */
	};
	struct backup_status out;
	char text[2048];

	CHECK_INT(backup_status_parse(good, strlen(good), &out), 0);
	CHECK_INT(out.reason, BACKUP_STATUS_RIO);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		variant(text, sizeof(text), bad[i].from, bad[i].to);
		CHECK(strcmp(text, good) != 0);
		if (backup_status_parse(text, strlen(text), &out) != BACKUP_STATUS_EFORMAT) {
			fprintf(stderr, "accepted: %s\n", text);
			CHECK(0);
		}
		CHECK_INT(out.at, 0); /* nothing left behind */
		CHECK_STR(out.by, "");
	}
	CHECK_INT(backup_status_parse("", 0, &out), BACKUP_STATUS_EFORMAT);
	CHECK_INT(backup_status_parse("[]", 2, &out), BACKUP_STATUS_EFORMAT);
	/* every prefix, in a buffer of exactly its size (sanitizers see over-reads) */
	for (size_t n = 0; n < strlen(good); n++) {
		char *b = malloc(n + 1);
		if (b == NULL)
			break;
		memcpy(b, good, n);
		CHECK_INT(backup_status_parse(b, n, &out), BACKUP_STATUS_EFORMAT);
		free(b);
	}
	/* files: none, too large, a directory */
	char path[300];
	snprintf(path, sizeof(path), "%s/" BACKUP_STATUS_FILE, dir);
	unlink(path);
	CHECK_INT(backup_status_read(dir, &out), BACKUP_STATUS_ENOENT);
	{
		char *big = malloc(BACKUP_STATUS_MAX + 100);
		if (big != NULL) {
			memset(big, ' ', BACKUP_STATUS_MAX + 99);
			big[BACKUP_STATUS_MAX + 99] = '\0';
			memcpy(big, good, sizeof(good) - 1); /* valid JSON, then blanks */
			put(big);
			CHECK_INT(backup_status_read(dir, &out), BACKUP_STATUS_EFORMAT);
			free(big);
		}
	}
	put("not json");
	CHECK_INT(backup_status_read(dir, &out), BACKUP_STATUS_EFORMAT);
	put(good);
	CHECK_INT(backup_status_read(dir, &out), 0);
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(backup_status_read(dir, &out) < 0);
	rmdir(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_bad();
	rmdir(dir);
	TEST_DONE();
}
