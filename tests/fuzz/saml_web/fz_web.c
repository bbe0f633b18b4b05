/* See fz_web.h. */
#include "fz_web.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/http.h"
#include "poort/limit.h"
#include "poort/password.h"
#include "poort/saml.h"
#include "poort/store.h"
#include "poort/store_saml.h"
#include "poort/workq.h"
#include "saml_idp_int.h"
#include "saml_replay.h"

struct fz_web {
	struct event_base *base;
	struct config *cfg;
	struct store *st;
	struct store_logger *lg;
	struct http_server *hs;
	struct saml_idp *idp;
	EVP_PKEY *sp_key;
	void *sp_sign_key; /* the same key for saml_xml_sign */
	char dir[64];
};

struct fz_reply fz_reply;
char fz_jar[1024];

/* ---- the connection's stand-ins (see fz_web.h) ---- */

/* Keeps name=value in the jar (replacing one of that name); an empty value clears it. */
static void
fz_jar_set(const char *nv, size_t len)
{
	char out[sizeof(fz_jar)] = "";
	const char *eq = memchr(nv, '=', len), *p = fz_jar;
	size_t nlen, o = 0;

	if (eq == NULL)
		return;
	nlen = (size_t)(eq - nv);
	while (*p != '\0') {
		size_t l = strcspn(p, ";");
		if (!(l > nlen && memcmp(p, nv, nlen) == 0 && p[nlen] == '=') &&
		    o + l + 3 < sizeof(out))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? "; " : "",
			                      (int)l, p);
		p += l;
		while (*p == ';' || *p == ' ')
			p++;
	}
	if (len > nlen + 1 && o + len + 3 < sizeof(out))
		snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? "; " : "", (int)len, nv);
	memcpy(fz_jar, out, sizeof(fz_jar));
}

static void
fz_capture(struct evhttp_request *req, int code, struct evbuffer *b)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const char *l = evhttp_find_header(h, "Location");
	struct evkeyval *kv;
	size_t n = b != NULL ? evbuffer_get_length(b) : 0, o = 0;

	/* a second answer to one request would be a bug: the request is gone */
	fz_reply.code = code;
	fz_reply.cookie[0] = '\0';
	TAILQ_FOREACH(kv, h, next)
	{
		size_t cl = strcspn(kv->value, ";");
		if (strcasecmp(kv->key, "Set-Cookie") != 0)
			continue;
		fz_jar_set(kv->value, cl);
		if (cl > 0 && kv->value[cl - 1] != '=' && o + cl + 3 < sizeof(fz_reply.cookie))
			o += (size_t)snprintf(fz_reply.cookie + o, sizeof(fz_reply.cookie) - o,
			                      "%s%.*s", o ? "; " : "", (int)cl, kv->value);
	}
	snprintf(fz_reply.location, sizeof(fz_reply.location), "%s", l != NULL ? l : "");
	free(fz_reply.body);
	fz_reply.body = malloc(n + 1);
	if (fz_reply.body == NULL)
		abort();
	if (n > 0)
		evbuffer_copyout(b, fz_reply.body, n);
	fz_reply.body[n] = '\0';
	fz_reply.bodylen = n;
}

void
evhttp_send_reply(struct evhttp_request *req, int code, const char *reason,
                  struct evbuffer *databuf)
{
	(void)reason;
	fz_capture(req, code, databuf);
	evhttp_request_free(req);
}

void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	(void)reason;
	fz_capture(req, error, NULL);
	evhttp_request_free(req);
}

/* ---- set-up ---- */

static X509 *
fz_cert(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	return x;
}

/* Writes name.key and name.crt; the PEM texts go to *keypem and *crtpem if asked. */
static EVP_PKEY *
fz_keypair(const char *dir, const char *name, const char *cn, int rsa, char **keypem, char **crtpem)
{
	EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	X509 *x = k != NULL ? fz_cert(k, cn) : NULL;
	char path[128];
	FILE *f;

	if (x == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	if ((f = fopen(path, "w")) == NULL ||
	    !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL))
		abort();
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
	if ((f = fopen(path, "w")) == NULL || !PEM_write_X509(f, x))
		abort();
	fclose(f);
	if (keypem != NULL) {
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		long n;
		PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
		n = BIO_get_mem_data(b, &p);
		*keypem = strndup(p, (size_t)n);
		BIO_free(b);
		b = BIO_new(BIO_s_mem());
		PEM_write_bio_X509(b, x);
		n = BIO_get_mem_data(b, &p);
		*crtpem = strndup(p, (size_t)n);
		BIO_free(b);
	}
	X509_free(x);
	return k;
}

