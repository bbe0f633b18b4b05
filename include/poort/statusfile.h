/*
 * Small status files the parent writes into the state directory for the
 * web child to show (firmware.json, restore.json): written whole and
 * atomically (keyfile_write_mode, mode 0644: the web child is another
 * user), read back bounded, regular files only.
 */
#ifndef POORT_STATUSFILE_H
#define POORT_STATUSFILE_H

#include <stddef.h>

enum {
	STATUSFILE_ENOENT = -1,  /* not written (yet) */
	STATUSFILE_EFORMAT = -2, /* not a regular file, or larger than the caller's bound */
	STATUSFILE_EIO = -3,
};

/* Replaces dir/name with text (NUL-terminated, freed here; NULL: out of
 * memory). 0, or -1 with err set. */
int statusfile_write(const char *dir, const char *name, char *text, char *err, size_t errlen);
/* Reads dir/name into buf (at most size - 1 bytes: a longer file is
 * STATUSFILE_EFORMAT); *got its length. 0 or a STATUSFILE_E* code. */
int statusfile_read(const char *dir, const char *name, char *buf, size_t size, size_t *got);

#endif
