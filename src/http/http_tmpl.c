/* The template renderer (include/poort/http_tmpl.h). */
#include "poort/http_tmpl.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_i18n.h"

#define TMPL_DEPTH 16       /* nested sections and includes */
#define TMPL_FILE_MAX 65536 /* bytes of a template file */
#define TMPL_NAME_MAX 64

struct tv_ent {
	char *name;
	char *value; /* a value, or NULL for a list */
	struct http_tv **items;
	size_t nitems;
};

struct http_tv {
	struct tv_ent *e;
	size_t n;
};

struct tmpl {
	char name[TMPL_NAME_MAX];
	char *text;
	size_t len;
};

struct http_tmpl_set {
	struct tmpl *t;
	size_t n;
};

struct tbuf {
	char *p;
	size_t len, cap;
	int oom;
};

/* ---- values ---- */

struct http_tv *
http_tv_new(void)
{
	return calloc(1, sizeof(struct http_tv));
}

void
http_tv_free(struct http_tv *tv)
{
	if (tv == NULL)
		return;
	for (size_t i = 0; i < tv->n; i++) {
		free(tv->e[i].name);
		free(tv->e[i].value);
		for (size_t j = 0; j < tv->e[i].nitems; j++)
			http_tv_free(tv->e[i].items[j]);
		free(tv->e[i].items);
	}
	free(tv->e);
	free(tv);
}

static struct tv_ent *
tv_find(const struct http_tv *tv, const char *name, size_t nlen)
{
	for (size_t i = 0; i < tv->n; i++)
		if (strlen(tv->e[i].name) == nlen && memcmp(tv->e[i].name, name, nlen) == 0)
			return &tv->e[i];
	return NULL;
}

static struct tv_ent *
tv_ent_get(struct http_tv *tv, const char *name)
{
	struct tv_ent *e = tv_find(tv, name, strlen(name)), *ne;

	if (e != NULL)
		return e;
	if ((ne = realloc(tv->e, (tv->n + 1) * sizeof(*ne))) == NULL)
		return NULL;
	tv->e = ne;
	e = &tv->e[tv->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return NULL;
	tv->n++;
	return e;
}

int
http_tv_set(struct http_tv *tv, const char *name, const char *value)
{
	struct tv_ent *e;
	char *v;

	if (value == NULL)
		return 0;
	if ((v = strdup(value)) == NULL || (e = tv_ent_get(tv, name)) == NULL || e->items != NULL) {
		free(v);
		return HTTP_ENOMEM;
	}
	free(e->value);
	e->value = v;
	return 0;
}

int
http_tv_setf(struct http_tv *tv, const char *name, const char *fmt, ...)
{
	char *v = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return HTTP_ENOMEM;
	rc = http_tv_set(tv, name, v);
	free(v);
	return rc;
}

struct http_tv *
http_tv_add(struct http_tv *tv, const char *list)
{
	struct tv_ent *e = tv_ent_get(tv, list);
	struct http_tv **ni, *item;

	if (e == NULL || e->value != NULL)
		return NULL;
	if ((ni = realloc(e->items, (e->nitems + 1) * sizeof(*ni))) == NULL)
		return NULL;
	e->items = ni;
	if ((item = http_tv_new()) == NULL)
		return NULL;
	e->items[e->nitems++] = item;
	return item;
}

/* ---- the set ---- */

struct http_tmpl_set *
http_tmpl_set_new(void)
{
	return calloc(1, sizeof(struct http_tmpl_set));
}

int
http_tmpl_set_add(struct http_tmpl_set *set, const char *name, const char *text, size_t len)
{
	struct tmpl *nt;

	if (strlen(name) >= TMPL_NAME_MAX)
		return HTTP_ETMPL;
	if ((nt = realloc(set->t, (set->n + 1) * sizeof(*nt))) == NULL)
		return HTTP_ENOMEM;
	set->t = nt;
	nt = &set->t[set->n];
	snprintf(nt->name, sizeof(nt->name), "%s", name);
	if ((nt->text = malloc(len + 1)) == NULL)
		return HTTP_ENOMEM;
	memcpy(nt->text, text, len);
	nt->text[len] = '\0';
	nt->len = len;
	set->n++;
	return 0;
}

void
http_tmpl_free(struct http_tmpl_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		free(set->t[i].text);
	free(set->t);
	free(set);
}

static const struct tmpl *
tmpl_find(const struct http_tmpl_set *set, const char *name, size_t nlen)
{
	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->t[i].name) == nlen && memcmp(set->t[i].name, name, nlen) == 0)
			return &set->t[i];
	return NULL;
}

