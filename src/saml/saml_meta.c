/*
 * SP metadata: a federation file (EntitiesDescriptor) or one
 * EntityDescriptor, trusted only when signed by the federation certificate
 * and not past validUntil (lasso checks neither the way we need). What we
 * keep of each SP is what the SSO checks need; lasso gets each
 * EntityDescriptor as a standalone document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saml_int.h"

int
saml_file_read(const char *path, size_t max, char **out, size_t *outlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return SAML_EIO;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		return SAML_ENOMEM;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(buf);
		return SAML_ETOOBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

static int
smeta_strv_add(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

static void
smeta_sp_free(struct saml_sp *sp)
{
	free(sp->entity_id);
	for (size_t i = 0; i < sp->nacs; i++)
		free(sp->acs[i]);
	free(sp->acs);
	free(sp->slo);
	free(sp->xml);
}

/* Serialises one EntityDescriptor as its own document, namespaces and all. */
static char *
smeta_standalone(const xmlNode *ed)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *copy;
	xmlChar *mem = NULL;
	char *r = NULL;
	int len = 0;

	if (doc == NULL)
		return NULL;
	copy = xmlDocCopyNode((xmlNode *)(uintptr_t)ed, doc, 1);
	if (copy != NULL) {
		xmlDocSetRootElement(doc, copy);
		xmlReconciliateNs(doc, copy);
		xmlDocDumpMemory(doc, &mem, &len);
		if (mem != NULL)
			r = strdup((const char *)mem);
		xmlFree(mem);
	}
	xmlFreeDoc(doc);
	return r;
}

static int
smeta_sp_parse(const xmlNode *ed, struct saml_sp *sp)
{
	const xmlNode *sso = saml_xml_child(ed, SAML_NS_MD, "SPSSODescriptor");
	char *v;

	memset(sp, 0, sizeof(*sp));
	if (sso == NULL)
		return 1; /* not an SP: skipped */
	if ((sp->entity_id = saml_xml_attr(ed, "entityID")) == NULL)
		return SAML_EMALFORMED;
	v = saml_xml_attr(sso, "AuthnRequestsSigned");
	sp->want_signed = v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	free(v);
	v = saml_xml_attr(sso, "WantAssertionsSigned");
	sp->want_assertions_signed = v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	free(v);
	for (const xmlNode *c = sso->children; c != NULL; c = c->next) {
		if (saml_xml_is(c, SAML_NS_MD, "KeyDescriptor")) {
			v = saml_xml_attr(c, "use");
			if (v != NULL && strcmp(v, "encryption") == 0)
				sp->has_enc_key = 1;
			free(v);
		} else if (saml_xml_is(c, SAML_NS_MD, "AssertionConsumerService")) {
			char *b = saml_xml_attr(c, "Binding"), *loc = saml_xml_attr(c, "Location");
			char *def = saml_xml_attr(c, "isDefault");
			if (b != NULL && loc != NULL && strcmp(b, SAML_BINDING_POST) == 0) {
				if (smeta_strv_add(&sp->acs, &sp->nacs, loc) < 0) {
					free(loc);
					loc = NULL;
				} else if (sp->acs_default == NULL ||
					   (def != NULL && strcmp(def, "true") == 0)) {
					sp->acs_default = loc;
				}
			} else {
				free(loc);
			}
			free(b);
			free(def);
		} else if (saml_xml_is(c, SAML_NS_MD, "SingleLogoutService") && sp->slo == NULL) {
			char *b = saml_xml_attr(c, "Binding");
			if (b != NULL && strcmp(b, SAML_BINDING_REDIRECT) == 0)
				sp->slo = saml_xml_attr(c, "Location");
			free(b);
		}
	}
	if (sp->nacs == 0)
		return SAML_EMALFORMED;
	if ((sp->xml = smeta_standalone(ed)) == NULL)
		return SAML_ENOMEM;
	return 0;
}

static int
smeta_valid_until(const xmlNode *n, time_t now, time_t *until)
{
	char *v = saml_xml_attr(n, "validUntil");
	time_t t;
	int rc = 0;

	if (v == NULL)
		return 0;
	if (saml_time_parse(v, &t) < 0)
		rc = SAML_EMALFORMED;
	else if (t <= now)
		rc = SAML_EEXPIRED;
	else if (*until == 0 || t < *until)
		*until = t;
	free(v);
	return rc;
}

