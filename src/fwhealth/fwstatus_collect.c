/*
 * The firmware status for the dashboard, collected by the parent (the only
 * process that may read the boot stage's flash) with the same firmware/core
 * code as `poortctl firmware status`, and written for the web child.
 */
#include "fwstatus_collect.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <poort/fw/err.h>

#include "poort/log.h"

static void
fwstatus_slot(struct fwl *f, const struct fw_state *st, int running, int i,
              struct fwstatus_slot *out)
{
	struct fwl_slot sc;

	memset(out, 0, sizeof(*out));
	if (fwl_slot_check(f, i, 0, &sc) < 0 || (sc.rc && sc.rc != FW_EROLLBACK)) {
		out->state = sc.empty ? FWSTATUS_EMPTY : FWSTATUS_INVALID;
		if (!sc.empty)
			snprintf(out->problem, sizeof(out->problem), "%s", fw_strerror(sc.rc));
	} else {
		out->state =
		    sc.hdr.rollback < st->min_rollback ? FWSTATUS_BELOW_FLOOR : FWSTATUS_VALID;
		snprintf(out->version, sizeof(out->version), "%u.%u.%u", sc.hdr.ver[0],
		         sc.hdr.ver[1], sc.hdr.ver[2]);
		out->rollback = sc.hdr.rollback;
	}
	out->confirmed = st->primary == i;
	out->trial = st->trial == i;
	out->running = running == i;
}

void
fwstatus_collect(const struct fwl_opts *o, struct fwstatus *s)
{
	struct fwl_running run;
	struct fw_state st;
	char err[512];
	struct fwl f;
	int rc;

	memset(s, 0, sizeof(*s));
	s->written = (int64_t)time(NULL);
	if (fwl_running_read(o->chosen, &run) != 0)
		return; /* not started by the Poort boot stage: a build host, a test */
	s->box = 1;
	s->running = run.slot != 0;
	s->on_trial = run.trial;
	snprintf(s->version, sizeof(s->version), "%s", run.version);
	snprintf(s->board, sizeof(s->board), "%s", run.board);
	if (fwl_open(&f, o, err, sizeof(err)) < 0) {
		snprintf(s->error, sizeof(s->error), "%.*s", (int)sizeof(s->error) - 1, err);
		return;
	}
	rc = fw_state_load(&f.b, &st);
	if (rc < 0) {
		snprintf(s->error, sizeof(s->error), "state record: %s", fw_strerror(rc));
		fwl_close(&f);
		return;
	}
	snprintf(s->board, sizeof(s->board), "%s", f.bl->name);
	/* the state record has the last word: a confirm since the boot ends the trial */
	s->on_trial = st.trial == run.slot;
	if (st.trial != FW_STATE_NO_SLOT) {
		s->trial_boots = st.trial_boots;
		s->attempts_left =
		    st.trial_boots < f.b.max_trial_boots ? f.b.max_trial_boots - st.trial_boots : 0;
	}
	s->rollback_floor = st.min_rollback;
	s->boots = st.boots;
	for (int i = 0; i < 2; i++)
		fwstatus_slot(&f, &st, run.slot, i, &s->slot[i]);
	fwl_close(&f);
}

void
fwstatus_publish(const struct fwl_opts *o, const char *state_dir)
{
	struct fwstatus s;
	char err[512];

	fwstatus_collect(o, &s);
	if (fwstatus_write(state_dir, &s, err, sizeof(err)) < 0)
		log_warning("firmware: status for the dashboard not written: %s", err);
}
