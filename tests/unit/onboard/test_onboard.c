/*
 * Onboarding: the client CA (made once, never remade over a bad file),
 * device issue with the account rule and the device limit, PKCS#12 and CRL
 * contents, revocation by account changes, auth_device_get's codes, and the
 * profile generators (eap-config, mobileconfig, CMS signature).
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/cms.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "poort/auth.h"
#include "poort/devca.h"
#include "poort/onboard_profile.h"
#include "poort/store_device.h"
#include "test.h"

static char dir[] = "/tmp/poort-onboard-XXXXXX";

static void
test_school_year(void)
{
	/* 2026-11-30 12:00, 2027-07-31 23:59:59, 2027-08-01 00:00 UTC */
	CHECK_INT(devca_school_year_end(1796040000), 1817078400);
	CHECK_INT(devca_school_year_end(1817078399), 1817078400);
	CHECK_INT(devca_school_year_end(1817078400), 1848700800);
}

static void
test_ca_files(void)
{
	char err[512], path[400];
	struct devca *ca, *again;
	struct stat sb;
	FILE *f;

	CHECK(devca_open(dir, 0, err, sizeof(err)) == NULL); /* not made unless asked */
	ca = devca_open(dir, 1, err, sizeof(err));
	CHECK(ca != NULL);
	snprintf(path, sizeof(path), "%s/" DEVCA_KEY_FILE, dir);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	again = devca_open(dir, 1, err, sizeof(err));
	CHECK(again != NULL && X509_cmp(devca_cert(ca), devca_cert(again)) == 0);
	devca_free(again);
	/* a damaged key is an error, never a new CA */
	f = fopen(path, "r+");
	CHECK(f != NULL && ftruncate(fileno(f), 40) == 0);
	fclose(f);
	CHECK(devca_open(dir, 1, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "onboard-ca") != NULL);
	CHECK(stat(path, &sb) == 0 && sb.st_size == 40);
	/* put the good key back for the other tests */
	devca_free(ca);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" DEVCA_CERT_FILE, dir);
	unlink(path);
}

static struct store_account
account(const char *name, int enabled)
{
	struct store_account a;

	memset(&a, 0, sizeof(a));
	snprintf(a.username, sizeof(a.username), "%s", name);
	snprintf(a.affiliation, sizeof(a.affiliation), "student");
	snprintf(a.pw_hash, sizeof(a.pw_hash), "$y$fake");
	a.enabled = enabled;
	return a;
}

struct crl_seen {
	const char *serial;
	int found;
};

static int
crl_has(X509_CRL *crl, const char *serial)
{
	STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);

	for (int i = 0; i < sk_X509_REVOKED_num(rev); i++) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(
						    sk_X509_REVOKED_value(rev, i)),
						NULL);
		char *h = BN_bn2hex(bn);
		int eq = strcasecmp(h, serial) == 0;
		OPENSSL_free(h);
		BN_free(bn);
		if (eq)
			return 1;
	}
	return 0;
}

