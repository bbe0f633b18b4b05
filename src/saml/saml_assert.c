/*
 * Building the response: NameID per the SP's rule, the attributes the
 * school releases to that SP and nothing else, a release log row with the
 * names (never the values), and the auto-POST page to the SP's ACS.
 */
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/saml2_subject_confirmation_data.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/entree.h"
#include "poort/http.h"
#include "poort/saml.h"
#include "poort/store.h"
#include "poort/auth.h"
#include "poort/store_saml.h"
#include "saml_idp_int.h"
#include "saml_sign.h"

#define FMT_TRANSIENT "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
#define FMT_PERSISTENT "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
#define FMT_UNSPEC "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

#define FMT_ATTR_UNSPEC "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"

/* A stable pseudonym of user for sp: HMAC(box key, sp NUL user), hex. */
static void
sasrt_pairwise(const struct saml_idp *idp, const char *sp, const char *user, char out[65])
{
	unsigned char mac[32], msg[512];
	unsigned maclen = 0;
	size_t sl = strlen(sp), ul = strlen(user);

	if (sl + ul + 1 > sizeof(msg)) {
		sl = sizeof(msg) - ul - 1;
	}
	memcpy(msg, sp, sl);
	msg[sl] = '\0';
	memcpy(msg + sl + 1, user, ul);
	HMAC(EVP_sha256(), idp->pairwise_key, sizeof(idp->pairwise_key), msg, sl + 1 + ul, mac,
	     &maclen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* The value of one attribute for acct, or "" when the account has none. */
/* Value of name in kv ("name=value\n" lines), or NULL. */
static int
sasrt_kv_get(const char *kv, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	for (const char *p = kv; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = strcspn(p + nl + 1, "\n");
			snprintf(out, outlen, "%.*s", (int)vl, p + nl + 1);
			return 0;
		}
	}
	return -1;
}

/*
 * nlEduPersonRealId: a stable pseudonym of uid, never stored on its own.
 * Keyed like pairwise NameIDs, with a name no SP entityID can take.
 */
#define SASRT_REALID_KEY "urn:poort:nlEduPersonRealId"

static void
sasrt_value(struct saml_idp *idp, const struct store_account *acct, const char *kv,
	    const char *sp, int entree, const char *name, char *out, size_t outlen)
{
	const char *scope = idp->sc->scope;
	char h[65], uid[STORE_USERNAME_MAX + 300];

	out[0] = '\0';
	snprintf(uid, sizeof(uid), "%s@%s", acct->username, scope);
	if (strcmp(name, "uid") == 0 || strcmp(name, "subject-id") == 0)
		snprintf(out, outlen, "%s", uid);
	else if (strcmp(name, "nlEduPersonRealId") == 0) {
		sasrt_pairwise(idp, SASRT_REALID_KEY, uid, h);
		snprintf(out, outlen, "%s", h);
	} else if (strcmp(name, "givenName") == 0)
		snprintf(out, outlen, "%s", acct->given_name);
	else if (strcmp(name, "sn") == 0)
		snprintf(out, outlen, "%s", acct->surname);
	else if (strcmp(name, "eduPersonAffiliation") == 0)
		snprintf(out, outlen, "%s",
			 entree && acct->affiliation[0] ? entree_affiliation(acct->affiliation)
							: acct->affiliation);
	else if (strcmp(name, "eduPersonScopedAffiliation") == 0)
		snprintf(out, outlen, "%s@%s", acct->affiliation, scope);
	else if (strcmp(name, "nlEduPersonHomeOrganization") == 0)
		snprintf(out, outlen, "%s", idp->sc->organization);
	else if (strcmp(name, "nlEduPersonHomeOrganizationId") == 0)
		snprintf(out, outlen, "%s", idp->sc->organization_id);
	else if (strcmp(name, "pairwise-id") == 0) {
		sasrt_pairwise(idp, sp, acct->username, h);
		snprintf(out, outlen, "%.32s@%s", h, scope);
	} else if (kv != NULL) {
		if (sasrt_kv_get(kv, name, out, outlen) < 0)
			out[0] = '\0';
	} else if (store_saml_attr_get(idp->ss, acct->username, name, out, outlen) < 0) {
		out[0] = '\0';
		if (strcmp(name, "employeeNumber") == 0)
			snprintf(out, outlen, "%s", acct->student_number);
	}
	if (strcmp(name, "eckId") == 0 && out[0] != '\0' && !entree_eckid_valid(out))
		out[0] = '\0'; /* checked where it comes in; never pass on a malformed one */
}

static LassoSaml2Attribute *
sasrt_attribute(enum config_profile profile, const char *name, const char *value)
{
	LassoSaml2Attribute *at = LASSO_SAML2_ATTRIBUTE(lasso_saml2_attribute_new());
	LassoSaml2AttributeValue *v = lasso_saml2_attribute_value_new();
	LassoMiscTextNode *t = lasso_misc_text_node_new_with_string(value);
	int always = 0;
	/* the uri profile's Names: one table, config_saml.c */
	const char *uri = config_saml_attr_uri(name, &always);

	t->text_child = TRUE;
	v->any = g_list_append(v->any, t);
	if (uri != NULL && (profile == CONFIG_PROFILE_URI || always)) {
		at->Name = g_strdup(uri);
		at->NameFormat = g_strdup(LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_URI);
		at->FriendlyName = g_strdup(name);
	} else {
		at->Name = g_strdup(name);
		at->NameFormat = g_strdup(FMT_ATTR_UNSPEC);
	}
	at->AttributeValue = g_list_append(at->AttributeValue, v);
	return at;
}

static int
sasrt_nameid(struct saml_idp *idp, LassoSaml2Assertion *as, const struct saml_authn *a,
	     const struct config_saml_sp *rule, const struct store_account *acct, const char **fmt)
{
	LassoSaml2NameID *nid;
	char v[STORE_USERNAME_MAX + 300], h[65];

	if (as->Subject == NULL)
		return SAML_EMALFORMED;
	if (as->Subject->NameID == NULL)
		as->Subject->NameID = LASSO_SAML2_NAME_ID(lasso_saml2_name_id_new());
	nid = as->Subject->NameID;
	switch (rule != NULL ? rule->nameid : CONFIG_NAMEID_TRANSIENT) {
	case CONFIG_NAMEID_UID: /* Entree: the NameID is uid */
		snprintf(v, sizeof(v), "%s@%s", acct->username, idp->sc->scope);
		*fmt = "uid";
		g_free(nid->Format);
		nid->Format = g_strdup(FMT_UNSPEC);
		break;
	case CONFIG_NAMEID_PERSISTENT:
		sasrt_pairwise(idp, a->sp, acct->username, h);
		snprintf(v, sizeof(v), "%s", h);
		*fmt = "persistent";
		g_free(nid->Format);
		nid->Format = g_strdup(FMT_PERSISTENT);
		break;
	default:
		v[0] = '_';
		saml_random_hex(v + 1, 20);
		*fmt = "transient";
		g_free(nid->Format);
		nid->Format = g_strdup(FMT_TRANSIENT);
		break;
	}
	g_free(nid->content);
	nid->content = g_strdup(v);
	g_free(nid->NameQualifier);
	nid->NameQualifier = g_strdup(idp->sc->entity_id);
	g_free(nid->SPNameQualifier);
	nid->SPNameQualifier = g_strdup(a->sp);
	return 0;
}

/*
 * SAML core 2.7.2: an AuthnStatement from a session carries a SessionIndex
 * (lasso leaves it out), so an SP can name the session in a logout.
 */
static void
sasrt_session_index(LassoSaml2Assertion *as)
{
	char idx[42];

	idx[0] = '_';
	for (GList *l = as->AuthnStatement; l != NULL; l = l->next) {
		LassoSaml2AuthnStatement *st = LASSO_SAML2_AUTHN_STATEMENT(l->data);
		if (st->SessionIndex != NULL)
			continue;
		saml_random_hex(idx + 1, 20);
		st->SessionIndex = g_strdup(idx);
	}
}

/*
 * as moved into a new assertion that lasso has not set up for signing, in
 * its place in resp: lasso would sign the old one as it serialises, through
 * xmlsec, at about the cost of the RSA operation again.
 */
static LassoSaml2Assertion *
sasrt_unsigned_copy(LassoSamlp2Response *resp, LassoSaml2Assertion *as)
{
	GList *l = g_list_find(resp->Assertion, as);
	LassoSaml2Assertion *n;

	if (l == NULL || (n = LASSO_SAML2_ASSERTION(lasso_saml2_assertion_new())) == NULL)
		return NULL;
#define SASRT_MOVE(f)                                                                              \
	do {                                                                                       \
		n->f = as->f;                                                                      \
		as->f = NULL;                                                                      \
	} while (0)
	SASRT_MOVE(Issuer);
	SASRT_MOVE(Subject);
	SASRT_MOVE(Conditions);
	SASRT_MOVE(Advice);
	SASRT_MOVE(Statement);
	SASRT_MOVE(AuthnStatement);
	SASRT_MOVE(AuthzDecisionStatement);
	SASRT_MOVE(AttributeStatement);
	SASRT_MOVE(Version);
	SASRT_MOVE(ID);
	SASRT_MOVE(IssueInstant);
#undef SASRT_MOVE
	l->data = n; /* the list's reference moves to n */
	g_object_unref(as);
	return n;
}

/*
 * SAML core 3.4.1.1: IsPassive and no session is answered with the second
 * level status NoPassive (lasso says AuthnFailed), so the SP knows to ask
 * again without IsPassive.
 */
static void
sasrt_no_passive(LassoProfile *prof)
{
	LassoSamlp2StatusResponse *sr;
	LassoSamlp2StatusCode *top, *second;

	if (!LASSO_IS_SAMLP2_STATUS_RESPONSE(prof->response))
		return;
	sr = LASSO_SAMLP2_STATUS_RESPONSE(prof->response);
	if (sr->Status == NULL || (top = sr->Status->StatusCode) == NULL)
		return;
	second = top->StatusCode;
	if (second == NULL) {
		second = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
		top->StatusCode = second;
	}
	g_free(second->Value);
	second->Value = g_strdup(LASSO_SAML2_STATUS_CODE_NO_PASSIVE);
}

/*
 * lasso_login_build_authn_response_msg for the HTTP-POST binding, with the
 * assertion signed by saml_sign.c: the Recipient and Destination are the
 * ACS we checked, the assertion is kept in the session for logout, and the
 * Response goes out in base64. An SP that advertises AES-GCM gets the
 * signed assertion encrypted with it (saml_enc.c); one that does not ask
 * for signed assertions gets the Response signed too.
 */
static int
sasrt_post_body(struct saml_idp *idp, const struct saml_authn *a, const struct saml_sp *sp,
		LassoProfile *prof, LassoSaml2Assertion *as, char **b64)
{
	LassoSamlp2Response *resp = LASSO_SAMLP2_RESPONSE(prof->response);
	LassoSamlp2StatusResponse *sr = LASSO_SAMLP2_STATUS_RESPONSE(prof->response);
	LassoSaml2SubjectConfirmationData *scd;
	xmlOutputBuffer *ob = NULL;
	xmlBuffer *buf = NULL;
	xmlNode *x, *ax = NULL;
	xmlDoc *doc = NULL;
	size_t len;
	int rc = SAML_ENOMEM;

	*b64 = NULL;
	if ((as = sasrt_unsigned_copy(resp, as)) == NULL || as->ID == NULL)
		return SAML_EMALFORMED;
	if ((scd = lasso_saml2_assertion_get_subject_confirmation_data(as, TRUE)) == NULL)
		return SAML_ENOMEM;
	g_free(scd->Recipient);
	scd->Recipient = g_strdup(a->acs);
	if (prof->session == NULL)
		prof->session = lasso_session_new();
	lasso_session_add_assertion(prof->session, prof->remote_providerID, LASSO_NODE(as));
	sr->sign_type = LASSO_SIGNATURE_TYPE_NONE;
	g_free(sr->Destination);
	sr->Destination = g_strdup(a->acs);
	if ((x = lasso_node_get_xmlNode(LASSO_NODE(resp), FALSE)) == NULL ||
	    (doc = xmlNewDoc((const xmlChar *)"1.0")) == NULL) {
		xmlFreeNode(x);
		return SAML_ENOMEM;
	}
	xmlDocSetRootElement(doc, x);
	for (xmlNode *c = x->children; c != NULL; c = c->next)
		if (saml_xml_is(c, SAML_NS_A, "Assertion"))
			ax = c;
	if (ax == NULL || (rc = saml_signer_sign(idp->signer, ax, as->ID)) < 0) {
		rc = rc < 0 ? rc : SAML_EMALFORMED;
		goto done;
	}
	if (sp->has_enc_key &&
	    (rc = saml_enc_element(ax, sp->enc_cert, strlen(sp->enc_cert), sp->enc_gcm)) < 0)
		goto done;
	if (!sp->want_assertions_signed && (sr->ID == NULL ||
					    (rc = saml_xml_sign(doc, sr->ID, idp->sign_key)) < 0)) {
		rc = rc < 0 ? rc : SAML_EMALFORMED;
		goto done;
	}
	rc = SAML_ENOMEM;
	if ((buf = xmlBufferCreate()) == NULL ||
	    (ob = xmlOutputBufferCreateBuffer(buf, NULL)) == NULL)
		goto done;
	xmlNodeDumpOutput(ob, doc, x, 0, 0, NULL);
	if (xmlOutputBufferClose(ob) < 0)
		goto done;
	len = (size_t)xmlBufferLength(buf);
	if (len > INT32_MAX / 2 || (*b64 = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		goto done;
	EVP_EncodeBlock((unsigned char *)*b64, xmlBufferContent(buf), (int)len);
	rc = 0;
done:
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return rc;
}

static char *
sasrt_post_page(const char *url, const char *resp, const char *relay, const char *nonce)
{
	size_t cap = strlen(resp) + 6 * strlen(url) + 6 * SAML_RELAY_MAX + 1024;
	char *p = malloc(cap);
	size_t n;

	if (p == NULL)
		return NULL;
	n = (size_t)snprintf(p, cap,
			     "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Poort</title>"
			     "</head><body><form method=\"post\" action=\"");
	n = http_html_escape(p, cap, n, url);
	n += (size_t)snprintf(p + n, cap - n,
			      "\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"%s\">", resp);
	if (relay != NULL && relay[0] != '\0') {
		n += (size_t)snprintf(p + n, cap - n, "<input type=\"hidden\" name=\"RelayState\" value=\"");
		n = http_html_escape(p, cap, n, relay);
		n += (size_t)snprintf(p + n, cap - n, "\">");
	}
	snprintf(p + n, cap - n,
		 "<noscript><p>Ga verder / Continue:</p></noscript><button type=\"submit\">Verder / "
		 "Continue</button></form><script nonce=\"%s\">document.forms[0].submit()</script>"
		 "</body></html>",
		 nonce);
	return p;
}

int
saml_authn_respond(struct saml_idp *idp, struct saml_authn *a, const char *user,
		   const char *kv, time_t authn_instant, const char *nonce, LassoSession **session,
		   char **html)
{
	const struct config_saml_sp *rule = saml_rules_find(idp, a->sp);
	LassoProfile *prof = LASSO_PROFILE(a->login);
	const struct saml_sp *sp = saml_meta_find(idp->metas, idp->nmetas, a->sp);
	LassoSaml2AttributeStatement *stmt = NULL;
	struct store_release_rec rec;
	struct store_account acct;
	LassoSaml2Assertion *as = NULL;
	char *body = NULL;
	const char *url;
	char ai[SAML_TIME_LEN], nb[SAML_TIME_LEN], na[SAML_TIME_LEN], val[512];
	const char *fmt = "none";
	time_t now = time(NULL);
	size_t an = 0;
	int rc, fast;

	*html = NULL;
	if (session != NULL && *session != NULL) {
		/* shared, not copied: lasso records this SP in it as it builds */
		if (prof->session != NULL)
			g_object_unref(prof->session);
		prof->session = g_object_ref(*session);
	}
	if (user == NULL) {
		/* IsPassive without a session: a failure status, no assertion,
		 * and the Response always signed */
		lasso_profile_set_signature_hint(prof, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
		lasso_login_validate_request_msg(a->login, FALSE, FALSE);
		sasrt_no_passive(prof);
	} else {
		if (kv != NULL) {
			/* proxy mode: the upstream IdP vouched for the user, not our store */
			memset(&acct, 0, sizeof(acct));
			snprintf(acct.username, sizeof(acct.username), "%s", user);
			sasrt_kv_get(kv, "givenName", acct.given_name, sizeof(acct.given_name));
			sasrt_kv_get(kv, "sn", acct.surname, sizeof(acct.surname));
			sasrt_kv_get(kv, "eduPersonAffiliation", acct.affiliation,
				     sizeof(acct.affiliation));
			sasrt_kv_get(kv, "employeeNumber", acct.student_number,
				     sizeof(acct.student_number));
		} else if ((rc = auth_account_get(idp->auth, user, now, &acct)) < 0) {
			/* every assertion re-checks the account, with the rule RADIUS uses */
			log_notice("saml response refused sp=%s user=%s reason=%s", a->sp, user,
				   auth_reason(rc));
			return SAML_EUNKNOWN;
		}
		explicit_bzero(acct.pw_hash, sizeof(acct.pw_hash));
		if (rule != NULL && rule->entree) {
			/* Entree builds its identifier from employeeNumber: no login without */
			sasrt_value(idp, &acct, kv, a->sp, 1, "employeeNumber", val, sizeof(val));
			if (val[0] == '\0') {
				log_warning("saml refused sp=%s user=%s reason=no-employeeNumber", a->sp,
					    acct.username);
				return SAML_ENOATTR;
			}
		}
		/*
		 * The assertion is always signed. An SP whose metadata asks for
		 * signed assertions gets just that (saml_authn_check told lasso
		 * before it made the Response): one RSA signature per login,
		 * which is what SAML's POST profile requires. Other SPs may
		 * only check the Response, so theirs is signed too.
		 */
		rc = lasso_login_validate_request_msg(a->login, TRUE, TRUE);
		if (rc != 0 && rc != LASSO_LOGIN_ERROR_CONSENT_NOT_OBTAINED)
			goto lasso_fail;
		saml_time_format(authn_instant, ai);
		saml_time_format(now - 60, nb);
		saml_time_format(now + (time_t)idp->sc->assertion_lifetime, na);
		rc = lasso_login_build_assertion(a->login,
						 LASSO_SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT,
						 ai, NULL, nb, na);
		if (rc != 0)
			goto lasso_fail;
		as = LASSO_SAML2_ASSERTION(lasso_login_get_assertion(a->login));
		if (as == NULL || sasrt_nameid(idp, as, a, rule, &acct, &fmt) < 0) {
			if (as != NULL)
				g_object_unref(as);
			return SAML_EMALFORMED;
		}
		sasrt_session_index(as);
		memset(&rec, 0, sizeof(rec));
		stmt = LASSO_SAML2_ATTRIBUTE_STATEMENT(lasso_saml2_attribute_statement_new());
		for (size_t i = 0; rule != NULL && i < rule->nrelease; i++) {
			sasrt_value(idp, &acct, kv, a->sp, rule->profile == CONFIG_PROFILE_ENTREE,
				    rule->release[i], val, sizeof(val));
			if (val[0] == '\0')
				continue; /* nothing to release is not released */
			stmt->Attribute = g_list_append(
				stmt->Attribute, sasrt_attribute(rule->profile, rule->release[i], val));
			an += (size_t)snprintf(rec.attrs + an, sizeof(rec.attrs) - an, "%s%s",
					       an ? " " : "", rule->release[i]);
			if (an >= sizeof(rec.attrs))
				an = sizeof(rec.attrs) - 1;
		}
		explicit_bzero(val, sizeof(val));
		if (stmt->Attribute != NULL)
			as->AttributeStatement = g_list_append(as->AttributeStatement, stmt);
		else
			g_object_unref(stmt);
		rec.time = now;
		snprintf(rec.sp, sizeof(rec.sp), "%s", a->sp);
		snprintf(rec.user, sizeof(rec.user), "%s", acct.username);
		snprintf(rec.nameid_format, sizeof(rec.nameid_format), "%s", fmt);
		explicit_bzero(acct.pw_hash, sizeof(acct.pw_hash));
	}
	/* signed only, or encrypted with AES-GCM: ours (saml_sign.c, saml_enc.c);
	 * encrypted with CBC (all lasso 2.8 can do): lasso's */
	fast = as != NULL && sp != NULL &&
	       ((sp->want_assertions_signed && !sp->has_enc_key) ||
		(sp->has_enc_key && sp->enc_gcm != 0 && sp->enc_cert != NULL));
	if (fast) {
		rc = sasrt_post_body(idp, a, sp, prof, as, &body);
		g_object_unref(as);
		if (rc < 0) {
			log_error("saml response sp=%s: cannot sign: %s", a->sp, saml_strerror(rc));
			return rc;
		}
		url = a->acs;
	} else {
		if (as != NULL)
			g_object_unref(as);
		rc = lasso_login_build_authn_response_msg(a->login);
		if (rc != 0)
			goto lasso_fail;
		if (prof->msg_url == NULL || prof->msg_body == NULL ||
		    strcmp(prof->msg_url, a->acs) != 0) {
			/* lasso picked another endpoint than the one we checked: refuse */
			log_error("saml response sp=%s: ACS mismatch", a->sp);
			return SAML_EACS;
		}
		url = prof->msg_url;
	}
	if (user != NULL) {
		/*
		 * Queued before it leaves (a full queue refuses the login); the
		 * writer commits within ~50 ms, off the event loop.
		 */
		if (store_logger_release(idp->lg, &rec) < 0) {
			free(body);
			return SAML_EFULL;
		}
		log_notice("saml release sp=%s user=%s nameid=%s attrs=\"%s\"", rec.sp, rec.user, fmt,
			   rec.attrs);
	}
	if (user != NULL && session != NULL) {
		/* remember the SPs that got an assertion, for single logout;
		 * lasso lends ls (transfer none): take our own reference */
		LassoSession *ls = lasso_profile_get_session(prof);
		if (ls != NULL && ls != *session) {
			if (*session != NULL)
				g_object_unref(*session);
			*session = g_object_ref(ls);
		}
	}
	*html = sasrt_post_page(url, body != NULL ? body : prof->msg_body, a->relay, nonce);
	free(body);
	return *html != NULL ? 0 : SAML_ENOMEM;
lasso_fail:
	log_error("saml response sp=%s: lasso: %s", a->sp, lasso_strerror(rc));
	return SAML_EMALFORMED;
}
