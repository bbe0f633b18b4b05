/* poort/why.h: the reason table, MAC notations, realm typos, the search and online sessions. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../test.h"
#include "poort/store_session.h"
#include "poort/why.h"

static char dir[] = "/tmp/poort-why-XXXXXX";
static char path[300];
static const char *const ours[] = {"school.example", "leerling.school.example"};

/* Every reason: an id that maps back, a title, explanation and action in both languages. */
static void
test_table(void)
{
	for (int r = 0; r < WHY_REASON_COUNT; r++) {
		const char *id = why_reason_id((enum why_reason)r);
		CHECK(id != NULL && id[0] != '\0');
		CHECK_INT(why_reason_by_id(id), r);
		for (int l = 0; l < 2; l++) {
			const struct why_text *t = why_reason_text((enum why_reason)r, (enum why_lang)l);
			CHECK(t->title != NULL && t->title[0] != '\0');
			CHECK(t->explain != NULL && strlen(t->explain) > 15);
			CHECK(t->action != NULL && strlen(t->action) > 10);
		}
		/* the Dutch text is a translation, not a copy */
		CHECK(strcmp(why_reason_text((enum why_reason)r, WHY_LANG_EN)->explain,
			     why_reason_text((enum why_reason)r, WHY_LANG_NL)->explain) != 0);
		CHECK(r == WHY_OK || r == WHY_OK_HOME || r == WHY_EAP_STATE ||
		      why_reason_actor((enum why_reason)r) != WHY_ACTOR_NONE);
	}
	CHECK_INT(why_reason_by_id("no-such-reason"), WHY_UNKNOWN);
	CHECK_STR(why_reason_id((enum why_reason)999), "unknown");
	CHECK_INT(why_lang_parse("nl"), WHY_LANG_NL);
	CHECK_INT(why_lang_parse("nl_NL.UTF-8"), WHY_LANG_NL);
	CHECK_INT(why_lang_parse("nlx"), WHY_LANG_EN);
	CHECK_INT(why_lang_parse(NULL), WHY_LANG_EN);
	/* the words of src/auth and a few of each family */
	CHECK_INT(why_reason_from_word("wrong-password"), WHY_WRONG_PASSWORD);
	CHECK_INT(why_reason_from_word("unknown-user"), WHY_UNKNOWN_ACCOUNT);
	CHECK_INT(why_reason_from_word("account-disabled"), WHY_ACCOUNT_DISABLED);
	CHECK_INT(why_reason_from_word("account-expired"), WHY_ACCOUNT_EXPIRED);
	CHECK_INT(why_reason_from_word("device-revoked"), WHY_DEVICE_REVOKED);
	CHECK_INT(why_reason_from_word("client-cert-revoked"), WHY_DEVICE_REVOKED);
	CHECK_INT(why_reason_from_word("unknown-device"), WHY_DEVICE_UNKNOWN);
	CHECK_INT(why_reason_from_word("client-cert-expired"), WHY_DEVICE_EXPIRED);
	CHECK_INT(why_reason_from_word("no-upstream"), WHY_UPSTREAM_UNREACHABLE);
	CHECK_INT(why_reason_from_word("tls-alert-from-peer"), WHY_SERVER_CERT_REJECTED);
	CHECK_INT(why_reason_from_word("eap-abandoned-tls"), WHY_EAP_ABANDONED_TLS);
	CHECK_INT(why_reason_from_word("no-common-method"), WHY_EAP_METHOD);
	CHECK_INT(why_reason_from_word("bad-message-authenticator"), WHY_CLIENT_SECRET);
	CHECK_INT(why_reason_from_word("something-new"), WHY_UNKNOWN);
}

/* One MAC in every notation, and what else a subject can be. */
static void
test_macs(void)
{
	char out[STORE_MAC_LEN + 1];
	static const char *const same[] = {"aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF",
					   "aabb.ccdd.eeff", "aabbccddeeff", "AABBCCDDEEFF:eduroam",
					   " aa-bb-cc-dd-ee-ff"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		CHECK_INT(store_mac_normalise(same[i], out), 12);
		CHECK_STR(out, "aabbccddeeff");
		CHECK_INT(why_kind_guess(same[i]), i < 4 ? WHY_BY_MAC : WHY_BY_ACCOUNT);
	}
	CHECK_INT(store_mac_normalise("aa:bb:cc", out), 6);
	CHECK_STR(out, "aabbcc");
	CHECK_INT(store_mac_normalise("mac", out), 0);
	CHECK_INT(why_kind_guess("anna"), WHY_BY_ACCOUNT);
	CHECK_INT(why_kind_guess("anna@school.example"), WHY_BY_ACCOUNT);
	CHECK_INT(why_kind_guess("0123456789abcdef0123456789abcdef01234567"), WHY_BY_CUI);
	CHECK_INT(why_kind_guess("beef"), WHY_BY_ACCOUNT); /* a name that is hex */
}

