/*
 * Onboarding on the HTTPS front: the student's page after SSO login at the
 * box ("Connect your device to eduroam", Dutch and English, no script),
 * downloads of the eap-config, the signed mobileconfig and the PKCS#12 with
 * the CA and server name, the student's own devices with revocation; the
 * letswifi-compatible API (discovery, OAuth 2.0 with PKCE whose
 * authorization step is the SSO login, token, eap-config with a fresh
 * certificate); the CA and CRL for other consumers.
 */
#ifndef POORT_ONBOARD_WEB_H
#define POORT_ONBOARD_WEB_H

#include <stddef.h>

struct config;
struct devca;
struct http_server;
struct saml_idp;
struct store;
struct onboard_web;

/* All lent for the object's lifetime. NULL with err on failure. */
struct onboard_web *onboard_web_new(struct http_server *hs, struct saml_idp *idp,
				    const struct config *cfg, struct store *st, struct devca *ca,
				    char *err, size_t errlen);
void onboard_web_free(struct onboard_web *ow);

#endif
