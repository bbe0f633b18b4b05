/*
 * Backup and restore (poort/backup.h): entry names, the payload parser in
 * any split, and write/restore round trips on a state directory with a
 * subdirectory and a file spanning several chunks: the same bytes and
 * modes come back; a cut at a chunk boundary, inside a chunk and inside
 * the header, a flipped byte anywhere sampled, a newer version and a
 * wrong passphrase each leave the target absent and no staging behind;
 * --replace moves a used state directory aside.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/backup.h"
#include "poort/store.h"
#include "test.h"

static char dir[] = "/tmp/poort-backup-XXXXXX";
static const char pass[] = "unit-test-passphrase";

static void
put(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0 && write(fd, data, n) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

static size_t
get(const char *path, unsigned char **out)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);
	size_t n = 0;

	*out = NULL;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	*out = malloc((size_t)sb.st_size + 1);
	if (*out != NULL && read(fd, *out, (size_t)sb.st_size) == sb.st_size)
		n = (size_t)sb.st_size;
	close(fd);
	return n;
}

static int
same_file(const char *a, const char *b)
{
	unsigned char *da, *db;
	size_t na = get(a, &da), nb = get(b, &db);
	int same = da != NULL && db != NULL && na == nb && memcmp(da, db, na) == 0;
	free(da);
	free(db);
	return same;
}

static int
mode_of(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

/* 1 if no entry of dir contains ".restore-" */
static int
no_staging(const char *d)
{
	struct dirent *e;
	DIR *dp = opendir(d);
	int ok = 1;

	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL)
		if (strstr(e->d_name, ".restore-") != NULL)
			ok = 0;
	closedir(dp);
	return ok;
}

static void
test_names(void)
{
	CHECK(backup_name_valid("config"));
	CHECK(backup_name_valid("state/cui.key"));
	CHECK(backup_name_valid("state/onboard/ca.pem"));
	CHECK(!backup_name_valid("state/../etc/passwd"));
	CHECK(!backup_name_valid("state/./x"));
	CHECK(!backup_name_valid("state//x"));
	CHECK(!backup_name_valid("state/"));
	CHECK(!backup_name_valid("state/x/"));
	CHECK(!backup_name_valid("/etc/passwd"));
	CHECK(!backup_name_valid("state/a\nb"));
	CHECK(!backup_name_valid("config2"));
	CHECK(!backup_name_valid(""));
}

static int
sink_entry(void *arg, const struct backup_entry *e)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

