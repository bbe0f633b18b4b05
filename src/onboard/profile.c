/*
 * eap-config and Apple mobileconfig documents (see poort/onboard_profile.h),
 * written with libxml2's text writer so every value is escaped.
 *
 * eap-config follows the EAP metadata schema of eduroam CAT
 * (eap-metadata.xsd) as the geteduroam apps read it: EAPIdentityProvider
 * with ValidUntil, AuthenticationMethods, CredentialApplicability,
 * ProviderInfo, in that order.
 */
#include "poort/onboard_profile.h"

#include <libxml/xmlwriter.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define W(x) ((const xmlChar *)(x))

static int
prof_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

/* Base64 without line breaks (malloc'ed). */
static char *
prof_b64(const unsigned char *in, size_t len)
{
	char *out;

	if (len > (size_t)1 << 28 || (out = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

static int
prof_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
	return xmlTextWriterWriteElement(w, W(name), W(text)) < 0 ? -1 : 0;
}

static int
prof_b64_elem(xmlTextWriterPtr w, const char *name, const char *a1, const char *v1,
	      const char *a2, const char *v2, const unsigned char *data, size_t len)
{
	char *b = prof_b64(data, len);
	int rc = -1;

	if (b == NULL)
		return -1;
	if (xmlTextWriterStartElement(w, W(name)) >= 0 &&
	    xmlTextWriterWriteAttribute(w, W(a1), W(v1)) >= 0 &&
	    xmlTextWriterWriteAttribute(w, W(a2), W(v2)) >= 0 &&
	    xmlTextWriterWriteString(w, W(b)) >= 0 && xmlTextWriterEndElement(w) >= 0)
		rc = 0;
	free(b);
	return rc;
}

static int
prof_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static int
prof_check(const struct onboard_profile *p)
{
	if (!prof_set(p->realm) || !prof_set(p->display_name) || p->nssids == 0 ||
	    !prof_set(p->server_name) || p->ca_der == NULL || p->ca_len == 0 ||
	    !prof_set(p->outer_identity) || p->p12 == NULL || p->p12_len == 0 ||
	    p->p12_pass == NULL)
		return ONBOARD_EINVAL;
	return 0;
}

/* Ends the document and hands the buffer over. */
static int
prof_finish(xmlTextWriterPtr w, xmlBufferPtr buf, int ok, unsigned char **out, size_t *len)
{
	int rc = ONBOARD_ENOMEM;

	if (ok == 0 && xmlTextWriterEndDocument(w) >= 0) {
		xmlFreeTextWriter(w);
		w = NULL;
		*len = (size_t)xmlBufferLength(buf);
		if ((*out = malloc(*len + 1)) != NULL) {
			memcpy(*out, xmlBufferContent(buf), *len);
			(*out)[*len] = '\0';
			rc = 0;
		}
	}
	xmlFreeTextWriter(w);
	/* the buffer held the passphrase and the key */
	if (buf->content != NULL)
		memset(buf->content, 0, buf->size);
	xmlBufferFree(buf);
	return rc;
}

static int
prof_eap_method(xmlTextWriterPtr w, const struct onboard_profile *p)
{
	if (xmlTextWriterStartElement(w, W("AuthenticationMethods")) < 0 ||
	    xmlTextWriterStartElement(w, W("AuthenticationMethod")) < 0 ||
	    xmlTextWriterStartElement(w, W("EAPMethod")) < 0 || prof_elem(w, "Type", "13") < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, W("ServerSideCredential")) < 0 ||
	    prof_b64_elem(w, "CA", "format", "X.509", "encoding", "base64", p->ca_der, p->ca_len) <
		0 ||
	    prof_elem(w, "ServerID", p->server_name) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, W("ClientSideCredential")) < 0 ||
	    prof_elem(w, "OuterIdentity", p->outer_identity) < 0 ||
	    prof_b64_elem(w, "ClientCertificate", "format", "PKCS12", "encoding", "base64", p->p12,
			  p->p12_len) < 0 ||
	    prof_elem(w, "Passphrase", p->p12_pass) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int
prof_provider_info(xmlTextWriterPtr w, const struct onboard_profile *p)
{
	if (xmlTextWriterStartElement(w, W("ProviderInfo")) < 0 ||
	    prof_elem(w, "DisplayName", p->display_name) < 0)
		return -1;
	if (p->logo != NULL && p->logo_len > 0 &&
	    prof_b64_elem(w, "ProviderLogo", "mime", p->logo_mime != NULL ? p->logo_mime : "image/png",
			  "encoding", "base64", p->logo, p->logo_len) < 0)
		return -1;
	if (prof_set(p->terms) && prof_elem(w, "TermsOfUse", p->terms) < 0)
		return -1;
	if (prof_set(p->helpdesk_email) || prof_set(p->helpdesk_url) || prof_set(p->helpdesk_phone)) {
		if (xmlTextWriterStartElement(w, W("Helpdesk")) < 0 ||
		    (prof_set(p->helpdesk_email) &&
		     prof_elem(w, "EmailAddress", p->helpdesk_email) < 0) ||
		    (prof_set(p->helpdesk_url) && prof_elem(w, "WebAddress", p->helpdesk_url) < 0) ||
		    (prof_set(p->helpdesk_phone) && prof_elem(w, "Phone", p->helpdesk_phone) < 0) ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int
onboard_eapconfig(const struct onboard_profile *p, unsigned char **out, size_t *len)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w = NULL;
	char until[32];
	int ok = -1;

	*out = NULL;
	if (prof_check(p) < 0 || prof_time(p->valid_until, until, sizeof(until)) < 0)
		return ONBOARD_EINVAL;
	if ((buf = xmlBufferCreate()) == NULL || (w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		return ONBOARD_ENOMEM;
	}
	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, W("EAPIdentityProviderList")) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("xmlns:xsi"),
					W("http://www.w3.org/2001/XMLSchema-instance")) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("xsi:noNamespaceSchemaLocation"),
					W("eap-metadata.xsd")) < 0 ||
	    xmlTextWriterStartElement(w, W("EAPIdentityProvider")) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("ID"), W(p->realm)) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("namespace"), W("urn:RFC4282:realm")) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("lang"), W("en")) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("version"), W("1")) < 0 ||
	    prof_elem(w, "ValidUntil", until) < 0 || prof_eap_method(w, p) < 0 ||
	    xmlTextWriterStartElement(w, W("CredentialApplicability")) < 0)
		goto done;
	for (size_t i = 0; i < p->nssids; i++)
		if (xmlTextWriterStartElement(w, W("IEEE80211")) < 0 ||
		    prof_elem(w, "SSID", p->ssids[i]) < 0 || prof_elem(w, "MinRSNProto", "CCMP") < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			goto done;
	if (xmlTextWriterEndElement(w) < 0 || prof_provider_info(w, p) < 0)
		goto done;
	ok = 0;
done:
	return prof_finish(w, buf, ok, out, len);
}