int
http_tmpl_has(const struct http_tmpl_set *set, const char *name)
{
	return tmpl_find(set, name, strlen(name)) != NULL;
}

struct http_tmpl_set *
http_tmpl_load(const char *dir, char *err, size_t errlen)
{
	struct http_tmpl_set *set = http_tmpl_set_new();
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096], *buf = malloc(TMPL_FILE_MAX + 1);

	if (set == NULL || buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (d == NULL) {
		snprintf(err, errlen, "templates: cannot read the directory %s", dir);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name), len;
		FILE *f;
		if (nl <= 5 || strcmp(de->d_name + nl - 5, ".html") != 0 || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "re")) == NULL) {
			snprintf(err, errlen, "templates: cannot read %s", path);
			goto fail;
		}
		len = fread(buf, 1, TMPL_FILE_MAX + 1, f);
		fclose(f);
		de->d_name[nl - 5] = '\0';
		if (len > TMPL_FILE_MAX || memchr(buf, '\0', len) != NULL ||
		    http_tmpl_set_add(set, de->d_name, buf, len) < 0) {
			snprintf(err, errlen,
			         "templates: %s is too long, holds a NUL or its name is", path);
			goto fail;
		}
	}
	closedir(d);
	free(buf);
	return set;
fail:
	if (d != NULL)
		closedir(d);
	free(buf);
	http_tmpl_free(set);
	return NULL;
}

/* ---- rendering ---- */

static void
tbuf_add(struct tbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
tbuf_escape(struct tbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		size_t run = strcspn(s, "&<>\"'");
		tbuf_add(b, s, run);
		s += run;
		switch (*s) {
		case '&':
			tbuf_add(b, "&amp;", 5);
			break;
		case '<':
			tbuf_add(b, "&lt;", 4);
			break;
		case '>':
			tbuf_add(b, "&gt;", 4);
			break;
		case '"':
			tbuf_add(b, "&quot;", 6);
			break;
		case '\'':
			tbuf_add(b, "&#39;", 5);
			break;
		default:
			return; /* the end */
		}
	}
}

struct rctx {
	const struct http_tmpl_set *set;
	const char *lang;
	const struct http_tv *stack[TMPL_DEPTH + 1];
	size_t depth;  /* entries in stack */
	unsigned nest; /* sections and includes open */
	struct tbuf out;
	char *why;
	size_t whylen;
};

static const struct tv_ent *
r_lookup(const struct rctx *r, const char *name, size_t nlen)
{
	for (size_t i = r->depth; i-- > 0;) {
		const struct tv_ent *e = tv_find(r->stack[i], name, nlen);
		if (e != NULL)
			return e;
	}
	return NULL;
}

static int
r_fail(struct rctx *r, const char *what, const char *name, size_t nlen)
{
	snprintf(r->why, r->whylen, "%s '%.*s'", what, (int)(nlen > 64 ? 64 : nlen), name);
	return HTTP_ETMPL;
}

/* Trims spaces around s[0..*n). */
static const char *
r_trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t' || *s == '\n')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\n'))
		(*n)--;
	return s;
}

/*
 * The end of the section name opened just before p: *inner_end where its
 * {{/name}} starts, the return value just after it; NULL if unbalanced.
 */
static const char *
r_section_end(const char *p, const char *end, const char *name, size_t nlen, const char **inner_end)
{
	unsigned open = 0;

	while (p < end) {
		const char *t = strstr(p, "{{"), *c, *n;
		size_t l;
		if (t == NULL || t >= end)
			return NULL;
		if ((c = strstr(t + 2, "}}")) == NULL || c + 2 > end)
			return NULL;
		n = t + 3;
		l = (size_t)(c - n);
		if (t[2] == '#' || t[2] == '^') {
			open++;
		} else if (t[2] == '/') {
			n = r_trim(n, &l);
			if (open == 0) {
				if (l != nlen || memcmp(n, name, nlen) != 0)
					return NULL;
				*inner_end = t;
				return c + 2;
			}
			open--;
		}
		p = c + 2;
	}
	return NULL;
}

static int r_text(struct rctx *r, const char *p, const char *end);

static int
r_include(struct rctx *r, const char *name, size_t nlen)
{
	const struct tmpl *t = tmpl_find(r->set, name, nlen);
	int rc;

	if (t == NULL)
		return r_fail(r, "no template", name, nlen);
	if (r->nest >= TMPL_DEPTH)
		return r_fail(r, "includes too deep at", name, nlen);
	r->nest++;
	rc = r_text(r, t->text, t->text + t->len);
	r->nest--;
	return rc;
}

