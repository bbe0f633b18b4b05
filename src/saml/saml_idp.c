/*
 * The IdP's protocol side: lasso set up once (RSA-SHA256 explicitly, the
 * environment scrubbed), our metadata built and signed, SP metadata
 * checked, AuthnRequests checked before lasso sees them, and responses
 * built with only the attributes the school releases to that SP.
 *
 * lasso is used for what it does well (the SAML object model, request
 * signature checks with the SP's key, building, signing and encrypting the
 * response). What it lacks we do in front of it: validUntil and signature
 * of metadata, SHA-1 refusal, replay cache, size caps, strict parsing.
 */
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "poort/http.h"
#include "poort/keyfile.h"
#include "poort/saml.h"
#include "poort/store.h"
#include "poort/store_saml.h"
#include "saml_idp_int.h"
#include "saml_replay.h"
#include "saml_sign.h"

static int saml_inited;

int
saml_global_init(void)
{
	/* LASSO_FLAG can switch signature checks off: never let it reach lasso */
	unsetenv("LASSO_FLAG");
	/* lasso stamps each log message with localtime(), which stats
	 * /etc/localtime every call while TZ is unset (~2% of a login): same
	 * zone, read once */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 1);
	if (lasso_init() != 0)
		return SAML_ECONFIG;
	saml_inited = 1;
	return 0;
}

void
saml_global_free(void)
{
	if (saml_inited)
		lasso_shutdown();
	saml_inited = 0;
}

void
saml_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (RAND_bytes(b, (int)nbytes) != 1)
		abort(); /* no randomness: nothing we hand out would be safe */
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof(b));
}

/* The base64 body of a PEM certificate, for ds:X509Certificate. */
static char *
sidp_cert_body(const char *pem)
{
	const char *b = strstr(pem, "-----BEGIN CERTIFICATE-----"), *e;
	char *out, *o;

	if (b == NULL || (e = strstr(b, "-----END CERTIFICATE-----")) == NULL)
		return NULL;
	b += strlen("-----BEGIN CERTIFICATE-----");
	if ((out = malloc((size_t)(e - b) + 1)) == NULL)
		return NULL;
	for (o = out; b < e; b++)
		if (*b != '\n' && *b != '\r' && *b != ' ')
			*o++ = *b;
	*o = '\0';
	return out;
}

/* Signs our metadata with the key parsed once at start. */
static char *
sidp_metadata_sign(const char *xml, void *key)
{
	xmlDoc *doc = saml_xml_parse(xml, strlen(xml), 0);
	xmlChar *mem = NULL;
	char *out = NULL;
	int len = 0;

	if (doc == NULL || saml_xml_sign(doc, "_poort-md", key) < 0)
		goto done;
	xmlDocDumpMemory(doc, &mem, &len);
	if (mem != NULL)
		out = strdup((const char *)mem);
done:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return out;
}

/* Pairwise key: random once, kept in the state dir, so NameIDs stay stable. */
static int
sidp_pairwise_key(struct saml_idp *idp, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/saml-pairwise.key", idp->cfg->state_dir);
	return keyfile_load(path, idp->pairwise_key, sizeof(idp->pairwise_key), err, errlen) < 0
		       ? SAML_EIO
		       : 0;
}

/* How long an AuthnRequest ID is remembered: past any IssueInstant we accept. */
static unsigned
sidp_replay_life(const struct config_saml *sc)
{
	return 2 * sc->clock_skew + 600;
}

static int
sidp_replay_add(const struct store_replay_rec *r, void *arg)
{
	struct saml_idp *idp = arg;
	time_t now = time(NULL);

	if (saml_replay_check(idp->replay, r->issuer, r->id, NULL, now, r->expires) < 0)
		return 1; /* full: the rest would be refused too */
	return 0;
}

/* The replay set, with what the store remembers from before a restart. */
static int
sidp_replay_start(struct saml_idp *idp, char *err, size_t errlen)
{
	if ((idp->replay = saml_replay_new(SAML_REPLAY_MAX, SAML_REPLAY_PER_SRC, SAML_REPLAY_PER_SP,
					   sidp_replay_life(idp->sc))) == NULL ||
	    store_saml_replay_load(idp->ss, time(NULL), sidp_replay_add, idp) < 0) {
		snprintf(err, errlen, "saml: cannot load the replay cache");
		return SAML_EIO;
	}
	return 0;
}

