/*
 * eduroam routing rules for the outer User-Name (the realm after the last
 * '@'). Malformed names are answered locally and never forwarded: phones
 * probing EAP-SIM/AKA (3gppnetwork.org), names without a realm or with a
 * broken one, spaces and control characters. Pure: no I/O, no logging.
 */
#ifndef POORT_REALM_H
#define POORT_REALM_H

#include <stddef.h>

struct config;

enum realm_verdict {
	REALM_LOCAL,     /* one of our realms: served here */
	REALM_FOREIGN,   /* well formed, someone else's: the federation's */
	REALM_MALFORMED, /* answered locally with a Reply-Message */
};

struct realm_result {
	enum realm_verdict verdict;
	const char *reason;  /* for the log: no-realm, realm-without-dot, ... */
	const char *message; /* for the Reply-Message, in words for the user */
	const char *realm;   /* lends into the name; NULL without a realm */
	size_t realmlen;
};

void realm_classify(const struct config *cfg, const char *name, size_t len,
		    struct realm_result *out);

#endif
