/*
 * The test login on /admin/why (POST /admin/why/test; helpdesk and admin):
 * a real login as a device would make it (poort/why_test.h: PAP,
 * PEAP/MSCHAPv2 or EAP-TTLS/PAP) against the running radius child,
 * explained from the auth log row it wrote, with the same words as the
 * search on that page.
 *
 * The web child holds no access point's secret: the test goes over the
 * link poortd's parent made for it (poortd.h), a datagram socketpair to
 * the radius child, which treats it as the internal client
 * "admin-ui-test" with a per-boot secret. Nothing on the network reaches
 * that client.
 *
 * The test blocks (several round trips for PEAP), so it runs on a pool of
 * its own with one thread: tests take turns on the one link, and the
 * admin logins on aw->wq never wait behind one. The log row is then
 * awaited with a timer on the loop. The browser may leave meanwhile: the
 * connection's close callback forgets the request (and frees it when
 * libevent handed it to us), the test still ends with its audit row.
 * The password is cleared as soon as the test ran; it is never logged,
 * audited or shown.
 */
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adminweb_int.h"
#include "poort/adminweb.h"
#include "poort/config.h"
#include "poort/http_form.h"
#include "poort/log.h"
#include "poort/password.h"
#include "poort/why_test.h"
#include "poort/workq.h"

enum {
	ATEST_QUEUE = 4,      /* tests running or waiting their turn; more: "busy" */
	ATEST_TIMEOUT = 3000, /* ms per round trip (twice, then no answer) */
	ATEST_TICK = 100,     /* ms between looks for the log row */
	ATEST_TICKS = 30,     /* then the outcome is shown without it */
	ATEST_USER_MAX = 253, /* one RADIUS attribute */
};

struct adminweb_tl {
	int fd;                 /* the web child's end of the link */
	char secret[128];       /* the link's (per boot) */
	struct workq *wq;       /* one thread: one test at a time on fd */
	struct atest_job *jobs; /* tests not yet answered */
	int closing;
};

struct atest_job {
	struct adminweb *aw;
	struct atest_job *next, *prev;
	struct evhttp_request *req;      /* NULL once the browser is gone */
	struct evhttp_connection *evcon; /* req's, while req is set */
	struct event *timer;
	unsigned ticks;
	int rc; /* why_test_login's */
	struct why_test_opts o;
	struct why_test_result r;
	char user[ATEST_USER_MAX + 1];
	char pw[PASSWORD_MAX + 1]; /* cleared on the worker, after the test */
	char actor[HTTP_PRINCIPAL_MAX], src[64];
	/* the log row's outcome (atest_found) */
	int found;
	enum why_reason reason;
	char word[sizeof(((struct store_auth_rec *)0)->reason)];
	char client[sizeof(((struct store_auth_rec *)0)->client)];
	char meant[128], typed[128];
};

static const struct {
	const char *form, *name;
	enum why_test_method m;
} atest_methods[] = {
    {"pap", "PAP", WHY_TEST_PAP},
    {"peap", "PEAP-MSCHAPv2", WHY_TEST_PEAP},
    {"ttls-pap", "TTLS-PAP", WHY_TEST_TTLS_PAP},
};

static const char *
atest_method_name(enum why_test_method m)
{
	for (size_t i = 0; i < sizeof(atest_methods) / sizeof(atest_methods[0]); i++)
		if (atest_methods[i].m == m)
			return atest_methods[i].name;
	return "?";
}

/* The form's method choice, ticked again on the page. */
static void
atest_method_tick(struct http_tv *tv, enum why_test_method m)
{
	http_tv_set(tv,
	            m == WHY_TEST_PEAP       ? "m_peap"
	            : m == WHY_TEST_TTLS_PAP ? "m_ttls"
	                                     : "m_pap",
	            "1");
}

