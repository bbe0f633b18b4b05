/* The last restore's outcome (see poort/backup_status.h): JSON through libjansson. */
#include "poort/backup_status.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/backup.h"
#include "poort/statusfile.h"

static const char *const bst_words[BACKUP_STATUS_NREASONS] = {
    [BACKUP_STATUS_OK] = "",
    [BACKUP_STATUS_RIO] = "io",
    [BACKUP_STATUS_RPASS] = "passphrase",
    [BACKUP_STATUS_RDAMAGED] = "damaged",
    [BACKUP_STATUS_RVERSION] = "version",
    [BACKUP_STATUS_RCONTENT] = "content",
    [BACKUP_STATUS_RSTART] = "start",
    [BACKUP_STATUS_ROTHER] = "other",
};

enum backup_status_reason
backup_status_reason(int code)
{
	switch (code) {
	case 0:
		return BACKUP_STATUS_OK;
	case BACKUP_EIO:
	case BACKUP_ETARGET:
	case BACKUP_ESTORE:
		return BACKUP_STATUS_RIO;
	case BACKUP_EPASSPHRASE:
		return BACKUP_STATUS_RPASS;
	case BACKUP_EFORMAT:
	case BACKUP_EDAMAGED:
	case BACKUP_ETRUNCATED:
		return BACKUP_STATUS_RDAMAGED;
	case BACKUP_EVERSION:
		return BACKUP_STATUS_RVERSION;
	case BACKUP_ECONTENT:
		return BACKUP_STATUS_RCONTENT;
	default:
		return BACKUP_STATUS_ROTHER;
	}
}

const char *
backup_status_reason_word(enum backup_status_reason r)
{
	return (unsigned)r < BACKUP_STATUS_NREASONS ? bst_words[r] : "other";
}

static int
bst_by_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
}

void
backup_status_by(char out[BACKUP_STATUS_BY_MAX + 1], const char *name)
{
	size_t i;

	for (i = 0; name != NULL && name[i] != '\0' && i < BACKUP_STATUS_BY_MAX; i++)
		out[i] = bst_by_char(name[i]) ? name[i] : '_';
	out[i] = '\0';
}

int
backup_status_write(const char *dir, const struct backup_status *s, char *err, size_t errlen)
{
	char by[BACKUP_STATUS_BY_MAX + 1];
	json_t *o;
	char *text;

	backup_status_by(by, s->by);
	o = json_pack("{s:i, s:I, s:s, s:s, s:I, s:s}", "format", 1, "at", (json_int_t)s->at,
	              "result", s->reason == BACKUP_STATUS_OK ? "restored" : "failed", "reason",
	              backup_status_reason_word(s->reason), "made",
	              (json_int_t)(s->made > 0 ? s->made : 0), "by", by);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return statusfile_write(dir, BACKUP_STATUS_FILE, text, err, errlen) < 0 ? BACKUP_STATUS_EIO
										  : 0;
}

int
backup_status_parse(const char *text, size_t len, struct backup_status *s)
{
	const char *result, *reason, *by;
	json_int_t at, made;
	json_t *root;
	int format, ok, rc = BACKUP_STATUS_EFORMAT;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (len > BACKUP_STATUS_MAX)
		return BACKUP_STATUS_EFORMAT;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		return BACKUP_STATUS_EFORMAT;
	if (json_unpack(root, "{s:i, s:I, s:s, s:s, s:I, s:s}", "format", &format, "at", &at,
	                "result", &result, "reason", &reason, "made", &made, "by", &by) < 0 ||
	    format != 1 || at < 0 || made < 0 || strlen(by) > BACKUP_STATUS_BY_MAX)
		goto done;
	if (strcmp(result, "restored") == 0)
		ok = 1;
	else if (strcmp(result, "failed") == 0)
		ok = 0;
	else
		goto done;
	for (i = 0; i < BACKUP_STATUS_NREASONS; i++)
		if (strcmp(reason, bst_words[i]) == 0)
			break;
	/* restored has no reason; failed has one */
	if (i == BACKUP_STATUS_NREASONS || (i == BACKUP_STATUS_OK) != ok)
		goto done;
	for (const char *c = by; *c != '\0'; c++)
		if (!bst_by_char(*c))
			goto done;
	s->at = (int64_t)at;
	s->made = (int64_t)made;
	s->reason = (enum backup_status_reason)i;
	memcpy(s->by, by, strlen(by) + 1);
	rc = 0;
done:
	json_decref(root);
	if (rc < 0)
		memset(s, 0, sizeof(*s));
	return rc;
}

int
backup_status_read(const char *dir, struct backup_status *s)
{
	char buf[BACKUP_STATUS_MAX + 1];
	size_t got;
	int rc = statusfile_read(dir, BACKUP_STATUS_FILE, buf, sizeof(buf), &got);

	memset(s, 0, sizeof(*s));
	if (rc == STATUSFILE_ENOENT)
		return BACKUP_STATUS_ENOENT;
	if (rc == STATUSFILE_EFORMAT)
		return BACKUP_STATUS_EFORMAT;
	if (rc < 0)
		return BACKUP_STATUS_EIO;
	return backup_status_parse(buf, got, s);
}
