/*
 * May this account log in (see poort/auth.h): the account rule, password
 * checks with a dummy hash for refused accounts, the verified-password
 * cache, and MS-CHAPv2 over the NT hash, which stays in here.
 */
#include "poort/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "mschapv2.h"
#include "poort/store_device.h"
#include "poort/pwcache.h"
#include "poort/strcopy.h"

struct auth {
	struct store *st;
	struct pwcache *pwc; /* NULL: no cache */
	char dummy[PASSWORD_HASH_MAX];
};

int
auth_account_usable(const struct store_account *a, time_t now)
{
	if (!a->enabled)
		return AUTH_EDISABLED;
	if (a->expires != 0 && a->expires <= (int64_t)now)
		return AUTH_EEXPIRED;
	return 0;
}

struct auth *
auth_new(struct store *st, unsigned cost, unsigned cache, unsigned cache_ttl)
{
	struct auth *au = calloc(1, sizeof(*au));
	char pw[33];

	if (au == NULL)
		return NULL;
	au->st = st;
	if (cache > 0 && (au->pwc = pwcache_new(cache, cache_ttl)) == NULL)
		goto fail;
	/*
	 * A real hash of a random password at the configured cost: checking a
	 * refused account against it costs what a real check costs, and it
	 * matches no password anyone knows.
	 */
	if (password_generate(pw, sizeof(pw) - 1) < 0 || password_hash(pw, cost, au->dummy) < 0)
		goto fail;
	explicit_bzero(pw, sizeof(pw));
	return au;
fail:
	explicit_bzero(pw, sizeof(pw));
	auth_free(au);
	return NULL;
}

void
auth_free(struct auth *au)
{
	if (au == NULL)
		return;
	pwcache_free(au->pwc);
	explicit_bzero(au, sizeof(*au));
	free(au);
}

const char *
auth_dummy_hash(const struct auth *au)
{
	return au->dummy;
}

int
auth_account_get(struct auth *au, const char *user, time_t now, struct store_account *out)
{
	struct store_account a;
	int rc;

	memset(&a, 0, sizeof(a));
	if (!store_username_valid(user)) {
		rc = AUTH_EUNKNOWN;
		goto done;
	}
	rc = store_account_get(au->st, user, &a);
	if (rc == STORE_ENOTFOUND)
		rc = AUTH_EUNKNOWN;
	else if (rc < 0)
		rc = AUTH_ESTORE;
	else
		rc = auth_account_usable(&a, now);
done:
	if (out != NULL) {
		if (rc == 0)
			*out = a;
		else
			memset(out, 0, sizeof(*out));
	}
	explicit_bzero(&a, sizeof(a));
	return rc;
}

/* 1 if a local account has name (or the store cannot say). */
static int
auth_name_taken(struct auth *au, const char *name)
{
	struct store_account a;
	int rc = store_account_get(au->st, name, &a);

	explicit_bzero(&a, sizeof(a));
	return rc != STORE_ENOTFOUND;
}

int
auth_device_get(struct auth *au, const char *serial, const char *pseudonym, time_t now,
		struct store_account *out)
{
	struct store_device d;
	int rc = store_device_get(au->st, serial, &d);

	if (rc == STORE_ENOTFOUND || (rc == 0 && strcmp(d.pseudonym, pseudonym) != 0))
		rc = AUTH_EDEVICE;
	else if (rc < 0)
		rc = AUTH_ESTORE;
	else if (d.revoked != 0)
		rc = AUTH_EREVOKED;
	else if (d.expires <= (int64_t)now)
		rc = AUTH_EEXPIRED;
	else if (!d.upstream)
		return auth_account_get(au, d.username, now, out);
	else if (auth_name_taken(au, d.username))
		rc = AUTH_EDEVICE; /* a local account took the name since: not this user */
	else {
		/* proxy mode: the upstream IdP vouched at issue; revocation is the control */
		if (out != NULL) {
			memset(out, 0, sizeof(*out));
			snprintf(out->username, sizeof(out->username), "%s", d.username);
			snprintf(out->affiliation, sizeof(out->affiliation), "affiliate");
			out->enabled = 1;
		}
		return 0;
	}
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
auth_pw_begin(struct auth *au, const char *user, const char *pw, size_t pwlen, time_t now,
              struct auth_pw *chk)
{
	struct store_account a;
	int account = auth_account_get(au, user, now, &a);
	int rc = auth_pw_begin_account(au, user, account, &a, pw, pwlen, now, chk);