static char *
fz_cert_body(const char *pem)
{
	const char *b = strstr(pem, "-----\n") + 6, *e = strstr(b, "-----END");
	char *out = malloc((size_t)(e - b) + 1), *o = out;

	for (; b < e; b++)
		if (*b != '\n')
			*o++ = *b;
	*o = '\0';
	return out;
}

/* SP metadata as the federation publishes it: signed with its key. */
static void
fz_sp_metadata(const char *dir, const char *file, const char *eid, const char *entity,
               const char *acs, int signed_requests, const char *spcert, void *fedkey)
{
	char *body = fz_cert_body(spcert), *xml = NULL, path[128];
	xmlChar *mem = NULL;
	xmlDoc *doc;
	FILE *f;
	int len = 0;

	if (asprintf(
	        &xml,
	        "<md:EntityDescriptor xmlns:md=\"" SAML_NS_MD "\" xmlns:ds=\"" SAML_NS_DS "\""
	        " ID=\"%s\" entityID=\"%s\"><md:SPSSODescriptor AuthnRequestsSigned=\"%s\""
	        " WantAssertionsSigned=\"true\""
	        " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
	        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
	        "%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>%s%s%s%s"
	        "<md:SingleLogoutService Binding=\"" SAML_BINDING_REDIRECT "\" Location=\"%s\"/>"
	        "<md:AssertionConsumerService Binding=\"" SAML_BINDING_POST "\" Location=\"%s\""
	        " index=\"0\"/></md:SPSSODescriptor></md:EntityDescriptor>",
	        eid, entity, signed_requests ? "true" : "false", body,
	        signed_requests ? "<md:KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data>"
	                          "<ds:X509Certificate>"
	                        : "",
	        signed_requests ? body : "",
	        signed_requests ? "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>" : "",
	        signed_requests ? "</md:KeyDescriptor>" : "", acs, acs) < 0)
		abort();
	doc = saml_xml_parse(xml, strlen(xml), 0);
	if (doc == NULL || saml_xml_sign(doc, eid, fedkey) < 0)
		abort();
	xmlDocDumpMemory(doc, &mem, &len);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "w")) == NULL || fwrite(mem, 1, (size_t)len, f) != (size_t)len)
		abort();
	fclose(f);
	xmlFree(mem);
	xmlFreeDoc(doc);
	free(xml);
	free(body);
}

static unsigned
fz_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		abort();
	close(s);
	return ntohs(a.sin_port);
}

static void
fz_account(struct fz_web *w, const char *dbpath)
{
	struct store_account a;
	struct store_saml *ss;
	char err[256];

	memset(&a, 0, sizeof(a));
	snprintf(a.username, sizeof(a.username), FZ_WEB_USER);
	snprintf(a.given_name, sizeof(a.given_name), "Anna");
	snprintf(a.surname, sizeof(a.surname), "de Vries");
	snprintf(a.student_number, sizeof(a.student_number), "123456");
	snprintf(a.affiliation, sizeof(a.affiliation), "student");
	a.enabled = 1;
	if (password_hash(FZ_WEB_PASSWORD, 1, a.pw_hash) < 0 ||
	    store_account_add(w->st, &a, NULL) < 0)
		abort();
	if ((ss = store_saml_open(dbpath, err, sizeof(err))) == NULL ||
	    store_saml_attr_set(ss, FZ_WEB_USER, "mail", "anna@school.example") < 0 ||
	    store_saml_attr_set(ss, FZ_WEB_USER, "eckId", "https://ketenid.nl/201703/abab") < 0)
		abort();
	store_saml_close(ss);
}

static void
fz_cleanup(void)
{
	/* the temp directory goes; the process ends anyway */
	char cmd[96];
	struct fz_web *w = fz_web_get();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fz_web: cannot remove %s\n", w->dir);
}

