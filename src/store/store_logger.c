/*
 * The log writer: rows are queued by the event loop and committed by this
 * thread in batches, one transaction per batch, so the loop never waits for
 * fsync. A row is durable once its batch commits (within ~50 ms). Rows are
 * the RADIUS auth and accounting logs, and for SSO the release log and the
 * durable copy of the AuthnRequest replay set.
 *
 * A row may carry a callback (accounting: the Accounting-Response waits for
 * it). Such rows are not held back to gather a batch: what is queued while
 * one batch commits forms the next (group commit). Once the batch is
 * committed, or has failed for good, its callbacks are queued for the loop,
 * woken through an eventfd, and run there by logger_on_done.
 */
#include "poort/store.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "poort/log.h"
#include "poort/store_saml.h"
#include "poort/store_upstream.h"
#include "store_db.h"

/*
 * Rows per transaction, at most: at 60k logins a second a batch of 256 meant
 * ~230 commits a second, each writing the same hot index pages to the WAL
 * again; 4096 cut the writer's CPU per row by ~40% (tests/bench/README.md).
 * A batch is written from its ring slots (no copy), so it takes no memory
 * of its own, and a quarter of the ring at most.
 */
enum { LOGGER_BATCH = 4096, LOGGER_TICK_MS = 50, LOGGER_PURGE_EVERY = 3600 };

enum logger_kind { ROW_AUTH, ROW_ACCT, ROW_RELEASE, ROW_REPLAY, ROW_UPSTREAM };

struct logger_row {
	enum logger_kind kind;
	store_logger_done_fn done; /* NULL: nobody waits for this row */
	void *arg;
	union {
		struct store_auth_rec auth;
		struct store_acct_rec acct;
		struct store_release_rec release;
		struct store_replay_rec replay;
		struct store_upstream_rec upstream;
	} u;
};

struct store_logger {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_cond_t flushed;
	struct logger_row *ring;
	size_t cap, head, count;
	size_t nwaiting; /* queued rows with a callback */
	size_t inflight; /* rows of the batch being written */
	/* callbacks of finished batches, for the loop; count + inflight + ndone
	 * <= cap, so the done ring (cap entries) never overflows */
	struct logger_done {
		store_logger_done_fn fn;
		void *arg;
		int rc;
	} *done;
	size_t done_head, ndone;
	int efd;
	struct event *ev;
	uint64_t queued_total, written_total;
	int stop;
	unsigned retention_days;
	unsigned audit_days; /* 0: audit rows kept (store_logger_set_audit_retention) */
	sqlite3 *db;
	sqlite3_stmt *ins_auth, *ins_acct;
	sqlite3_stmt *upd_session, *end_sessions; /* acct_session, see logger_session */
	sqlite3_stmt *ins_release, *ins_replay; /* prepared on first use: SSO tables */
	sqlite3_stmt *ins_upstream;             /* prepared on first use */
	int64_t last_purge;
};

/* The SSO tables exist once store_saml_open has run; prepared when first needed. */
static sqlite3_stmt *
logger_sso_stmt(struct store_logger *lg, enum logger_kind kind)
{
	sqlite3_stmt **s = kind == ROW_RELEASE ? &lg->ins_release : &lg->ins_replay;
	const char *sql = kind == ROW_RELEASE
				  ? "INSERT INTO saml_release_log(time,sp,username,attrs,nameid_format)"
				    " VALUES(?,?,?,?,?)"
				  : "INSERT OR REPLACE INTO saml_replay(issuer,id,expires) VALUES(?,?,?)";

	if (*s == NULL &&
	    sqlite3_prepare_v3(lg->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) != SQLITE_OK)
		*s = NULL;
	return *s;
}

enum { ACCT_START = 1, ACCT_STOP = 2, ACCT_INTERIM = 3, ACCT_ON = 7, ACCT_OFF = 8 };

/*
 * The session an accounting row belongs to (client + Acct-Session-Id):
 * created by its first row (Start, or an Interim-Update of a session that
 * started before; started = now - Acct-Session-Time), brought up to date by
 * each later one, ended by a Stop. Accounting-On/Off from an access point
 * ends all of its open sessions: it restarted and they are gone.
 */
