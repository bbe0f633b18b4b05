/* eduPersonAffiliation values an account may have (eduPerson, Entree). */
#ifndef POORT_AFFILIATION_H
#define POORT_AFFILIATION_H

#include <stddef.h>

/* 1 if aff is one of the known values (lower case), else 0. */
int affiliation_valid(const char *aff);
/* The i-th known value (for a choice list), or NULL past the last. */
const char *affiliation_at(size_t i);

#endif
