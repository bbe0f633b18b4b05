/*
 * The firmware status file (poort/fwstatus.h): what the parent writes the
 * web child reads back the same; a host that is not a box; a flash that
 * could not be read; the file is 0644 (another user reads it); bad files
 * (not JSON, another format, unknown words, numbers out of range, a third
 * slot, too large, every prefix of a good one in an exact-size buffer)
 * are FWSTATUS_EFORMAT and leave nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/fwstatus.h"
#include "test.h"

static char dir[] = "/tmp/poort-fwst-XXXXXX";

static void
put(const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" FWSTATUS_FILE, dir);
	f = fopen(path, "w");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void
box_status(struct fwstatus *s)
{
	memset(s, 0, sizeof(*s));
	s->written = 1764553200;
	s->box = 1;
	snprintf(s->board, sizeof(s->board), "qemu-virt");
	s->running = 1;
	snprintf(s->version, sizeof(s->version), "2.0.0");
	s->on_trial = 1;
	s->trial_boots = 1;
	s->attempts_left = 2;
	s->rollback_floor = 1;
	s->boots = 9;
	s->slot[0] = (struct fwstatus_slot){.state = FWSTATUS_VALID, .rollback = 1, .confirmed = 1};
	snprintf(s->slot[0].version, sizeof(s->slot[0].version), "1.0.0");
	s->slot[1] = (struct fwstatus_slot){
	    .state = FWSTATUS_VALID, .rollback = 2, .trial = 1, .running = 1};
	snprintf(s->slot[1].version, sizeof(s->slot[1].version), "2.0.0");
}

static void
test_round_trip(void)
{
	struct fwstatus in, out;
	char err[256], path[300];
	struct stat sb;

	box_status(&in);
	CHECK_INT(fwstatus_write(dir, &in, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/" FWSTATUS_FILE, dir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	CHECK_INT(fwstatus_read(dir, &out), 0);
	CHECK(memcmp(&in, &out, sizeof(in)) == 0);
	CHECK_INT(out.running, 1);
	CHECK_STR(out.slot[1].version, "2.0.0");
	CHECK_INT(out.slot[1].trial, 1);
	CHECK_INT(out.slot[0].confirmed, 1);

	/* a slot that does not verify, one below the floor, one erased */
	in.slot[0].state = FWSTATUS_BELOW_FLOOR;
	in.slot[1] = (struct fwstatus_slot){.state = FWSTATUS_INVALID};
	snprintf(in.slot[1].problem, sizeof(in.slot[1].problem), "signature does not verify");
	CHECK_INT(fwstatus_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(fwstatus_read(dir, &out), 0);
	CHECK(memcmp(&in, &out, sizeof(in)) == 0);
	in.slot[1] = (struct fwstatus_slot){.state = FWSTATUS_EMPTY};
	CHECK_INT(fwstatus_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(fwstatus_read(dir, &out), 0);
	CHECK_INT(out.slot[1].state, FWSTATUS_EMPTY);

	/* the flash could not be read: the error, no slots */
	box_status(&in);
	memset(in.slot, 0, sizeof(in.slot));
	snprintf(in.error, sizeof(in.error), "/dev/mtd2: No such file or directory");
	CHECK_INT(fwstatus_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(fwstatus_read(dir, &out), 0);
	CHECK(memcmp(&in, &out, sizeof(in)) == 0);

	/* a build host: box false and nothing else */
	memset(&in, 0, sizeof(in));
	in.written = 1764553201;
	CHECK_INT(fwstatus_write(dir, &in, err, sizeof(err)), 0);
	CHECK_INT(fwstatus_read(dir, &out), 0);
	CHECK_INT(out.box, 0);
	CHECK_INT(out.written, 1764553201);
}

static const char good[] =
    "{\"format\":1,\"written\":5,\"box\":true,\"board\":\"qemu-virt\",\"error\":\"\","
    "\"running\":\"A\",\"version\":\"1.0.0\",\"on_trial\":false,\"trial_boots\":0,"
    "\"attempts_left\":0,\"rollback_floor\":1,\"boots\":3,\"slots\":["
    "{\"slot\":\"A\",\"state\":\"valid\",\"version\":\"1.0.0\",\"rollback\":1,"
    "\"confirmed\":true,\"trial\":false,\"running\":true,\"problem\":\"\"},"
    "{\"slot\":\"B\",\"state\":\"empty\",\"version\":\"\",\"rollback\":0,"
    "\"confirmed\":false,\"trial\":false,\"running\":false,\"problem\":\"\"}]}";

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
	    {"\"running\":\"A\"", "\"running\":\"C\""},
	    {"\"state\":\"valid\"", "\"state\":\"bricked\""},
	    {"\"rollback_floor\":1", "\"rollback_floor\":-1"},
	    {"\"boots\":3", "\"boots\":4294967296"},
	    {"\"slot\":\"A\"", "\"slot\":\"B\""},
	    {"\"box\":true", "\"box\":1"},
	    {"\"written\":5", "\"written\":\"5\""},
	    {"\"board\":\"qemu-virt\",", ""},
	    {"\"problem\":\"\"}]}", "\"problem\":\"\"},{}]}"},
	    {"\"error\":\"\"", "\"error\":\"flash gone\""}, /* an error with slots */
	    {"\"boots\":3", "\"boots\":3,\"boots\":4"},     /* a duplicate key */
	};
	struct fwstatus out;
	char text[2048];

	CHECK_INT(fwstatus_parse(good, strlen(good), &out), 0);
	CHECK_STR(out.slot[0].version, "1.0.0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		variant(text, sizeof(text), bad[i].from, bad[i].to);
		CHECK(strcmp(text, good) != 0);
		if (fwstatus_parse(text, strlen(text), &out) != FWSTATUS_EFORMAT) {
			fprintf(stderr, "accepted: %s\n", text);
			CHECK(0);
		}
		CHECK_INT(out.box, 0); /* nothing left behind */
	}
	CHECK_INT(fwstatus_parse("", 0, &out), FWSTATUS_EFORMAT);
	CHECK_INT(fwstatus_parse("[]", 2, &out), FWSTATUS_EFORMAT);
	CHECK_INT(fwstatus_parse("{\"format\":1}", 12, &out), FWSTATUS_EFORMAT);
	/* long strings are cut, never overrun */
	variant(text, sizeof(text), "\"version\":\"1.0.0\"",
	        "\"version\":\"1.0.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
	CHECK_INT(fwstatus_parse(text, strlen(text), &out), 0);
	CHECK_INT(strlen(out.version), sizeof(out.version) - 1);
	/* every prefix, in a buffer of exactly its size (sanitizers see over-reads) */
	for (size_t n = 0; n < strlen(good); n++) {
		char *b = malloc(n + 1);
		if (b == NULL)
			break;
		memcpy(b, good, n);
		CHECK_INT(fwstatus_parse(b, n, &out), FWSTATUS_EFORMAT);
		free(b);
	}
	/* files: none, too large, a directory */
	char path[300];
	snprintf(path, sizeof(path), "%s/" FWSTATUS_FILE, dir);
	unlink(path);
	CHECK_INT(fwstatus_read(dir, &out), FWSTATUS_ENOENT);
	{
		char *big = malloc(FWSTATUS_MAX + 100);
		if (big != NULL) {
			memset(big, ' ', FWSTATUS_MAX + 99);
			big[FWSTATUS_MAX + 99] = '\0';
			static const char head[] = "{\"format\":1,\"written\":5,\"box\":false}";
			memcpy(big, head, sizeof(head) - 1); /* valid JSON, then blanks */
			put(big);
			CHECK_INT(fwstatus_read(dir, &out), FWSTATUS_EFORMAT);
			free(big);
		}
	}
	put("not json");
	CHECK_INT(fwstatus_read(dir, &out), FWSTATUS_EFORMAT);
	put(good);
	CHECK_INT(fwstatus_read(dir, &out), 0);
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(fwstatus_read(dir, &out) < 0);
	rmdir(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_round_trip();
	test_bad();
	rmdir(dir);
	TEST_DONE();
}