struct saml_idp *
saml_idp_new(struct event_base *base, const struct config *cfg, struct store *st,
	     struct store_logger *lg, const char *store_path, struct http_server *hs, char *err,
	     size_t errlen)
{
	struct saml_idp *idp = calloc(1, sizeof(*idp));
	char *key = NULL, *cert = NULL, *next = NULL, *cb = NULL, *nb = NULL, *md = NULL;
	size_t keylen = 0, len;

	if (idp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	idp->base = base;
	idp->cfg = config_hold(cfg); /* ours until a reload hands us another */
	idp->sc = cfg->saml;
	idp->st = st;
	idp->lg = lg;
	idp->rl_log.interval = 10;
	idp->rl_log.burst = 10;
	if ((idp->ss = store_saml_open(store_path, err, errlen)) == NULL ||
	    sidp_replay_start(idp, err, errlen) < 0)
		goto fail;
	/* release rules live in the store; the config's sp blocks are imported */
	saml_rules_sync(idp, cfg);
	if (saml_file_read(idp->sc->key, 64 * 1024, &key, &keylen) < 0 ||
	    saml_file_read(idp->sc->cert, 64 * 1024, &cert, &len) < 0 ||
	    (cb = sidp_cert_body(cert)) == NULL) {
		snprintf(err, errlen, "saml: cannot read key %s or certificate %s", idp->sc->key,
			 idp->sc->cert);
		goto fail;
	}
	if (idp->sc->next_cert[0] != '\0' &&
	    (saml_file_read(idp->sc->next_cert, 64 * 1024, &next, &len) < 0 ||
	     (nb = sidp_cert_body(next)) == NULL)) {
		snprintf(err, errlen, "saml: cannot read next_certificate %s", idp->sc->next_cert);
		goto fail;
	}
	if (idp->sc->federation_cert[0] != '\0' &&
	    saml_file_read(idp->sc->federation_cert, 64 * 1024, &idp->fed_cert, &idp->fedlen) < 0) {
		snprintf(err, errlen, "saml: cannot read federation_certificate %s",
			 idp->sc->federation_cert);
		goto fail;
	}
	idp->trust.fed_cert = idp->fed_cert;
	idp->trust.fedlen = idp->fedlen;
	/* our own copy: a reload frees the config, and trust changes wait for a restart */
	if (idp->sc->npins > 0) {
		struct config_saml_pin *pins = calloc(idp->sc->npins, sizeof(*pins));
		if (pins == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		memcpy(pins, idp->sc->pins, idp->sc->npins * sizeof(*pins));
		idp->trust.pins = pins;
		idp->trust.npins = idp->sc->npins;
	}
	if ((md = saml_idpmeta_build(idp->sc, cb, nb, time(NULL))) == NULL ||
	    (idp->sign_key = saml_xml_key_load(key, keylen, cert, strlen(cert))) == NULL ||
	    (idp->metadata_signed = sidp_metadata_sign(md, idp->sign_key)) == NULL ||
	    (idp->signer = saml_signer_new(key, keylen, cb)) == NULL) {
		snprintf(err, errlen, "saml: cannot build or sign our metadata (key %s)",
			 idp->sc->key);
		goto fail;
	}
	idp->server = lasso_server_new_from_buffers(md, key, NULL, cert);
	if (idp->server == NULL) {
		snprintf(err, errlen, "saml: lasso refused our key or metadata");
		goto fail;
	}
	/* Debian's lasso signs with RSA-SHA1 unless told otherwise */
	idp->server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
	idp->lasso_key = lasso_key_new_for_signature_from_memory(
		key, keylen, NULL, LASSO_SIGNATURE_METHOD_RSA_SHA256, NULL);
	if (idp->lasso_key == NULL) {
		snprintf(err, errlen, "saml: lasso refused our key %s", idp->sc->key);
		goto fail;
	}
	if (sidp_pairwise_key(idp, err, errlen) < 0)
		goto fail;
	if (saml_refresh_start(idp) < 0) {
		snprintf(err, errlen, "saml: cannot set up metadata loading");
		goto fail;
	}
	if (saml_proxy_init(idp, err, errlen) < 0)
		goto fail;
	if (saml_web_init(idp, hs) < 0) {
		snprintf(err, errlen, "saml: cannot set up the web pages");
		goto fail;
	}
	explicit_bzero(key, keylen);
	free(key);
	free(cert);
	free(next);
	idp->cert_body = cb;
	idp->next_body = nb;
	idp->metadata_built = time(NULL);
	free(md);
	return idp;
fail:
	if (key != NULL)
		explicit_bzero(key, keylen);
	free(key);
	free(cert);
	free(next);
	free(cb);
	free(nb);
	free(md);
	saml_idp_free(idp);
	return NULL;
}

void
saml_idp_free(struct saml_idp *idp)
{
	if (idp == NULL)
		return;
	saml_web_free(idp);
	saml_refresh_stop(idp);
	if (idp->server != NULL)
		lasso_server_destroy(idp->server);
	if (idp->lasso_key != NULL)
		g_object_unref(idp->lasso_key);
	store_saml_close(idp->ss);
	saml_rules_free(idp);
	saml_replay_free(idp->replay);
	free(idp->fed_cert);
	free((void *)(uintptr_t)idp->trust.pins);
	free(idp->metadata_signed);
	free(idp->cert_body);
	free(idp->next_body);
	saml_xml_key_free(idp->sign_key);
	saml_signer_free(idp->signer);
	OPENSSL_cleanse(idp->pairwise_key, sizeof(idp->pairwise_key));
	if (idp->cfg != NULL)
		config_put(idp->cfg);
	free(idp);
}

int
saml_idp_provider_key(struct saml_idp *idp, LassoProvider *p)
{
	return lasso_provider_set_server_signing_key(p, idp->lasso_key) == 0 ? 0 : SAML_ECONFIG;
}

/*
 * Our metadata says validUntil a week ahead; re-sign it daily so a box that
 * runs for months never serves expired metadata.
 */
void
saml_idp_metadata_refresh(struct saml_idp *idp, time_t now)
{
	char *md, *signed_md;

	if (now - idp->metadata_built < 86400)
		return;
	md = saml_idpmeta_build(idp->sc, idp->cert_body, idp->next_body, now);
	signed_md = md != NULL ? sidp_metadata_sign(md, idp->sign_key) : NULL;
	free(md);
	if (signed_md == NULL) {
		log_error("saml: cannot re-sign our metadata; serving the old copy");
		return;
	}
	free(idp->metadata_signed);
	idp->metadata_signed = signed_md;
	idp->metadata_built = now;
}

/* What saml_idp_new reads once: a change to it waits for a restart. */
static int
sidp_list_differs(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return 1;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 1;
	return 0;
}

static int
sidp_needs_restart(const struct config_saml *o, const struct config_saml *n)
{
	return strcmp(o->entity_id, n->entity_id) != 0 || strcmp(o->base_url, n->base_url) != 0 ||
	       strcmp(o->key, n->key) != 0 || strcmp(o->cert, n->cert) != 0 ||
	       strcmp(o->next_cert, n->next_cert) != 0 ||
	       strcmp(o->federation_cert, n->federation_cert) != 0 ||
	       sidp_list_differs(o->metadata, o->nmetadata, n->metadata, n->nmetadata) ||
	       sidp_list_differs(o->metadata_urls, o->nmetadata_urls, n->metadata_urls,
				 n->nmetadata_urls) ||
	       (o->upstream == NULL) != (n->upstream == NULL);
}

void
saml_idp_reload(struct saml_idp *idp, const struct config *cfg)
{
	/* limits follow the new config, and its sp blocks are imported into the
	 * store when new or changed (release rules live there); keys and metadata
	 * files are read at start. The caller frees the old config after this:
	 * the IdP holds the one it reads. */
	if (idp != NULL && cfg->saml != NULL) {
		if (sidp_needs_restart(idp->sc, cfg->saml))
			log_warning("saml keys, certificates, entity_id, base_url, metadata sources or"
				    " the upstream IdP changed: they take effect at the next restart");
		config_put(idp->cfg);
		idp->cfg = config_hold(cfg);
		idp->sc = cfg->saml;
		saml_rules_sync(idp, cfg);
	} else if (idp != NULL || cfg->saml != NULL) {
		/* removed: the IdP keeps (and holds) the config it runs with */
		log_warning("the saml block was added or removed: that takes effect at the next"
			    " restart");
	}
}

void
saml_authn_free(struct saml_authn *a)
{
	if (a == NULL)
		return;
	if (a->login != NULL)
		lasso_login_destroy(a->login);
	free(a);
}

/* Every element's ID and every ds:Signature: only the root may have either. */
static int
sidp_count(const xmlNode *n, int depth, unsigned *ids, unsigned *sigs)
{
	if (depth > 32)
		return SAML_EMALFORMED;
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlHasProp(n, (const xmlChar *)"ID"))
			(*ids)++;
		if (saml_xml_is(n, SAML_NS_DS, "Signature"))
			(*sigs)++;
		if (sidp_count(n->children, depth + 1, ids, sigs) < 0)
			return SAML_EMALFORMED;
	}
	return 0;
}

