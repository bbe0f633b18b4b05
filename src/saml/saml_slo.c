/*
 * Single logout over HTTP-Redirect (SAML profiles 4.4). An SP's signed
 * LogoutRequest ends the SSO session here; then the browser is sent to
 * every other SP of the session with our LogoutRequest, one after the
 * other, each answering here with its LogoutResponse; last, the SP that
 * started gets its LogoutResponse (PartialLogout if one did not confirm).
 * The session, out of use for signing in from the first step on, carries
 * the LassoLogout between the steps.
 */
#include <event2/http.h>
#include <string.h>

#include "poort/http.h"
#include "poort/http_i18n.h"
#include "saml_idp_int.h"


static void
saml_slo_redirect(struct evhttp_request *req, const char *url)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", url);
	http_reply(req, 302, "text/plain; charset=utf-8", "", 0, NULL);
}

/* Sends the browser to the next SP still in the session, or answers the first. */
static void
saml_slo_next(struct saml_idp *idp, struct evhttp_request *req, struct saml_session *s)
{
	LassoLogout *lo = s->logout;
	LassoProfile *prof = LASSO_PROFILE(lo);
	LassoSession *ls = lasso_profile_get_session(prof);
	char *url = NULL;

	/* each SP of the session once, in the order they signed in; the one
	 * that started the logout is out of lasso's session already */
	while (s->slo_next < s->nsps) {
		const char *sp = s->sps[s->slo_next++];
		int rc = lasso_logout_init_request(lo, (char *)(uintptr_t)sp,
						   LASSO_HTTP_METHOD_REDIRECT);
		if (rc == LASSO_PROFILE_ERROR_MISSING_ASSERTION)
			continue; /* logged out already */
		if (rc == 0)
			rc = lasso_logout_build_request_msg(lo);
		if (rc == 0 && prof->msg_url != NULL) {
			log_info("saml slo asking sp=%s user=%s", sp, s->user);
			saml_slo_redirect(req, prof->msg_url);
			return;
		}
		log_notice("saml slo sp=%s user=%s cannot be asked to log out (%s): its own"
			   " session stays",
			   sp, s->user, rc != 0 ? lasso_strerror(rc) : "no SingleLogoutService");
		if (ls != NULL)
			lasso_session_remove_assertion(ls, sp);
	}
	/* everyone asked: the LogoutResponse to the SP that started it all (none
	 * when the user logged out here) */
	if (s->slo_from_sp && lasso_logout_build_response_msg(lo) == 0 && prof->msg_url != NULL)
		url = g_strdup(prof->msg_url);
	log_info("saml slo done user=%s", s->user);
	sweb_session_clear(s);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", COOKIE_CLEAR);
	if (url != NULL)
		saml_slo_redirect(req, url);
	else
		sweb_notice(idp, req, 200, N_("Logged out"), NULL, NULL);
	g_free(url);
}

