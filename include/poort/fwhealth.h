/*
 * Automatic confirm of a trial boot. When the boot stage started the
 * running image on trial (/chosen poort,slot and the state record's trial
 * slot agree), poortd checks its own health every check_interval: RADIUS
 * answers a Status-Server with a valid Message-Authenticator on loopback,
 * the HTTPS front answers (when configured), the store opens. Once all
 * pass, the slot is confirmed through firmware/core (fw_linux), which
 * raises the rollback floor. If they do not pass within confirm_timeout
 * of the boot (CLOCK_BOOTTIME: a poortd restarted again and again must not
 * keep a bad image on trial; one started after that still gets up to 30 s),
 * the box reboots (or poortd exits with FWHEALTH_EXIT_TIMEOUT) and the
 * boot stage's trial counter brings the old slot back.
 *
 * Confirming writes the boot stage's flash: this belongs to the
 * privileged process. Everything it needs is copied at start.
 *
 * At start (box or not) and after a confirm it also writes the slots for
 * the dashboard into the state directory (poort/fwstatus.h).
 */
#ifndef POORT_FWHEALTH_H
#define POORT_FWHEALTH_H

struct event_base;
struct config;
struct fwhealth;

#define FWHEALTH_EXIT_TIMEOUT 75 /* on_timeout exit: poortd's exit status */

/*
 * Starts watching on base. cfg (firmware { }, listen addresses, clients,
 * http { }) and store_path are copied. Returns NULL when there is nothing
 * to watch (not started by the Poort boot stage, or the running slot is
 * already confirmed) or the flash cannot be reached; it logs which.
 */
struct fwhealth *fwhealth_start(struct event_base *base, const struct config *cfg,
                                const char *store_path);
void fwhealth_stop(struct fwhealth *fh);

#endif