static void
sidp_copy_attr(const xmlNode *n, const char *name, char *out, size_t outlen)
{
	char *v = saml_xml_attr(n, name);
	snprintf(out, outlen, "%s", v != NULL ? v : "");
	free(v);
}

static int
sidp_is_true(const xmlNode *n, const char *name)
{
	char *v = saml_xml_attr(n, name);
	int r = v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	free(v);
	return r;
}

/* Redirect binding: SigAlg must be SHA-256 or better. */
static int
saml_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
saml_query_sigalg_ok(const char *query)
{
	static const char *const ok[] = {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
					 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"};
	char alg[128];
	size_t n = 0;
	const char *p;

	/* the SigAlg parameter itself, not the text inside another one's value */
	for (p = query; p != NULL; p = (p = strchr(p, '&')) != NULL ? p + 1 : NULL)
		if (strncmp(p, "SigAlg=", 7) == 0)
			break;
	if (p == NULL)
		return 0;
	/* percent-decoded, either case of hex digits, as any SP may encode it */
	for (p += 7; *p != '\0' && *p != '&'; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = saml_hexval(p[1]), lo = hi < 0 ? -1 : saml_hexval(p[2]);
			if (lo < 0)
				return 0;
			c = hi << 4 | lo;
			p += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (n + 1 >= sizeof(alg))
			return 0;
		alg[n++] = (char)c;
	}
	alg[n] = '\0';
	return strcmp(alg, ok[0]) == 0 || strcmp(alg, ok[1]) == 0;
}

/*
 * Checked in memory, exactly; the durable copy (for restarts) is queued for
 * the log writer. When either is full the request is refused, never let
 * through unremembered.
 */
static int
sidp_replay_remember(struct saml_idp *idp, const struct saml_authn *a, time_t now, char *why,
		     size_t whylen)
{
	struct store_replay_rec rec;
	int rc;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.issuer, sizeof(rec.issuer), "%s", a->sp);
	snprintf(rec.id, sizeof(rec.id), "%s", a->id);
	rec.expires = now + (int64_t)sidp_replay_life(idp->sc);
	/* a refusal is logged by the caller with saml_strerror(rc) and why */
	rc = saml_replay_check(idp->replay, rec.issuer, rec.id, a->src, now, rec.expires);
	if (rc == SAML_REPLAY_SEEN)
		return SAML_EREPLAY;
	if (rc == SAML_REPLAY_SRC_SHARE || rc == SAML_REPLAY_SP_SHARE) {
		snprintf(why, whylen, "this %s has used its share of the replay cache",
			 rc == SAML_REPLAY_SRC_SHARE ? "address" : "service provider");
		return SAML_EFULL;
	}
	if (rc < 0) {
		snprintf(why, whylen, "replay cache full");
		return rc;
	}
	return store_logger_replay(idp->lg, &rec) < 0 ? SAML_EFULL : 0;
}