static void
test_devices(struct store *st, struct auth *au)
{
	char err[512];
	struct devca *ca = devca_open(dir, 1, err, sizeof(err));
	struct store_account a = account("anna", 1), b = account("bert", 0), c = account("carl", 1);
	int64_t now = (int64_t)time(NULL);
	struct devca_request rq = {.user = "anna", .realm = "school.example", .label = "phone",
				   .now = now, .expires = now + 86400, .limit = 2};
	struct devca_issued d1, d2, d3;
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	PKCS12 *p12;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	X509_CRL *crl;

	CHECK(ca != NULL);
	CHECK_INT(store_account_add(st, &a, NULL), 0);
	CHECK_INT(store_account_add(st, &b, NULL), 0);
	CHECK_INT(store_account_add(st, &c, NULL), 0);
	CHECK_INT(devca_device_issue(ca, st, &rq, &d1), 0);
	CHECK(strlen(d1.dev.pseudonym) == 32 + strlen("@school.example"));
	CHECK(strstr(d1.dev.pseudonym, "anna") == NULL);
	CHECK(X509_verify(d1.cert, X509_get0_pubkey(devca_cert(ca))) == 1);
	CHECK(EVP_PKEY_is_a(d1.key, "EC"));
	rq.rsa = 1;
	CHECK_INT(devca_device_issue(ca, st, &rq, &d2), 0);
	CHECK(EVP_PKEY_is_a(d2.key, "RSA") && EVP_PKEY_get_bits(d2.key) == 2048);
	CHECK_INT(devca_device_issue(ca, st, &rq, &d3), DEVCA_ELIMIT);
	rq.user = "bert";
	CHECK_INT(devca_device_issue(ca, st, &rq, &d3), DEVCA_EACCOUNT);
	rq.user = "nobody";
	CHECK_INT(devca_device_issue(ca, st, &rq, &d3), DEVCA_EACCOUNT);

	/* the device and its account, checked in the store */
	CHECK_INT(auth_device_get(au, d1.dev.serial, d1.dev.pseudonym, now, NULL), 0);
	CHECK_INT(auth_device_get(au, d1.dev.serial, d2.dev.pseudonym, now, NULL), AUTH_EDEVICE);
	CHECK_INT(auth_device_get(au, "abcdef", d1.dev.pseudonym, now, NULL), AUTH_EDEVICE);
	CHECK_INT(auth_device_get(au, d1.dev.serial, d1.dev.pseudonym, now + 86400, NULL),
		  AUTH_EEXPIRED);

	/* PKCS#12 opens with its passphrase only, and holds key, cert and CA */
	CHECK_INT(devca_pkcs12(ca, &d1, "pass-word", &der, &len), 0);
	p = der;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	CHECK(p12 != NULL && PKCS12_verify_mac(p12, "wrong", -1) == 0);
	CHECK(p12 != NULL && PKCS12_parse(p12, "pass-word", &key, &cert, NULL) == 1);
	CHECK(cert != NULL && X509_cmp(cert, d1.cert) == 0);
	CHECK(key != NULL && EVP_PKEY_eq(key, d1.key) == 1);
	PKCS12_free(p12);
	EVP_PKEY_free(key);
	X509_free(cert);
	OPENSSL_free(der);

	/* revocation: by serial, and by disabling the account */
	CHECK_INT(store_device_revoke(st, d1.dev.serial, now), 0);
	CHECK_INT(store_device_revoke(st, d1.dev.serial, now), STORE_ENOTFOUND);
	CHECK_INT(auth_device_get(au, d1.dev.serial, d1.dev.pseudonym, now, NULL), AUTH_EREVOKED);
	CHECK_INT(auth_device_get(au, d2.dev.serial, d2.dev.pseudonym, now, NULL), 0);
	CHECK_INT(store_account_set_enabled(st, "anna", 0), 0);
	CHECK_INT(auth_device_get(au, d2.dev.serial, d2.dev.pseudonym, now, NULL), AUTH_EREVOKED);
	CHECK_INT(store_account_set_enabled(st, "anna", 1), 0);
	CHECK_INT(auth_device_get(au, d2.dev.serial, d2.dev.pseudonym, now, NULL), AUTH_EREVOKED);
	CHECK_INT(store_device_count_active(st, "anna", now), 0);
	/* delete: the certificate stays, revoked, for the CRL */
	rq.user = "carl";
	rq.rsa = 0;
	CHECK_INT(devca_device_issue(ca, st, &rq, &d3), 0);
	CHECK_INT(store_account_delete(st, "carl"), 0);
	CHECK_INT(auth_device_get(au, d3.dev.serial, d3.dev.pseudonym, now, NULL), AUTH_EREVOKED);
	CHECK_INT(store_account_delete(st, "carl"), STORE_ENOTFOUND);

	CHECK_INT(devca_crl(ca, st, now, &der, &len), 0);
	p = der;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	CHECK(crl != NULL && X509_CRL_verify(crl, X509_get0_pubkey(devca_cert(ca))) == 1);
	CHECK(crl != NULL && crl_has(crl, d1.dev.serial) && crl_has(crl, d2.dev.serial) &&
	      crl_has(crl, d3.dev.serial));
	X509_CRL_free(crl);
	OPENSSL_free(der);
	CHECK_INT(devca_crl_write(ca, st, now, err, sizeof(err)), 0);

	devca_issued_free(&d1);
	devca_issued_free(&d2);
	devca_issued_free(&d3);
	devca_free(ca);
}

static const char ssids[2][33] = {"eduroam", "eduroam <test>"};
static const unsigned char fake_der[] = {0x30, 0x03, 0x02, 0x01, 0x01};

static void
profile_init(struct onboard_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->realm = "school.example";
	p->display_name = "Lyceum & <Co>";
	p->ssids = ssids;
	p->nssids = 2;
	p->helpdesk_email = "ict@school.example";
	p->terms = "https://school.example/terms?a=1&b=2";
	p->server_name = "radius.school.example";
	p->ca_der = fake_der;
	p->ca_len = sizeof(fake_der);
	p->outer_identity = "anonymous@school.example";
	p->p12 = fake_der;
	p->p12_len = sizeof(fake_der);
	p->p12_pass = "a<b&c\"d";
	p->valid_until = 1817078400;
	p->seed[0] = 1;
}

