/* The config parser: any text is either a config or a FILE:LINE error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poort/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_MAX];
	char *text = malloc(size + 1);
	struct config *cfg;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	cfg = config_parse("fuzz.conf", text, err, sizeof(err));
	if (cfg == NULL && strncmp(err, "fuzz.conf", 9) != 0)
		abort(); /* every failure names the file */
	config_free(cfg);
	free(text);
	return 0;
}