static void
test_realms(void)
{
	CHECK_INT(why_realm_distance("school.example", "school.example", 2), 0);
	CHECK_INT(why_realm_distance("SCHOOL.example", "school.example", 2), 0);
	CHECK_INT(why_realm_distance("schol.example", "school.example", 2), 1);
	CHECK_INT(why_realm_distance("shcool.example", "school.example", 2), 1); /* swapped */
	CHECK_INT(why_realm_distance("school.exmaple", "school.example", 2), 1);
	CHECK_INT(why_realm_distance("scool.exampel", "school.example", 2), 2);
	CHECK_INT(why_realm_distance("uni.example", "school.example", 2), 3); /* "more than 2" */
	CHECK_STR(why_realm_near("schol.example", ours, 2), "school.example");
	CHECK_STR(why_realm_near("leerling.shool.example", ours, 2), "leerling.school.example");
	CHECK(why_realm_near("school.example", ours, 2) == NULL);
	CHECK(why_realm_near("uva.nl", ours, 2) == NULL);
	CHECK(why_realm_near("surf.nl", ours, 2) == NULL);
}

static struct store_auth_rec
rec(const char *user, const char *result, const char *reason, const char *upstream)
{
	struct store_auth_rec r;
	memset(&r, 0, sizeof(r));
	snprintf(r.user_name, sizeof(r.user_name), "%s", user);
	snprintf(r.result, sizeof(r.result), "%s", result);
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	snprintf(r.upstream, sizeof(r.upstream), "%s", upstream);
	return r;
}

static void
test_classify(void)
{
	struct why_outcome o;
	struct store_auth_rec r;

	r = rec("anna@school.example", "reject", "wrong-password", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_WRONG_PASSWORD);
	CHECK_STR(o.realm, "school.example");
	r = rec("anna@school.example", "accept", "-", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_OK);
	CHECK_INT(o.accepted, 1);
	r = rec("jan@uva.nl", "accept", "upstream=flr1", "flr1");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_OK_HOME);
	r = rec("jan@uva.nl", "reject", "upstream=flr1", "flr1");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_UPSTREAM_REJECT);
	/* a typo of ours, refused by the federation: the typo is the reason */
	r = rec("anna@schol.example", "reject", "upstream=flr1", "flr1");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_REALM_TYPO);
	CHECK_STR(o.near_realm, "school.example");
	/* ... or refused here for want of a proxy, or unanswered */
	r = rec("anna@school.exmaple", "reject", "realm-not-local", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_REALM_TYPO);
	r = rec("anna@schoo.example", "reject", "no-upstream", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_REALM_TYPO);
	r = rec("jan@uva.nl", "reject", "no-upstream", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_UPSTREAM_UNREACHABLE);
	r = rec("anna@eduroam.school.example", "reject", "own-realm-misspelled", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_REALM_TYPO);
	r = rec("x@y", "reject", "never-heard-of-it", "");
	why_classify(&r, ours, 2, &o);
	CHECK_INT(o.reason, WHY_UNKNOWN);
}

struct got {
	int n;
	enum why_reason r[8];
	char user[8][254];
};

static int
collect(const struct why_outcome *o, void *arg)
{
	struct got *g = arg;
	if (g->n < 8) {
		g->r[g->n] = o->reason;
		snprintf(g->user[g->n], sizeof(g->user[0]), "%s", o->rec->user_name);
	}
	g->n++;
	return 0;
}

static void
put(struct store_logger *lg, int64_t t, const char *mac, const char *user, const char *inner,
    const char *result, const char *reason, const char *cui)
{
	struct store_auth_rec r;
	memset(&r, 0, sizeof(r));
	r.time = t;
	snprintf(r.client, sizeof(r.client), "ap1");
	snprintf(r.calling_station, sizeof(r.calling_station), "%s", mac);
	snprintf(r.user_name, sizeof(r.user_name), "%s", user);
	snprintf(r.inner_identity, sizeof(r.inner_identity), "%s", inner);
	snprintf(r.result, sizeof(r.result), "%s", result);
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	snprintf(r.cui, sizeof(r.cui), "%s", cui);
	CHECK_INT(store_logger_auth(lg, &r), 0);
}

