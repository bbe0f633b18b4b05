/*
 * SP metadata: a federation file (EntitiesDescriptor) or one
 * EntityDescriptor, trusted only when signed by the federation certificate
 * and not past validUntil (lasso checks neither the way we need). What we
 * keep of each SP is what the SSO checks need; lasso gets each
 * EntityDescriptor as a standalone document.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/config_saml.h"
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
	free(sp->enc_cert);
	for (int i = 0; i < 3; i++) {
		free(sp->mdui_name[i]);
		free(sp->org_name[i]);
	}
}

#define SMETA_NS_MDUI "urn:oasis:names:tc:SAML:metadata:ui"
#define SMETA_NAME_MAX 200

/* Keeps n's text in names[0] (nl), [1] (en) or [2] (the first of any language). */
static void
smeta_name_take(const xmlNode *n, char *names[3])
{
	xmlChar *lang = xmlGetNsProp(n, (const xmlChar *)"lang", XML_XML_NAMESPACE);
	xmlChar *text = xmlNodeGetContent(n);
	int slot[2] = {-1, -1};

	if (text != NULL && text[0] != '\0' && strlen((const char *)text) <= SMETA_NAME_MAX) {
		if (lang != NULL && strncmp((const char *)lang, "nl", 2) == 0)
			slot[0] = 0;
		else if (lang != NULL && strncmp((const char *)lang, "en", 2) == 0)
			slot[0] = 1;
		slot[1] = 2;
		for (int i = 0; i < 2; i++)
			if (slot[i] >= 0 && names[slot[i]] == NULL)
				names[slot[i]] = strdup((const char *)text);
	}
	xmlFree(lang);
	xmlFree(text);
}

static void
smeta_names(const xmlNode *ed, const xmlNode *sso, struct saml_sp *sp)
{
	const xmlNode *ext = saml_xml_child(sso, SAML_NS_MD, "Extensions");
	const xmlNode *ui = ext != NULL ? saml_xml_child(ext, SMETA_NS_MDUI, "UIInfo") : NULL;
	const xmlNode *org = saml_xml_child(ed, SAML_NS_MD, "Organization");

	for (const xmlNode *c = ui != NULL ? ui->children : NULL; c != NULL; c = c->next)
		if (saml_xml_is(c, SMETA_NS_MDUI, "DisplayName"))
			smeta_name_take(c, sp->mdui_name);
	for (const xmlNode *c = org != NULL ? org->children : NULL; c != NULL; c = c->next)
		if (saml_xml_is(c, SAML_NS_MD, "OrganizationDisplayName"))
			smeta_name_take(c, sp->org_name);
}

const char *
saml_sp_display_name(const struct saml_sp *sp, int en)
{
	int order[3] = {en ? 1 : 0, en ? 0 : 1, 2};

	for (int i = 0; i < 3; i++)
		if (sp->mdui_name[order[i]] != NULL)
			return sp->mdui_name[order[i]];
	for (int i = 0; i < 3; i++)
		if (sp->org_name[order[i]] != NULL)
			return sp->org_name[order[i]];
	return sp->entity_id;
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

static unsigned char *smeta_cert_der(const xmlNode *x509, size_t *derlen);
static char *smeta_pem(const unsigned char *der, size_t derlen);
static const xmlNode *smeta_keyinfo_cert(const xmlNode *parent);

#define SMETA_GCM128 "http://www.w3.org/2009/xmlenc11#aes128-gcm"
#define SMETA_GCM256 "http://www.w3.org/2009/xmlenc11#aes256-gcm"

/* An encryption KeyDescriptor: its certificate, and whether it offers GCM. */
static void
smeta_enc_key(const xmlNode *kd, struct saml_sp *sp)
{
	unsigned char *der;
	size_t derlen = 0;

	sp->has_enc_key = 1;
	if (sp->enc_cert == NULL && (der = smeta_cert_der(smeta_keyinfo_cert(kd), &derlen)) != NULL) {
		sp->enc_cert = smeta_pem(der, derlen);
		free(der);
	}
	for (const xmlNode *c = kd->children; c != NULL; c = c->next) {
		char *alg;
		if (!saml_xml_is(c, SAML_NS_MD, "EncryptionMethod") ||
		    (alg = saml_xml_attr(c, "Algorithm")) == NULL)
			continue;
		if (strcmp(alg, SMETA_GCM256) == 0)
			sp->enc_gcm = 256;
		else if (strcmp(alg, SMETA_GCM128) == 0 && sp->enc_gcm == 0)
			sp->enc_gcm = 128;
		free(alg);
	}
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
				smeta_enc_key(c, sp);
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
	smeta_names(ed, sso, sp);
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

static int
smeta_pinned(const struct saml_trust *t, enum config_pin_kind kind, const unsigned char *data,
	     size_t len)
{
	unsigned char md[32];
	unsigned mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md))
		return 0;
	for (size_t i = 0; i < t->npins; i++)
		if (t->pins[i].kind == kind && CRYPTO_memcmp(t->pins[i].sha256, md, sizeof(md)) == 0)
			return 1;
	return 0;
}

