/*
 * The dashboard, /admin/: what the web child can see cheaply. Logins per
 * hour (24 h) and per day (7 days) from the auth log, by kind and result;
 * SAML metadata freshness per source; the expiry of the EAP, RadSec, HTTPS
 * and SAML certificates (read at start, a warning 30 days ahead); the
 * store's size and the log retention; the software version; admin sessions.
 *
 * What other processes know reaches it through files they write:
 * - the upstream FLRs (live or dead, since when, last round trip, last
 *   answer, counters) from the radius child, through the store's
 *   upstream_state table (poort/store_upstream.h): written on every change
 *   and every 30 s; a row older than 2 minutes shows as unknown, never as
 *   live. The list is this config's upstreams, in its order.
 * - the firmware slots (running slot, versions, trial or confirmed, boot
 *   counts) from the parent, through STATE_DIR/firmware.json
 *   (poort/fwstatus.h): written at start and after a confirm; a host that
 *   is not a box image says so.
 */
#include <event2/http.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adminweb_int.h"
#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/fwstatus.h"
#include "poort/store.h"
#include "poort/store_saml.h"
#include "poort/store_upstream.h"

#ifndef POORT_VERSION
#define POORT_VERSION "dev"
#endif

#define ADASH_WARN_DAYS 30
#define ADASH_HOURS 24
#define ADASH_DAYS 7
#define ADASH_ROWS 500000 /* auth log rows read at most (7 days of a big school) */

enum { KIND_PAP, KIND_EAP, KIND_PROXY, KIND_N };

static const char *const adash_kinds[KIND_N] = {
	N_("Password (PAP)"), N_("EAP"), N_("Proxied to eduroam")};

struct adash_count {
	time_t now;
	unsigned hour[ADASH_HOURS][2]; /* [0] accepted, [1] refused */
	unsigned day[ADASH_DAYS][2];
	unsigned kind[KIND_N][2]; /* the last 24 hours */
	unsigned rows;
};

static int
adash_auth(const struct store_auth_rec *r, void *arg)
{
	struct adash_count *c = arg;
	int64_t age = (int64_t)c->now - r->time;
	int refused = strcmp(r->result, "accept") != 0;
	int kind = r->upstream[0] != '\0'       ? KIND_PROXY
		   : r->inner_identity[0] != '\0' || strstr(r->reason, "eap") != NULL ? KIND_EAP
										  : KIND_PAP;

	c->rows++;
	if (age < 0)
		age = 0;
	if (age < ADASH_HOURS * 3600) {
		c->hour[age / 3600][refused]++;
		c->kind[kind][refused]++;
	}
	if (age < ADASH_DAYS * 86400)
		c->day[age / 86400][refused]++;
	return 0;
}

static void
adash_logins(struct adminweb_page *p, time_t now)
{
	struct adash_count *c = calloc(1, sizeof(*c));
	struct store_log_filter f = {.since = (int64_t)now - ADASH_DAYS * 86400,
				     .limit = ADASH_ROWS};
	char label[32];
	struct tm tm;

	if (c == NULL)
		return;
	c->now = now;
	if (store_auth_query(p->aw->st, &f, adash_auth, c) < 0) {
		http_tv_set(p->tv, "log_error", "1");
		free(c);
		return;
	}
	for (int i = 0; i < ADASH_HOURS; i++) {
		struct http_tv *it = http_tv_add(p->tv, "hours");
		time_t t = now - (time_t)i * 3600;

		gmtime_r(&t, &tm);
		strftime(label, sizeof(label), "%d-%m %H:00", &tm);
		http_tv_set(it, "label", label);
		http_tv_setf(it, "ok", "%u", c->hour[i][0]);
		http_tv_setf(it, "bad", "%u", c->hour[i][1]);
	}
	for (int i = 0; i < ADASH_DAYS; i++) {
		struct http_tv *it = http_tv_add(p->tv, "days");
		time_t t = now - (time_t)i * 86400;

		gmtime_r(&t, &tm);
		strftime(label, sizeof(label), "%Y-%m-%d", &tm);
		http_tv_set(it, "label", label);
		http_tv_setf(it, "ok", "%u", c->day[i][0]);
		http_tv_setf(it, "bad", "%u", c->day[i][1]);
	}
	for (int i = 0; i < KIND_N; i++) {
		struct http_tv *it = http_tv_add(p->tv, "kinds");

		http_tv_set(it, "label", http_tr(p->lang, adash_kinds[i]));
		http_tv_setf(it, "ok", "%u", c->kind[i][0]);
		http_tv_setf(it, "bad", "%u", c->kind[i][1]);
	}
	if (c->rows >= ADASH_ROWS)
		http_tv_set(p->tv, "log_capped", "1");
	free(c);
}

