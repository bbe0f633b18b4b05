/*
 * Page templates kept as files (DATADIR/templates/NAME.html), read once at
 * start and rendered from memory, in a small mustache-like language:
 *
 *	{{name}}		the value, HTML-escaped (absent: nothing)
 *	{{{name}}}		the value as it is: only for what the code made safe
 *	{{#name}}..{{/name}}	a list: once per item, with the item's values;
 *				a value: once if it is not empty
 *	{{^name}}..{{/name}}	once if name is absent, empty or an empty list
 *	{{>name}}		the template name.html, here
 *	{{_ Some text}}		the catalogue's text for the page language, escaped
 *	{{! a comment}}
 *
 * Names are looked up in the current item, then outward. Debian has no C
 * template library (mustach is not packaged; ctemplate is C++): hence this.
 */
#ifndef POORT_HTTP_TMPL_H
#define POORT_HTTP_TMPL_H

#include <stddef.h>

struct http_tv;
struct http_tmpl_set;

/* ---- values ---- */

struct http_tv *http_tv_new(void);
void http_tv_free(struct http_tv *tv);
/* Sets name to a copy of value (NULL: leaves it absent). 0 or HTTP_ENOMEM. */
int http_tv_set(struct http_tv *tv, const char *name, const char *value);
int http_tv_setf(struct http_tv *tv, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends a new item to the list name; the item (owned by tv), or NULL. */
struct http_tv *http_tv_add(struct http_tv *tv, const char *list);

/* ---- templates ---- */

/* Every *.html in dir. NULL with err set when dir or a file cannot be read. */
struct http_tmpl_set *http_tmpl_load(const char *dir, char *err, size_t errlen);
/* An empty set, and adding one template by hand (tests, fuzzing). */
struct http_tmpl_set *http_tmpl_set_new(void);
int http_tmpl_set_add(struct http_tmpl_set *set, const char *name, const char *text, size_t len);
void http_tmpl_free(struct http_tmpl_set *set);
/* 1 if the set has name. */
int http_tmpl_has(const struct http_tmpl_set *set, const char *name);
/*
 * Renders template name (without ".html") with tv in lang ("nl", "en"):
 * *out malloc'ed and NUL-terminated, *outlen its length. 0, or HTTP_ETMPL
 * (unknown template, unbalanced section, includes too deep) with why set,
 * or HTTP_ENOMEM.
 */
int http_tmpl_render(const struct http_tmpl_set *set, const char *name, const struct http_tv *tv,
                     const char *lang, char **out, size_t *outlen, char *why, size_t whylen);

#endif