static int
sink_data(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

static int
sink_end(void *arg)
{
	(void)arg;
	return 0;
}

static void
test_parser(void)
{
	static const uint8_t ok[] = {'D', 0, 8,   's', 't', 'a', 't', 'e', '/', 'a', 'b', 1, 0xc0,
				     'F', 0, 6,   'c', 'o', 'n', 'f', 'i', 'g', 1,   0x80, 0, 0,
				     0,   0, 0,   0,   0,   3,   'x', 'y', 'z', 'E', 0,   0,   0, 2};
	struct backup_sink sink = {sink_entry, sink_data, sink_end, NULL};
	struct backup_parser bp;
	uint8_t buf[sizeof(ok) + 1];
	int n;

	/* every split point, one byte at a time and whole */
	for (size_t step = 1; step <= sizeof(ok); step++) {
		n = 0;
		sink.arg = &n;
		backup_parser_init(&bp, &sink);
		for (size_t i = 0; i < sizeof(ok); i += step)
			CHECK_INT(backup_parser_feed(&bp, ok + i,
						     i + step <= sizeof(ok) ? step : sizeof(ok) - i),
				  0);
		CHECK_INT(backup_parser_finish(&bp), 0);
		CHECK_INT(n, 2);
	}
	/* a byte after the end; a wrong count; a prefix */
	memcpy(buf, ok, sizeof(ok));
	buf[sizeof(ok)] = 'E';
	backup_parser_init(&bp, &sink);
	CHECK_INT(backup_parser_feed(&bp, buf, sizeof(buf)), BACKUP_ECONTENT);
	buf[sizeof(ok) - 1] = 3;
	backup_parser_init(&bp, &sink);
	CHECK_INT(backup_parser_feed(&bp, buf, sizeof(ok)), BACKUP_ECONTENT);
	backup_parser_init(&bp, &sink);
	CHECK_INT(backup_parser_feed(&bp, ok, sizeof(ok) - 1), 0);
	CHECK_INT(backup_parser_finish(&bp), BACKUP_ECONTENT);
}

static int
restore_rc(const char *file, const char *target, const char *pw)
{
	struct backup_target t = {.state_dir = target};
	struct backup_error e;
	int rc = backup_restore(file, &t, pw, strlen(pw), &e);
	CHECK(rc == e.code);
	return rc;
}

/* backup_verify_fd gives the code a restore would, and writes nothing. */
static int
verify_rc(const char *file, const char *pw, struct backup_info *info)
{
	struct backup_error e;
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc;

	CHECK(fd >= 0);
	rc = backup_verify_fd(fd, pw, strlen(pw), info, &e);
	CHECK(rc == e.code);
	close(fd);
	CHECK(no_staging(dir));
	return rc;
}

static void
test_round_trip(void)
{
	char state[300], conf[300], file[300], bad[300], target[300], p1[400], p2[400];
	char err[256];
	static unsigned char big[200000];
	struct backup_source src = {.scrypt_log2n = 14};
	struct backup_error e;
	struct store *st;
	unsigned char *raw;
	size_t n;

	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/poortd.conf", dir);
	snprintf(file, sizeof(file), "%s/box.bak", dir);
	snprintf(bad, sizeof(bad), "%s/bad.bak", dir);
	snprintf(target, sizeof(target), "%s/restored", dir);
	CHECK(mkdir(state, 0700) == 0);
	snprintf(p1, sizeof(p1), "%s/poort.db", state);
	st = store_open(p1, err, sizeof(err));
	CHECK(st != NULL);
	store_close(st);
	put(conf, "realm \"school.example\"\n", 23, 0640);
	snprintf(p1, sizeof(p1), "%s/cui.key", state);
	put(p1, "0123456789abcdef0123456789abcdef", 32, 0600);
	snprintf(p1, sizeof(p1), "%s/onboard", state);
	CHECK(mkdir(p1, 0700) == 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + i / 251);
	snprintf(p1, sizeof(p1), "%s/onboard/big.crl", state);
	put(p1, big, sizeof(big), 0644);
	src.config_path = conf;
	src.state_dir = state;

	CHECK_INT(backup_write(&src, file, "short", 5, &e), BACKUP_EPASSWEAK);
	CHECK_INT(backup_write(&src, file, pass, strlen(pass), &e), 0);
	CHECK_INT(mode_of(file), 0600);
	n = get(file, &raw);
	CHECK(n > 200000 + 72);
	if (raw == NULL)
		return;

	/* damage: each leaves the target absent and no staging */
	{
		static const struct {
			size_t len; /* 0: whole file */
			size_t flip; /* byte to flip, or (size_t)-1 */
			int want;
		} cases[] = {
			{30, (size_t)-1, BACKUP_ETRUNCATED},      /* inside the header */
			{72, (size_t)-1, BACKUP_ETRUNCATED},      /* the header alone */
			{72 + 65536 + 16, (size_t)-1, BACKUP_ETRUNCATED}, /* at a chunk boundary */
			{72 + 65536 + 16 + 100, (size_t)-1, BACKUP_EDAMAGED}, /* inside a chunk */
			{0, 3, BACKUP_EFORMAT},     /* magic */
			{0, 9, BACKUP_EVERSION},    /* version 1 ^ 3 = 2: newer */
			{0, 20, BACKUP_EPASSPHRASE}, /* salt */
			{0, 50, BACKUP_EPASSPHRASE}, /* the check */
			{0, 72 + 10, BACKUP_EDAMAGED},
			{0, 72 + 65536 + 16 + 5, BACKUP_EDAMAGED},
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			size_t len = cases[i].len ? cases[i].len : n;
			unsigned char *c = malloc(len);
			if (c == NULL)
				continue;
			memcpy(c, raw, len);
			if (cases[i].flip != (size_t)-1)
				c[cases[i].flip] ^= cases[i].flip == 9 ? 0x03 : 0x01;
			put(bad, c, len, 0600);
			free(c);
			CHECK_INT(verify_rc(bad, pass, NULL), cases[i].want);
			CHECK_INT(restore_rc(bad, target, pass), cases[i].want);
			CHECK(access(target, F_OK) != 0);
			CHECK(no_staging(dir));
		}
		/* the last byte of the file (the final tag) */
		raw[n - 1] ^= 0x40;
		put(bad, raw, n, 0600);
		raw[n - 1] ^= 0x40;
		CHECK_INT(restore_rc(bad, target, pass), BACKUP_EDAMAGED);
		CHECK_INT(restore_rc(file, target, "not the passphrase"), BACKUP_EPASSPHRASE);
		CHECK_INT(verify_rc(bad, pass, NULL), BACKUP_EDAMAGED);
		CHECK_INT(verify_rc(file, "not the passphrase", NULL), BACKUP_EPASSPHRASE);
		CHECK(access(target, F_OK) != 0 && no_staging(dir));
	}

	/* verified: what it holds (config, store, cui.key, onboard/, big.crl), nothing written */
	{
		struct backup_info info;
		CHECK_INT(verify_rc(file, pass, &info), 0);
		CHECK_INT(info.entries, 5);
		CHECK(info.bytes > sizeof(big) + 32);
		CHECK_INT(info.has_config, 1);
		CHECK(access(target, F_OK) != 0);
	}
	/* the restore: same bytes and modes */
	CHECK_INT(restore_rc(file, target, pass), 0);
	snprintf(p1, sizeof(p1), "%s/cui.key", state);
	snprintf(p2, sizeof(p2), "%s/cui.key", target);
	CHECK(same_file(p1, p2));
	CHECK_INT(mode_of(p2), 0600);
	snprintf(p1, sizeof(p1), "%s/onboard/big.crl", state);
	snprintf(p2, sizeof(p2), "%s/onboard/big.crl", target);
	CHECK(same_file(p1, p2));
	CHECK_INT(mode_of(p2), 0640);
	snprintf(p2, sizeof(p2), "%s/poort.db", target);
	CHECK_INT(mode_of(p2), 0600);
	st = store_open(p2, err, sizeof(err));
	CHECK(st != NULL);
	store_close(st);
	CHECK(no_staging(dir));
	/* a used target: refused, then moved aside with replace */
	CHECK_INT(restore_rc(file, target, pass), BACKUP_ETARGET);
	{
		struct backup_target t = {.state_dir = target, .replace = 1, .config_path = conf};
		snprintf(p1, sizeof(p1), "%s/cui.key", target);
		put(p1, "changed-changed-changed-changed-", 32, 0600);
		CHECK_INT(backup_restore(file, &t, pass, strlen(pass), &e), 0);
		snprintf(p2, sizeof(p2), "%s/cui.key", state);
		CHECK(same_file(p1, p2));
		CHECK_INT(mode_of(conf), 0600);
	}
	free(raw);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_names();
	test_parser();
	test_round_trip();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	TEST_DONE();
}
