/* Internal to src/fwhealth: the parent's writer of the firmware status
 * file (poort/fwstatus.h). */
#ifndef POORT_FWSTATUS_COLLECT_H
#define POORT_FWSTATUS_COLLECT_H

#include "fw_linux.h"
#include "poort/fwstatus.h"

/* What o's /chosen and flash say (box 0 without poort,slot in /chosen). */
void fwstatus_collect(const struct fwl_opts *o, struct fwstatus *s);
/* fwstatus_collect, then fwstatus_write into state_dir; a failure is logged. */
void fwstatus_publish(const struct fwl_opts *o, const char *state_dir);

#endif