	explicit_bzero(&a, sizeof(a));
	return rc;
}

int
auth_pw_begin_account(struct auth *au, const char *user, int account,
                      const struct store_account *a, const char *pw, size_t pwlen, time_t now,
                      struct auth_pw *chk)
{
	memset(chk, 0, sizeof(*chk));
	str_copy(chk->user, sizeof(chk->user), user);
	chk->account = account;
	if (chk->account == 0) {
		str_copy(chk->hash, sizeof(chk->hash), a->pw_hash);
		str_copy(chk->affiliation, sizeof(chk->affiliation), a->affiliation);
	} else {
		/* still hash something: a refused account must not answer faster */
		str_copy(chk->hash, sizeof(chk->hash), au->dummy);
	}
	if (pwlen == 0 || pwlen > PASSWORD_MAX || memchr(pw, '\0', pwlen) != NULL) {
		chk->verified = 0; /* can never match, for any account */
		return 1;
	}
	memcpy(chk->pw, pw, pwlen);
	chk->pwlen = pwlen;
	if (chk->account == 0 && au->pwc != NULL &&
	    pwcache_check(au->pwc, chk->user, chk->hash, pw, pwlen, now)) {
		chk->verified = 1;
		chk->cached = 1;
		return 1;
	}
	return 0;
}

void
auth_pw_run(struct auth_pw *chk)
{
	chk->verified = password_verify(chk->pw, chk->pwlen, chk->hash);
}

void
auth_pw_clear(struct auth_pw *chk)
{
	explicit_bzero(chk->pw, sizeof(chk->pw));
	chk->pwlen = 0;
}

int
auth_pw_end(struct auth *au, struct auth_pw *chk, time_t now)
{
	int rc;

	if (chk->account < 0)
		rc = chk->account;
	else if (chk->verified < 0)
		rc = AUTH_EHASH;
	else if (chk->verified == 0)
		rc = AUTH_EPASSWORD;
	else
		rc = 0;
	if (rc == 0 && au->pwc != NULL && !chk->cached)
		pwcache_put(au->pwc, chk->user, chk->hash, chk->pw, chk->pwlen, now);
	auth_pw_clear(chk);
	return rc;
}

int
auth_mschapv2(struct auth *au, const char *user, time_t now, const uint8_t auth_chal[16],
              const uint8_t peer_chal[16], const uint8_t nt_resp[24], const char *name,
              size_t namelen, char authresp[AUTH_MSCHAPV2_AUTHRESP_LEN + 1])
{
	uint8_t nt[16], want[24];
	int rc;

	if ((rc = auth_account_get(au, user, now, NULL)) < 0)
		return rc;
	rc = store_account_nthash(au->st, user, nt);
	if (rc < 0) {
		rc = rc == STORE_ENOTFOUND ? AUTH_ENONTHASH : AUTH_ESTORE;
		goto done;
	}
	if (mschapv2_nt_response(auth_chal, peer_chal, name, namelen, nt, want) < 0) {
		rc = AUTH_ECRYPTO;
	} else if (CRYPTO_memcmp(want, nt_resp, sizeof(want)) != 0) {
		rc = AUTH_EPASSWORD;
	} else {
		rc = mschapv2_auth_response(nt, nt_resp, peer_chal, auth_chal, name, namelen,
		                            authresp) < 0
		         ? AUTH_ECRYPTO
		         : 0;
	}
done:
	explicit_bzero(nt, sizeof(nt));
	explicit_bzero(want, sizeof(want));
	return rc;
}
