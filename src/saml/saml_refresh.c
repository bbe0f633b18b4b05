/*
 * Metadata sources (files and URLs), loaded at start and refreshed on a
 * timer. A new copy replaces the old only when it passes every check
 * (federation signature, validUntil); otherwise the last good copy stays,
 * and the log and the status table say so. A copy whose validUntil passes
 * while fetches keep failing is dropped: expired metadata is not trusted.
 * Good copies fetched from URLs are cached in the state dir, so a restart
 * without network still knows the federation.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poort/keyfile.h"
#include "poort/store_saml.h"
#include "saml_idp_int.h"

#define META_MAX (64u << 20)

static void
srefresh_status(struct saml_idp *idp, size_t i, const char *err)
{
	struct saml_msrc *s = &idp->srcs[i];
	struct store_meta_status st;

	memset(&st, 0, sizeof(st));
	snprintf(st.source, sizeof(st.source), "%s", s->name);
	st.last_ok = s->last_ok;
	st.last_try = time(NULL);
	st.valid_until = idp->metas[i].valid_until;
	st.sps = (unsigned)idp->metas[i].nsps;
	snprintf(st.error, sizeof(st.error), "%s", err != NULL ? err : "");
	store_saml_meta_status_set(idp->ss, &st);
}

static void
srefresh_drop(struct saml_idp *idp, size_t i)
{
	for (size_t j = 0; j < idp->metas[i].nsps; j++)
		g_hash_table_remove(idp->server->providers, idp->metas[i].sps[j].entity_id);
	saml_meta_free(&idp->metas[i]);
}

/* Checks buf and, if good, swaps it in for source i. */
static int
srefresh_apply(struct saml_idp *idp, size_t i, const char *buf, size_t len)
{
	struct saml_msrc *s = &idp->srcs[i];
	struct saml_meta fresh;
	char why[256];
	int rc;

	rc = saml_meta_load(buf, len, &idp->trust, time(NULL), &fresh, why, sizeof(why));
	if (rc < 0) {
		log_error("saml metadata refused source=%s reason=\"%s\"%s", s->name, why,
			  idp->metas[i].nsps > 0 ? " (keeping the last good copy)" : "");
		srefresh_status(idp, i, why);
		return rc;
	}
	srefresh_drop(idp, i);
	idp->metas[i] = fresh;
	for (size_t j = 0; j < fresh.nsps; j++) {
		struct saml_sp *sp = &fresh.sps[j];
		LassoProvider *p;
		if (lasso_server_add_provider_from_buffer(idp->server, LASSO_PROVIDER_ROLE_SP,
							  sp->xml, NULL, NULL) != 0) {
			log_warning("saml metadata sp=%s: lasso refused the entity", sp->entity_id);
			continue;
		}
		p = lasso_server_get_provider(idp->server, sp->entity_id);
		if (p == NULL || saml_idp_provider_key(idp, p) < 0) {
			/* without our key lasso would sign, slowly, with the server's */
			log_warning("saml metadata sp=%s: cannot attach our signing key",
				    sp->entity_id);
			g_hash_table_remove(idp->server->providers, sp->entity_id);
			continue;
		}
		if (sp->has_enc_key)
			lasso_provider_set_encryption_mode(p, LASSO_ENCRYPTION_MODE_ASSERTION);
	}
	s->last_ok = time(NULL);
	log_notice("saml metadata loaded source=%s sps=%zu valid_until=%lld", s->name, fresh.nsps,
		   (long long)fresh.valid_until);
	srefresh_status(idp, i, NULL);
	return 0;
}

