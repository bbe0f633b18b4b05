/*
 * Runs a libFuzzer harness over every file of its seed corpus, for compilers
 * without libFuzzer. Each input is copied into an exact-size heap buffer so
 * sanitizers catch over-reads.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	/* every prefix too: truncated input is the common attack */
	for (long len = 0; len <= n; len++) {
		uint8_t *exact = malloc(len > 0 ? (size_t)len : 1);
		if (exact == NULL)
			goto fail;
		memcpy(exact, buf, (size_t)len);
		LLVMFuzzerTestOneInput(exact, (size_t)len);
		free(exact);
	}
	rc = 0;
fail:
	free(buf);
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	int count = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (d == NULL) {
			fprintf(stderr, "cannot open corpus %s\n", argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (run_file(path) != 0) {
				fprintf(stderr, "cannot read %s\n", path);
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	printf("ran %d seed inputs (all prefixes)\n", count);
	return count > 0 ? 0 : 1;
}
