#include "poort/affiliation.h"

#include <string.h>

int
affiliation_valid(const char *aff)
{
	static const char *const known[] = {"student", "employee",  "staff", "faculty",
					    "member",  "affiliate", "alum",  "library-walk-in"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(aff, known[i]) == 0)
			return 1;
	return 0;
}
