/*
 * The template renderer (escaping by default, sections, lists, includes,
 * errors) and the catalogue: every {{_ text}} of the installed templates
 * has its Dutch text, and every template renders in both languages.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_i18n.h"
#include "poort/http_tmpl.h"
#include "test.h"

static struct http_tmpl_set *set;

static char *
render(const char *name, const struct http_tv *tv, const char *lang)
{
	char *out = NULL, why[160];
	size_t len;

	if (http_tmpl_render(set, name, tv, lang, &out, &len, why, sizeof(why)) < 0) {
		fprintf(stderr, "render %s: %s\n", name, why);
		return NULL;
	}
	CHECK_INT(len, strlen(out));
	return out;
}

static void
add(const char *name, const char *text)
{
	CHECK_INT(http_tmpl_set_add(set, name, text, strlen(text)), 0);
}

static void
expect(const char *name, const struct http_tv *tv, const char *want)
{
	char *out = render(name, tv, "en");
	CHECK_STR(out, want);
	free(out);
}

static void
test_render(void)
{
	struct http_tv *tv = http_tv_new(), *it;
	char *out, why[160];
	size_t len;

	set = http_tmpl_set_new();
	add("var", "<p title=\"{{v}}\">{{ v }}|{{{v}}}|{{missing}}</p>");
	add("sec",
	    "{{#flag}}on{{/flag}}{{^flag}}off{{/flag}}{{#empty}}E{{/empty}}{{^empty}}e{{/empty}}");
	add("list", "<ul>{{#rows}}<li>{{name}}@{{school}}{{#sub}}[{{x}}]{{/sub}}</li>{{/rows}}</"
	            "ul>{{^none}}-{{/none}}");
	add("inc", "a{{>part}}c{{! not shown }}");
	add("part", "<b>{{v}}</b>");
	add("loop", "{{>loop}}");
	add("open", "{{#a}}x");
	add("close", "x{{/a}}");
	add("cross", "{{#a}}{{#b}}{{/a}}{{/b}}");
	add("tag", "x{{v");
	add("nested", "{{#a}}{{#a}}in{{/a}}{{/a}}");

	http_tv_set(tv, "v", "<a href='x'>&\"");
	http_tv_set(tv, "flag", "1");
	http_tv_set(tv, "empty", "");
	http_tv_set(tv, "school", "De <School>");
	http_tv_set(tv, "a", "1");
	expect("var", tv,
	       "<p title=\"&lt;a href=&#39;x&#39;&gt;&amp;&quot;\">&lt;a "
	       "href=&#39;x&#39;&gt;&amp;&quot;|"
	       "<a href='x'>&\"|</p>");
	expect("sec", tv, "one");
	expect("list", tv, "<ul></ul>-");
	it = http_tv_add(tv, "rows");
	http_tv_set(it, "name", "an<na>");
	http_tv_set(http_tv_add(it, "sub"), "x", "1");
	http_tv_set(http_tv_add(it, "sub"), "x", "2");
	it = http_tv_add(tv, "rows");
	http_tv_set(it, "name", "bo");
	http_tv_set(it, "school", "Eigen"); /* the item's own value hides the outer one */
	expect("list", tv,
	       "<ul><li>an&lt;na&gt;@De &lt;School&gt;[1][2]</li><li>bo@Eigen</li></ul>-");
	expect("inc", tv, "a<b>&lt;a href=&#39;x&#39;&gt;&amp;&quot;</b>c");
	expect("nested", tv, "in");
	/* errors: not a page with half of it */
	CHECK_INT(http_tmpl_render(set, "loop", tv, "en", &out, &len, why, sizeof(why)),
	          HTTP_ETMPL);
	CHECK(out == NULL && strstr(why, "too deep") != NULL);
	CHECK_INT(http_tmpl_render(set, "open", tv, "en", &out, &len, why, sizeof(why)),
	          HTTP_ETMPL);
	CHECK_INT(http_tmpl_render(set, "close", tv, "en", &out, &len, why, sizeof(why)),
	          HTTP_ETMPL);
	CHECK_INT(http_tmpl_render(set, "cross", tv, "en", &out, &len, why, sizeof(why)),
	          HTTP_ETMPL);
	CHECK_INT(http_tmpl_render(set, "tag", tv, "en", &out, &len, why, sizeof(why)), HTTP_ETMPL);
	CHECK_INT(http_tmpl_render(set, "nope", tv, "en", &out, &len, why, sizeof(why)),
	          HTTP_ETMPL);
	CHECK(strstr(why, "nope") != NULL);
	CHECK(http_tmpl_has(set, "var") && !http_tmpl_has(set, "nope"));
	/* a list and a value of one name do not mix */
	CHECK(http_tv_add(tv, "v") == NULL);
	CHECK(http_tv_set(tv, "rows", "x") < 0);
	http_tv_free(tv);
	http_tmpl_free(set);
	set = NULL;
}