int
saml_meta_load(const char *buf, size_t len, const char *fed_cert, size_t fedlen, time_t now,
	       struct saml_meta *out, char *why, size_t whylen)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc;

	memset(out, 0, sizeof(*out));
	doc = saml_xml_parse(buf, len, 1);
	if (doc == NULL) {
		snprintf(why, whylen, "not well-formed XML, or has a DTD");
		return SAML_EMALFORMED;
	}
	root = xmlDocGetRootElement(doc);
	if (!saml_xml_is(root, SAML_NS_MD, "EntitiesDescriptor") &&
	    !saml_xml_is(root, SAML_NS_MD, "EntityDescriptor")) {
		snprintf(why, whylen, "root is not an EntitiesDescriptor or EntityDescriptor");
		rc = SAML_EMALFORMED;
		goto fail;
	}
	rc = saml_xml_verify(doc, fed_cert, fedlen);
	if (rc < 0) {
		snprintf(why, whylen, "signature check against the federation certificate failed: %s",
			 saml_strerror(rc));
		goto fail;
	}
	if ((rc = smeta_valid_until(root, now, &out->valid_until)) < 0) {
		snprintf(why, whylen, "validUntil %s", rc == SAML_EEXPIRED ? "has passed" : "is malformed");
		goto fail;
	}
	for (const xmlNode *ed = saml_xml_is(root, SAML_NS_MD, "EntityDescriptor") ? root
										  : root->children;
	     ed != NULL; ed = ed == root ? NULL : ed->next) {
		struct saml_sp sp, *nsps;
		if (!saml_xml_is(ed, SAML_NS_MD, "EntityDescriptor"))
			continue;
		if (smeta_valid_until(ed, now, &out->valid_until) < 0)
			continue; /* one expired entity does not spoil the file */
		rc = smeta_sp_parse(ed, &sp);
		if (rc != 0) {
			smeta_sp_free(&sp);
			if (rc == SAML_ENOMEM)
				goto fail;
			continue;
		}
		nsps = realloc(out->sps, (out->nsps + 1) * sizeof(*nsps));
		if (nsps == NULL) {
			smeta_sp_free(&sp);
			rc = SAML_ENOMEM;
			goto fail;
		}
		out->sps = nsps;
		out->sps[out->nsps++] = sp;
	}
	xmlFreeDoc(doc);
	return 0;
fail:
	if (rc == SAML_ENOMEM)
		snprintf(why, whylen, "out of memory");
	saml_meta_free(out);
	xmlFreeDoc(doc);
	return rc;
}

void
saml_meta_free(struct saml_meta *m)
{
	for (size_t i = 0; i < m->nsps; i++)
		smeta_sp_free(&m->sps[i]);
	free(m->sps);
	memset(m, 0, sizeof(*m));
}

const struct saml_sp *
saml_meta_find(const struct saml_meta *m, size_t n, const char *entity)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m[i].nsps; j++)
			if (strcmp(m[i].sps[j].entity_id, entity) == 0)
				return &m[i].sps[j];
	return NULL;
}

int
saml_sp_acs_allowed(const struct saml_sp *sp, const char *url)
{
	for (size_t i = 0; i < sp->nacs; i++)
		if (strcmp(sp->acs[i], url) == 0)
			return 1;
	return 0;
}

const char *
saml_strerror(int err)
{
	switch (err) {
	case SAML_ENOMEM: return "out of memory";
	case SAML_EMALFORMED: return "malformed message";
	case SAML_ETOOBIG: return "message too large";
	case SAML_EBADSIG: return "bad signature";
	case SAML_ENOSIG: return "signature missing";
	case SAML_ESHA1: return "SHA-1 signature refused";
	case SAML_EEXPIRED: return "expired";
	case SAML_EUNKNOWN: return "unknown service provider";
	case SAML_EACS: return "AssertionConsumerServiceURL not in metadata";
	case SAML_EREPLAY: return "replayed request";
	case SAML_ECONFIG: return "configuration error";
	case SAML_EIO: return "cannot read file";
	case SAML_EFULL: return "replay cache or log queue full";
	case SAML_EDEST: return "request sent to another destination";
	default: return "error";
	}
}