static void
test_search(struct store *st, struct store_logger *lg, int64_t now)
{
	struct why_query q = {.realms = ours, .nrealms = 2};
	struct got g;

	put(lg, now - 50, "AA-BB-CC-DD-EE-FF", "anna@school.example", "-", "reject",
	    "wrong-password", "");
	put(lg, now - 40, "aabb.ccdd.eeff", "anonymous@school.example", "Anna@school.example",
	    "reject", "account-disabled", "");
	put(lg, now - 30, "11:22:33:44:55:66", "anna@schol.example", "-", "reject",
	    "realm-not-local", "");
	put(lg, now - 20, "11:22:33:44:55:66", "annabel@school.example", "-", "accept", "-",
	    "c0ffee00c0ffee00c0ffee00");
	put(lg, now - 10, "aabbccddeeff", "anna_x@school.example", "-", "reject", "unknown-user",
	    "");
	store_logger_flush(lg);

	/* by account without realm: outer or inner, any realm, not annabel or anna_x */
	memset(&g, 0, sizeof(g));
	q.subject = "anna";
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.r[0], WHY_REALM_TYPO);
	CHECK_INT(g.r[1], WHY_ACCOUNT_DISABLED);
	CHECK_INT(g.r[2], WHY_WRONG_PASSWORD);
	/* with realm: only that one */
	memset(&g, 0, sizeof(g));
	q.subject = "ANNA@school.example";
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 2);
	/* "_" is no wildcard */
	memset(&g, 0, sizeof(g));
	q.subject = "anna_x";
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 1);
	memset(&g, 0, sizeof(g));
	q.subject = "annaxx";
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 0);
	/* by MAC in each notation */
	static const char *const macs[] = {"aa:bb:cc:dd:ee:ff", "AABB.CCDD.EEFF", "aabbccddeeff",
					   "AA-BB-CC-DD-EE-FF"};
	for (size_t i = 0; i < 4; i++) {
		memset(&g, 0, sizeof(g));
		q.subject = macs[i];
		CHECK_INT(why_search(st, &q, collect, &g), 0);
		CHECK_INT(g.n, 3);
	}
	/* a prefix (vendor range), explicitly */
	memset(&g, 0, sizeof(g));
	q.subject = "11:22:33";
	q.kind = WHY_BY_MAC;
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 2);
	/* by CUI */
	memset(&g, 0, sizeof(g));
	q.kind = WHY_BY_AUTO;
	q.subject = "c0ffee00c0ffee00c0ffee00";
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.r[0], WHY_OK);
	/* time range */
	memset(&g, 0, sizeof(g));
	q.subject = "anna";
	q.since = now - 45;
	q.until = now - 35;
	CHECK_INT(why_search(st, &q, collect, &g), 0);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.r[0], WHY_ACCOUNT_DISABLED);
}

static void
put_acct(struct store_logger *lg, int64_t t, const char *client, const char *sid, uint32_t status,
     uint32_t stime, uint64_t in)
{
	struct store_acct_rec r;
	memset(&r, 0, sizeof(r));
	r.time = t;
	snprintf(r.client, sizeof(r.client), "%s", client);
	snprintf(r.user_name, sizeof(r.user_name), "anna@school.example");
	snprintf(r.calling_station, sizeof(r.calling_station), "AA-BB-CC-00-00-%s", sid);
	snprintf(r.session_id, sizeof(r.session_id), "%s", sid);
	r.status_type = status;
	r.session_time = stime;
	r.input_octets = in;
	r.output_octets = in * 2;
	CHECK_INT(store_logger_acct(lg, &r, NULL, NULL), 0);
}

struct sessions {
	int n;
	struct store_session s[8];
};

static int
collect_session(const struct store_session *s, void *arg)
{
	struct sessions *g = arg;
	if (g->n < 8)
		g->s[g->n] = *s;
	g->n++;
	return 0;
}

