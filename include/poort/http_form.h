/*
 * Form bodies: application/x-www-form-urlencoded and multipart/form-data
 * (RFC 7578), strict: a field name sent twice is refused (HTTP_EDUP), as
 * are bad percent-escapes, an encoded NUL in a name or a text value, and
 * anything over the limits (HTTP_ETOOBIG). Values are copied, NUL
 * terminated (a file's bytes may hold NULs: use len), and cleared on free.
 */
#ifndef POORT_HTTP_FORM_H
#define POORT_HTTP_FORM_H

#include <stddef.h>

struct evhttp_request;

struct http_form_limits {
	size_t fields; /* fields at most */
	size_t name;   /* bytes of a name */
	size_t value;  /* bytes of a text value */
	size_t file;   /* bytes of an uploaded file (multipart only; 0: no files) */
};

/* 32 fields, names of 64 bytes, values of 4 KiB, no files. */
extern const struct http_form_limits http_form_default;

struct http_field {
	char *name;
	char *value; /* NUL-terminated; a file's content for a file part */
	size_t len;
	char *filename; /* multipart: the part's filename, or NULL (a text field) */
	char *ctype;    /* multipart: the part's Content-Type, or NULL */
};

struct http_form {
	struct http_field *f;
	size_t n;
	const char *dup; /* HTTP_EDUP: the name sent twice (points into f) */
};

/*
 * Parses body[0..len) as ctype says (a Content-Type header value; NULL
 * takes urlencoded). 0; HTTP_EDUP, HTTP_EFORM, HTTP_ETOOBIG, HTTP_ECTYPE
 * (another type), HTTP_ENOMEM. The form holds what was read so far on an
 * error too: free it either way.
 */
int http_form_parse(struct http_form *form, const char *ctype, const char *body, size_t len,
                    const struct http_form_limits *lim);
int http_form_parse_urlencoded(struct http_form *form, const char *body, size_t len,
                               const struct http_form_limits *lim);
int http_form_parse_multipart(struct http_form *form, const char *ctype, const char *body,
                              size_t len, const struct http_form_limits *lim);
/* A POST's body, by its Content-Type. */
int http_form_read(struct http_form *form, struct evhttp_request *req,
                   const struct http_form_limits *lim);
/* The value of the text field name, or NULL (absent, or a file). Lent. */
const char *http_form_get(const struct http_form *form, const char *name);
/* The field name (text or file), or NULL. Lent. */
const struct http_field *http_form_field(const struct http_form *form, const char *name);
void http_form_free(struct http_form *form);
/* For a 400 page and the log: what was wrong. */
const char *http_form_strerror(int rc);

#endif