static void
atest_job_free(struct atest_job *j)
{
	struct adminweb_tl *tl = j->aw->tl;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else if (tl->jobs == j)
		tl->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	if (j->req != NULL)
		evhttp_connection_set_closecb(j->evcon, NULL, NULL);
	if (j->timer != NULL)
		event_free(j->timer);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

/*
 * The browser went away (evhttp_connection_free). A request still queued
 * on the connection is freed by libevent right after this; one it took
 * off the connection unanswered (end of file while we worked) is ours.
 */
static void
atest_closed(struct evhttp_connection *evcon, void *arg)
{
	struct atest_job *j = arg;

	(void)evcon;
	if (j->req != NULL && evhttp_request_get_connection(j->req) == NULL)
		evhttp_request_free(j->req);
	j->req = NULL;
	j->evcon = NULL;
}

static void
atest_work(void *arg)
{
	struct atest_job *j = arg;

	if (__atomic_load_n(&j->aw->tl->closing, __ATOMIC_RELAXED)) {
		j->rc = -1; /* poortd stops: a test still queued is not run */
		snprintf(j->r.error, sizeof(j->r.error), "the box is stopping");
	} else {
		j->rc = why_test_login(&j->o, &j->r);
	}
	explicit_bzero(j->pw, sizeof(j->pw));
	j->o.password = NULL;
}

static int
atest_found(const struct why_outcome *o, void *arg)
{
	struct atest_job *j = arg;

	j->found = 1;
	j->reason = o->reason;
	snprintf(j->word, sizeof(j->word), "%s", o->rec->reason);
	snprintf(j->client, sizeof(j->client), "%s", o->rec->client);
	if (o->near_realm != NULL) {
		snprintf(j->meant, sizeof(j->meant), "%s", o->near_realm);
		snprintf(j->typed, sizeof(j->typed), "%s", o->realm);
	}
	return 1;
}

/* The why page with the test's result (or a message), in the request's language. */
static void
atest_page(struct adminweb_page *p, const struct atest_job *j, const char *msg)
{
	struct http_tv *tv = p->tv;

	http_tv_set(tv, "test_on", "1");
	if (msg != NULL)
		http_tv_set(tv, "t_msg", http_tr(p->lang, msg));
	if (j == NULL) {
		adminweb_page_send(p, 200, "admin_why", N_("Why can't someone log in?"));
		return;
	}
	http_tv_set(tv, "t_user", j->user);
	atest_method_tick(tv, j->o.method);
	if (msg != NULL) {
		adminweb_page_send(p, 200, "admin_why", N_("Why can't someone log in?"));
		return;
	}
	{
		enum why_reason reason = j->rc < 0 ? WHY_TEST_NO_ANSWER : j->reason;
		const struct why_text *t = why_reason_text(reason, why_lang_parse(p->lang));
		const char *result = j->rc < 0       ? N_("no answer")
		                     : j->r.accepted ? N_("accepted")
		                                     : N_("refused");

		http_tv_set(tv, "t_done", "1");
		http_tv_set(tv, "t_method", atest_method_name(j->o.method));
		http_tv_set(tv, "t_code", j->rc < 0 ? "none" : j->r.accepted ? "accept" : "reject");
		http_tv_set(tv, "t_result", http_tr(p->lang, result));
		if (j->rc < 0 || !j->r.accepted)
			http_tv_set(tv, "t_failed", "1");
		http_tv_setf(tv, "t_rounds", "%u", j->r.rounds);
		if (j->r.tls_version[0] != '\0')
			http_tv_set(tv, "t_tls", j->r.tls_version);
		http_tv_set(tv, "t_mac", j->r.station);
		if (j->rc < 0)
			http_tv_set(tv, "t_error", j->r.error);
		if (j->r.reply_message[0] != '\0')
			http_tv_set(tv, "t_reply", j->r.reply_message);
		if (j->rc < 0 || j->found) {
			http_tv_set(tv, "t_reason", why_reason_id(reason));
			http_tv_set(tv, "t_title", t->title);
			http_tv_set(tv, "t_explain", t->explain);
			http_tv_set(tv, "t_action", t->action);
		} else {
			http_tv_set(tv, "t_nolog", "1");
		}
		if (j->found) {
			http_tv_set(tv, "t_word", j->word);
			http_tv_set(tv, "t_client", j->client);
		}
		if (j->meant[0] != '\0') {
			http_tv_set(tv, "t_meant", j->meant);
			http_tv_set(tv, "t_typed", j->typed);
		}
	}
	adminweb_page_send(p, 200, "admin_why", N_("Why can't someone log in?"));
}

/* The test and its explanation are complete: audit, log, answer if someone waits. */
static void
atest_finish(struct atest_job *j)
{
	struct adminweb *aw = j->aw;
	struct admin_who who = {.actor = j->actor, .source = j->src};
	const char *outcome = j->rc < 0 ? "no-answer" : j->r.accepted ? "accept" : "reject";
	struct evhttp_request *req = j->req;
	struct adminweb_page p;

	admin_audit(aw->st, &who, "why.test_login", j->user, outcome, NULL);
	log_notice("admin ui test login name=%s user=%s method=%s result=%s why=%s rounds=%u%s",
	           j->actor, j->user, atest_method_name(j->o.method), outcome,
	           why_reason_id(j->rc < 0 ? WHY_TEST_NO_ANSWER : j->reason), j->r.rounds,
	           req == NULL ? " (the browser left)" : "");
	if (req != NULL && !aw->tl->closing) {
		/* answered now: the close callback must not outlive the job */
		evhttp_connection_set_closecb(j->evcon, NULL, NULL);
		j->req = NULL;
		/* the session and role again: the admin may have been disabled meanwhile */
		if (adminweb_page_begin(aw, req, ADMIN_ACT_LOG_SEARCH, &p) == 0)
			atest_page(&p, j, NULL);
	}
	atest_job_free(j);
}

static void
atest_tick(evutil_socket_t fd, short what, void *arg)
{
	struct atest_job *j = arg;
	struct adminweb *aw = j->aw;
	struct timeval tv = {0, ATEST_TICK * 1000};
	int rc;

	(void)fd;
	(void)what;
	rc = why_test_explain(aw->st, &j->r, (const char *const *)aw->cfg->realms, aw->cfg->nrealms,
	                      0, atest_found, j);
	if (rc < 0)
		log_warning("admin ui test login: the auth log cannot be read");
	/* not written yet: the radius child's log writer commits in batches */
	if (rc == 0 && ++j->ticks < ATEST_TICKS && !aw->tl->closing) {
		if (j->timer == NULL)
			j->timer = evtimer_new(aw->base, atest_tick, j);
		if (j->timer != NULL && evtimer_add(j->timer, &tv) == 0)
			return;
	}
	atest_finish(j);
}

/* On the loop, after the worker: the test ran; now its log row. */
static void
atest_done(void *arg)
{
	struct atest_job *j = arg;

	if (j->rc < 0 || j->aw->tl->closing) {
		atest_finish(j);
		return;
	}
	atest_tick(-1, 0, j);
}

/* Printable, no spaces, and room for "@" and a realm of ours in one attribute. */
static int
atest_user_ok(const char *user)
{
	size_t n = strlen(user);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)user[i] <= 0x20 || user[i] == 0x7f)
			return 0;
	return n <= ATEST_USER_MAX - 128;
}

