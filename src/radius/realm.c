#include "poort/realm.h"

#include <string.h>
#include <strings.h>

#include "poort/config.h"

static void
realm_malformed(struct realm_result *r, const char *reason, const char *message)
{
	r->verdict = REALM_MALFORMED;
	r->reason = reason;
	r->message = message;
}

/* 1 if realm ends with suffix as a whole label ("x.3gppnetwork.org"). */
static int
realm_has_suffix(const char *realm, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	if (len < sl || strncasecmp(realm + len - sl, suffix, sl) != 0)
		return 0;
	return len == sl || realm[len - sl - 1] == '.';
}

void
realm_classify(const struct config *cfg, const char *name, size_t len, struct realm_result *r)
{
	const char *at;
	size_t rlen;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c == 0x7f)
			return realm_malformed(r, "space-or-control-character",
					       "User name contains spaces or control characters.");
	}
	at = memrchr(name, '@', len);
	if (at == NULL)
		return realm_malformed(r, "no-realm",
				       "User name has no realm: use name@your-institution.");
	if (memchr(name, '@', (size_t)(at - name)) != NULL)
		return realm_malformed(r, "two-at-signs", "User name has more than one '@'.");
	r->realm = at + 1;
	rlen = r->realmlen = len - (size_t)(at - name) - 1;
	if (rlen == 0)
		return realm_malformed(r, "empty-realm", "User name ends in '@': the realm is missing.");
	if (memchr(r->realm, '.', rlen) == NULL)
		return realm_malformed(r, "realm-without-dot",
				       "Realm has no dot: use the full domain of your institution.");
	if (r->realm[0] == '.' || r->realm[rlen - 1] == '.')
		return realm_malformed(r, "realm-dot-at-end", "Realm starts or ends with a dot.");
	for (size_t i = 1; i < rlen; i++)
		if (r->realm[i] == '.' && r->realm[i - 1] == '.')
			return realm_malformed(r, "realm-double-dot", "Realm has two dots in a row.");
	/* phones probing for EAP-SIM/AKA: never forwarded (DOMAIN.md) */
	if (realm_has_suffix(r->realm, rlen, "3gppnetwork.org"))
		return realm_malformed(r, "3gpp-realm", "Mobile network realms are not served here.");
	if (config_realm_is_local(cfg, r->realm, rlen)) {
		r->verdict = REALM_LOCAL;
		return;
	}
	/*
	 * Our realm spelled differently ("eduroam.school.example"): the FLRs
	 * would send it straight back here, so it never leaves the box.
	 */
	for (size_t i = 0; i < cfg->nrealms; i++)
		if (realm_has_suffix(r->realm, rlen, cfg->realms[i]))
			return realm_malformed(r, "own-realm-misspelled",
					       "Use exactly the realm of your school after the '@'.");
	r->verdict = REALM_FOREIGN;
}
