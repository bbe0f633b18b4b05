/*
 * The Dutch/English catalogue of the web pages, with gettext: the message
 * ids are the English text, po/nl.po gives the Dutch, compiled with msgfmt
 * into DATADIR/locale/nl/LC_MESSAGES/poort.mo.
 *
 * How it works per request without switching locales: English is the
 * source language, so http_tr("en", s) is s itself and never asks gettext;
 * Dutch asks gettext, set up once at start with LC_MESSAGES "C.UTF-8" and
 * LANGUAGE "nl". Only "C" makes glibc ignore LANGUAGE; C.UTF-8 is built
 * into glibc (2.35+), so this needs no locale archive and works on the box
 * image. A third language would need LANGUAGE switched per request and
 * the catalogue cache bumped (_nl_msg_cat_cntr): see src/http/README.md.
 */
#ifndef POORT_HTTP_I18N_H
#define POORT_HTTP_I18N_H

#include <stddef.h>

struct evhttp_request;

/* Marks a message id for the catalogue where it is not translated yet. */
#define N_(s) (s)

/* The cookie that keeps a chosen language. */
#define HTTP_LANG_COOKIE "__Host-poort_lang"

/*
 * Sets gettext up with the catalogue under localedir and loads it (before
 * the sandbox). 0, or -1 with err set when the Dutch catalogue is missing.
 */
int http_i18n_init(const char *localedir, char *err, size_t errlen);
/* msgid in lang ("nl" or "en"; anything else is Dutch). Lent, static. */
const char *http_tr(const char *lang, const char *msgid);
/*
 * The page language, "nl" or "en": choice (a form's or query's lang) when
 * it is one of them, else the HTTP_LANG_COOKIE cookie, else the first of
 * nl or en in Accept-Language by quality, else Dutch.
 */
const char *http_lang(struct evhttp_request *req, const char *choice);
/* The language of an Accept-Language value: "nl", "en", or NULL (neither). */
const char *http_lang_accept(const char *al);
/* The other language of the two (for a switch link), and a language's own name. */
const char *http_lang_other(const char *lang);
const char *http_lang_name(const char *lang);
/* Remembers lang ("nl" or "en") in the HTTP_LANG_COOKIE cookie on req's answer. */
void http_lang_remember(struct evhttp_request *req, const char *lang);

#endif