static int
sidp_str_same(const char *a, const char *b)
{
	return (a == NULL || *a == '\0') ? (b == NULL || *b == '\0') : b != NULL && strcmp(a, b) == 0;
}

/*
 * What lasso read must be the request we checked: same ID, issuer, time,
 * ACS URL, Destination, ForceAuthn and IsPassive (a reading of other bytes
 * would differ in some of them).
 */
static int
sidp_lasso_same(LassoLogin *login, const struct saml_authn *a, const char *issued,
		const char *acs, const char *dest)
{
	LassoNode *req = LASSO_PROFILE(login)->request;
	LassoSamlp2RequestAbstract *ra;
	LassoSamlp2AuthnRequest *ar;

	if (req == NULL || !LASSO_IS_SAMLP2_AUTHN_REQUEST(req))
		return 0;
	ar = LASSO_SAMLP2_AUTHN_REQUEST(req);
	ra = LASSO_SAMLP2_REQUEST_ABSTRACT(req);
	return ra->Issuer != NULL && sidp_str_same(ra->Issuer->content, a->sp) &&
	       sidp_str_same(ra->ID, a->id) && sidp_str_same(ra->IssueInstant, issued) &&
	       sidp_str_same(ra->Destination, dest) &&
	       sidp_str_same(ar->AssertionConsumerServiceURL, acs) &&
	       !ar->ForceAuthn == !a->force && !ar->IsPassive == !a->passive;
}

