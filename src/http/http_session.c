/* Server-side sessions (include/poort/http_session.h). */
#include "poort/http_session.h"

#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poort/http.h"

struct http_sessions {
	struct http_session_conf conf;
	char cookie[64];
	char samesite[8];
	struct http_session *tab;
};

static int
hsess_random_hex(char *out, size_t bytes)
{
	unsigned char b[32];

	if (bytes > sizeof(b) || RAND_bytes(b, (int)bytes) != 1)
		return -1;
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

static void
hsess_hash(const char *id, unsigned char out[32])
{
	unsigned len = 32;
	EVP_Digest(id, strlen(id), out, &len, EVP_sha256(), NULL);
}

static int
hsess_live(const struct http_sessions *ss, const struct http_session *s, time_t now)
{
	return s->used && now - s->last < (time_t)ss->conf.idle &&
	       now - s->created < (time_t)ss->conf.absolute;
}

struct http_sessions *
http_sessions_new(const struct http_session_conf *conf)
{
	struct http_sessions *ss;

	if (conf->max == 0 || strncmp(conf->cookie, "__Host-", 7) != 0 ||
	    strlen(conf->cookie) >= sizeof(ss->cookie) ||
	    (strcmp(conf->samesite, "Strict") != 0 && strcmp(conf->samesite, "Lax") != 0))
		return NULL;
	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return NULL;
	ss->conf = *conf;
	snprintf(ss->cookie, sizeof(ss->cookie), "%s", conf->cookie);
	snprintf(ss->samesite, sizeof(ss->samesite), "%s", conf->samesite);
	ss->conf.cookie = ss->cookie;
	ss->conf.samesite = ss->samesite;
	if ((ss->tab = calloc(conf->max, sizeof(*ss->tab))) == NULL) {
		free(ss);
		return NULL;
	}
	return ss;
}

void
http_sessions_free(struct http_sessions *ss)
{
	if (ss == NULL)
		return;
	OPENSSL_cleanse(ss->tab, ss->conf.max * sizeof(*ss->tab));
	free(ss->tab);
	free(ss);
}

struct http_session *
http_session_lookup(struct http_sessions *ss, const char *id, time_t now)
{
	unsigned char h[32];

	if (id == NULL || strlen(id) != HTTP_SID_HEX)
		return NULL;
	hsess_hash(id, h);
	for (size_t i = 0; i < ss->conf.max; i++) {
		struct http_session *s = &ss->tab[i];
		if (!s->used || CRYPTO_memcmp(s->id_hash, h, sizeof(h)) != 0)
			continue;
		if (!hsess_live(ss, s, now)) {
			http_session_end(ss, s);
			return NULL;
		}
		s->last = now;
		return s;
	}
	return NULL;
}

/* A free slot: an unused or timed-out one, else the anonymous one used least recently. */
static struct http_session *
hsess_slot(struct http_sessions *ss, time_t now)
{
	struct http_session *victim = NULL;

	for (size_t i = 0; i < ss->conf.max; i++) {
		struct http_session *s = &ss->tab[i];
		if (!hsess_live(ss, s, now))
			return s;
		if (s->principal[0] == '\0' && (victim == NULL || s->last < victim->last))
			victim = s;
	}
	return victim;
}

static int
hsess_new_id(struct http_session *s, char id[HTTP_SID_HEX + 1])
{
	if (hsess_random_hex(id, HTTP_SID_HEX / 2) < 0 ||
	    hsess_random_hex(s->csrf, HTTP_CSRF_HEX / 2) < 0)
		return -1;
	hsess_hash(id, s->id_hash);
	return 0;
}

struct http_session *
http_session_create(struct http_sessions *ss, time_t now, char id[HTTP_SID_HEX + 1])
{
	struct http_session *s = hsess_slot(ss, now);

	if (s == NULL)
		return NULL;
	OPENSSL_cleanse(s, sizeof(*s));
	if (hsess_new_id(s, id) < 0) {
		OPENSSL_cleanse(s, sizeof(*s));
		return NULL;
	}
	s->used = 1;
	s->created = s->last = now;
	return s;
}

int
http_session_login(struct http_sessions *ss, struct http_session *s, const char *name,
                   const char *role, time_t now, char id[HTTP_SID_HEX + 1])
{
	(void)ss;
	if (strlen(name) >= sizeof(s->principal) || strlen(role) >= sizeof(s->role) ||
	    name[0] == '\0')
		return HTTP_ECONFIG;
	if (hsess_new_id(s, id) < 0)
		return HTTP_ENOMEM;
	snprintf(s->principal, sizeof(s->principal), "%s", name);
	snprintf(s->role, sizeof(s->role), "%s", role);
	s->created = s->last = now; /* the absolute timeout counts from the login */
	return 0;
}

void
http_session_end(struct http_sessions *ss, struct http_session *s)
{
	(void)ss;
	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
}

int
http_session_csrf_ok(const struct http_session *s, const char *token)
{
	return s != NULL && token != NULL && strlen(token) == HTTP_CSRF_HEX &&
	       CRYPTO_memcmp(s->csrf, token, HTTP_CSRF_HEX) == 0;
}

void
http_session_cookie(const struct http_sessions *ss, const char *id, char *out, size_t outlen)
{
	/* no Max-Age: a browser session; the server's timeouts are what count */
	snprintf(out, outlen, "%s=%s; Path=/; Secure; HttpOnly; SameSite=%s%s", ss->cookie,
	         id != NULL ? id : "", ss->samesite, id != NULL ? "" : "; Max-Age=0");
}

size_t
http_sessions_end_principal(struct http_sessions *ss, const char *name,
                            const struct http_session *keep)
{
	size_t n = 0;

	for (size_t i = 0; i < ss->conf.max; i++) {
		struct http_session *s = &ss->tab[i];

		if (!s->used || s == keep || s->principal[0] == '\0' ||
		    strcmp(s->principal, name) != 0)
			continue;
		http_session_end(ss, s);
		n++;
	}
	return n;
}

size_t
http_sessions_count(const struct http_sessions *ss, time_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < ss->conf.max; i++)
		n += hsess_live(ss, &ss->tab[i], now) != 0;
	return n;
}

