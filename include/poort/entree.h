/*
 * Entree Federatie's rules, in one place: which SP is Entree's engine, the
 * attributes it must get on every login, and the checks on BRIN codes, ECK
 * iDs and affiliations. Used by the config (poortd -n), the assertion
 * builder, proxy mode and poortctl.
 */
#ifndef POORT_ENTREE_H
#define POORT_ENTREE_H

#include <stddef.h>

struct config_saml_sp;

#define ENTREE_ENGINE "https://engine.entree.kennisnet.nl/authentication/sp/metadata"
#define ENTREE_ENGINE_STAGING "https://engine.entree-s.kennisnet.nl/authentication/sp/metadata"
#define ENTREE_ECKID_PREFIX "https://ketenid.nl/201703/"

/* 1 if entity_id is Entree's engine (production or staging). */
int entree_is_engine(const char *entity_id);
/* BRIN: 2 digits, 2 upper-case letters or digits, optionally 2 more digits. */
int entree_brin_valid(const char *s);
/* ECK iD: ENTREE_ECKID_PREFIX and 128 hex characters. */
int entree_eckid_valid(const char *s);
/*
 * The value Entree accepts for an account's affiliation: student,
 * employee, staff or affiliate (faculty becomes employee, anything else
 * affiliate).
 */
const char *entree_affiliation(const char *aff);

/* The attributes Entree's engine needs on every login. */
extern const char *const entree_mandatory[];
extern const size_t entree_nmandatory;
/* The optional ones it reads when the account has them. */
extern const char *const entree_optional[];
extern const size_t entree_noptional;

/*
 * What in sp's rule breaks Entree's rules (a mandatory attribute not
 * released, NameID not uid, the plain-name profile not used), in why;
 * 0 when nothing does, else the number of problems.
 */
int entree_sp_problems(const struct config_saml_sp *sp, char *why, size_t whylen);

#endif
