/* Loading what profiles pin and what signs them (see poort/onboard_profile.h). */
#include "poort/onboard_profile.h"

#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
onboard_logo_load(const char *path, unsigned char **data, size_t *len, const char **mime,
		  char *err, size_t errlen)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	static const unsigned char jpeg[3] = {0xff, 0xd8, 0xff};
	unsigned char *buf;
	FILE *f;
	size_t n;
	int rc = ONBOARD_EINVAL;

	*data = NULL;
	*len = 0;
	*mime = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "onboarding logo %s: cannot read it (%s)", path,
			 strerror(errno));
		return ONBOARD_EIO;
	}
	/* one byte more than allowed tells "too large" without a stat race */
	if ((buf = malloc(ONBOARD_LOGO_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "onboarding logo %s: out of memory", path);
		return ONBOARD_ENOMEM;
	}
	n = fread(buf, 1, ONBOARD_LOGO_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "onboarding logo %s: cannot read it", path);
		rc = ONBOARD_EIO;
	} else if (n == 0) {
		snprintf(err, errlen, "onboarding logo %s: the file is empty", path);
	} else if (n > ONBOARD_LOGO_MAX) {
		snprintf(err, errlen, "onboarding logo %s: larger than %d KiB (apps show it small;"
			 " scale it down)", path, ONBOARD_LOGO_MAX / 1024);
	} else if (n >= sizeof(png) && memcmp(buf, png, sizeof(png)) == 0) {
		*mime = "image/png";
	} else if (n >= sizeof(jpeg) && memcmp(buf, jpeg, sizeof(jpeg)) == 0) {
		*mime = "image/jpeg";
	} else {
		snprintf(err, errlen, "onboarding logo %s: not a PNG or JPEG image", path);
	}
	fclose(f);
	if (*mime == NULL) {
		free(buf);
		return rc;
	}
	*data = buf;
	*len = n;
	return 0;
}

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
	if (cfg->onboard.logo[0] != '\0') {
		rc = onboard_logo_load(cfg->onboard.logo, &srv->logo, &srv->logo_len,
				       &srv->logo_mime, err, errlen);
		if (rc < 0) {
			onboard_server_free(srv);
			return rc;
		}
	}
	return 0;
}

void
onboard_server_free(struct onboard_server *srv)
{
	free(srv->ca_der);
	free(srv->logo);
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
	p->logo = srv->logo;
	p->logo_len = srv->logo_len;
	p->logo_mime = srv->logo_mime;
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
