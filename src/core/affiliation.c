#include "poort/affiliation.h"

#include <string.h>

int
affiliation_valid(const char *aff)
{
	for (size_t i = 0; affiliation_at(i) != NULL; i++)
		if (strcmp(aff, affiliation_at(i)) == 0)
			return 1;
	return 0;
}

const char *
affiliation_at(size_t i)
{
	static const char *const known[] = {"student", "employee",  "staff", "faculty",
					    "member",  "affiliate", "alum",  "library-walk-in"};

	return i < sizeof(known) / sizeof(known[0]) ? known[i] : NULL;
}