struct fz_web *
fz_web_get(void)
{
	static struct fz_web web;
	struct fz_web *w = &web;
	char *fedkey = NULL, *fedcrt = NULL, *spkey = NULL, *spcrt = NULL, *text = NULL;
	char db[128], state[96], err[CONFIG_ERR_MAX];
	void *fk;
	unsigned port;

	if (w->idp != NULL)
		return w;
	snprintf(w->dir, sizeof(w->dir), "/tmp/poort-fuzz-web-XXXXXX");
	if (mkdtemp(w->dir) == NULL || saml_global_init() < 0)
		abort();
	snprintf(state, sizeof(state), "%s/state", w->dir);
	if (mkdir(state, 0700) < 0)
		abort();
	EVP_PKEY_free(fz_keypair(w->dir, "https", "127.0.0.1", 0, NULL, NULL));
	EVP_PKEY_free(fz_keypair(w->dir, "idp", "poort idp", 1, NULL, NULL));
	EVP_PKEY_free(fz_keypair(w->dir, "fed", "test federation", 1, &fedkey, &fedcrt));
	w->sp_key = fz_keypair(w->dir, "sp", "test sp", 1, &spkey, &spcrt);
	fk = saml_xml_key_load(fedkey, strlen(fedkey), fedcrt, strlen(fedcrt));
	w->sp_sign_key = saml_xml_key_load(spkey, strlen(spkey), spcrt, strlen(spcrt));
	if (fk == NULL || w->sp_sign_key == NULL)
		abort();
	fz_sp_metadata(w->dir, "md-sp1.xml", "_mdsp1", FZ_SP_SIGNED, FZ_ACS_SIGNED, 1, spcrt, fk);
	fz_sp_metadata(w->dir, "md-sp2.xml", "_mdsp2", FZ_SP_PLAIN, FZ_ACS_PLAIN, 0, spcrt, fk);
	saml_xml_key_free(fk);
	port = fz_free_port();
	if (asprintf(&text,
	             "state_dir \"%1$s/state\"\nrealm \"school.example\"\npassword { cost 1 }\n"
	             "http {\n listen 127.0.0.1 %2$u\n certificate \"%1$s/https.crt\"\n"
	             " key \"%1$s/https.key\"\n max_body 200000\n rate 1000000\n"
	             " data_dir \"" POORT_BUILD_DATADIR "\"\n}\n"
	             "saml {\n entity_id \"https://idp.school.example/saml\"\n"
	             " base_url \"https://idp.school.example\"\n key \"%1$s/idp.key\"\n"
	             " certificate \"%1$s/idp.crt\"\n federation_certificate \"%1$s/fed.crt\"\n"
	             " organization \"De Testschool\"\n organization_id \"12AB\"\n"
	             " login_rate 10000\n max_request 20000\n"
	             " metadata \"%1$s/md-sp1.xml\"\n metadata \"%1$s/md-sp2.xml\"\n"
	             " sp \"" FZ_SP_SIGNED "\" {\n  release uid givenName sn eduPersonAffiliation"
	             " mail eckId subject-id\n  nameid uid\n }\n"
	             " sp \"" FZ_SP_PLAIN "\" {\n  release givenName pairwise-id\n"
	             "  nameid persistent\n }\n}\n",
	             w->dir, port) < 0)
		abort();
	w->cfg = config_parse("fuzz", text, err, sizeof(err));
	if (w->cfg == NULL) {
		fprintf(stderr, "fz_web: %s\n", err);
		abort();
	}
	snprintf(db, sizeof(db), "%s/poort.db", state);
	w->st = store_open(db, err, sizeof(err));
	if (w->st == NULL)
		abort();
	fz_account(w, db);
	w->lg = store_logger_new(db, 30, 16384, err, sizeof(err));
	w->base = event_base_new();
	if (w->lg == NULL || w->base == NULL)
		abort();
	/* the port was free a moment ago; another test may have taken it since */
	for (int tries = 0; tries < 5 && w->hs == NULL; tries++) {
		if (tries > 0)
			snprintf(w->cfg->http->listen_text, sizeof(w->cfg->http->listen_text),
			         "127.0.0.1:%u", fz_free_port());
		w->hs = http_server_new(w->base, w->cfg->http, err, sizeof(err));
	}
	if (w->hs != NULL)
		w->idp = saml_idp_new(w->base, w->cfg, w->st, w->lg, db, w->hs, err, sizeof(err));
	if (w->idp == NULL) {
		fprintf(stderr, "fz_web: %s\n", err);
		abort();
	}
	free(text);
	free(fedkey);
	free(fedcrt);
	free(spkey);
	free(spcrt);
	atexit(fz_cleanup);
	return w;
}

