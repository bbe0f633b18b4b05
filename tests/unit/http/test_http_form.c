/*
 * Form bodies: urlencoded and multipart/form-data, strict (a name twice,
 * a bad escape, anything over the limits refused), and the values exact.
 */
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_form.h"
#include "test.h"

static int
parse(struct http_form *f, const char *ct, const char *body, const struct http_form_limits *lim)
{
	return http_form_parse(f, ct, body, strlen(body), lim != NULL ? lim : &http_form_default);
}

static void
test_urlencoded(void)
{
	struct http_form f;
	struct http_form_limits small = {.fields = 2, .name = 4, .value = 5, .file = 0};

	CHECK_INT(parse(&f, "application/x-www-form-urlencoded", "a=1&b=x+y%21&c=&d", NULL), 0);
	CHECK_INT(f.n, 4);
	CHECK_STR(http_form_get(&f, "a"), "1");
	CHECK_STR(http_form_get(&f, "b"), "x y!");
	CHECK_STR(http_form_get(&f, "c"), "");
	CHECK_STR(http_form_get(&f, "d"), "");
	CHECK(http_form_get(&f, "e") == NULL);
	http_form_free(&f);
	/* a name twice, however it is spelt, is refused */
	CHECK_INT(parse(&f, NULL, "csrf=a&csrf=b", NULL), HTTP_EDUP);
	CHECK_STR(f.dup, "csrf");
	http_form_free(&f);
	CHECK_INT(parse(&f, NULL, "csrf=a&cs%72f=b", NULL), HTTP_EDUP);
	http_form_free(&f);
	/* bad escapes, an encoded NUL, an empty name */
	CHECK_INT(parse(&f, NULL, "a=%zz", NULL), HTTP_EFORM);
	http_form_free(&f);
	CHECK_INT(parse(&f, NULL, "a=%00", NULL), HTTP_EFORM);
	http_form_free(&f);
	CHECK_INT(parse(&f, NULL, "=1", NULL), HTTP_EFORM);
	http_form_free(&f);
	/* limits: fields, name, value (decoded) */
	CHECK_INT(parse(&f, NULL, "a=1&b=2&c=3", &small), HTTP_ETOOBIG);
	http_form_free(&f);
	CHECK_INT(parse(&f, NULL, "abcde=1", &small), HTTP_ETOOBIG);
	http_form_free(&f);
	CHECK_INT(parse(&f, NULL, "a=123456", &small), HTTP_ETOOBIG);
	http_form_free(&f);
	CHECK_INT(parse(&f, NULL, "a=%41%41%41%41%41", &small), 0);
	CHECK_STR(http_form_get(&f, "a"), "AAAAA");
	http_form_free(&f);
	/* another content type */
	CHECK_INT(parse(&f, "application/json", "{}", NULL), HTTP_ECTYPE);
	http_form_free(&f);
	CHECK_INT(parse(&f, "application/x-www-form-urlencoded; charset=UTF-8", "a=1", NULL), 0);
	http_form_free(&f);
	CHECK_STR(http_form_strerror(HTTP_EDUP), "a field sent more than once");
}

#define CT "multipart/form-data; boundary=----XyZ"

static void
test_multipart(void)
{
	struct http_form f;
	struct http_form_limits lim = {.fields = 8, .name = 32, .value = 64, .file = 64};
	const struct http_field *file;
	const char *ok = "preamble\r\n------XyZ\r\n"
	                 "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n"
	                 "tok\r\n------XyZ\r\n"
	                 "Content-Disposition: form-data; name=\"csv\"; filename=\"a b.csv\"\r\n"
	                 "Content-Type: text/csv\r\n\r\n"
	                 "user,name\r\nx\0y,1\r\n------XyZ--\r\nepilogue";
	size_t oklen = strlen(ok) + 1 + strlen(ok + strlen(ok) + 1);

	CHECK_INT(http_form_parse(&f, CT, ok, oklen, &lim), 0);
	CHECK_INT(f.n, 2);
	CHECK_STR(http_form_get(&f, "csrf"), "tok");
	CHECK(http_form_get(&f, "csv") == NULL); /* a file, not a text field */
	file = http_form_field(&f, "csv");
	CHECK(file != NULL && file->len == 16 &&
	      memcmp(file->value, "user,name\r\nx\0y,1", 16) == 0);
	CHECK(file != NULL && file->filename != NULL && strcmp(file->filename, "a b.csv") == 0);
	CHECK(file != NULL && file->ctype != NULL && strcmp(file->ctype, "text/csv") == 0);
	http_form_free(&f);
	/* quoted boundary, no preamble */
	CHECK_INT(parse(&f, "multipart/form-data; boundary=\"b\"",
	                "--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b--", &lim),
	          0);
	CHECK_STR(http_form_get(&f, "a"), "1");
	http_form_free(&f);
	/* a name twice */
	CHECK_INT(parse(&f, CT,
	                "------XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
	                "------XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n"
	                "------XyZ--",
	                &lim),
	          HTTP_EDUP);
	http_form_free(&f);
	/* no boundary, no close delimiter, no name, not form-data */
	CHECK_INT(parse(&f, "multipart/form-data", "--x--", &lim), HTTP_EFORM);
	http_form_free(&f);
	CHECK_INT(
	    parse(&f, CT, "------XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", &lim),
	    HTTP_EFORM);
	http_form_free(&f);
	CHECK_INT(parse(&f, CT,
	                "------XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n------XyZ--",
	                &lim),
	          HTTP_EFORM);
	http_form_free(&f);
	CHECK_INT(parse(&f, CT,
	                "------XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n"
	                "------XyZ--",
	                &lim),
	          HTTP_EFORM);
	http_form_free(&f);
	/* one Content-Disposition per part (a second one once leaked the first's filename) */
	CHECK_INT(parse(&f, CT,
	                "------XyZ\r\nContent-Disposition: form-data; filename=\"x\"\r\n"
	                "Content-Disposition: form-data; name=\"a\"; filename=\"y\"\r\n\r\n1\r\n"
	                "------XyZ--",
	                &lim),
	          HTTP_EFORM);
	http_form_free(&f);
	/* limits: a file too big, files not taken at all, a text value too long */
	lim.file = 4;
	CHECK_INT(
	    parse(&f, CT,
	          "------XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n"
	          "\r\n12345\r\n------XyZ--",
	          &lim),
	    HTTP_ETOOBIG);
	http_form_free(&f);
	CHECK_INT(
	    parse(&f, CT,
	          "------XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n"
	          "\r\n1\r\n------XyZ--",
	          &http_form_default),
	    HTTP_ETOOBIG);
	http_form_free(&f);
	lim.value = 2;
	CHECK_INT(parse(&f, CT,
	                "------XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n123\r\n"
	                "------XyZ--",
	                &lim),
	          HTTP_ETOOBIG);
	http_form_free(&f);
}

int
main(void)
{
	test_urlencoded();
	test_multipart();
	TEST_DONE();
}