/* The why page again after a form that cannot run: the message, the form as sent. */
static void
atest_refuse(struct adminweb_page *p, const char *user, enum why_test_method m, int code,
             const char *msg)
{
	http_tv_set(p->tv, "test_on", "1");
	http_tv_set(p->tv, "t_msg", http_tr(p->lang, msg));
	if (user != NULL)
		http_tv_set(p->tv, "t_user", user);
	atest_method_tick(p->tv, m);
	adminweb_page_send(p, code, "admin_why", N_("Why can't someone log in?"));
}

static void
atest_post(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_tl *tl = aw->tl;
	struct adminweb_page p;
	struct http_form f;
	struct atest_job *j = NULL;
	const char *user, *pw, *method;
	enum why_test_method m = WHY_TEST_PAP;
	size_t i;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_LOG_SEARCH, &p) < 0)
		return;
	if (tl == NULL) {
		adminweb_error(aw, req, &p, 503,
		               N_("The test login is not available on this box."));
		return;
	}
	if (http_form_read(&f, req, &http_form_default) < 0) {
		atest_refuse(&p, NULL, m, 400, N_("The form could not be read. Try again."));
		return;
	}
	user = http_form_get(&f, "user");
	pw = http_form_get(&f, "password");
	method = http_form_get(&f, "method");
	for (i = 0; method != NULL && i < sizeof(atest_methods) / sizeof(atest_methods[0]); i++)
		if (strcmp(method, atest_methods[i].form) == 0)
			break;
	if (method == NULL || i == sizeof(atest_methods) / sizeof(atest_methods[0])) {
		atest_refuse(&p, user, m, 400, N_("Choose PAP, PEAP-MSCHAPv2 or TTLS-PAP."));
		goto done;
	}
	m = atest_methods[i].m;
	if (user == NULL || user[0] == '\0' || pw == NULL || pw[0] == '\0') {
		atest_refuse(&p, user, m, 200, N_("Fill in the user and their password."));
		goto done;
	}
	if (!atest_user_ok(user)) {
		atest_refuse(&p, NULL, m, 200, N_("That is no user name."));
		goto done;
	}
	if (strlen(pw) > PASSWORD_MAX) {
		atest_refuse(&p, user, m, 200, N_("The password is too long for a test."));
		goto done;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		atest_refuse(&p, user, m, 503, N_("The box is busy. Try again in a moment."));
		goto done;
	}
	j->aw = aw;
	/* without a realm: the school's own, as a device would be set up */
	if (strchr(user, '@') == NULL && aw->cfg->nrealms > 0)
		snprintf(j->user, sizeof(j->user), "%s@%s", user, aw->cfg->realms[0]);
	else
		snprintf(j->user, sizeof(j->user), "%s", user);
	snprintf(j->pw, sizeof(j->pw), "%s", pw);
	snprintf(j->actor, sizeof(j->actor), "%s", p.name);
	snprintf(j->src, sizeof(j->src), "%s", p.src);
	j->o.method = m;
	j->o.serverlen = 0;
	j->o.fd = tl->fd;
	j->o.secret = tl->secret;
	j->o.user = j->user;
	j->o.password = j->pw;
	j->o.timeout_ms = ATEST_TIMEOUT;
	j->evcon = evhttp_request_get_connection(req);
	if (j->evcon != NULL) {
		j->req = req;
		evhttp_connection_set_closecb(j->evcon, atest_closed, j);
	}
	j->next = tl->jobs;
	if (tl->jobs != NULL)
		tl->jobs->prev = j;
	tl->jobs = j;
	if (j->req == NULL || workq_submit(tl->wq, atest_work, atest_done, j) < 0) {
		atest_job_free(j); /* clears the password */
		atest_refuse(&p, user, m, 503,
		             N_("Other test logins are running. Try again in a moment."));
		goto done;
	}
	adminweb_page_end(&p); /* answered by atest_finish */
