/*
 * Form bodies (include/poort/http_form.h). The urlencoded side decodes as
 * http_query.c does (http_param_decode); multipart/form-data is read part
 * by part, each part's headers bounded, its body found by the delimiter.
 */

#include "poort/http_form.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poort/http.h"

#define HFORM_BOUNDARY_MAX 70 /* RFC 2046 */
#define HFORM_HEADERS_MAX 1024

const struct http_form_limits http_form_default = {
    .fields = 32, .name = 64, .value = 4096, .file = 0};

static int
hform_add(struct http_form *form, const struct http_form_limits *lim, char *name, char *value,
          size_t len, char *filename, char *ctype)
{
	struct http_field *nf;
	int rc = 0;

	for (size_t i = 0; i < form->n && rc == 0; i++)
		if (strcmp(form->f[i].name, name) == 0) {
			form->dup = form->f[i].name;
			rc = HTTP_EDUP;
		}
	if (rc == 0 && form->n >= lim->fields)
		rc = HTTP_ETOOBIG;
	if (rc == 0 && (nf = realloc(form->f, (form->n + 1) * sizeof(*nf))) == NULL)
		rc = HTTP_ENOMEM;
	if (rc < 0) {
		free(name);
		if (value != NULL)
			OPENSSL_cleanse(value, len);
		free(value);
		free(filename);
		free(ctype);
		return rc;
	}
	form->f = nf;
	form->f[form->n++] = (struct http_field){name, value, len, filename, ctype};
	return 0;
}

int
http_form_parse_urlencoded(struct http_form *form, const char *body, size_t len,
                           const struct http_form_limits *lim)
{
	const char *p = body, *end = body + len;

	memset(form, 0, sizeof(*form));
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *nend = eq != NULL ? eq : stop;
		const char *v = eq != NULL ? eq + 1 : stop;
		char *name, *value;
		int rc;

		if (stop == p) { /* "a=1&&b=2", a trailing '&': nothing */
			p = stop + 1;
			continue;
		}
		if ((size_t)(nend - p) > lim->name * 3 || (size_t)(stop - v) > lim->value * 3)
			return HTTP_ETOOBIG;
		if ((name = http_param_decode(p, (size_t)(nend - p), 1)) == NULL)
			return HTTP_EFORM;
		if ((value = http_param_decode(v, (size_t)(stop - v), 1)) == NULL) {
			free(name);
			return HTTP_EFORM;
		}
		if (name[0] == '\0' || strlen(name) > lim->name || strlen(value) > lim->value) {
			rc = name[0] == '\0' ? HTTP_EFORM : HTTP_ETOOBIG;
			free(name);
			OPENSSL_cleanse(value, strlen(value));
			free(value);
			return rc;
		}
		if ((rc = hform_add(form, lim, name, value, strlen(value), NULL, NULL)) < 0)
			return rc;
		p = stop + 1;
	}
	return 0;
}

/* The value of parameter name in a header value's "; a=b; c="d"" list, copied; NULL. */
static char *
hform_param(const char *h, size_t hlen, const char *name)
{
	const char *p = h, *end = h + hlen;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			return NULL;
		p = semi + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1, *ve;
			if (v < end && *v == '"') {
				v++;
				if ((ve = memchr(v, '"', (size_t)(end - v))) == NULL)
					return NULL;
			} else {
				ve = v;
				while (ve < end && *ve != ';' && *ve != ' ' && *ve != '\t')
					ve++;
			}
			return strndup(v, (size_t)(ve - v));
		}
	}
	return NULL;
}

/* The part's headers h[0..hlen) (CRLF-separated): its name, filename, type. */
static int
hform_part_headers(const char *h, size_t hlen, char **name, char **filename, char **ctype)
{
	const char *p = h, *end = h + hlen;
	int disposition = 0;

	*name = *filename = *ctype = NULL;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *le = eol != NULL ? eol : end;
		size_t ll = (size_t)(le - p);

		if (memchr(p, '\0', ll) != NULL)
			return HTTP_EFORM;
		if (ll > 20 && strncasecmp(p, "Content-Disposition:", 20) == 0) {
			const char *v = p + 20;
			while (v < le && *v == ' ')
				v++;
			/* one Content-Disposition: a second would replace what the first said */
			if (disposition++ || (size_t)(le - v) < 9 ||
			    strncasecmp(v, "form-data", 9) != 0)
				return HTTP_EFORM;
			*name = hform_param(v, (size_t)(le - v), "name");
			*filename = hform_param(v, (size_t)(le - v), "filename");
		} else if (ll > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
			const char *v = p + 13;
			while (v < le && *v == ' ')
				v++;
			if (*ctype != NULL)
				return HTTP_EFORM;
			*ctype = strndup(v, (size_t)(le - v));
		}
		p = eol != NULL ? eol + 2 : end;
	}
	return *name != NULL && (*name)[0] != '\0' ? 0 : HTTP_EFORM;
}