/* An SP's LogoutResponse to our LogoutRequest: on to the next one. */
static void
saml_slo_response(struct saml_idp *idp, struct evhttp_request *req, struct saml_session *s,
		  const char *query)
{
	LassoProfile *prof;
	LassoSession *ls;
	char sp[256];
	int rc;

	if (s == NULL || s->logout == NULL) {
		sweb_error(idp, req, 400, SAML_EMALFORMED, "no logout in progress for this browser");
		return;
	}
	prof = LASSO_PROFILE(s->logout);
	snprintf(sp, sizeof(sp), "%s", prof->remote_providerID != NULL ? prof->remote_providerID : "?");
	lasso_profile_set_signature_verify_hint(prof, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	rc = lasso_logout_process_response_msg(s->logout, (char *)(uintptr_t)query);
	if (rc != 0)
		log_warning("saml slo sp=%s user=%s did not confirm the logout: %s", sp, s->user,
			    lasso_strerror(rc));
	else
		log_info("saml slo sp=%s user=%s logged out", sp, s->user);
	/* asked once, answered or not: it does not come round again */
	if ((ls = lasso_profile_get_session(prof)) != NULL)
		lasso_session_remove_assertion(ls, sp);
	saml_slo_next(idp, req, s);
}

int
saml_slo_start(struct saml_idp *idp, struct evhttp_request *req, struct saml_session *s)
{
	LassoLogout *lo;

	if (s->lasso_session == NULL || s->nsps == 0 || (lo = lasso_logout_new(idp->server)) == NULL)
		return -1;
	if (LASSO_PROFILE(lo)->session != NULL)
		g_object_unref(LASSO_PROFILE(lo)->session);
	LASSO_PROFILE(lo)->session = g_object_ref(s->lasso_session);
	s->logout = lo;
	saml_slo_next(idp, req, s);
	return 0;
}

void
saml_slo(struct evhttp_request *req, void *arg)
{
	struct saml_idp *idp = arg;
	const char *uri = evhttp_request_get_uri(req), *q = strchr(uri, '?'), *msg = NULL;
	struct saml_session *s = sweb_session_find(idp, req, time(NULL));
	LassoLogout *lo = NULL;
	LassoProfile *prof;
	char sp[256], why[128], *query = NULL;
	int rc;

	if (q == NULL || strlen(q) > idp->sc->max_request ||
	    saml_redirect_query(q + 1, strlen(q + 1), &msg, &query, why, sizeof(why)) < 0) {
		sweb_error(idp, req, 400, SAML_EMALFORMED,
			   q == NULL || strlen(q) > idp->sc->max_request
				   ? "no LogoutRequest or LogoutResponse"
				   : why);
		goto done;
	}
	/* from here on only query, rebuilt from the one copy of each parameter */
	if (strstr(query, "&Signature=") == NULL || !saml_query_sigalg_ok(query)) {
		sweb_error(idp, req, 400, SAML_ENOSIG, "logout messages must be signed with RSA-SHA256");
		goto done;
	}
	if (strcmp(msg, "SAMLResponse") == 0) {
		saml_slo_response(idp, req, s, query);
		goto done;
	}
	if (s != NULL && s->logout != NULL) {
		/* a second SP starting a logout while one goes round: that one wins */
		sweb_error(idp, req, 409, SAML_EMALFORMED, "a logout is already in progress");
		goto done;
	}
	if ((lo = lasso_logout_new(idp->server)) == NULL) {
		sweb_error(idp, req, 500, SAML_ENOMEM, "out of memory");
		goto done;
	}
	prof = LASSO_PROFILE(lo);
	if (s != NULL && s->lasso_session != NULL) {
		if (prof->session != NULL)
			g_object_unref(prof->session);
		prof->session = g_object_ref(s->lasso_session);
	}
	lasso_profile_set_signature_verify_hint(prof, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	rc = lasso_logout_process_request_msg(lo, query);
	if (rc != 0 || prof->signature_status != 0) {
		sweb_error(idp, req, 400, SAML_EBADSIG, lasso_strerror(rc ? rc : prof->signature_status));
		lasso_logout_destroy(lo);
		goto done;
	}
	snprintf(sp, sizeof(sp), "%s", prof->remote_providerID ? prof->remote_providerID : "?");
	rc = lasso_logout_validate_request(lo); /* sets the status; no session is fine too */
	log_info("saml slo sp=%s user=%s session=%s", sp, s != NULL ? s->user : "-",
		 rc == 0 ? "ended" : "none");
	if (rc == 0 && s != NULL) {
		s->logout = lo; /* from here the session only serves the logout */
		s->slo_from_sp = 1;
		saml_slo_next(idp, req, s);
		goto done;
	}
	if (s != NULL)
		sweb_session_clear(s);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", COOKIE_CLEAR);
	if (lasso_logout_build_response_msg(lo) != 0 || prof->msg_url == NULL)
		sweb_notice(idp, req, 200, N_("Logged out"), NULL, NULL);
	else
		saml_slo_redirect(req, prof->msg_url);
	lasso_logout_destroy(lo);
done:
	free(query);
}