static void
srefresh_cache_path(const struct saml_idp *idp, const char *url, char *out, size_t outlen)
{
	unsigned char md[32];
	unsigned len = 0;
	char hex[17];

	EVP_Digest(url, strlen(url), md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	snprintf(out, outlen, "%s/saml-metadata-%s.xml", idp->cfg->state_dir, hex);
}

static void
srefresh_cache_write(const struct saml_idp *idp, const char *url, const char *buf, size_t len)
{
	char path[PATH_MAX + 64], err[PATH_MAX + 128];

	srefresh_cache_path(idp, url, path, sizeof(path));
	/* a power cut leaves the old copy or the new one */
	if (keyfile_write(path, buf, len, err, sizeof(err)) < 0)
		log_warning("saml metadata source=%s: not cached: %s", url, err);
}

static void
srefresh_file(struct saml_idp *idp, size_t i)
{
	char *buf = NULL;
	size_t len;
	int rc = saml_file_read(idp->srcs[i].name, META_MAX, &buf, &len);

	if (rc < 0) {
		log_error("saml metadata source=%s: %s%s", idp->srcs[i].name, saml_strerror(rc),
			  idp->metas[i].nsps > 0 ? " (keeping the last good copy)" : "");
		srefresh_status(idp, i, saml_strerror(rc));
	} else {
		srefresh_apply(idp, i, buf, len);
	}
	free(buf);
}

struct srefresh_fetch {
	struct saml_idp *idp;
	size_t i;
};

static void
srefresh_reap(evutil_socket_t fd, short what, void *arg)
{
	struct saml_msrc *s = arg;
	(void)fd;
	(void)what;
	if (s->spent != NULL)
		evhttp_connection_free(s->spent);
	s->spent = NULL;
}

static void
srefresh_done(struct evhttp_request *req, void *arg)
{
	struct srefresh_fetch *f = arg;
	struct saml_idp *idp = f->idp;
	struct saml_msrc *s = &idp->srcs[f->i];
	char err[128];
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

	if (code == 200) {
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(b);
		char *buf = malloc(len + 1);
		if (buf != NULL) {
			evbuffer_copyout(b, buf, len);
			buf[len] = '\0';
			if (srefresh_apply(idp, f->i, buf, len) == 0)
				srefresh_cache_write(idp, s->name, buf, len);
			free(buf);
		}
	} else {
		snprintf(err, sizeof(err), code == 0 ? "fetch failed (connection, TLS or timeout)"
						     : "fetch failed: HTTP status %d",
			 code);
		log_error("saml metadata source=%s: %s%s", s->name, err,
			  idp->metas[f->i].nsps > 0 ? " (keeping the last good copy)" : "");
		srefresh_status(idp, f->i, err);
	}
	/* the connection cannot be freed from inside its own callback: on the
	 * next loop turn, or by saml_refresh_stop if the loop ends first */
	if (s->evcon != NULL) {
		srefresh_reap(-1, 0, s); /* an older one, not in its callback */
		s->spent = s->evcon;
		event_active(s->reap, EV_TIMEOUT, 0);
	}
	s->evcon = NULL;
	s->fetch = NULL;
	free(f);
}

static void
srefresh_url(struct saml_idp *idp, size_t i)
{
	struct saml_msrc *s = &idp->srcs[i];
	struct evhttp_uri *uri = evhttp_uri_parse(s->name);
	struct bufferevent *bev = NULL;
	struct evhttp_request *req;
	struct srefresh_fetch *f;
	const char *host, *scheme, *path;
	char target[2048];
	int https, port;

	if (s->evcon != NULL || uri == NULL)
		goto done; /* one fetch at a time per source */
	host = evhttp_uri_get_host(uri);
	scheme = evhttp_uri_get_scheme(uri);
	path = evhttp_uri_get_path(uri);
	https = scheme != NULL && strcmp(scheme, "https") == 0;
	port = evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : https ? 443 : 80;
	if (host == NULL)
		goto done;
	snprintf(target, sizeof(target), "%s%s%s", path != NULL && *path ? path : "/",
		 evhttp_uri_get_query(uri) != NULL ? "?" : "",
		 evhttp_uri_get_query(uri) != NULL ? evhttp_uri_get_query(uri) : "");
	if (https) {
		SSL *ssl = SSL_new(idp->client_ssl);
		if (ssl == NULL)
			goto done;
		SSL_set_tlsext_host_name(ssl, host);
		SSL_set1_host(ssl, host);
		bev = bufferevent_openssl_socket_new(idp->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						     BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			goto done;
	}
	s->evcon = evhttp_connection_base_bufferevent_new(idp->base, NULL, bev, host,
							  (unsigned short)port);
	if (s->evcon == NULL || (f = calloc(1, sizeof(*f))) == NULL)
		goto done;
	evhttp_connection_set_timeout(s->evcon, 30);
	evhttp_connection_set_max_body_size(s->evcon, META_MAX);
	f->idp = idp;
	f->i = i;
	s->fetch = f;
	req = evhttp_request_new(srefresh_done, f);
	if (req == NULL) {
		s->fetch = NULL;
		free(f);
		goto done;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
	if (evhttp_make_request(s->evcon, req, EVHTTP_REQ_GET, target) < 0) {
		s->fetch = NULL;
		free(f);
		goto done;
	}
	evhttp_uri_free(uri);
	return;
done:
	if (uri != NULL)
		evhttp_uri_free(uri);
	if (s->evcon != NULL && s->fetch == NULL) {
		/* set up but no request in flight: drop it (it owns bev), or no
		 * later tick would try this source again */
		evhttp_connection_free(s->evcon);
		s->evcon = NULL;
	} else if (s->evcon == NULL && bev != NULL) {
		bufferevent_free(bev);
	}
}

static void
srefresh_tick(evutil_socket_t fd, short what, void *arg)
{
	struct saml_idp *idp = arg;
	time_t now = time(NULL);
	(void)fd;
	(void)what;

	saml_idp_metadata_refresh(idp, now);
	for (size_t i = 0; i < idp->nmetas; i++) {
		if (idp->metas[i].valid_until != 0 && idp->metas[i].valid_until <= now) {
			log_error("saml metadata source=%s expired (validUntil passed): its %zu SPs "
				  "are no longer trusted",
				  idp->srcs[i].name, idp->metas[i].nsps);
			srefresh_drop(idp, i);
			srefresh_status(idp, i, "validUntil passed");
		}
		if (idp->srcs[i].is_url)
			srefresh_url(idp, i);
		else
			srefresh_file(idp, i);
	}
}

int
saml_refresh_start(struct saml_idp *idp)
{
	const struct config_saml *sc = idp->sc;
	size_t n = sc->nmetadata + sc->nmetadata_urls;
	struct timeval tv = {.tv_sec = sc->metadata_refresh};

	idp->metas = calloc(n + 1, sizeof(*idp->metas));
	idp->srcs = calloc(n + 1, sizeof(*idp->srcs));
	idp->client_ssl = SSL_CTX_new(TLS_client_method());
	if (idp->metas == NULL || idp->srcs == NULL || idp->client_ssl == NULL)
		return SAML_ENOMEM;
	SSL_CTX_set_min_proto_version(idp->client_ssl, TLS1_2_VERSION);
	SSL_CTX_set_default_verify_paths(idp->client_ssl);
	SSL_CTX_set_verify(idp->client_ssl, SSL_VERIFY_PEER, NULL);
	/* the sources stay those of the start (a reload that changes them says
	 * so), in copies: a reload frees the config they came from */
	idp->nmetas = n;
	for (size_t i = 0; i < n; i++) {
		idp->srcs[i].is_url = i >= sc->nmetadata;
		idp->srcs[i].name = strdup(idp->srcs[i].is_url ? sc->metadata_urls[i - sc->nmetadata]
							       : sc->metadata[i]);
		idp->srcs[i].reap = event_new(idp->base, -1, 0, srefresh_reap, &idp->srcs[i]);
		if (idp->srcs[i].name == NULL || idp->srcs[i].reap == NULL)
			return SAML_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!idp->srcs[i].is_url) {
			srefresh_file(idp, i);
		} else {
			/* the last good copy first; the fetch below may replace it */
			char path[PATH_MAX + 64], *buf = NULL;
			size_t len;
			srefresh_cache_path(idp, idp->srcs[i].name, path, sizeof(path));
			if (saml_file_read(path, META_MAX, &buf, &len) == 0)
				srefresh_apply(idp, i, buf, len);
			free(buf);
			srefresh_url(idp, i);
		}
	}
	idp->refresh_ev = event_new(idp->base, -1, EV_PERSIST, srefresh_tick, idp);
	if (idp->refresh_ev == NULL || event_add(idp->refresh_ev, &tv) < 0)
		return SAML_ENOMEM;
	return 0;
}

void
saml_refresh_stop(struct saml_idp *idp)
{
	if (idp->refresh_ev != NULL)
		event_free(idp->refresh_ev);
	idp->refresh_ev = NULL;
	for (size_t i = 0; idp->srcs != NULL && i < idp->nmetas; i++) {
		/* a fetch still in flight: its callback will not run any more */
		if (idp->srcs[i].evcon != NULL)
			evhttp_connection_free(idp->srcs[i].evcon);
		free(idp->srcs[i].fetch);
		srefresh_reap(-1, 0, &idp->srcs[i]);
		if (idp->srcs[i].reap != NULL)
			event_free(idp->srcs[i].reap);
		free(idp->srcs[i].name);
	}
	for (size_t i = 0; idp->metas != NULL && i < idp->nmetas; i++)
		saml_meta_free(&idp->metas[i]);
	free(idp->metas);
	free(idp->srcs);
	idp->metas = NULL;
	idp->srcs = NULL;
	idp->nmetas = 0;
	SSL_CTX_free(idp->client_ssl);
	idp->client_ssl = NULL;
}
