/* The CSV reader used by poortctl import. */
#include <stdint.h>
#include <stdlib.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader r;
	struct csv_record *rec = malloc(sizeof(*rec));
	char err[256];
	int n = 0;

	if (rec == NULL)
		return 0;
	csv_init(&r, (const char *)data, size);
	while (csv_next(&r, rec, err, sizeof(err)) != 0 && n++ < 100000) {
	}
	free(rec);
	return 0;
}