static xmlNode *
child(xmlNode *n, const char *name)
{
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static int
text_is(xmlNode *n, const char *want)
{
	xmlChar *t = n != NULL ? xmlNodeGetContent(n) : NULL;
	int eq = t != NULL && strcmp((const char *)t, want) == 0;
	xmlFree(t);
	return eq;
}

static void
test_eapconfig(void)
{
	struct onboard_profile p;
	unsigned char *out = NULL;
	size_t len = 0;
	xmlDoc *doc;
	xmlNode *idp, *am, *n;

	profile_init(&p);
	CHECK_INT(onboard_eapconfig(&p, &out, &len), 0);
	doc = xmlReadMemory((const char *)out, (int)len, "x.xml", NULL, XML_PARSE_NONET);
	CHECK(doc != NULL);
	idp = child(xmlDocGetRootElement(doc), "EAPIdentityProvider");
	CHECK(idp != NULL);
	CHECK(text_is(child(idp, "ValidUntil"), "2027-08-01T00:00:00Z"));
	am = child(child(idp, "AuthenticationMethods"), "AuthenticationMethod");
	CHECK(text_is(child(child(am, "EAPMethod"), "Type"), "13"));
	CHECK(text_is(child(child(am, "ServerSideCredential"), "ServerID"),
		      "radius.school.example"));
	CHECK(text_is(child(child(am, "ServerSideCredential"), "CA"), "MAMCAQE="));
	n = child(am, "ClientSideCredential");
	CHECK(text_is(child(n, "Passphrase"), "a<b&c\"d"));
	CHECK(text_is(child(n, "OuterIdentity"), "anonymous@school.example"));
	n = child(idp, "CredentialApplicability");
	CHECK(n != NULL && text_is(child(child(n, "IEEE80211"), "MinRSNProto"), "CCMP"));
	CHECK(text_is(child(child(idp, "ProviderInfo"), "DisplayName"), "Lyceum & <Co>"));
	CHECK(text_is(child(child(idp, "ProviderInfo"), "TermsOfUse"),
		      "https://school.example/terms?a=1&b=2"));
	CHECK(child(child(idp, "ProviderInfo"), "ProviderLogo") == NULL);
	xmlFreeDoc(doc);
	free(out);

	/* with a logo: base64 in ProviderLogo, its MIME type, after DisplayName */
	p.logo = (const unsigned char *)"\xff\xd8\xff\xe0JFIF";
	p.logo_len = 8;
	p.logo_mime = "image/jpeg";
	CHECK_INT(onboard_eapconfig(&p, &out, &len), 0);
	doc = xmlReadMemory((const char *)out, (int)len, "x.xml", NULL, XML_PARSE_NONET);
	CHECK(doc != NULL);
	idp = child(xmlDocGetRootElement(doc), "EAPIdentityProvider");
	n = child(child(idp, "ProviderInfo"), "ProviderLogo");
	CHECK(text_is(n, "/9j/4EpGSUY="));
	CHECK(n != NULL && xmlHasProp(n, (const xmlChar *)"mime") != NULL);
	{
		xmlChar *m = xmlGetProp(n, (const xmlChar *)"mime");
		xmlChar *e = xmlGetProp(n, (const xmlChar *)"encoding");
		CHECK_STR((const char *)m, "image/jpeg");
		CHECK_STR((const char *)e, "base64");
		xmlFree(m);
		xmlFree(e);
	}
	xmlFreeDoc(doc);
	free(out);
	p.server_name = NULL;
	CHECK_INT(onboard_eapconfig(&p, &out, &len), ONBOARD_EINVAL);
}

static void
logo_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	CHECK(len == 0 || fwrite(data, 1, len, f) == len);
	CHECK(fclose(f) == 0);
}