/* ---- on a request ---- */

struct http_session *
http_session_get(struct http_sessions *ss, struct evhttp_request *req, time_t now)
{
	char id[HTTP_SID_HEX + 2];
	struct http_session *s;

	if (http_cookie_get(req, ss->cookie, id, sizeof(id)) < 0)
		return NULL;
	s = http_session_lookup(ss, id, now);
	OPENSSL_cleanse(id, sizeof(id));
	return s;
}

static void
hsess_set_cookie(struct http_sessions *ss, struct evhttp_request *req, const char *id)
{
	char c[256];

	http_session_cookie(ss, id, c, sizeof(c));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
	OPENSSL_cleanse(c, sizeof(c));
}

struct http_session *
http_session_ensure(struct http_sessions *ss, struct evhttp_request *req, time_t now)
{
	struct http_session *s = http_session_get(ss, req, now);
	char id[HTTP_SID_HEX + 1];

	if (s != NULL)
		return s;
	if ((s = http_session_create(ss, now, id)) != NULL)
		hsess_set_cookie(ss, req, id);
	OPENSSL_cleanse(id, sizeof(id));
	return s;
}

int
http_session_login_req(struct http_sessions *ss, struct http_session *s, struct evhttp_request *req,
                       const char *name, const char *role, time_t now)
{
	char id[HTTP_SID_HEX + 1];
	int rc = http_session_login(ss, s, name, role, now, id);

	if (rc == 0)
		hsess_set_cookie(ss, req, id);
	OPENSSL_cleanse(id, sizeof(id));
	return rc;
}

void
http_session_end_req(struct http_sessions *ss, struct http_session *s, struct evhttp_request *req)
{
	http_session_end(ss, s);
	hsess_set_cookie(ss, req, NULL);
}
