/* The web child's reader of the firmware status file (poort/fwstatus.h). */
#include <stdint.h>
#include <string.h>

#include "poort/fwstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwstatus s;

	if (fwstatus_parse((const char *)data, size, &s) == 0) {
		/* what the dashboard then reads */
		if (strlen(s.version) >= sizeof(s.version) || strlen(s.error) >= sizeof(s.error) ||
		    strlen(s.slot[1].problem) >= sizeof(s.slot[1].problem) ||
		    (unsigned)s.slot[0].state > FWSTATUS_INVALID ||
		    (unsigned)s.slot[1].state > FWSTATUS_INVALID)
			__builtin_trap();
	}
	return 0;
}
