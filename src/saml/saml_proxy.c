/*
 * Proxy mode: instead of the login page, poortd sends the browser to the
 * school's existing IdP as a SAML SP, checks the answer at /saml/acs, maps
 * the upstream attributes to ours, and then answers the waiting SP as if
 * the user had logged in locally (same release rules, same log).
 *
 * The upstream's Response is parsed strictly first (no DTD, no comments:
 * a comment inside NameID is how "user<!-- -->@evil" tricks work), then
 * lasso checks its signature against the upstream metadata: the Response's,
 * or else its one plain assertion's (what many IdPs sign).
 */
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_audience_restriction.h>
#include <lasso/xml/saml-2.0/saml2_conditions.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_name_id_policy.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "poort/entree.h"
#include "poort/store.h"
#include "saml_idp_int.h"

int
saml_proxy_init(struct saml_idp *idp, char *err, size_t errlen)
{
	const struct config_saml_upstream *u = idp->sc->upstream;
	char *buf = NULL, *cert = NULL;
	size_t len, certlen;
	xmlDoc *doc = NULL;
	int rc = SAML_ECONFIG;

	if (u == NULL)
		return 0;
	if (saml_file_read(u->metadata, 16u << 20, &buf, &len) < 0 ||
	    saml_file_read(u->metadata_cert[0] ? u->metadata_cert : idp->sc->federation_cert,
			   64 * 1024, &cert, &certlen) < 0) {
		snprintf(err, errlen, "saml upstream: cannot read %s or its certificate", u->metadata);
		goto done;
	}
	if ((doc = saml_xml_parse(buf, len, 1)) == NULL ||
	    (rc = saml_xml_verify(doc, cert, certlen)) < 0) {
		snprintf(err, errlen, "saml upstream: metadata %s is malformed or not signed by %s",
			 u->metadata, u->metadata_cert[0] ? u->metadata_cert : "the federation");
		rc = rc < 0 ? rc : SAML_EBADSIG;
		goto done;
	}
	if (lasso_server_add_provider_from_buffer(idp->server, LASSO_PROVIDER_ROLE_IDP, buf, NULL,
						  NULL) != 0 ||
	    lasso_server_get_provider(idp->server, u->entity_id) == NULL ||
	    saml_idp_provider_key(idp, lasso_server_get_provider(idp->server, u->entity_id)) < 0) {
		snprintf(err, errlen, "saml upstream: %s is not in %s", u->entity_id, u->metadata);
		rc = SAML_ECONFIG;
		goto done;
	}
	log_notice("saml proxy mode: logins go to %s", u->entity_id);
	rc = 0;
done:
	xmlFreeDoc(doc);
	free(buf);
	free(cert);
	return rc;
}

/* The redirect URL to the upstream IdP for a; the request ID kept in a. */
int
saml_proxy_begin(struct saml_idp *idp, struct saml_authn *a, char **url)
{
	const struct config_saml_upstream *u = idp->sc->upstream;
	LassoLogin *up = lasso_login_new(idp->server);
	LassoSamlp2AuthnRequest *rq;
	LassoProfile *prof;
	int rc = SAML_EMALFORMED;

	*url = NULL;
	if (up == NULL)
		return SAML_ENOMEM;
	prof = LASSO_PROFILE(up);
	if (lasso_login_init_authn_request(up, u->entity_id, LASSO_HTTP_METHOD_REDIRECT) != 0)
		goto done;
	rq = LASSO_SAMLP2_AUTHN_REQUEST(prof->request);
	rq->ForceAuthn = a->force;
	g_free(rq->ProtocolBinding);
	rq->ProtocolBinding = g_strdup(SAML_BINDING_POST);
	if (rq->NameIDPolicy != NULL) {
		g_free(rq->NameIDPolicy->Format);
		rq->NameIDPolicy->Format = g_strdup(LASSO_SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT);
		rq->NameIDPolicy->AllowCreate = TRUE;
	}
	g_free(prof->msg_relayState);
	prof->msg_relayState = g_strdup(a->token);
	if (lasso_login_build_authn_request_msg(up) != 0 || prof->msg_url == NULL)
		goto done;
	snprintf(a->up_id, sizeof(a->up_id), "%s",
		 LASSO_SAMLP2_REQUEST_ABSTRACT(prof->request)->ID);
	*url = strdup(prof->msg_url);
	rc = *url != NULL ? 0 : SAML_ENOMEM;
done:
	lasso_login_destroy(up);
	return rc;
}

static const char *
sproxy_text(GList *any)
{
	for (; any != NULL; any = any->next)
		if (LASSO_IS_MISC_TEXT_NODE(any->data))
			return LASSO_MISC_TEXT_NODE(any->data)->content;
	return NULL;
}