static int
logger_session(struct store_logger *lg, const struct store_acct_rec *r)
{
	sqlite3_stmt *s;
	char mac[STORE_MAC_LEN + 1];
	int rc;

	if (r->status_type == ACCT_ON || r->status_type == ACCT_OFF) {
		s = lg->end_sessions;
		sqlite3_bind_int64(s, 1, r->time);
		sqlite3_bind_text(s, 2, r->status_type == ACCT_ON ? "nas-on" : "nas-off", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->client, -1, SQLITE_STATIC);
	} else if ((r->status_type == ACCT_START || r->status_type == ACCT_STOP ||
		    r->status_type == ACCT_INTERIM) &&
		   r->session_id[0] != '\0') {
		s = lg->upd_session;
		store_mac_normalise(r->calling_station, mac);
		sqlite3_bind_text(s, 1, r->client, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, r->session_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->user_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, r->calling_station, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, r->framed_ip, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, r->time);
		sqlite3_bind_int64(s, 8, r->session_time);
		sqlite3_bind_int64(s, 9, (int64_t)r->input_octets);
		sqlite3_bind_int64(s, 10, (int64_t)r->output_octets);
		sqlite3_bind_int64(s, 11, r->status_type == ACCT_STOP ? r->time : 0);
		sqlite3_bind_text(s, 12, r->status_type == ACCT_STOP ? "stop" : "", -1,
				  SQLITE_STATIC);
	} else {
		return 0; /* no session to speak of */
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
logger_write_row(struct store_logger *lg, const struct logger_row *row)
{
	sqlite3_stmt *s;

	if (row->kind == ROW_UPSTREAM)
		return store_db_upstream_write(lg->db, &lg->ins_upstream, &row->u.upstream);
	if (row->kind == ROW_RELEASE) {
		const struct store_release_rec *r = &row->u.release;
		if ((s = logger_sso_stmt(lg, ROW_RELEASE)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, r->time);
		sqlite3_bind_text(s, 2, r->sp, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->user, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, r->attrs, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->nameid_format, -1, SQLITE_STATIC);
	} else if (row->kind == ROW_REPLAY) {
		const struct store_replay_rec *r = &row->u.replay;
		if ((s = logger_sso_stmt(lg, ROW_REPLAY)) == NULL)
			return -1;
		sqlite3_bind_text(s, 1, r->issuer, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, r->expires);
	} else if (row->kind == ROW_AUTH) {
		const struct store_auth_rec *r = &row->u.auth;
		s = lg->ins_auth;
		sqlite3_bind_int64(s, 1, r->time);
		sqlite3_bind_text(s, 2, r->client, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->calling_station, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, r->user_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->inner_identity, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, r->result, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, r->reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, r->cui, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, r->operator_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 10, r->upstream, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 11, r->ms);
		char mac[STORE_MAC_LEN + 1];
		store_mac_normalise(r->calling_station, mac);
		sqlite3_bind_text(s, 12, mac, -1, SQLITE_TRANSIENT);
	} else {
		const struct store_acct_rec *r = &row->u.acct;
		s = lg->ins_acct;
		sqlite3_bind_int64(s, 1, r->time);
		sqlite3_bind_text(s, 2, r->client, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->user_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, r->calling_station, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->session_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 6, r->status_type);
		sqlite3_bind_int64(s, 7, r->session_time);
		sqlite3_bind_int64(s, 8, (int64_t)r->input_octets);
		sqlite3_bind_int64(s, 9, (int64_t)r->output_octets);
		sqlite3_bind_text(s, 10, r->framed_ip, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE && row->kind == ROW_ACCT)
		return logger_session(lg, &row->u.acct);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
logger_purge(struct store_logger *lg, int64_t now)
{
	int64_t before = now - (int64_t)lg->retention_days * 86400;
	int64_t n = store_db_purge(lg->db, before);
	char sql[96];

	lg->last_purge = now;
	/* expired replay IDs and old release log rows (as long as the auth log's);
	 * the tables are missing without SSO, which is fine */
	sqlite3_exec(lg->db, "DELETE FROM saml_replay WHERE expires < strftime('%s','now')", NULL,
		     NULL, NULL);
	snprintf(sql, sizeof(sql), "DELETE FROM saml_release_log WHERE time < %lld",
		 (long long)before);
	if (sqlite3_exec(lg->db, sql, NULL, NULL, NULL) == SQLITE_OK && n >= 0)
		n += sqlite3_changes(lg->db);
	/* upstreams no longer configured: their rows stop being refreshed */
	snprintf(sql, sizeof(sql), "DELETE FROM upstream_state WHERE updated < %lld",
		 (long long)before);
	sqlite3_exec(lg->db, sql, NULL, NULL, NULL);
	if (lg->audit_days > 0 && n >= 0) {
		/* the admin audit trail: its own, longer retention */
		snprintf(sql, sizeof(sql), "DELETE FROM audit_log WHERE time < %lld",
			 (long long)(now - (int64_t)lg->audit_days * 86400));
		if (sqlite3_exec(lg->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			n = -1;
		else if (sqlite3_changes(lg->db) > 0)
			log_info("store purge audit_rows=%d older_than_days=%u",
				 sqlite3_changes(lg->db), lg->audit_days);
	}
	if (n < 0)
		log_error("store purge failed: %s", sqlite3_errmsg(lg->db));
	else if (n > 0)
		log_info("store purge rows=%lld older_than_days=%u", (long long)n,
			 lg->retention_days);
}

/* The i-th row of the batch that starts at ring slot first. */
static const struct logger_row *
logger_batch_row(const struct store_logger *lg, size_t first, size_t i)
{
	return &lg->ring[(first + i) % lg->cap];
}

/*
 * Writes the n rows from ring slot first in one transaction; retries while
 * busy. The rows stay in their slots meanwhile: counted in inflight, the
 * loop's pushes cannot reach them (logger_push), so no lock is needed.
 */
static int
logger_commit(struct store_logger *lg, size_t first, size_t n)
{
	for (int attempt = 0;; attempt++) {
		size_t i;
		if (sqlite3_exec(lg->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
			for (i = 0; i < n; i++)
				if (logger_write_row(lg, logger_batch_row(lg, first, i)) < 0)
					break;
			if (i == n && sqlite3_exec(lg->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
				return 0;
			sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
		}
		if (attempt == 20) {
			log_error("store log write failed rows=%zu error=\"%s\"", n,
				  sqlite3_errmsg(lg->db));
			return STORE_EDB;
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Under mu: queues the callbacks of the batch's rows for the loop and wakes it. */
static void
logger_hand_back(struct store_logger *lg, size_t first, size_t n, int rc)
{
	size_t woken = 0;

	for (size_t i = 0; i < n; i++) {
		const struct logger_row *row = logger_batch_row(lg, first, i);
		if (row->done == NULL)
			continue;
		struct logger_done *d = &lg->done[(lg->done_head + lg->ndone) % lg->cap];
		d->fn = row->done;
		d->arg = row->arg;
		d->rc = rc;
		lg->ndone++;
		lg->nwaiting--;
		woken++;
	}
	uint64_t one = 1;
	if (woken > 0 && write(lg->efd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow at our rates */
	}
}

static void *
logger_main(void *arg)
{
	struct store_logger *lg = arg;

	pthread_mutex_lock(&lg->mu);
	for (;;) {
		struct timespec until;
		size_t n = 0;

		while (lg->count == 0 && !lg->stop) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&lg->wake, &lg->mu, &until);
			if ((int64_t)time(NULL) - lg->last_purge >= LOGGER_PURGE_EVERY)
				break;
		}
		/* gather a little: one fsync for many rows (unless someone waits) */
		if (lg->count > 0 && lg->count < LOGGER_BATCH && !lg->stop && lg->nwaiting == 0) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += LOGGER_TICK_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&lg->wake, &lg->mu, &until);
		}
		/* the batch: the oldest rows, written where they are */
		size_t first = lg->head;
		n = lg->count < LOGGER_BATCH ? lg->count : LOGGER_BATCH;
		lg->head = (lg->head + n) % lg->cap;
		lg->count -= n;
		lg->inflight = n;
		int stop = lg->stop && lg->count == 0 && n == 0;
		pthread_mutex_unlock(&lg->mu);

		int rc = n > 0 ? logger_commit(lg, first, n) : 0;
		if ((int64_t)time(NULL) - lg->last_purge >= LOGGER_PURGE_EVERY)
			logger_purge(lg, (int64_t)time(NULL));

		pthread_mutex_lock(&lg->mu);
		logger_hand_back(lg, first, n, rc);
		lg->inflight = 0;
		lg->written_total += n;
		pthread_cond_broadcast(&lg->flushed);
		if (stop)
			break;
	}
	pthread_mutex_unlock(&lg->mu);
	return NULL;
}

struct store_logger *
store_logger_new(const char *path, unsigned retention_days, unsigned max_queue, char *err,
		 size_t errlen)
{
	struct store_logger *lg = calloc(1, sizeof(*lg));

	if (lg == NULL || max_queue == 0)
		goto oom;
	lg->efd = -1;
	lg->cap = max_queue;
	lg->ring = calloc(lg->cap, sizeof(*lg->ring));
	lg->done = calloc(lg->cap, sizeof(*lg->done));
	lg->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (lg->ring == NULL || lg->done == NULL)
		goto oom;
	if (lg->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	lg->retention_days = retention_days;
	lg->db = store_db_open(path, err, errlen);
	if (lg->db == NULL)
		goto fail;
	if (sqlite3_prepare_v3(lg->db,
			       "INSERT INTO auth_log(time, client, calling_station, user_name,"
			       " inner_identity, result, reason, cui, operator_name, upstream, ms,"
			       " mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, SQLITE_PREPARE_PERSISTENT, &lg->ins_auth, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(lg->db,
			       "INSERT INTO acct_log(time, client, user_name, calling_station,"
			       " session_id, status_type, session_time, input_octets, output_octets,"
			       " framed_ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, SQLITE_PREPARE_PERSISTENT, &lg->ins_acct, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(
		lg->db,
		"INSERT INTO acct_session(client, session_id, user_name, calling_station, mac,"
		" framed_ip, started, updated, session_time, input_octets, output_octets, ended,"
		" end_cause) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7 - ?8, ?7, ?8, ?9, ?10, ?11, ?12)"
		" ON CONFLICT(client, session_id) DO UPDATE SET"
		" user_name = CASE WHEN excluded.user_name != '' THEN excluded.user_name"
		"  ELSE user_name END,"
		" calling_station = CASE WHEN excluded.calling_station != ''"
		"  THEN excluded.calling_station ELSE calling_station END,"
		" mac = CASE WHEN excluded.mac != '' THEN excluded.mac ELSE mac END,"
		" framed_ip = CASE WHEN excluded.framed_ip != '' THEN excluded.framed_ip"
		"  ELSE framed_ip END,"
		" prev_update = updated, updated = excluded.updated,"
		" session_time = excluded.session_time, input_octets = excluded.input_octets,"
		" output_octets = excluded.output_octets,"
		" ended = CASE WHEN ended != 0 THEN ended ELSE excluded.ended END,"
		" end_cause = CASE WHEN ended != 0 THEN end_cause ELSE excluded.end_cause END",
		-1, SQLITE_PREPARE_PERSISTENT, &lg->upd_session, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(lg->db,
			       "UPDATE acct_session SET ended = ?1, end_cause = ?2"
			       " WHERE client = ?3 AND ended = 0 AND updated <= ?1",
			       -1, SQLITE_PREPARE_PERSISTENT, &lg->end_sessions, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(lg->db));
		goto fail;
	}
	logger_purge(lg, (int64_t)time(NULL));
	pthread_mutex_init(&lg->mu, NULL);
	pthread_cond_init(&lg->wake, NULL);
	pthread_cond_init(&lg->flushed, NULL);
	if (pthread_create(&lg->thread, NULL, logger_main, lg) != 0) {
		snprintf(err, errlen, "cannot start the log writer: %s", strerror(errno));
		pthread_mutex_destroy(&lg->mu);
		pthread_cond_destroy(&lg->wake);
		pthread_cond_destroy(&lg->flushed);
		goto fail;
	}
	return lg;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	if (lg != NULL) {
		sqlite3_finalize(lg->ins_auth);
		sqlite3_finalize(lg->ins_acct);
		sqlite3_finalize(lg->upd_session);
		sqlite3_finalize(lg->end_sessions);
		sqlite3_close(lg->db);
		if (lg->efd >= 0)
			close(lg->efd);
		free(lg->done);
		free(lg->ring);
		free(lg);
	}
	return NULL;
}

/* On the loop: runs the callbacks of finished batches, oldest first. */
void
store_logger_run_done(struct store_logger *lg)
{
	uint64_t n;

	if (read(lg->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing new since the last run */
	}
	for (;;) {
		struct logger_done d;
		pthread_mutex_lock(&lg->mu);
		if (lg->ndone == 0) {
			pthread_mutex_unlock(&lg->mu);
			break;
		}
		d = lg->done[lg->done_head];
		lg->done_head = (lg->done_head + 1) % lg->cap;
		lg->ndone--;
		pthread_mutex_unlock(&lg->mu);
		d.fn(d.arg, d.rc); /* may queue more rows */
	}
}

static void
logger_on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_logger_run_done(arg);
}

int
store_logger_attach(struct store_logger *lg, struct event_base *base)
{
	if (lg->ev != NULL)
		return 0;
	lg->ev = event_new(base, lg->efd, EV_READ | EV_PERSIST, logger_on_done, lg);
	if (lg->ev == NULL || event_add(lg->ev, NULL) < 0) {
		if (lg->ev != NULL)
			event_free(lg->ev);
		lg->ev = NULL;
		return STORE_EDB;
	}
	return 0;
}

void
store_logger_set_retention(struct store_logger *lg, unsigned retention_days)
{
	pthread_mutex_lock(&lg->mu);
	lg->retention_days = retention_days;
	lg->last_purge = 0; /* purge with the new setting soon */
	pthread_cond_signal(&lg->wake);
	pthread_mutex_unlock(&lg->mu);
}

void
store_logger_set_audit_retention(struct store_logger *lg, unsigned days)
{
	pthread_mutex_lock(&lg->mu);
	lg->audit_days = days;
	lg->last_purge = 0; /* purge with the new setting soon */
	pthread_cond_signal(&lg->wake);
	pthread_mutex_unlock(&lg->mu);
}

static int
logger_push(struct store_logger *lg, const struct logger_row *row)
{
	int rc = 0;

	pthread_mutex_lock(&lg->mu);
	if (lg->count + lg->inflight + lg->ndone >= lg->cap) {
		rc = STORE_EFULL;
	} else {
		lg->ring[(lg->head + lg->count) % lg->cap] = *row;
		lg->count++;
		lg->queued_total++;
		if (row->done != NULL)
			lg->nwaiting++;
		/* the first row, a full batch, or one that someone waits for */
		if (lg->count == 1 || lg->count >= LOGGER_BATCH || row->done != NULL)
			pthread_cond_signal(&lg->wake);
	}
	pthread_mutex_unlock(&lg->mu);
	return rc;
}

int
store_logger_auth(struct store_logger *lg, const struct store_auth_rec *r)
{
	struct logger_row row = {.kind = ROW_AUTH};
	row.u.auth = *r;
	return logger_push(lg, &row);
}

int
store_logger_acct(struct store_logger *lg, const struct store_acct_rec *r,
		  store_logger_done_fn done, void *arg)
{
	struct logger_row row = {.kind = ROW_ACCT, .done = done, .arg = arg};
	row.u.acct = *r;
	return logger_push(lg, &row);
}

int
store_logger_release(struct store_logger *lg, const struct store_release_rec *r)
{
	struct logger_row row = {.kind = ROW_RELEASE};
	row.u.release = *r;
	return logger_push(lg, &row);
}

int
store_logger_replay(struct store_logger *lg, const struct store_replay_rec *r)
{
	struct logger_row row = {.kind = ROW_REPLAY};
	row.u.replay = *r;
	return logger_push(lg, &row);
}

int
store_logger_upstream(struct store_logger *lg, const struct store_upstream_rec *r)
{
	struct logger_row row = {.kind = ROW_UPSTREAM};
	row.u.upstream = *r;
	return logger_push(lg, &row);
}

void
store_logger_flush(struct store_logger *lg)
{
	pthread_mutex_lock(&lg->mu);
	uint64_t target = lg->queued_total;
	pthread_cond_signal(&lg->wake);
	while (lg->written_total < target)
		pthread_cond_wait(&lg->flushed, &lg->mu);
	pthread_mutex_unlock(&lg->mu);
}

void
store_logger_free(struct store_logger *lg)
{
	if (lg == NULL)
		return;
	pthread_mutex_lock(&lg->mu);
	lg->stop = 1;
	pthread_cond_signal(&lg->wake);
	pthread_mutex_unlock(&lg->mu);
	pthread_join(lg->thread, NULL);
	if (lg->ev != NULL)
		event_free(lg->ev);
	close(lg->efd);
	sqlite3_finalize(lg->ins_auth);
	sqlite3_finalize(lg->ins_acct);
	sqlite3_finalize(lg->upd_session);
	sqlite3_finalize(lg->end_sessions);
	sqlite3_finalize(lg->ins_release);
	sqlite3_finalize(lg->ins_replay);
	sqlite3_finalize(lg->ins_upstream);
	sqlite3_close(lg->db);
	pthread_mutex_destroy(&lg->mu);
	pthread_cond_destroy(&lg->wake);
	pthread_cond_destroy(&lg->flushed);
	free(lg->done);
	free(lg->ring);
	free(lg);
}