static void
test_online(struct store *st, struct store_logger *lg, int64_t now)
{
	struct why_online_query q = {.now = now};
	struct sessions g;

	put_acct(lg, now - 100, "ap1", "01", 1, 0, 0);         /* Start only: default timeout */
	put_acct(lg, now - 1000, "ap1", "02", 1, 0, 0);        /* Start, Interim, Stop */
	put_acct(lg, now - 700, "ap1", "02", 3, 300, 10);
	put_acct(lg, now - 600, "ap1", "02", 2, 400, 20);
	put_acct(lg, now - 3000, "ap1", "03", 1, 0, 0);        /* interims every 600 s, then silence */
	put_acct(lg, now - 2400, "ap1", "03", 3, 600, 5);
	put_acct(lg, now - 1800, "ap1", "03", 3, 1200, 7);      /* 1800 s ago > 2.5 x 600 */
	put_acct(lg, now - 1300, "ap2", "04", 3, 700, 99);      /* first row an Interim */
	put_acct(lg, now - 700, "ap2", "04", 3, 1300, 100);     /* 600 s later: online for 1500 s */
	put_acct(lg, now - 900, "ap3", "05", 1, 0, 0);          /* ap3 restarts: Accounting-On */
	struct store_acct_rec on;
	memset(&on, 0, sizeof(on));
	on.time = now - 800;
	snprintf(on.client, sizeof(on.client), "ap3");
	on.status_type = 7;
	CHECK_INT(store_logger_acct(lg, &on, NULL, NULL), 0);
	store_logger_flush(lg);

	memset(&g, 0, sizeof(g));
	CHECK_INT(why_online(st, &q, collect_session, &g), 0);
	CHECK_INT(g.n, 2);
	CHECK_STR(g.s[0].session_id, "01");
	CHECK_STR(g.s[0].mac, "aabbcc000001");
	CHECK_INT(g.s[0].started, now - 100);
	CHECK_STR(g.s[1].session_id, "04");
	CHECK_STR(g.s[1].client, "ap2");
	CHECK_INT(g.s[1].started, now - 1300 - 700);
	CHECK_INT(g.s[1].input_octets, 100);
	CHECK_INT(g.s[1].output_octets, 200);
	CHECK_INT(why_session_timeout(&g.s[1], 0), 1500);
	CHECK_INT(why_session_timeout(&g.s[0], 0), WHY_ONLINE_TIMEOUT);
	CHECK_INT(why_session_timeout(&g.s[0], 60), 60);
	/* the same an hour later: the default timeout is over for 01, 1500 s for 04 */
	memset(&g, 0, sizeof(g));
	q.now = now + 3600;
	CHECK_INT(why_online(st, &q, collect_session, &g), 0);
	CHECK_INT(g.n, 0);
	/* a shorter default drops 01 */
	memset(&g, 0, sizeof(g));
	q.now = now;
	q.default_timeout = 60;
	CHECK_INT(why_online(st, &q, collect_session, &g), 0);
	CHECK_INT(g.n, 1);
	/* by account and by MAC */
	memset(&g, 0, sizeof(g));
	q.default_timeout = 0;
	q.account = "anna";
	CHECK_INT(why_online(st, &q, collect_session, &g), 0);
	CHECK_INT(g.n, 2);
	memset(&g, 0, sizeof(g));
	q.account = NULL;
	q.mac = "aa:bb:cc:00:00:04";
	CHECK_INT(why_online(st, &q, collect_session, &g), 0);
	CHECK_INT(g.n, 1);
	/* the ended ones keep why */
	struct store_session_filter f = {0};
	memset(&g, 0, sizeof(g));
	CHECK_INT(store_session_query(st, &f, collect_session, &g), 0);
	CHECK_INT(g.n, 5);
	for (int i = 0; i < g.n && i < 8; i++) {
		if (strcmp(g.s[i].session_id, "02") == 0)
			CHECK_STR(g.s[i].end_cause, "stop");
		if (strcmp(g.s[i].session_id, "05") == 0)
			CHECK_STR(g.s[i].end_cause, "nas-on");
	}
}

/* The PO file: three entries per reason, each with its context and both texts. */
static void
test_catalogue(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_INT(why_catalogue_write(f), 0);
	fclose(f);
	for (const char *p = buf; (p = strstr(p, "\nmsgctxt \"why:")) != NULL; p++)
		n++;
	CHECK_INT(n, 3 * WHY_REASON_COUNT);
	CHECK(strstr(buf, "msgctxt \"why:wrong-password:title\"\nmsgid \"Wrong password\"\n"
			  "msgstr \"Verkeerd wachtwoord\"\n") != NULL);
	CHECK(strstr(buf, "msgid \"Check that poortd runs") != NULL);
	free(buf);
}

int
main(void)
{
	char err[256];
	struct store *st;
	struct store_logger *lg;
	int64_t now = (int64_t)time(NULL);

	test_table();
	test_macs();
	test_realms();
	test_classify();
	test_catalogue();
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/poort.db", dir);
	st = store_open(path, err, sizeof(err));
	lg = store_logger_new(path, 30, 64, err, sizeof(err));
	CHECK(st != NULL && lg != NULL);
	if (st != NULL && lg != NULL) {
		test_search(st, lg, now);
		test_online(st, lg, now);
	}
	store_logger_free(lg);
	store_close(st);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_INT(system(cmd), 0);
	TEST_DONE();
}