void
fz_web_reset(struct fz_web *w)
{
	/* every input starts with no request IDs seen and no failed logins counted */
	saml_replay_free(w->idp->replay);
	w->idp->replay = saml_replay_new(256, 0, 0, 600);
	limit_free(w->idp->fails);
	w->idp->fails = limit_new(SAML_FAIL_KEYS, SAML_FAIL_WINDOW);
	if (w->idp->replay == NULL || w->idp->fails == NULL)
		abort();
	free(fz_reply.body);
	memset(&fz_reply, 0, sizeof(fz_reply));
	fz_jar[0] = '\0';
}

struct http_server *
fz_web_server(struct fz_web *w)
{
	return w->hs;
}

void
fz_web_request(struct fz_web *w, enum evhttp_cmd_type cmd, const char *uri, const char *headers,
               const char *body, size_t bodylen)
{
	fz_web_request_on(w, HTTP_PUBLIC, cmd, uri, headers, body, bodylen);
}

void
fz_web_request_on(struct fz_web *w, int listener, enum evhttp_cmd_type cmd, const char *uri,
                  const char *headers, const char *body, size_t bodylen)
{
	struct evhttp_request *req = evhttp_request_new(NULL, NULL);

	if (req == NULL)
		abort();
	req->kind = EVHTTP_REQUEST;
	req->type = cmd;
	req->major = 1;
	req->minor = 1;
	req->uri = strdup(uri);
	/* what libevent does with the request line before any handler runs */
	req->uri_elems = req->uri != NULL
	                     ? evhttp_uri_parse_with_flags(req->uri, EVHTTP_URI_NONCONFORMANT)
	                     : NULL;
	if (req->uri_elems == NULL) {
		evhttp_request_free(req);
		return;
	}
	for (const char *h = headers; h != NULL && *h != '\0';) {
		size_t n = strcspn(h, "\n");
		char *line = strndup(h, n), *colon = line != NULL ? strchr(line, ':') : NULL;
		if (colon != NULL) {
			*colon++ = '\0';
			while (*colon == ' ')
				colon++;
			if (colon[0] != '\0' && colon[strlen(colon) - 1] == '\r')
				colon[strlen(colon) - 1] = '\0';
			evhttp_add_header(evhttp_request_get_input_headers(req), line, colon);
		}
		free(line);
		h += n;
		if (*h == '\n')
			h++;
	}
	if (bodylen > 0)
		evbuffer_add(evhttp_request_get_input_buffer(req), body, bodylen);
	fz_reply.code = 0;
	http_server_dispatch_on(w->hs, req, (enum http_listener)listener);
	/* a password check runs on the worker; its answer comes through the loop */
	while (workq_pending(w->idp->wq) > 0)
		event_base_loop(w->base, EVLOOP_ONCE);
	if (fz_reply.code == 0)
		evhttp_request_free(req); /* no answer: the connection would time out */
	if (getenv("FZ_TRACE") != NULL)
		fprintf(stderr, "fz: %.60s -> %d cookie=%s ctx=%d response=%d err=%.80s\n", uri,
		        fz_reply.code, fz_reply.cookie[0] ? "yes" : "no",
		        fz_reply.body != NULL && strstr(fz_reply.body, "name=\"ctx\"") != NULL,
		        fz_reply.body != NULL && strstr(fz_reply.body, "SAMLResponse") != NULL,
		        fz_reply.body != NULL && strstr(fz_reply.body, "class=\"err\">") != NULL
		            ? strstr(fz_reply.body, "class=\"err\">") + 12
		            : "");
}

char *
fz_web_expand(const char *xml, size_t len)
{
	static unsigned counter;
	char now[SAML_TIME_LEN], id[32], *out = malloc(len * 4 + 64);
	size_t o = 0;

	if (out == NULL)
		abort();
	saml_time_format(time(NULL), now);
	snprintf(id, sizeof(id), "_fz%08u", counter++);
	for (size_t i = 0; i < len;) {
		if (len - i >= 5 && memcmp(xml + i, "@NOW@", 5) == 0) {
			o += (size_t)sprintf(out + o, "%s", now);
			i += 5;
		} else if (len - i >= 4 && memcmp(xml + i, "@ID@", 4) == 0) {
			o += (size_t)sprintf(out + o, "%s", id);
			i += 4;
		} else {
			out[o++] = xml[i++];
		}
	}
	out[o] = '\0';
	return out;
}

char *
fz_b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * (len / 3 + 1) + 1);

	if (out == NULL)
		abort();
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