int
http_form_parse_multipart(struct http_form *form, const char *ctype, const char *body, size_t len,
                          const struct http_form_limits *lim)
{
	char *b = ctype != NULL ? hform_param(ctype, strlen(ctype), "boundary") : NULL;
	char delim[HFORM_BOUNDARY_MAX + 5];
	const char *p = body, *end = body + len;
	size_t dlen;
	int rc = HTTP_EFORM;

	memset(form, 0, sizeof(*form));
	if (b == NULL || b[0] == '\0' || strlen(b) > HFORM_BOUNDARY_MAX)
		goto done;
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", b);
	/* the first delimiter: at the start, or after a preamble */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
		p = body + dlen - 2;
	} else {
		const char *d = memmem(body, len, delim, dlen);
		if (d == NULL)
			goto done;
		p = d + dlen;
	}
	for (;;) {
		const char *hend, *next;
		char *name, *filename, *pctype, *value;
		size_t vlen;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			rc = 0; /* the close delimiter; an epilogue is ignored */
			break;
		}
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto done;
		p += 2;
		hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		if (hend == NULL || hend - p > HFORM_HEADERS_MAX) {
			rc = hend == NULL ? HTTP_EFORM : HTTP_ETOOBIG;
			goto done;
		}
		if ((rc = hform_part_headers(p, (size_t)(hend - p) + 2, &name, &filename,
		                             &pctype)) < 0) {
			free(name);
			free(filename);
			free(pctype);
			goto done;
		}
		p = hend + 4;
		next = memmem(p, (size_t)(end - p), delim, dlen);
		vlen = next != NULL ? (size_t)(next - p) : 0;
		rc = next == NULL ? HTTP_EFORM : 0;
		if (rc == 0 && strlen(name) > lim->name)
			rc = HTTP_ETOOBIG;
		if (rc == 0 && filename != NULL && vlen > lim->file)
			rc = HTTP_ETOOBIG;
		if (rc == 0 && filename == NULL &&
		    (vlen > lim->value || memchr(p, '\0', vlen) != NULL))
			rc = vlen > lim->value ? HTTP_ETOOBIG : HTTP_EFORM;
		if (rc == 0 && (value = malloc(vlen + 1)) == NULL)
			rc = HTTP_ENOMEM;
		if (rc < 0) {
			free(name);
			free(filename);
			free(pctype);
			goto done;
		}
		memcpy(value, p, vlen);
		value[vlen] = '\0';
		if ((rc = hform_add(form, lim, name, value, vlen, filename, pctype)) < 0)
			goto done;
		p = next + dlen;
		rc = HTTP_EFORM;
	}
done:
	free(b);
	return rc;
}

int
http_form_parse(struct http_form *form, const char *ctype, const char *body, size_t len,
                const struct http_form_limits *lim)
{
	size_t tl = ctype != NULL ? strcspn(ctype, "; \t") : 0;

	if (ctype == NULL ||
	    (tl == 33 && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0))
		return http_form_parse_urlencoded(form, body, len, lim);
	if (tl == 19 && strncasecmp(ctype, "multipart/form-data", 19) == 0)
		return http_form_parse_multipart(form, ctype, body, len, lim);
	memset(form, 0, sizeof(*form));
	return HTTP_ECTYPE;
}

int
http_form_read(struct http_form *form, struct evhttp_request *req,
               const struct http_form_limits *lim)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t len = 0;
	char *body = http_body_copy(req, &len);
	int rc;

	if (body == NULL) {
		memset(form, 0, sizeof(*form));
		return HTTP_ENOMEM;
	}
	rc = http_form_parse(form, ct, body, len, lim);
	OPENSSL_cleanse(body, len); /* it may hold a password */
	free(body);
	return rc;
}

const struct http_field *
http_form_field(const struct http_form *form, const char *name)
{
	for (size_t i = 0; i < form->n; i++)
		if (strcmp(form->f[i].name, name) == 0)
			return &form->f[i];
	return NULL;
}

const char *
http_form_get(const struct http_form *form, const char *name)
{
	const struct http_field *f = http_form_field(form, name);
	return f != NULL && f->filename == NULL ? f->value : NULL;
}

void
http_form_free(struct http_form *form)
{
	for (size_t i = 0; i < form->n; i++) {
		struct http_field *f = &form->f[i];
		OPENSSL_cleanse(f->value, f->len);
		free(f->value);
		free(f->name);
		free(f->filename);
		free(f->ctype);
	}
	free(form->f);
	memset(form, 0, sizeof(*form));
}

const char *
http_form_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case HTTP_EDUP:
		return "a field sent more than once";
	case HTTP_EFORM:
		return "a form that is not well formed";
	case HTTP_ETOOBIG:
		return "a form over its limits";
	case HTTP_ECTYPE:
		return "not a form";
	case HTTP_ENOMEM:
		return "out of memory";
	default:
		return "bad form";
	}
}
