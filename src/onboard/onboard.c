/* Loading what profiles pin and what signs them (see poort/onboard_profile.h). */
#include "poort/onboard_profile.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
onboard_server_load(const struct config *cfg, struct onboard_server *srv, char *err,
		    size_t errlen)
{
	int rc;

	memset(srv, 0, sizeof(*srv));
	rc = onboard_server_name(cfg->eap.cert, srv->name, sizeof(srv->name));
	if (rc < 0 && rc != ONBOARD_ENOSAN) {
		snprintf(err, errlen, "eap certificate %s: cannot read it", cfg->eap.cert);
		return rc;
	}
	srv->has_san = rc == 0;
	if (srv->name[0] == '\0') {
		snprintf(err, errlen, "eap certificate %s names no server", cfg->eap.cert);
		return ONBOARD_EINVAL;
	}
	rc = onboard_server_ca(cfg->eap.cert, cfg->onboard.server_ca, &srv->ca_der, &srv->ca_len);
	if (rc < 0) {
		snprintf(err, errlen,
			 "onboarding: no CA for the profiles (set server_ca, or end eap's"
			 " certificate chain %s with its CA)",
			 cfg->eap.cert);
		return rc;
	}
	snprintf(srv->outer, sizeof(srv->outer), "anonymous@%s", cfg->realms[0]);
	return 0;
}

void
onboard_server_free(struct onboard_server *srv)
{
	free(srv->ca_der);
	memset(srv, 0, sizeof(*srv));
}

void
onboard_profile_init(struct onboard_profile *p, const struct config *cfg,
		     const struct onboard_server *srv)
{
	const struct config_onboard *ob = &cfg->onboard;

	memset(p, 0, sizeof(*p));
	p->realm = cfg->realms[0];
	p->display_name = ob->display_name;
	p->ssids = ob->ssids;
	p->nssids = ob->nssids;
	p->helpdesk_email = ob->helpdesk_email;
	p->helpdesk_url = ob->helpdesk_url;
	p->helpdesk_phone = ob->helpdesk_phone;
	p->terms = ob->terms;
	p->server_name = srv->name;
	p->ca_der = srv->ca_der;
	p->ca_len = srv->ca_len;
	p->outer_identity = srv->outer;
}

int
onboard_signer_load(const char *cert_path, const char *key_path, struct onboard_signer *s,
		    char *err, size_t errlen)
{
	FILE *f;
	X509 *x;

	memset(s, 0, sizeof(*s));
	if ((s->chain = sk_X509_new_null()) == NULL)
		goto fail;
	if ((f = fopen(cert_path, "r")) != NULL) {
		s->cert = PEM_read_X509(f, NULL, NULL, NULL);
		while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
			if (sk_X509_push(s->chain, x) <= 0) {
				X509_free(x);
				break;
			}
		fclose(f);
	}
	if ((f = fopen(key_path, "r")) != NULL) {
		s->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (s->cert == NULL || s->key == NULL || X509_check_private_key(s->cert, s->key) != 1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s, %s: not a matching certificate and key", cert_path, key_path);
	onboard_signer_free(s);
	return ONBOARD_EIO;
}

void
onboard_signer_free(struct onboard_signer *s)
{
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	sk_X509_pop_free(s->chain, X509_free);
	memset(s, 0, sizeof(*s));
}