char *
fz_deflate_b64(const char *in, size_t len)
{
	uLongf cap = compressBound(len) + 64;
	unsigned char *def = malloc(cap);
	z_stream zs;
	char *out;

	memset(&zs, 0, sizeof(zs));
	if (def == NULL || deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = def;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	out = fz_b64(def, cap - zs.avail_out);
	deflateEnd(&zs);
	free(def);
	return out;
}

char *
fz_urlencode(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (out == NULL)
		abort();
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

char *
fz_query_sign(struct fz_web *w, const char *query)
{
	char *q = NULL, *sig64, *sigenc, *out = NULL;
	unsigned char sig[512];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (asprintf(
	        &q,
	        "%s&SigAlg=http%%3A%%2F%%2Fwww.w3.org%%2F2001%%2F04%%2Fxmldsig-more%%23rsa-sha256",
	        query) < 0 ||
	    md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, w->sp_key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)q, strlen(q)) != 1)
		abort();
	EVP_MD_CTX_free(md);
	sig64 = fz_b64(sig, siglen);
	sigenc = fz_urlencode(sig64);
	if (asprintf(&out, "%s&Signature=%s", q, sigenc) < 0)
		abort();
	free(q);
	free(sig64);
	free(sigenc);
	return out;
}

char *
fz_xml_sign(struct fz_web *w, const char *xml)
{
	xmlDoc *doc = saml_xml_parse(xml, strlen(xml), 0);
	xmlChar *mem = NULL;
	char *id, *out = NULL;
	int len = 0;

	if (doc == NULL || xmlDocGetRootElement(doc) == NULL)
		goto done;
	id = saml_xml_attr(xmlDocGetRootElement(doc), "ID");
	if (id != NULL && saml_xml_sign(doc, id, w->sp_sign_key) == 0) {
		xmlDocDumpMemory(doc, &mem, &len);
		if (mem != NULL)
			out = strdup((const char *)mem);
	}
	free(id);
done:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return out;
}

char *
fz_authn_request(int force)
{
	char tmpl[1024];

	snprintf(tmpl, sizeof(tmpl),
	         "<samlp:AuthnRequest xmlns:samlp=\"" SAML_NS_P "\" xmlns:saml=\"" SAML_NS_A "\""
	         " ID=\"@ID@\" Version=\"2.0\" IssueInstant=\"@NOW@\""
	         " Destination=\"https://idp.school.example/saml/sso\"%s"
	         " AssertionConsumerServiceURL=\"" FZ_ACS_PLAIN "\""
	         " ProtocolBinding=\"" SAML_BINDING_POST "\"><saml:Issuer>" FZ_SP_PLAIN
	         "</saml:Issuer><samlp:NameIDPolicy"
	         " Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\""
	         " AllowCreate=\"true\"/></samlp:AuthnRequest>",
	         force ? " ForceAuthn=\"true\"" : "");
	return fz_web_expand(tmpl, strlen(tmpl));
}

const char *
fz_reply_ctx(char out[80])
{
	const char *p =
	    fz_reply.body != NULL ? strstr(fz_reply.body, "name=\"ctx\" value=\"") : NULL;

	if (p == NULL)
		return NULL;
	p += strlen("name=\"ctx\" value=\"");
	snprintf(out, 80, "%.*s", (int)strcspn(p, "\""), p);
	return out;
}

const char *
fz_reply_form(char *out, size_t cap)
{
	const char *p = fz_reply.body;
	size_t o = 0;

	if (p == NULL || cap == 0)
		return NULL;
	out[0] = '\0';
	while ((p = strstr(p, "type=\"hidden\"")) != NULL) {
		const char *end = strchr(p, '>'), *n = strstr(p, "name=\""),
		           *v = strstr(p, "value=\"");
		char val[256], *enc;
		if (end == NULL || n == NULL || v == NULL || n > end || v > end)
			break;
		n += 6;
		v += 7;
		snprintf(val, sizeof(val), "%.*s", (int)strcspn(v, "\""), v);
		enc = fz_urlencode(val);
		if (o + strlen(enc) + strcspn(n, "\"") + 3 < cap)
			o += (size_t)snprintf(out + o, cap - o, "%s%.*s=%s", o ? "&" : "",
			                      (int)strcspn(n, "\""), n, enc);
		free(enc);
		p = end;
	}
	return o > 0 ? out : NULL;
}
