/* Internal to src/admin. */
#ifndef POORT_ADMIN_INT_H
#define POORT_ADMIN_INT_H

/* A store_admin_* result as an ADMIN_E* code. */
int admin_store_rc(int rc);
/* 1 if name may be an admin's: a valid account name, not "poortctl". */
int admin_name_valid(const char *name);
/* liboath's global set-up, once per process; 0 or ADMIN_ECRYPTO. */
int admin_oath_init(void);

#endif
