/*
 * Verified-credential cache. A phone re-authenticates every time it roams
 * between access points; running yescrypt for each costs tens of
 * milliseconds of CPU on the box. After a successful slow check we keep
 * HMAC-SHA256(boot key, tag || password), where tag binds the user name and
 * the stored hash, so a password change or a new hash misses at once.
 * The key is random per process and never leaves memory; entries expire
 * after ttl seconds. Bounded: set associative, the entry expiring first is
 * replaced.
 */
#ifndef POORT_PWCACHE_H
#define POORT_PWCACHE_H

#include <stddef.h>
#include <time.h>

struct pwcache;

struct pwcache *pwcache_new(unsigned entries, unsigned ttl);
void pwcache_free(struct pwcache *c);
/* 1 if (user, hash, pw) was verified within ttl, else 0. A hit counts as a
 * new successful check: the entry's ttl starts again (no pwcache_put needed). */
int pwcache_check(struct pwcache *c, const char *user, const char *hash, const void *pw,
		  size_t pwlen, time_t now);
void pwcache_put(struct pwcache *c, const char *user, const char *hash, const void *pw,
		 size_t pwlen, time_t now);
/* Forgets user (e.g. account disabled or password changed). */
void pwcache_forget(struct pwcache *c, const char *user, const char *hash);

#endif