int
saml_authn_check(struct saml_idp *idp, int redirect, const char *saml_request, const char *query,
		 const char *relay, const char *src, time_t now, struct saml_authn **out, char *why,
		 size_t whylen)
{
	const struct config_saml *sc = idp->sc;
	unsigned char *raw = NULL;
	char *xml = NULL, issued[SAML_TIME_LEN], *issuer = NULL, dest[512], sent_acs[512];
	size_t rawlen = 0, xmllen = 0;
	struct saml_authn *a = NULL;
	const struct saml_sp *sp;
	const xmlNode *root, *in;
	xmlDoc *doc = NULL;
	unsigned ids = 0, sigs = 0;
	int rc, signed_msg;
	time_t t;

	*out = NULL;
	snprintf(why, whylen, "-");
	if (relay != NULL && strlen(relay) > SAML_RELAY_MAX) {
		snprintf(why, whylen, "RelayState longer than %d bytes", SAML_RELAY_MAX);
		return SAML_ETOOBIG;
	}
	rc = saml_b64_decode(saml_request, strlen(saml_request), &raw, &rawlen, sc->max_request);
	if (rc == 0 && redirect) {
		rc = saml_inflate(raw, rawlen, &xml, &xmllen, sc->max_request);
	} else if (rc == 0) {
		xml = (char *)raw;
		xmllen = rawlen;
		raw = NULL;
	}
	if (rc < 0) {
		snprintf(why, whylen, "SAMLRequest: %s", saml_strerror(rc));
		goto done;
	}
	rc = SAML_EMALFORMED;
	if ((doc = saml_xml_parse(xml, xmllen, 0)) == NULL) {
		snprintf(why, whylen, "SAMLRequest is not well-formed XML, or has a DTD or comments");
		goto done;
	}
	root = xmlDocGetRootElement(doc);
	if (!saml_xml_is(root, SAML_NS_P, "AuthnRequest") ||
	    sidp_count(root, 0, &ids, &sigs) < 0) {
		snprintf(why, whylen, "not a SAML 2.0 AuthnRequest");
		goto done;
	}
	/* wrapping defence: one ID (the root's), at most one signature, on the root */
	if (ids != 1 || sigs > 1 ||
	    (sigs == 1 && saml_xml_child(root, SAML_NS_DS, "Signature") == NULL)) {
		snprintf(why, whylen, "unexpected IDs or signatures in the request");
		rc = SAML_EBADSIG;
		goto done;
	}
	if (saml_xml_uses_sha1(root->children, 0)) {
		snprintf(why, whylen, "SHA-1 signature or digest");
		rc = SAML_ESHA1;
		goto done;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		rc = SAML_ENOMEM;
		goto done;
	}
	sidp_copy_attr(root, "ID", a->id, sizeof(a->id));
	sidp_copy_attr(root, "IssueInstant", issued, sizeof(issued));
	sidp_copy_attr(root, "AssertionConsumerServiceURL", a->acs, sizeof(a->acs));
	sidp_copy_attr(root, "Destination", dest, sizeof(dest));
	snprintf(sent_acs, sizeof(sent_acs), "%s", a->acs);
	snprintf(a->src, sizeof(a->src), "%s", src != NULL ? src : "");
	a->force = sidp_is_true(root, "ForceAuthn");
	a->passive = sidp_is_true(root, "IsPassive");
	in = saml_xml_child(root, SAML_NS_A, "Issuer");
	if (in == NULL || (issuer = (char *)xmlNodeGetContent(in)) == NULL ||
	    strlen(issuer) >= sizeof(a->sp) || a->id[0] == '\0') {
		snprintf(why, whylen, "request without Issuer or ID");
		goto done;
	}
	snprintf(a->sp, sizeof(a->sp), "%s", issuer);
	if (saml_time_parse(issued, &t) < 0 || t > now + (time_t)sc->clock_skew ||
	    t < now - (time_t)sc->clock_skew - 300) {
		snprintf(why, whylen, "IssueInstant \"%.40s\" outside the clock-skew window", issued);
		rc = SAML_EEXPIRED;
		goto done;
	}
	/* SAML core 3.2.1: a request sent to someone else is not for us */
	if (dest[0] != '\0' &&
	    (strncmp(dest, sc->base_url, strlen(sc->base_url)) != 0 ||
	     strcmp(dest + strlen(sc->base_url), "/saml/sso") != 0)) {
		snprintf(why, whylen, "Destination \"%.200s\" is not %s/saml/sso", dest,
			 sc->base_url);
		rc = SAML_EDEST;
		goto done;
	}
	if ((sp = saml_meta_find(idp->metas, idp->nmetas, a->sp)) == NULL) {
		rc = SAML_EUNKNOWN;
		goto done;
	}
	if (a->acs[0] == '\0')
		snprintf(a->acs, sizeof(a->acs), "%s", sp->acs_default);
	else if (!saml_sp_acs_allowed(sp, a->acs)) {
		rc = SAML_EACS;
		goto done;
	}
	/* the caller passes the Redirect query as SAMLRequest, RelayState, SigAlg,
	 * Signature, each at most once: "&Signature=" is the parameter itself */
	signed_msg = redirect ? strstr(query, "&Signature=") != NULL : sigs == 1;
	if (redirect && signed_msg && !saml_query_sigalg_ok(query)) {
		snprintf(why, whylen, "SigAlg is not RSA-SHA256 or RSA-SHA512");
		rc = SAML_ESHA1;
		goto done;
	}
	if (sp->want_signed && !signed_msg) {
		rc = SAML_ENOSIG;
		goto done;
	}
	if ((a->login = lasso_login_new(idp->server)) == NULL) {
		rc = SAML_ENOMEM;
		goto done;
	}
	/* lasso makes the Response as it reads the request and sets up its
	 * signature then: an SP that wants signed assertions gets only those
	 * (saml_authn_respond), so say so now */
	if (sp->want_assertions_signed)
		lasso_profile_set_signature_hint(LASSO_PROFILE(a->login),
						 LASSO_PROFILE_SIGNATURE_HINT_FORBID);
	lasso_profile_set_signature_verify_hint(LASSO_PROFILE(a->login),
						signed_msg ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
							   : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
	rc = lasso_login_process_authn_request_msg(a->login,
						   redirect ? (char *)(uintptr_t)query
							    : (char *)(uintptr_t)saml_request);
	if (rc != 0 || (signed_msg && LASSO_PROFILE(a->login)->signature_status != 0)) {
		snprintf(why, whylen, "lasso: %s", lasso_strerror(rc != 0 ? rc
							: LASSO_PROFILE(a->login)->signature_status));
		rc = signed_msg ? SAML_EBADSIG : SAML_EMALFORMED;
		goto done;
	}
	if (!sidp_lasso_same(a->login, a, issued, sent_acs, dest)) {
		snprintf(why, whylen, "lasso read another request than the one checked");
		rc = SAML_EMALFORMED;
		goto done;
	}
	/* after the signature, so a forged request cannot burn a real ID */
	if ((rc = sidp_replay_remember(idp, a, now, why, whylen)) < 0)
		goto done;
	if (relay != NULL)
		snprintf(a->relay, sizeof(a->relay), "%s", relay);
	a->created = now;
	saml_random_hex(a->token, SAML_TOKEN_HEX / 2);
	*out = a;
	a = NULL;
	rc = 0;
done:
	if (issuer != NULL)
		xmlFree(issuer);
	saml_authn_free(a);
	xmlFreeDoc(doc);
	free(raw);
	free(xml);
	return rc;
}