done:
	http_form_free(&f); /* clears the password */
}

static const struct http_route_def atest_routes[] = {
    {EVHTTP_REQ_POST, "/admin/why/test", HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION, atest_post},
};

int
adminweb_testlogin_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, atest_routes,
	                          sizeof(atest_routes) / sizeof(atest_routes[0]), aw);
}

void
adminweb_test_link(struct adminweb *aw, int fd, const char *secret)
{
	struct adminweb_tl *tl = calloc(1, sizeof(*tl));

	if (tl == NULL || strlen(secret) >= sizeof(tl->secret) ||
	    (tl->wq = workq_new(aw->base, 1, ATEST_QUEUE)) == NULL) {
		log_error("admin ui: no test login (out of memory)");
		free(tl);
		close(fd);
		return;
	}
	tl->fd = fd;
	snprintf(tl->secret, sizeof(tl->secret), "%s", secret);
	aw->tl = tl;
}

void
adminweb_testlogin_free(struct adminweb *aw)
{
	struct adminweb_tl *tl = aw->tl;

	if (tl == NULL)
		return;
	__atomic_store_n(&tl->closing, 1, __ATOMIC_RELAXED);
	workq_free(tl->wq);      /* the running test ends; its done finishes it unanswered */
	while (tl->jobs != NULL) /* waiting for their log row */
		atest_finish(tl->jobs);
	close(tl->fd);
	explicit_bzero(tl->secret, sizeof(tl->secret));
	free(tl);
	aw->tl = NULL;
}
