/*
 * Our own metadata, as a federation registers it: valid against the OASIS
 * SAML 2.0 metadata schema (element order matters: SingleLogoutService
 * before NameIDFormat), with the scope we assert (shibmd:Scope), how the
 * school shows in a discovery page (mdui:UIInfo), who to call
 * (Organization, ContactPerson) and how long a copy may be cached. The
 * caller signs it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/config_saml.h"
#include "saml_int.h"

#define SIMETA_NS_MDUI "urn:oasis:names:tc:SAML:metadata:ui"
#define SIMETA_NS_SHIBMD "urn:mace:shibboleth:metadata:1.0"

struct simeta_buf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
simeta_grow(struct simeta_buf *b, size_t more)
{
	char *np;
	size_t cap;

	if (b->failed || b->len + more + 1 <= b->cap)
		return;
	cap = (b->len + more + 1) * 2;
	if ((np = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return;
	}
	b->p = np;
	b->cap = cap;
}

__attribute__((format(printf, 2, 3))) static void
simeta_add(struct simeta_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	simeta_grow(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* s as XML text or attribute value */
static void
simeta_text(struct simeta_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': simeta_add(b, "&lt;"); break;
		case '>': simeta_add(b, "&gt;"); break;
		case '&': simeta_add(b, "&amp;"); break;
		case '"': simeta_add(b, "&quot;"); break;
		default: simeta_add(b, "%c", *s); break;
		}
	}
}

/* <md:NAME xml:lang="LANG">text</md:NAME> and its like */
static void
simeta_elem(struct simeta_buf *b, const char *name, const char *lang, const char *text)
{
	simeta_add(b, "<%s", name);
	if (lang != NULL)
		simeta_add(b, " xml:lang=\"%s\"", lang);
	simeta_add(b, ">");
	simeta_text(b, text);
	simeta_add(b, "</%s>", name);
}

static void
simeta_keys(struct simeta_buf *b, const char *cert, const char *next)
{
	static const char kd[] =
		"<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
		"%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";

	simeta_add(b, kd, cert);
	if (next != NULL)
		simeta_add(b, kd, next);
}

static void
simeta_extensions(struct simeta_buf *b, const struct config_saml *sc)
{
	static const char *const langs[] = {"nl", "en"};

	simeta_add(b, "<md:Extensions>");
	if (sc->scope[0] != '\0') {
		simeta_add(b, "<shibmd:Scope regexp=\"false\">");
		simeta_text(b, sc->scope);
		simeta_add(b, "</shibmd:Scope>");
	}
	simeta_add(b, "<mdui:UIInfo>");
	for (int i = 0; i < 2; i++) {
		const char *dn = sc->display_name[i][0] ? sc->display_name[i]
			       : sc->display_name[!i][0] ? sc->display_name[!i]
			       : sc->organization[0]     ? sc->organization
							 : sc->entity_id;
		simeta_elem(b, "mdui:DisplayName", langs[i], dn);
	}
	for (int i = 0; i < 2; i++)
		if (sc->information_url[i][0] != '\0')
			simeta_elem(b, "mdui:InformationURL", langs[i], sc->information_url[i]);
	if (sc->logo[0] != '\0') {
		simeta_add(b, "<mdui:Logo height=\"%u\" width=\"%u\">", sc->logo_height,
			   sc->logo_width);
		simeta_text(b, sc->logo);
		simeta_add(b, "</mdui:Logo>");
	}
	simeta_add(b, "</mdui:UIInfo></md:Extensions>");
}

static void
simeta_contact(struct simeta_buf *b, const char *type, const struct config_saml_contact *c)
{
	if (c->email[0] == '\0')
		return;
	simeta_add(b, "<md:ContactPerson contactType=\"%s\">", type);
	simeta_elem(b, "md:GivenName", NULL, c->name);
	simeta_add(b, "<md:EmailAddress>mailto:");
	simeta_text(b, c->email);
	simeta_add(b, "</md:EmailAddress></md:ContactPerson>");
}

static void
simeta_organization(struct simeta_buf *b, const struct config_saml *sc)
{
	static const char *const langs[] = {"nl", "en"};
	const char *url = sc->organization_url[0] ? sc->organization_url : sc->base_url;

	if (sc->organization[0] == '\0')
		return;
	simeta_add(b, "<md:Organization>");
	for (int i = 0; i < 2; i++)
		simeta_elem(b, "md:OrganizationName", langs[i], sc->organization);
	for (int i = 0; i < 2; i++)
		simeta_elem(b, "md:OrganizationDisplayName", langs[i],
			    sc->display_name[i][0] ? sc->display_name[i] : sc->organization);
	for (int i = 0; i < 2; i++)
		simeta_elem(b, "md:OrganizationURL", langs[i], url);
	simeta_add(b, "</md:Organization>");
}

char *
saml_idpmeta_build(const struct config_saml *sc, const char *cert, const char *next, time_t now)
{
	struct simeta_buf b = {0};
	char until[SAML_TIME_LEN], cache[32];

	saml_time_format(now + 7 * 86400, until);
	if (sc->cache_duration % 3600 == 0)
		snprintf(cache, sizeof(cache), "PT%uH", sc->cache_duration / 3600);
	else
		snprintf(cache, sizeof(cache), "PT%uS", sc->cache_duration);
	simeta_add(&b,
		   "<?xml version=\"1.0\"?>\n"
		   "<md:EntityDescriptor xmlns:md=\"" SAML_NS_MD "\" xmlns:ds=\"" SAML_NS_DS "\""
		   " xmlns:mdui=\"" SIMETA_NS_MDUI "\" xmlns:shibmd=\"" SIMETA_NS_SHIBMD "\""
		   " ID=\"_poort-md\" entityID=\"");
	simeta_text(&b, sc->entity_id);
	simeta_add(&b, "\" validUntil=\"%s\" cacheDuration=\"%s\">", until, cache);
	simeta_add(&b, "<md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\""
		       " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">");
	simeta_extensions(&b, sc);
	simeta_keys(&b, cert, next);
	/* schema order: SingleLogoutService, NameIDFormat, SingleSignOnService */
	simeta_add(&b, "<md:SingleLogoutService Binding=\"" SAML_BINDING_REDIRECT "\" Location=\"");
	simeta_text(&b, sc->base_url);
	simeta_add(&b,
		   "/saml/slo\"/>"
		   "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>"
		   "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
		   "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>");
	for (int i = 0; i < 2; i++) {
		simeta_add(&b, "<md:SingleSignOnService Binding=\"%s\" Location=\"",
			   i == 0 ? SAML_BINDING_REDIRECT : SAML_BINDING_POST);
		simeta_text(&b, sc->base_url);
		simeta_add(&b, "/saml/sso\"/>");
	}
	simeta_add(&b, "</md:IDPSSODescriptor>");
	if (sc->upstream != NULL) {
		/* proxy mode: we are also an SP toward the school's IdP */
		simeta_add(&b, "<md:SPSSODescriptor AuthnRequestsSigned=\"true\""
			       " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">");
		simeta_keys(&b, cert, next);
		simeta_add(&b, "<md:AssertionConsumerService Binding=\"" SAML_BINDING_POST
			       "\" Location=\"");
		simeta_text(&b, sc->base_url);
		simeta_add(&b, "/saml/acs\" index=\"0\"/></md:SPSSODescriptor>");
	}
	simeta_organization(&b, sc);
	simeta_contact(&b, "technical", &sc->contact_technical);
	simeta_contact(&b, "support", &sc->contact_support);
	simeta_add(&b, "</md:EntityDescriptor>\n");
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