/* onboarding { logo }: PNG and JPEG taken, anything else refused by name. */
static void
test_logo(void)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
	char path[400], err[512];
	unsigned char *data, *big;
	const char *mime;
	size_t len;

	snprintf(path, sizeof(path), "%s/logo", dir);
	logo_write(path, png, sizeof(png));
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), 0);
	CHECK_STR(mime, "image/png");
	CHECK(len == sizeof(png) && memcmp(data, png, len) == 0);
	free(data);
	logo_write(path, "\xff\xd8\xff\xdb", 4);
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), 0);
	CHECK_STR(mime, "image/jpeg");
	free(data);

	logo_write(path, "<svg xmlns='http://www.w3.org/2000/svg'/>", 41);
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), ONBOARD_EINVAL);
	CHECK(data == NULL && strstr(err, "not a PNG or JPEG") != NULL && strstr(err, path) != NULL);
	logo_write(path, "", 0);
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), ONBOARD_EINVAL);
	CHECK(strstr(err, "empty") != NULL);
	big = calloc(1, ONBOARD_LOGO_MAX + 1);
	CHECK(big != NULL);
	memcpy(big, png, sizeof(png));
	logo_write(path, big, ONBOARD_LOGO_MAX + 1);
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), ONBOARD_EINVAL);
	CHECK(strstr(err, "larger than 256 KiB") != NULL);
	logo_write(path, big, ONBOARD_LOGO_MAX); /* exactly the limit is fine */
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), 0);
	CHECK(len == ONBOARD_LOGO_MAX);
	free(data);
	free(big);
	snprintf(path, sizeof(path), "%s/no-such-logo.png", dir);
	CHECK_INT(onboard_logo_load(path, &data, &len, &mime, err, sizeof(err)), ONBOARD_EIO);
	CHECK(strstr(err, "cannot read it") != NULL && strstr(err, path) != NULL);
}

static void
test_mobileconfig(void)
{
	struct onboard_profile p;
	unsigned char *a = NULL, *b = NULL, *sig = NULL;
	size_t alen = 0, blen = 0, siglen = 0;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	CMS_ContentInfo *cms;
	BIO *got = BIO_new(BIO_s_mem());
	const unsigned char *q;
	char *data;
	long n;
	xmlDoc *doc;

	profile_init(&p);
	CHECK_INT(onboard_mobileconfig(&p, &a, &alen), 0);
	CHECK_INT(onboard_mobileconfig(&p, &b, &blen), 0);
	CHECK(alen == blen && memcmp(a, b, alen) == 0); /* a pure function of its input */
	free(b);
	p.seed[0] = 2;
	CHECK_INT(onboard_mobileconfig(&p, &b, &blen), 0);
	CHECK(alen != blen || memcmp(a, b, alen) != 0); /* other UUIDs */
	free(b);
	doc = xmlReadMemory((const char *)a, (int)alen, "x.plist", NULL, XML_PARSE_NONET);
	CHECK(doc != NULL);
	xmlFreeDoc(doc);
	CHECK(strstr((char *)a, "<key>AcceptEAPTypes</key><array><integer>13</integer></array>") !=
	      NULL);
	CHECK(strstr((char *)a, "TLSAllowTrustExceptions") == NULL);
	CHECK(strstr((char *)a, "<date>2027-08-01T00:00:00Z</date>") != NULL);
	CHECK(strstr((char *)a, "<string>eduroam &lt;test&gt;</string>") != NULL);

	/* the CMS signature carries the profile and verifies with the signer's key */
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0);
	X509_set_subject_name(cert, name);
	X509_set_issuer_name(cert, name);
	X509_gmtime_adj(X509_getm_notBefore(cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	X509_sign(cert, key, EVP_sha256());
	CHECK_INT(onboard_cms_sign(cert, key, NULL, a, alen, &sig, &siglen), 0);
	q = sig;
	cms = d2i_CMS_ContentInfo(NULL, &q, (long)siglen);
	CHECK(cms != NULL && CMS_verify(cms, NULL, NULL, NULL, got, CMS_NO_SIGNER_CERT_VERIFY) == 1);
	n = BIO_get_mem_data(got, &data);
	CHECK(n == (long)alen && memcmp(data, a, alen) == 0);
	CMS_ContentInfo_free(cms);
	BIO_free(got);
	OPENSSL_free(sig);
	X509_NAME_free(name);
	X509_free(cert);
	EVP_PKEY_free(key);
	free(a);
}

int
main(void)
{
	char err[512], path[400];
	struct store *st;
	struct auth *au;

	CHECK(mkdtemp(dir) != NULL);
	test_school_year();
	test_ca_files();
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	st = store_open(path, err, sizeof(err));
	CHECK(st != NULL);
	au = auth_new(st, 1, 0, 0);
	CHECK(au != NULL);
	test_devices(st, au);
	test_eapconfig();
	test_logo();
	test_mobileconfig();
	auth_free(au);
	store_close(st);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
	TEST_DONE();
}
