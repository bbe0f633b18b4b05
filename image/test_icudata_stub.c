/*
 * libxml2 with the empty ICU data library (icudata_stub.c) in place of
 * Debian's libicudata: UTF-8 and the encodings libxml2 decodes itself parse
 * as before; an encoding that would need ICU's tables is refused cleanly.
 * ctest runs this with LD_LIBRARY_PATH at the stub, under qemu-user, and the
 * test checks the stub is the libicudata that got mapped.
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void
check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static int
parses(const char *doc, size_t len, const char *text)
{
	xmlDocPtr d = xmlReadMemory(doc, (int)len, "t.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	int ok = 0;

	if (d != NULL) {
		xmlChar *c = xmlNodeGetContent(xmlDocGetRootElement(d));
		ok = c != NULL && strcmp((const char *)c, text) == 0;
		xmlFree(c);
		xmlFreeDoc(d);
	}
	return ok;
}

static int
stub_mapped(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "libicudata") != NULL && strstr(line, "image/lib/") != NULL)
			found = 1;
	fclose(f);
	return found;
}

int
main(void)
{
	static const char utf8[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>Ren\xc3\xa9\xe2\x82\xac</a>";
	static const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Ren\xe9</a>";
	static const char sjis[] = "<?xml version=\"1.0\" encoding=\"x-poort-no-such\"?><a>x</a>";

	xmlInitParser();
	check(stub_mapped(), "the stub libicudata is the one mapped");
	check(parses(utf8, sizeof(utf8) - 1, "Ren\xc3\xa9\xe2\x82\xac"), "UTF-8 document");
	check(parses(latin1, sizeof(latin1) - 1, "Ren\xc3\xa9"), "ISO-8859-1 document (libxml2's own decoder)");
	check(!parses(sjis, sizeof(sjis) - 1, "x"), "unknown encoding refused, no crash");
	xmlCleanupParser();
	return failures ? 1 : 0;
}
