/* eduPersonAffiliation values an account may have (eduPerson, Entree). */
#ifndef POORT_AFFILIATION_H
#define POORT_AFFILIATION_H

/* 1 if aff is one of the known values (lower case), else 0. */
int affiliation_valid(const char *aff);

#endif
