/* The web child's reader of the last restore's status file (poort/backup_status.h). */
#include <stdint.h>
#include <string.h>

#include "poort/backup_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_status s;

	if (backup_status_parse((const char *)data, size, &s) == 0) {
		/* what the pages then show */
		if (strlen(s.by) > BACKUP_STATUS_BY_MAX ||
		    (unsigned)s.reason >= BACKUP_STATUS_NREASONS || s.at < 0 || s.made < 0 ||
		    strpbrk(s.by, "<>&\"'/ ") != NULL)
			__builtin_trap();
	}
	return 0;
}
