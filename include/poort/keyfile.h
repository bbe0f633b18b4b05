/*
 * Key files the box makes itself (the CUI key, the SAML pairwise-ID key,
 * keys and certificates it generates): created mode 0600 by writing a temp
 * file, fsync, rename over the name and fsync of the directory, so a crash
 * or power cut leaves the old file or the new one, never part of one.
 * Read back whole: a file of the wrong size or one that cannot be read is an
 * error, never a reason to make a new key (a new key changes every
 * pseudonym made with the old one). Messages in err name the file.
 */
#ifndef POORT_KEYFILE_H
#define POORT_KEYFILE_H

#include <stddef.h>

enum {
	KEYFILE_ENOENT = -1001, /* no such file */
	KEYFILE_EIO = -1002,    /* cannot read, write or make random bytes */
	KEYFILE_ESIZE = -1003,  /* not the size it must have: short, empty or long */
};

/* Reads exactly len bytes, the whole of path. */
int keyfile_read(const char *path, void *buf, size_t len, char *err, size_t errlen);
/* Replaces (or creates) path with data, mode 0600, durably. */
int keyfile_write(const char *path, const void *data, size_t len, char *err, size_t errlen);
/* The same with another mode: a status file others may read (0644). */
int keyfile_write_mode(const char *path, const void *data, size_t len, unsigned mode, char *err,
		       size_t errlen);
/*
 * A random key of len bytes kept at path: read when the file exists,
 * otherwise made and written first. Any other problem is an error.
 */
int keyfile_load(const char *path, void *key, size_t len, char *err, size_t errlen);

#endif