/* UUID i of the profile: SHA-256(seed, i) shaped as a version 4 UUID. */
static void
prof_uuid(const struct onboard_profile *p, unsigned i, char out[37])
{
	unsigned char in[20], h[SHA256_DIGEST_LENGTH];
	size_t o = 0;

	memcpy(in, p->seed, 16);
	in[16] = (unsigned char)(i >> 24);
	in[17] = (unsigned char)(i >> 16);
	in[18] = (unsigned char)(i >> 8);
	in[19] = (unsigned char)i;
	SHA256(in, sizeof(in), h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	for (unsigned k = 0; k < 16; k++) {
		if (k == 4 || k == 6 || k == 8 || k == 10)
			out[o++] = '-';
		snprintf(out + o, 3, "%02X", h[k]);
		o += 2;
	}
	out[o] = '\0';
}

static int
pl_kv(xmlTextWriterPtr w, const char *key, const char *type, const char *value)
{
	if (prof_elem(w, "key", key) < 0)
		return -1;
	if (value == NULL) /* true, false */
		return xmlTextWriterStartElement(w, W(type)) < 0 || xmlTextWriterEndElement(w) < 0
			   ? -1
			   : 0;
	return prof_elem(w, type, value);
}

static int
pl_data(xmlTextWriterPtr w, const char *key, const unsigned char *d, size_t len)
{
	char *b = prof_b64(d, len);
	int rc = b != NULL ? pl_kv(w, key, "data", b) : -1;

	free(b);
	return rc;
}

/* The keys every payload has. */
static int
pl_payload(xmlTextWriterPtr w, const struct onboard_profile *p, const char *type,
	   const char *name, const char *uuid)
{
	char id[320];

	snprintf(id, sizeof(id), "%s.%s.%s", "nl.poort", p->realm, uuid);
	return pl_kv(w, "PayloadType", "string", type) < 0 ||
		       pl_kv(w, "PayloadVersion", "integer", "1") < 0 ||
		       pl_kv(w, "PayloadIdentifier", "string", id) < 0 ||
		       pl_kv(w, "PayloadUUID", "string", uuid) < 0 ||
		       pl_kv(w, "PayloadDisplayName", "string", name) < 0
		   ? -1
		   : 0;
}

static int
pl_wifi(xmlTextWriterPtr w, const struct onboard_profile *p, const char *ssid, const char *uuid,
	const char *ca_uuid, const char *p12_uuid)
{
	return xmlTextWriterStartElement(w, W("dict")) < 0 ||
		       pl_payload(w, p, "com.apple.wifi.managed", ssid, uuid) < 0 ||
		       pl_kv(w, "SSID_STR", "string", ssid) < 0 ||
		       pl_kv(w, "AutoJoin", "true", NULL) < 0 ||
		       pl_kv(w, "HIDDEN_NETWORK", "false", NULL) < 0 ||
		       pl_kv(w, "EncryptionType", "string", "WPA2") < 0 ||
		       pl_kv(w, "PayloadCertificateUUID", "string", p12_uuid) < 0 ||
		       prof_elem(w, "key", "EAPClientConfiguration") < 0 ||
		       xmlTextWriterStartElement(w, W("dict")) < 0 ||
		       prof_elem(w, "key", "AcceptEAPTypes") < 0 ||
		       xmlTextWriterStartElement(w, W("array")) < 0 ||
		       prof_elem(w, "integer", "13") < 0 || xmlTextWriterEndElement(w) < 0 ||
		       pl_kv(w, "OuterIdentity", "string", p->outer_identity) < 0 ||
		       prof_elem(w, "key", "TLSTrustedServerNames") < 0 ||
		       xmlTextWriterStartElement(w, W("array")) < 0 ||
		       prof_elem(w, "string", p->server_name) < 0 || xmlTextWriterEndElement(w) < 0 ||
		       prof_elem(w, "key", "PayloadCertificateAnchorUUID") < 0 ||
		       xmlTextWriterStartElement(w, W("array")) < 0 ||
		       prof_elem(w, "string", ca_uuid) < 0 || xmlTextWriterEndElement(w) < 0 ||
		       xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0
		   ? -1
		   : 0;
}

int
onboard_mobileconfig(const struct onboard_profile *p, unsigned char **out, size_t *len)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr w = NULL;
	char until[32], top[37], ca_uuid[37], p12_uuid[37], wifi[37], name[200];
	int ok = -1;

	*out = NULL;
	if (prof_check(p) < 0 || prof_time(p->valid_until, until, sizeof(until)) < 0)
		return ONBOARD_EINVAL;
	prof_uuid(p, 0, top);
	prof_uuid(p, 1, ca_uuid);
	prof_uuid(p, 2, p12_uuid);
	if ((buf = xmlBufferCreate()) == NULL || (w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		return ONBOARD_ENOMEM;
	}
	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterWriteDTD(w, W("plist"), W("-//Apple//DTD PLIST 1.0//EN"),
				  W("http://www.apple.com/DTDs/PropertyList-1.0.dtd"), NULL) < 0 ||
	    xmlTextWriterStartElement(w, W("plist")) < 0 ||
	    xmlTextWriterWriteAttribute(w, W("version"), W("1.0")) < 0 ||
	    xmlTextWriterStartElement(w, W("dict")) < 0 ||
	    pl_payload(w, p, "Configuration", p->display_name, top) < 0 ||
	    pl_kv(w, "PayloadOrganization", "string", p->display_name) < 0 ||
	    pl_kv(w, "PayloadRemovalDisallowed", "false", NULL) < 0 ||
	    pl_kv(w, "RemovalDate", "date", until) < 0 ||
	    prof_elem(w, "key", "PayloadContent") < 0 ||
	    xmlTextWriterStartElement(w, W("array")) < 0)
		goto done;
	/* the CA that signs the EAP server's certificate: the only anchor the Wi-Fi trusts */
	snprintf(name, sizeof(name), "%s Wi-Fi server CA", p->display_name);
	if (xmlTextWriterStartElement(w, W("dict")) < 0 ||
	    pl_payload(w, p, "com.apple.security.root", name, ca_uuid) < 0 ||
	    pl_kv(w, "PayloadCertificateFileName", "string", "ca.der") < 0 ||
	    pl_data(w, "PayloadContent", p->ca_der, p->ca_len) < 0 || xmlTextWriterEndElement(w) < 0)
		goto done;
	snprintf(name, sizeof(name), "%s device certificate", p->display_name);
	if (xmlTextWriterStartElement(w, W("dict")) < 0 ||
	    pl_payload(w, p, "com.apple.security.pkcs12", name, p12_uuid) < 0 ||
	    pl_kv(w, "PayloadCertificateFileName", "string", "device.p12") < 0 ||
	    pl_kv(w, "Password", "string", p->p12_pass) < 0 ||
	    pl_data(w, "PayloadContent", p->p12, p->p12_len) < 0 || xmlTextWriterEndElement(w) < 0)
		goto done;
	for (size_t i = 0; i < p->nssids; i++) {
		prof_uuid(p, 3 + (unsigned)i, wifi);
		if (pl_wifi(w, p, p->ssids[i], wifi, ca_uuid, p12_uuid) < 0)
			goto done;
	}
	if (xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		goto done;
	ok = 0;
done:
	return prof_finish(w, buf, ok, out, len);
}
