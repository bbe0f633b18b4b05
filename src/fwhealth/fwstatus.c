/* The firmware status file (see poort/fwstatus.h): JSON through libjansson. */
#include "poort/fwstatus.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/statusfile.h"

static const char *const fwstatus_words[] = {"empty", "valid", "below-floor", "invalid"};

const char *
fwstatus_slot_word(enum fwstatus_slot_state st)
{
	return (unsigned)st < sizeof(fwstatus_words) / sizeof(fwstatus_words[0])
	           ? fwstatus_words[st]
	           : "invalid";
}

static json_t *
fwstatus_json(const struct fwstatus *s)
{
	json_t *o = json_pack("{s:i, s:I, s:b}", "format", 1, "written", (json_int_t)s->written,
	                      "box", s->box != 0);
	json_t *slots;

	if (o == NULL || !s->box)
		return o;
	slots = json_array();
	for (int i = 0; slots != NULL && i < 2 && s->error[0] == '\0'; i++) {
		const struct fwstatus_slot *sl = &s->slot[i];
		json_array_append_new(
		    slots, json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:s}", "slot",
		                     i == 0 ? "A" : "B", "state", fwstatus_slot_word(sl->state),
		                     "version", sl->version, "rollback", (json_int_t)sl->rollback,
		                     "confirmed", sl->confirmed != 0, "trial", sl->trial != 0,
		                     "running", sl->running != 0, "problem", sl->problem));
	}
	if (slots == NULL ||
	    json_object_update_new(
	        o,
	        json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "board", s->board,
	                  "error", s->error, "running", s->running ? "B" : "A", "version",
	                  s->version, "on_trial", s->on_trial != 0, "trial_boots",
	                  (json_int_t)s->trial_boots, "attempts_left", (json_int_t)s->attempts_left,
	                  "rollback_floor", (json_int_t)s->rollback_floor, "boots",
	                  (json_int_t)s->boots, "slots", slots)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
fwstatus_write(const char *dir, const struct fwstatus *s, char *err, size_t errlen)
{
	json_t *o = fwstatus_json(s);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return statusfile_write(dir, FWSTATUS_FILE, text, err, errlen) < 0 ? FWSTATUS_EIO : 0;
}

static int
fwstatus_u32(json_int_t v, unsigned *out)
{
	if (v < 0 || v > (json_int_t)UINT32_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
fwstatus_word(const char *w)
{
	for (size_t i = 0; i < sizeof(fwstatus_words) / sizeof(fwstatus_words[0]); i++)
		if (strcmp(w, fwstatus_words[i]) == 0)
			return (int)i;
	return -1;
}

static int
fwstatus_parse_slot(json_t *j, int i, struct fwstatus_slot *sl)
{
	const char *slot, *state, *version, *problem;
	int confirmed, trial, running, word;
	json_int_t rollback;
	unsigned rb;

	if (json_unpack(j, "{s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:s}", "slot", &slot, "state",
	                &state, "version", &version, "rollback", &rollback, "confirmed", &confirmed,
	                "trial", &trial, "running", &running, "problem", &problem) < 0 ||
	    strcmp(slot, i == 0 ? "A" : "B") != 0 || (word = fwstatus_word(state)) < 0 ||
	    fwstatus_u32(rollback, &rb) < 0)
		return -1;
	sl->state = (enum fwstatus_slot_state)word;
	snprintf(sl->version, sizeof(sl->version), "%s", version);
	snprintf(sl->problem, sizeof(sl->problem), "%s", problem);
	sl->rollback = rb;
	sl->confirmed = confirmed;
	sl->trial = trial;
	sl->running = running;
	return 0;
}

int
fwstatus_parse(const char *text, size_t len, struct fwstatus *s)
{
	const char *board, *error, *running, *version;
	json_int_t written, tb, al, floor, boots;
	json_t *root, *slots;
	int format, box, on_trial, rc = FWSTATUS_EFORMAT;

	memset(s, 0, sizeof(*s));
	if (len > FWSTATUS_MAX)
		return FWSTATUS_EFORMAT;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		return FWSTATUS_EFORMAT;
	if (json_unpack(root, "{s:i, s:I, s:b}", "format", &format, "written", &written, "box",
	                &box) < 0 ||
	    format != 1 || written < 0)
		goto done;
	s->written = (int64_t)written;
	s->box = box;
	if (!box) {
		rc = 0;
		goto done;
	}
	if (json_unpack(root, "{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "board", &board,
	                "error", &error, "running", &running, "version", &version, "on_trial",
	                &on_trial, "trial_boots", &tb, "attempts_left", &al, "rollback_floor",
	                &floor, "boots", &boots, "slots", &slots) < 0 ||
	    (strcmp(running, "A") != 0 && strcmp(running, "B") != 0) ||
	    fwstatus_u32(tb, &s->trial_boots) < 0 || fwstatus_u32(al, &s->attempts_left) < 0 ||
	    fwstatus_u32(floor, &s->rollback_floor) < 0 || fwstatus_u32(boots, &s->boots) < 0 ||
	    !json_is_array(slots))
		goto done;
	snprintf(s->board, sizeof(s->board), "%s", board);
	snprintf(s->error, sizeof(s->error), "%s", error);
	snprintf(s->version, sizeof(s->version), "%s", version);
	s->running = strcmp(running, "B") == 0;
	s->on_trial = on_trial;
	/* the flash could not be read: no slots to show; else exactly two */
	if (json_array_size(slots) != (s->error[0] != '\0' ? 0u : 2u))
		goto done;
	for (size_t i = 0; i < json_array_size(slots); i++)
		if (fwstatus_parse_slot(json_array_get(slots, i), (int)i, &s->slot[i]) < 0)
			goto done;
	rc = 0;
done:
	json_decref(root);
	if (rc < 0)
		memset(s, 0, sizeof(*s));
	return rc;
}

int
fwstatus_read(const char *dir, struct fwstatus *s)
{
	char buf[FWSTATUS_MAX + 1];
	size_t got;
	int rc = statusfile_read(dir, FWSTATUS_FILE, buf, sizeof(buf), &got);

	memset(s, 0, sizeof(*s));
	if (rc == STATUSFILE_ENOENT)
		return FWSTATUS_ENOENT;
	if (rc == STATUSFILE_EFORMAT)
		return FWSTATUS_EFORMAT;
	if (rc < 0)
		return FWSTATUS_EIO;
	return fwstatus_parse(buf, got, s);
}