/* Appends "name=value\n" to kv when value is clean (no newline, no '='-trick). */
static void
sproxy_kv_add(char *kv, size_t kvlen, const char *name, const char *value)
{
	size_t n = strlen(kv);
	if (value == NULL || strpbrk(value, "\n\r") != NULL || strlen(value) > 512)
		return;
	if (strcmp(name, "eckId") == 0 && !entree_eckid_valid(value)) {
		log_warning("saml proxy: upstream eckId is not an ECK iD; dropped");
		return;
	}
	snprintf(kv + n, kvlen - n, "%s=%s\n", name, value);
}

/*
 * The upstream's user id to our account name: it must be LOCAL@scope with
 * exactly the upstream scope of the config (case-insensitive), and LOCAL
 * becomes our user, asserted with our own scope. Anything else (no scope,
 * another scope: SAML_ESCOPE) is refused: jan@a and jan@b must never both become jan.
 */
int
saml_proxy_user_map(const char *uid, const char *scope, char *user, size_t userlen)
{
	const char *at = strrchr(uid, '@');
	size_t ll;

	if (at == NULL || strcasecmp(at + 1, scope) != 0)
		return SAML_ESCOPE;
	ll = (size_t)(at - uid);
	if (ll == 0 || ll >= userlen || memchr(uid, '@', ll) != NULL)
		return SAML_EMALFORMED;
	memcpy(user, uid, ll);
	user[ll] = '\0';
	for (char *p = user; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return store_username_valid(user) ? 0 : SAML_EMALFORMED;
}

/*
 * Which signature protects the upstream's Response: 1 for the Response
 * itself, 0 for its one plain Assertion (many IdPs sign only that), or an
 * error. A signature anywhere else, or a second one, is a wrapping attempt.
 */
static int
sproxy_signed_part(const xmlDoc *doc)
{
	const xmlNode *root = xmlDocGetRootElement(doc), *as = NULL;
	int nas = 0;

	if (!saml_xml_is(root, SAML_NS_P, "Response"))
		return SAML_EMALFORMED;
	if (saml_xml_child(root, SAML_NS_DS, "Signature") != NULL)
		return 1;
	for (const xmlNode *c = root->children; c != NULL; c = c->next) {
		if (saml_xml_is(c, SAML_NS_A, "EncryptedAssertion"))
			return SAML_ENOSIG; /* we publish no encryption key: never expected */
		if (saml_xml_is(c, SAML_NS_A, "Assertion")) {
			as = c;
			nas++;
		}
	}
	if (nas != 1 || saml_xml_child(as, SAML_NS_DS, "Signature") == NULL)
		return SAML_ENOSIG;
	return 0;
}

/*
 * Checks the upstream's Response for pending login a and fills the
 * username and the mapped attributes (kv, "name=value\n" lines).
 */
int
saml_proxy_finish(struct saml_idp *idp, struct saml_authn *a, const char *saml_response,
		  char *user, size_t userlen, char *kv, size_t kvlen, char *why, size_t whylen)
{
	const struct config_saml_upstream *u = idp->sc->upstream;
	LassoLogin *login = NULL;
	LassoSamlp2Response *resp;
	LassoSaml2Assertion *as = NULL;
	unsigned char *raw = NULL;
	size_t rawlen;
	xmlDoc *doc = NULL;
	const char *uid = NULL, *at;
	time_t now = time(NULL), t;
	int rc, signed_resp, sigst;

	kv[0] = '\0';
	rc = saml_b64_decode(saml_response, strlen(saml_response), &raw, &rawlen, 1u << 20);
	if (rc < 0 || (doc = saml_xml_parse((char *)raw, rawlen, 0)) == NULL) {
		snprintf(why, whylen, "upstream Response is malformed, or has a DTD or comments");
		rc = SAML_EMALFORMED;
		goto done;
	}
	if ((signed_resp = sproxy_signed_part(doc)) < 0) {
		snprintf(why, whylen, "upstream Response: neither it nor its one assertion is signed");
		rc = signed_resp;
		goto done;
	}
	login = lasso_login_new(idp->server);
	/* FORCE fails a Response that is unsigned even when its assertion is;
	 * then lasso checks what is there and we check the assertion below */
	lasso_profile_set_signature_verify_hint(LASSO_PROFILE(login),
						signed_resp ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
							    : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_MAYBE);
	rc = lasso_login_process_authn_response_msg(login, (char *)(uintptr_t)saml_response);
	sigst = LASSO_PROFILE(login)->signature_status;
	if (!signed_resp && sigst == LASSO_DS_ERROR_SIGNATURE_NOT_FOUND)
		sigst = 0; /* known: the assertion's signature is checked below */
	if (rc != 0 || sigst != 0) {
		snprintf(why, whylen, "upstream Response refused by lasso: %s",
			 lasso_strerror(rc != 0 ? rc : sigst));
		rc = SAML_EBADSIG;
		goto done;
	}
	rc = SAML_EMALFORMED;
	resp = LASSO_SAMLP2_RESPONSE(LASSO_PROFILE(login)->response);
	if (LASSO_PROFILE(login)->remote_providerID == NULL ||
	    strcmp(LASSO_PROFILE(login)->remote_providerID, u->entity_id) != 0 ||
	    LASSO_SAMLP2_STATUS_RESPONSE(resp)->InResponseTo == NULL ||
	    strcmp(LASSO_SAMLP2_STATUS_RESPONSE(resp)->InResponseTo, a->up_id) != 0) {
		snprintf(why, whylen, "upstream Response from another IdP or for another request");
		goto done;
	}
	if (lasso_login_accept_sso(login) != 0 ||
	    (as = LASSO_SAML2_ASSERTION(lasso_login_get_assertion(login))) == NULL) {
		snprintf(why, whylen, "upstream Response carries no usable assertion");
		goto done;
	}
	/* the signature lasso found must be the assertion's own, over itself */
	if (!signed_resp &&
	    lasso_provider_verify_single_node_signature(
		    lasso_server_get_provider(idp->server, u->entity_id), LASSO_NODE(as), "ID") != 0) {
		snprintf(why, whylen, "upstream assertion signature does not verify");
		rc = SAML_EBADSIG;
		goto done;
	}
	/* an unsigned Response's InResponseTo proves nothing: the assertion's must match */
	at = lasso_saml2_assertion_get_in_response_to(as);
	if (at == NULL || strcmp(at, a->up_id) != 0) {
		snprintf(why, whylen, "upstream assertion for another request");
		goto done;
	}
	if (as->Conditions == NULL || as->Conditions->NotOnOrAfter == NULL ||
	    saml_time_parse(as->Conditions->NotOnOrAfter, &t) < 0 ||
	    t + (time_t)idp->sc->clock_skew < now || as->Conditions->AudienceRestriction == NULL ||
	    LASSO_SAML2_AUDIENCE_RESTRICTION(as->Conditions->AudienceRestriction->data)->Audience ==
		    NULL ||
	    strcmp(LASSO_SAML2_AUDIENCE_RESTRICTION(as->Conditions->AudienceRestriction->data)
			   ->Audience,
		   idp->sc->entity_id) != 0) {
		snprintf(why, whylen, "upstream assertion expired or for another audience");
		rc = SAML_EEXPIRED;
		goto done;
	}
	if (strcmp(u->user_attr, "nameid") == 0 && as->Subject != NULL &&
	    as->Subject->NameID != NULL)
		uid = as->Subject->NameID->content;
	for (GList *s = as->AttributeStatement; s != NULL; s = s->next) {
		LassoSaml2AttributeStatement *st = LASSO_SAML2_ATTRIBUTE_STATEMENT(s->data);
		for (GList *l = st->Attribute; l != NULL; l = l->next) {
			LassoSaml2Attribute *attr = LASSO_SAML2_ATTRIBUTE(l->data);
			const char *v = attr->AttributeValue != NULL
						? sproxy_text(LASSO_SAML2_ATTRIBUTE_VALUE(
								      attr->AttributeValue->data)
								      ->any)
						: NULL;
			if (attr->Name == NULL)
				continue;
			if (strcmp(attr->Name, u->user_attr) == 0)
				uid = v;
			for (size_t i = 0; i < u->nmap; i++)
				if (strcmp(attr->Name, u->map_remote[i]) == 0)
					sproxy_kv_add(kv, kvlen, u->map_local[i], v);
		}
	}
	if (uid == NULL) {
		snprintf(why, whylen, "upstream assertion has no user id (%s)", u->user_attr);
		goto done;
	}
	/* the local part names the user here, only from the one upstream scope */
	if ((rc = saml_proxy_user_map(uid, u->scope, user, userlen)) < 0) {
		snprintf(why, whylen, "upstream user id %s", rc == SAML_ESCOPE
				      ? "is not in the upstream scope of the config"
				      : "is not a valid account name");
		goto done;
	}
	log_info("saml proxy user=%s upstream_scope=%s", user, u->scope);
	rc = 0;
done:
	if (as != NULL)
		g_object_unref(as);
	if (login != NULL)
		lasso_login_destroy(login);
	xmlFreeDoc(doc);
	free(raw);
	return rc;
}