static void
adash_date(char *out, size_t outlen, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(out, outlen, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

struct adash_meta {
	struct adminweb_page *p;
	time_t now;
};

static int
adash_meta(const struct store_meta_status *s, void *arg)
{
	struct adash_meta *m = arg;
	struct http_tv *it = http_tv_add(m->p->tv, "meta");
	char d[32];

	if (it == NULL)
		return 1;
	http_tv_set(m->p->tv, "has_meta", "1");
	http_tv_set(it, "source", s->source);
	adash_date(d, sizeof(d), s->last_ok);
	http_tv_set(it, "last_ok", d);
	adash_date(d, sizeof(d), s->valid_until);
	http_tv_set(it, "valid_until", d);
	http_tv_setf(it, "sps", "%u", s->sps);
	http_tv_set(it, "error", s->error);
	if (s->error[0] != '\0' || s->last_ok == 0 ||
	    (s->valid_until != 0 && s->valid_until < (int64_t)m->now + 86400))
		http_tv_set(it, "warn", "1");
	return 0;
}

static void
adash_certs(struct adminweb_page *p, time_t now)
{
	struct adminweb *aw = p->aw;

	for (size_t i = 0; i < aw->ncerts; i++) {
		struct http_tv *it = http_tv_add(p->tv, "certs");
		const struct adminweb_cert *c = &aw->certs[i];
		char d[32];

		http_tv_set(it, "what", http_tr(p->lang, c->what));
		http_tv_set(it, "path", c->path);
		if (c->not_after == 0) {
			http_tv_set(it, "until", http_tr(p->lang, N_("cannot be read")));
			http_tv_set(it, "warn", "1");
			continue;
		}
		adash_date(d, sizeof(d), c->not_after);
		http_tv_set(it, "until", d);
		http_tv_setf(it, "days", "%lld", (c->not_after - (long long)now) / 86400);
		if (c->not_after < (long long)now + ADASH_WARN_DAYS * 86400)
			http_tv_set(it, "warn", "1");
	}
}

/* The upstream FLRs as the radius child last wrote them. */
static void
adash_upstreams(struct adminweb_page *p, time_t now)
{
	const struct config_proxy *cp = &p->aw->cfg->proxy;

	if (cp->nups == 0)
		return;
	http_tv_set(p->tv, "has_ups", "1");
	http_tv_setf(p->tv, "ups_every", "%d", STORE_UPSTREAM_EVERY);
	http_tv_setf(p->tv, "ups_stale", "%d", STORE_UPSTREAM_STALE / 60);
	for (size_t i = 0; i < cp->nups; i++) {
		struct http_tv *it = http_tv_add(p->tv, "ups");
		struct store_upstream_rec r;
		char d[32];

		if (it == NULL)
			return;
		http_tv_set(it, "name", cp->ups[i].name);
		http_tv_set(it, "transport", cp->ups[i].radsec ? "RadSec" : "RADIUS/UDP");
		if (store_upstream_get(p->aw->st, cp->ups[i].name, &r) < 0 ||
		    !store_upstream_fresh(&r, (int64_t)now)) {
			http_tv_set(it, "state", http_tr(p->lang, N_("unknown")));
			http_tv_set(it, "why", http_tr(p->lang, N_("the RADIUS service is not reporting")));
			http_tv_set(it, "warn", "1");
			continue;
		}
		http_tv_set(it, "address", r.address);
		if (!r.alive) {
			http_tv_set(it, "state", http_tr(p->lang, N_("dead")));
			http_tv_set(it, "warn", "1");
		} else {
			http_tv_set(it, "state", http_tr(p->lang, N_("live")));
			if (r.last_answer == 0)
				http_tv_set(it, "why", http_tr(p->lang, N_("no answer yet")));
		}
		adash_date(d, sizeof(d), r.changed);
		http_tv_set(it, "since", d);
		if (r.rtt_ms >= 0)
			http_tv_setf(it, "rtt", "%lld", (long long)r.rtt_ms);
		/* for a live one the row's last answer may be a refresh old: not shown */
		if (r.last_answer == 0)
			http_tv_set(it, "silent", http_tr(p->lang, N_("never")));
		else if (!r.alive)
			http_tv_setf(it, "silent", "%lld",
				     (long long)((int64_t)now > r.last_answer ? now - r.last_answer : 0));
		http_tv_setf(it, "requests", "%lld", (long long)r.requests);
		http_tv_setf(it, "timeouts", "%lld", (long long)r.timeouts);
	}
}

static const char *const adash_slot_states[] = {
	[FWSTATUS_EMPTY] = N_("empty"),
	[FWSTATUS_VALID] = N_("valid"),
	[FWSTATUS_BELOW_FLOOR] = N_("below the rollback floor"),
	[FWSTATUS_INVALID] = N_("does not verify"),
};

/* The firmware slots as the parent last wrote them. */
static void
adash_firmware(struct adminweb_page *p)
{
	struct fwstatus fs;
	char d[32];
	int rc = fwstatus_read(p->aw->cfg->state_dir, &fs);

	if (rc == FWSTATUS_ENOENT) {
		http_tv_set(p->tv, "fw_unknown", "1");
		return;
	}
	if (rc < 0) {
		http_tv_set(p->tv, "fw_unreadable", "1");
		return;
	}
	adash_date(d, sizeof(d), fs.written);
	http_tv_set(p->tv, "fw_written", d);
	if (!fs.box) {
		http_tv_set(p->tv, "fw_host", "1");
		return;
	}
	http_tv_set(p->tv, "fw_box", "1");
	http_tv_set(p->tv, "fw_board", fs.board);
	if (fs.error[0] != '\0') {
		http_tv_set(p->tv, "fw_error", fs.error);
		return;
	}
	http_tv_set(p->tv, "fw_running", fs.running ? "B" : "A");
	http_tv_set(p->tv, "fw_version", fs.version);
	if (fs.on_trial) {
		http_tv_set(p->tv, "fw_trial", "1");
		http_tv_setf(p->tv, "fw_trial_boots", "%u", fs.trial_boots);
		http_tv_setf(p->tv, "fw_attempts", "%u", fs.attempts_left);
	}
	http_tv_setf(p->tv, "fw_floor", "%u", fs.rollback_floor);
	http_tv_setf(p->tv, "fw_boots", "%u", fs.boots);
	for (int i = 0; i < 2; i++) {
		const struct fwstatus_slot *sl = &fs.slot[i];
		struct http_tv *it = http_tv_add(p->tv, "slots");

		if (it == NULL)
			return;
		http_tv_set(it, "slot", i == 0 ? "A" : "B");
		http_tv_set(it, "version", sl->version[0] != '\0' ? sl->version : "-");
		if (sl->state == FWSTATUS_VALID || sl->state == FWSTATUS_BELOW_FLOOR)
			http_tv_setf(it, "rollback", "%u", sl->rollback);
		http_tv_set(it, "state", http_tr(p->lang, adash_slot_states[sl->state]));
		http_tv_set(it, "problem", sl->problem);
		if (sl->state == FWSTATUS_INVALID || sl->state == FWSTATUS_BELOW_FLOOR)
			http_tv_set(it, "warn", "1");
		if (sl->running)
			http_tv_set(it, "running", "1");
		if (sl->confirmed)
			http_tv_set(it, "confirmed", "1");
		if (sl->trial)
			http_tv_set(it, "trial", "1");
	}
}

static void
adash(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	time_t now = time(NULL);
	struct stat sb;
	unsigned long long size = 0;
	char path[600];

	if (adminweb_page_begin(aw, req, ADMIN_ACT_DASHBOARD, &p) < 0)
		return;
	http_tv_set(p.tv, "version", POORT_VERSION);
	adash_logins(&p, now);
	if (aw->ss != NULL) {
		struct adash_meta m = {&p, now};

		store_saml_meta_status_foreach(aw->ss, adash_meta, &m);
	}
	adash_certs(&p, now);
	adash_upstreams(&p, now);
	adash_firmware(&p);
	adminweb_restore_status(&p, 7 * 24 * 3600); /* a week: then the audit log has it */
	if (stat(aw->store_path, &sb) == 0)
		size += (unsigned long long)sb.st_size;
	snprintf(path, sizeof(path), "%s-wal", aw->store_path);
	if (stat(path, &sb) == 0)
		size += (unsigned long long)sb.st_size;
	http_tv_setf(p.tv, "store_mb", "%.1f", (double)size / (1024.0 * 1024.0));
	http_tv_setf(p.tv, "retention", "%u", aw->cfg->log_retention_days);
	http_tv_setf(p.tv, "sessions", "%zu",
		     http_sessions_count(http_server_sessions(aw->hs), now));
	adminweb_page_send(&p, 200, "admin_dashboard", N_("Dashboard"));
}

/* notAfter of the first certificate in a PEM file, or 0. */
static long long
adash_not_after(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	struct tm tm;
	long long t = 0;

	if (x != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		t = (long long)timegm(&tm);
	X509_free(x);
	if (f != NULL)
		fclose(f);
	return t;
}

static void
adash_cert_add(struct adminweb *aw, const char *what, const char *path)
{
	struct adminweb_cert *c;

	if (path == NULL || path[0] == '\0' || aw->ncerts == ADMINWEB_CERTS_MAX)
		return;
	c = &aw->certs[aw->ncerts++];
	c->what = what;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->not_after = adash_not_after(path);
}

static const struct http_route_def adash_routes[] = {
	{EVHTTP_REQ_GET, "/admin/", HTTP_R_ADMIN, adash},
	{EVHTTP_REQ_GET, "/admin", HTTP_R_ADMIN, adash},
};

int
adminweb_dash_init(struct adminweb *aw)
{
	const struct config *cfg = aw->cfg;
	char err[256];

	/* at start: the files may not be readable after the privilege drop */
	if (cfg->eap.enabled)
		adash_cert_add(aw, N_("EAP server"), cfg->eap.cert);
	if (cfg->radsec.enabled)
		adash_cert_add(aw, N_("RadSec"), cfg->radsec.cert);
	if (cfg->http != NULL)
		adash_cert_add(aw, N_("HTTPS"), cfg->http->cert);
	if (cfg->saml != NULL) {
		adash_cert_add(aw, N_("SAML signing"), cfg->saml->cert);
		adash_cert_add(aw, N_("SAML next signing"), cfg->saml->next_cert);
		aw->ss = store_saml_open(aw->store_path, err, sizeof(err));
	}
	return http_server_routes(aw->hs, adash_routes, sizeof(adash_routes) / sizeof(adash_routes[0]),
				  aw);
}