/* Every {{_ text}} in the installed templates, translated; every template renders. */
static void
test_catalogue(const char *data)
{
	char dir[1024], err[256], path[1400];
	struct dirent *de;
	DIR *d;
	int texts = 0;

	snprintf(dir, sizeof(dir), "%s/locale", data);
	CHECK_INT(http_i18n_init(dir, err, sizeof(err)), 0);
	CHECK_STR(http_tr("nl", "Log in"), "Inloggen");
	CHECK_STR(http_tr("en", "Log in"), "Log in");
	CHECK_STR(http_tr("xx", "Log in"), "Inloggen"); /* Dutch unless English */
	CHECK_STR(http_tr("nl", "not in the catalogue"), "not in the catalogue");
	snprintf(dir, sizeof(dir), "%s/templates", data);
	set = http_tmpl_load(dir, err, sizeof(err));
	CHECK(set != NULL);
	if (set == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *text, *p, *nl, *en;
		size_t n;
		FILE *f;
		if (strstr(de->d_name, ".html") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		text = calloc(1, 65537);
		n = f != NULL ? fread(text, 1, 65536, f) : 0;
		if (f != NULL)
			fclose(f);
		text[n] = '\0';
		for (p = text; (p = strstr(p, "{{_")) != NULL; p += 3) {
			char msgid[512];
			const char *s = p + 3, *e = strstr(s, "}}");
			while (*s == ' ')
				s++;
			if (e == NULL || (size_t)(e - s) >= sizeof(msgid))
				break;
			while (e > s && e[-1] == ' ')
				e--;
			memcpy(msgid, s, (size_t)(e - s));
			msgid[e - s] = '\0';
			texts++;
			if (strcmp(http_tr("nl", msgid), msgid) == 0) {
				fprintf(stderr, "%s: no Dutch text for \"%s\" in po/nl.po\n",
				        de->d_name, msgid);
				CHECK(0);
			}
		}
		free(text);
		de->d_name[strlen(de->d_name) - 5] = '\0';
		nl = render(de->d_name, NULL, "nl");
		en = render(de->d_name, NULL, "en");
		CHECK(nl != NULL && en != NULL);
		free(nl);
		free(en);
	}
	closedir(d);
	CHECK(texts > 20);
	http_tmpl_free(set);
}

static void
test_accept_language(void)
{
	CHECK_STR(http_lang_accept("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7"), "nl");
	CHECK_STR(http_lang_accept("en-US,en;q=0.9,nl;q=0.8"), "en");
	CHECK_STR(http_lang_accept("de-DE,de;q=0.9,en;q=0.5,nl;q=0.4"), "en");
	CHECK_STR(http_lang_accept("fr;q=0.9, nl;q=0.3, en;q=0.6"), "en");
	CHECK(http_lang_accept("de, fr") == NULL);
	CHECK(http_lang_accept(NULL) == NULL);
	CHECK(http_lang_accept("nlx, enx") == NULL);
	CHECK_STR(http_lang_other("nl"), "en");
	CHECK_STR(http_lang_other("en"), "nl");
	CHECK_STR(http_lang_name("en"), "English");
	CHECK_STR(http_lang_name("nl"), "Nederlands");
}

int
main(void)
{
	test_render();
	test_accept_language();
	test_catalogue(getenv("POORT_DATA") != NULL ? getenv("POORT_DATA")
	                                            : "../../../build/share/poort");
	TEST_DONE();
}