static int
r_section(struct rctx *r, int inverted, const char *name, size_t nlen, const char *in,
          const char *in_end)
{
	const struct tv_ent *e = r_lookup(r, name, nlen);
	int rc = 0, truthy = e != NULL && (e->value != NULL ? e->value[0] != '\0' : e->nitems > 0);

	if (r->nest >= TMPL_DEPTH)
		return r_fail(r, "sections too deep at", name, nlen);
	r->nest++;
	if (inverted) {
		if (!truthy)
			rc = r_text(r, in, in_end);
	} else if (truthy && e->value != NULL) {
		rc = r_text(r, in, in_end);
	} else if (truthy) {
		for (size_t i = 0; i < e->nitems && rc == 0; i++) {
			r->stack[r->depth++] = e->items[i];
			rc = r_text(r, in, in_end);
			r->depth--;
		}
	}
	r->nest--;
	return rc;
}

static int
r_text(struct rctx *r, const char *p, const char *end)
{
	while (p < end) {
		const char *t = strstr(p, "{{"), *c, *name;
		size_t nlen;
		int raw = 0, rc = 0;

		if (t == NULL || t >= end) {
			tbuf_add(&r->out, p, (size_t)(end - p));
			break;
		}
		tbuf_add(&r->out, p, (size_t)(t - p));
		if (t + 2 < end && t[2] == '{') {
			raw = 1;
			c = strstr(t + 3, "}}}");
		} else {
			c = strstr(t + 2, "}}");
		}
		if (c == NULL || c + (raw ? 3 : 2) > end)
			return r_fail(r, "unclosed tag", t, 8);
		name = t + (raw ? 3 : 2);
		nlen = (size_t)(c - name);
		p = c + (raw ? 3 : 2);
		if (raw) {
			const struct tv_ent *e;
			name = r_trim(name, &nlen);
			if ((e = r_lookup(r, name, nlen)) != NULL && e->value != NULL)
				tbuf_add(&r->out, e->value, strlen(e->value));
			continue;
		}
		switch (name[0]) {
		case '!':
			break;
		case '_': {
			char msgid[512];
			size_t ml = nlen - 1;
			const char *m = r_trim(name + 1, &ml);
			if (ml >= sizeof(msgid))
				return r_fail(r, "text too long", m, ml);
			memcpy(msgid, m, ml);
			msgid[ml] = '\0';
			tbuf_escape(&r->out, http_tr(r->lang, msgid));
			break;
		}
		case '>':
			nlen--;
			name = r_trim(name + 1, &nlen);
			rc = r_include(r, name, nlen);
			break;
		case '#':
		case '^': {
			const char *in_end, *after;
			int inv = name[0] == '^';
			nlen--;
			name = r_trim(name + 1, &nlen);
			if ((after = r_section_end(p, end, name, nlen, &in_end)) == NULL)
				return r_fail(r, "unbalanced section", name, nlen);
			rc = r_section(r, inv, name, nlen, p, in_end);
			p = after;
			break;
		}
		case '/':
			return r_fail(r, "close without open", name, nlen);
		default: {
			const struct tv_ent *e;
			name = r_trim(name, &nlen);
			if ((e = r_lookup(r, name, nlen)) != NULL && e->value != NULL)
				tbuf_escape(&r->out, e->value);
		}
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
http_tmpl_render(const struct http_tmpl_set *set, const char *name, const struct http_tv *tv,
                 const char *lang, char **out, size_t *outlen, char *why, size_t whylen)
{
	static const struct http_tv empty;
	struct rctx r = {.set = set, .lang = lang, .why = why, .whylen = whylen};
	int rc;

	*out = NULL;
	*outlen = 0;
	r.stack[r.depth++] = tv != NULL ? tv : &empty;
	rc = r_include(&r, name, strlen(name));
	if (rc == 0 && r.out.oom) {
		snprintf(why, whylen, "out of memory");
		rc = HTTP_ENOMEM;
	}
	if (rc < 0) {
		free(r.out.p);
		return rc;
	}
	if (r.out.p == NULL)
		tbuf_add(&r.out, "", 0);
	if (r.out.oom) {
		snprintf(why, whylen, "out of memory");
		return HTTP_ENOMEM;
	}
	*out = r.out.p;
	*outlen = r.out.len;
	return 0;
}