/* A ds:X509Certificate's DER; NULL if absent or not base64. */
static unsigned char *
smeta_cert_der(const xmlNode *x509, size_t *derlen)
{
	unsigned char *der = NULL;
	xmlChar *b64;

	if (x509 == NULL || (b64 = xmlNodeGetContent(x509)) == NULL)
		return NULL;
	if (saml_b64_decode((const char *)b64, strlen((const char *)b64), &der, derlen,
			    64 * 1024) < 0)
		der = NULL;
	xmlFree(b64);
	return der;
}

/* DER as PEM, as xmlsec reads it: base64 in lines of 64. */
static char *
smeta_pem(const unsigned char *der, size_t derlen)
{
	char *pem = malloc((derlen + 2) / 3 * 4 * 65 / 64 + 80);
	size_t o;

	if (pem == NULL)
		return NULL;
	o = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n");
	for (size_t i = 0; i < derlen; i += 48) {
		size_t chunk = derlen - i < 48 ? derlen - i : 48;
		o += (size_t)EVP_EncodeBlock((unsigned char *)pem + o, der + i, (int)chunk);
		pem[o++] = '\n';
	}
	strcpy(pem + o, "-----END CERTIFICATE-----\n");
	return pem;
}

/* The ds:X509Certificate of a ds:KeyInfo's X509Data, or NULL. */
static const xmlNode *
smeta_keyinfo_cert(const xmlNode *parent)
{
	const xmlNode *n = saml_xml_child(parent, SAML_NS_DS, "KeyInfo");

	if (n == NULL || (n = saml_xml_child(n, SAML_NS_DS, "X509Data")) == NULL)
		return NULL;
	return saml_xml_child(n, SAML_NS_DS, "X509Certificate");
}

/* The certificate in the root signature's KeyInfo, if its SHA-256 is pinned, as PEM. */
static char *
smeta_pinned_cert(const struct saml_trust *t, const xmlNode *root)
{
	const xmlNode *sig = saml_xml_child(root, SAML_NS_DS, "Signature");
	unsigned char *der;
	size_t derlen = 0;
	char *pem = NULL;

	if (sig == NULL || (der = smeta_cert_der(smeta_keyinfo_cert(sig), &derlen)) == NULL)
		return NULL;
	if (smeta_pinned(t, CONFIG_PIN_CERTIFICATE, der, derlen))
		pem = smeta_pem(der, derlen);
	free(der);
	return pem;
}

/* 0 when t trusts doc (buf as fetched); else an error and why. */
static int
smeta_trusted(const struct saml_trust *t, xmlDoc *doc, const char *buf, size_t len, char *why,
	      size_t whylen)
{
	char *pem;
	int rc = SAML_ENOSIG;

	if (smeta_pinned(t, CONFIG_PIN_DOCUMENT, (const unsigned char *)buf, len))
		return 0;
	if (t->fed_cert != NULL && (rc = saml_xml_verify(doc, t->fed_cert, t->fedlen)) == 0)
		return 0;
	if (t->npins > 0 && (pem = smeta_pinned_cert(t, xmlDocGetRootElement(doc))) != NULL) {
		rc = saml_xml_verify(doc, pem, strlen(pem));
		free(pem);
		if (rc == 0)
			return 0;
	}
	if (t->fed_cert != NULL && t->npins == 0)
		snprintf(why, whylen, "signature check against the federation certificate failed: %s",
			 saml_strerror(rc));
	else
		snprintf(why, whylen,
			 "neither signed by the federation certificate nor matching a metadata_pin"
			 " (%s)",
			 saml_strerror(rc));
	return rc < 0 ? rc : SAML_EBADSIG;
}

int
saml_meta_load(const char *buf, size_t len, const struct saml_trust *trust, time_t now,
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
	if ((rc = smeta_trusted(trust, doc, buf, len, why, whylen)) < 0)
		goto fail;
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
	case SAML_ENOATTR: return "account lacks an attribute the service needs";
	case SAML_ESCOPE: return "user id not in the configured upstream scope";
	case SAML_EDEST: return "request sent to another destination";
	default: return "error";
	}
}
