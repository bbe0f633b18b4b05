/* The page catalogue (include/poort/http_i18n.h). */
#include "poort/http_i18n.h"

#include <event2/http.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poort/http.h"

#define I18N_DOMAIN "poort"

static int i18n_ready;

int
http_i18n_init(const char *localedir, char *err, size_t errlen)
{
	/* not "C": glibc ignores LANGUAGE there; C.UTF-8 needs no locale files */
	if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL) {
		snprintf(err, errlen, "catalogue: the C.UTF-8 locale is missing");
		return -1;
	}
	if (setenv("LANGUAGE", "nl", 1) < 0 || bindtextdomain(I18N_DOMAIN, localedir) == NULL ||
	    bind_textdomain_codeset(I18N_DOMAIN, "UTF-8") == NULL) {
		snprintf(err, errlen, "catalogue: out of memory");
		return -1;
	}
	/* loads the catalogue now, while files may still be opened */
	if (strcmp(dgettext(I18N_DOMAIN, "Log in"), "Log in") == 0) {
		snprintf(err, errlen, "catalogue: no Dutch catalogue %s/nl/LC_MESSAGES/%s.mo",
		         localedir, I18N_DOMAIN);
		return -1;
	}
	i18n_ready = 1;
	return 0;
}

const char *
http_tr(const char *lang, const char *msgid)
{
	if (!i18n_ready || msgid[0] == '\0' || (lang != NULL && strcmp(lang, "en") == 0))
		return msgid;
	return dgettext(I18N_DOMAIN, msgid);
}

const char *
http_lang_accept(const char *al)
{
	const char *best = NULL;
	double bestq = 0;

	/* "nl-NL,nl;q=0.9,en;q=0.8": the language with the highest q, first on a tie */
	while (al != NULL && *al != '\0') {
		size_t l = strcspn(al, ",");
		const char *semi = memchr(al, ';', l), *lang = NULL, *q;
		size_t tl = semi != NULL ? (size_t)(semi - al) : l;
		double qv = 1;

		while (tl > 0 && *al == ' ') {
			al++;
			tl--;
			l--;
		}
		if (tl >= 2 && strncasecmp(al, "nl", 2) == 0 && (tl == 2 || al[2] == '-'))
			lang = "nl";
		else if (tl >= 2 && strncasecmp(al, "en", 2) == 0 && (tl == 2 || al[2] == '-'))
			lang = "en";
		if (semi != NULL && (q = strstr(semi, "q=")) != NULL && q < al + l)
			qv = strtod(q + 2, NULL);
		if (lang != NULL && qv > bestq) {
			best = lang;
			bestq = qv;
		}
		al += l;
		if (*al == ',')
			al++;
	}
	return best;
}

const char *
http_lang(struct evhttp_request *req, const char *choice)
{
	char c[8];
	const char *al;

	if (choice != NULL && (strcmp(choice, "en") == 0 || strcmp(choice, "nl") == 0))
		return strcmp(choice, "en") == 0 ? "en" : "nl";
	if (http_cookie_get(req, HTTP_LANG_COOKIE, c, sizeof(c)) == 0 &&
	    (strcmp(c, "en") == 0 || strcmp(c, "nl") == 0))
		return strcmp(c, "en") == 0 ? "en" : "nl";
	al = http_lang_accept(
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Language"));
	return al != NULL ? al : "nl";
}

void
http_lang_remember(struct evhttp_request *req, const char *lang)
{
	char c[128];

	snprintf(c, sizeof(c),
	         HTTP_LANG_COOKIE "=%s; Path=/; Max-Age=31536000; Secure; SameSite=Lax",
	         strcmp(lang, "en") == 0 ? "en" : "nl");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
}

/* The languages of the pages, each with its name in itself. */
static const struct {
	const char *code, *name;
} i18n_langs[] = {{"nl", "Nederlands"}, {"en", "English"}};

const char *
http_lang_other(const char *lang)
{
	return strcmp(lang, i18n_langs[0].code) == 0 ? i18n_langs[1].code : i18n_langs[0].code;
}

const char *
http_lang_name(const char *lang)
{
	return strcmp(lang, i18n_langs[1].code) == 0 ? i18n_langs[1].name : i18n_langs[0].name;
}
