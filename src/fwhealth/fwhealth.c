/* Health check and confirm of a trial boot (see poort/fwhealth.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <poort/fw/err.h>

#include "fw_linux.h"
#include "fwstatus_collect.h"
#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/fwhealth.h"
#include "poort/log.h"
#include "poort/store.h"
#include "radius_msg.h"

#define FWH_STATUS_LEN (RADIUS_HDR_LEN + 18)
#define FWH_CODE_STATUS_SERVER 12
#define FWH_CODE_ACCESS_ACCEPT 2
#define FWH_ATTR_MA 80

struct fwhealth {
	struct event_base *base;
	struct fwl_opts o;
	char board[32], flash[PATH_MAX], chosen[PATH_MAX], store_path[PATH_MAX + 16];
	char state_dir[PATH_MAX]; /* the firmware status for the dashboard goes here */
	struct fwl_running run;
	unsigned interval;
	enum config_fw_action action;
	struct event *tick, *deadline;

	/* RADIUS: Status-Server from src to dst with the secret of the client
	 * that covers src */
	struct sockaddr_storage rad_dst, rad_src;
	socklen_t rad_len;
	char secret[CONFIG_SECRET_MAX];
	char rad_problem[160]; /* set: the check cannot pass, and why */
	int rad_fd;
	struct event *rad_ev;
	uint8_t rad_vec[16];
	uint8_t rad_id;

	/* HTTPS: a TLS connection that gets an HTTP status line back */
	int have_https;
	struct sockaddr_storage https_dst;
	socklen_t https_len;
	SSL_CTX *ssl_ctx;
	struct bufferevent *bev;

	int ok_radius, ok_https, ok_store; /* this round's results */
	unsigned rounds;
};

/* The wildcard becomes loopback of its family; port kept. */
static void
fwh_loopback(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
			a->sin6_addr = in6addr_loopback;
	}
}

static socklen_t
fwh_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void
fwh_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	const void *a = ss->ss_family == AF_INET6
	                    ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
	                    : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
	if (inet_ntop(ss->ss_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
}

/* The first RADIUS auth listener, and the client a probe from the box
 * itself would be: from loopback, or from the listener's own address. */
static void
fwh_radius_setup(struct fwhealth *fh, const struct config *cfg)
{
	const struct config_client *cl;
	char txt[64];
	size_t i;

	for (i = 0; i < cfg->nlistens; i++)
		if (cfg->listens[i].kind == CONFIG_LISTEN_AUTH)
			break;
	if (i == cfg->nlistens) {
		snprintf(fh->rad_problem, sizeof(fh->rad_problem), "no RADIUS auth listener");
		return;
	}
	memcpy(&fh->rad_dst, &cfg->listens[i].addr, sizeof(fh->rad_dst));
	fwh_loopback(&fh->rad_dst);
	fh->rad_len = fwh_len(&fh->rad_dst);
	memcpy(&fh->rad_src, &fh->rad_dst, sizeof(fh->rad_src));
	if (fh->rad_src.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&fh->rad_src)->sin6_port = 0;
	else
		((struct sockaddr_in *)&fh->rad_src)->sin_port = 0;
	cl = config_client_find(cfg, (const struct sockaddr *)&fh->rad_src);
	if (cl == NULL || cl->radsec_only) {
		fwh_addr_text(&fh->rad_src, txt, sizeof(txt));
		snprintf(
		    fh->rad_problem, sizeof(fh->rad_problem),
		    "no RADIUS client covers %s (the health check sends Status-Server from it)",
		    txt);
		return;
	}
	snprintf(fh->secret, sizeof(fh->secret), "%s", cl->secret);
}

static void
fwh_radius_close(struct fwhealth *fh)
{
	if (fh->rad_ev != NULL)
		event_free(fh->rad_ev);
	fh->rad_ev = NULL;
	if (fh->rad_fd >= 0)
		close(fh->rad_fd);
	fh->rad_fd = -1;
}

static void fwh_evaluate(struct fwhealth *fh);

static void
fwh_radius_read(evutil_socket_t fd, short what, void *arg)
{
	struct fwhealth *fh = arg;
	struct radius_scan scan;
	uint8_t buf[4096];
	ssize_t n;
	size_t len;
	(void)what;

	n = recv(fd, buf, sizeof(buf), 0);
	if (n < RADIUS_HDR_LEN)
		return;
	len = (size_t)buf[2] << 8 | buf[3];
	if (buf[0] != FWH_CODE_ACCESS_ACCEPT || buf[1] != fh->rad_id || len < RADIUS_HDR_LEN ||
	    len > (size_t)n)
		return;
	if (radius_msg_scan(buf, len, &scan) < 0 || !scan.has_ma ||
	    radius_auth_verify(buf, len, fh->rad_vec, fh->secret) < 0) {
		log_warning("firmware health: Status-Server answer does not verify");
		return;
	}
	fh->ok_radius = 1;
	fwh_radius_close(fh);
	fwh_evaluate(fh);
}

static void
fwh_radius_probe(struct fwhealth *fh)
{
	uint8_t pkt[FWH_STATUS_LEN];

	fwh_radius_close(fh);
	if (fh->rad_problem[0] != '\0')
		return;
	fh->rad_fd = socket(fh->rad_dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fh->rad_fd < 0 ||
	    bind(fh->rad_fd, (struct sockaddr *)&fh->rad_src, fwh_len(&fh->rad_src)) < 0 ||
	    RAND_bytes(fh->rad_vec, sizeof(fh->rad_vec)) != 1 || RAND_bytes(&fh->rad_id, 1) != 1)
		goto fail;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = FWH_CODE_STATUS_SERVER;
	pkt[1] = fh->rad_id;
	pkt[2] = FWH_STATUS_LEN >> 8;
	pkt[3] = FWH_STATUS_LEN & 0xff;
	memcpy(pkt + 4, fh->rad_vec, sizeof(fh->rad_vec));
	pkt[RADIUS_HDR_LEN] = FWH_ATTR_MA;
	pkt[RADIUS_HDR_LEN + 1] = 18;
	if (radius_auth_sign(pkt, sizeof(pkt), NULL, fh->secret) < 0)
		goto fail;
	fh->rad_ev = event_new(fh->base, fh->rad_fd, EV_READ | EV_PERSIST, fwh_radius_read, fh);
	if (fh->rad_ev == NULL || event_add(fh->rad_ev, NULL) < 0)
		goto fail;
	if (sendto(fh->rad_fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&fh->rad_dst, fh->rad_len) !=
	    (ssize_t)sizeof(pkt))
		goto fail;
	return;
fail:
	log_warning("firmware health: cannot send Status-Server: %s", strerror(errno));
	fwh_radius_close(fh);
}

static void
fwh_https_close(struct fwhealth *fh)
{
	if (fh->bev != NULL)
		bufferevent_free(fh->bev);
	fh->bev = NULL;
}

static void
fwh_https_read(struct bufferevent *bev, void *arg)
{
	struct fwhealth *fh = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char line[8];

	if (evbuffer_get_length(in) < sizeof(line))
		return;
	evbuffer_copyout(in, line, sizeof(line));
	if (memcmp(line, "HTTP/1.", 7) == 0)
		fh->ok_https = 1;
	fwh_https_close(fh);
	fwh_evaluate(fh);
}

static void
fwh_https_event(struct bufferevent *bev, short what, void *arg)
{
	struct fwhealth *fh = arg;
	static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_write(bev, req, sizeof(req) - 1);
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
		fwh_https_close(fh);
}

static void
fwh_https_probe(struct fwhealth *fh)
{
	struct timeval tv = {.tv_sec = fh->interval, .tv_usec = 0};
	SSL *ssl;

	fwh_https_close(fh);
	if (!fh->have_https) {
		fh->ok_https = 1;
		return;
	}
	ssl = SSL_new(fh->ssl_ctx);
	if (ssl == NULL)
		return;
	fh->bev = bufferevent_openssl_socket_new(fh->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	                                         BEV_OPT_CLOSE_ON_FREE);
	if (fh->bev == NULL) {
		SSL_free(ssl);
		return;
	}
	bufferevent_setcb(fh->bev, fwh_https_read, NULL, fwh_https_event, fh);
	bufferevent_set_timeouts(fh->bev, &tv, &tv);
	bufferevent_enable(fh->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(fh->bev, (struct sockaddr *)&fh->https_dst, fh->https_len) <
	    0)
		fwh_https_close(fh);
}

static int
fwh_store_check(const struct fwhealth *fh)
{
	char err[256];
	struct store *st = store_open(fh->store_path, err, sizeof(err));

	if (st == NULL) {
		log_warning("firmware health: the store does not open: %s", err);
		return 0;
	}
	store_close(st);
	return 1;
}

static void
fwh_done(struct fwhealth *fh)
{
	event_del(fh->tick);
	event_del(fh->deadline);
	fwh_radius_close(fh);
	fwh_https_close(fh);
}

static void
fwh_confirm(struct fwhealth *fh)
{
	struct fw_state st;
	char err[512];
	struct fwl f;
	int rc, was_trial;

	if (fwl_open(&f, &fh->o, err, sizeof(err)) < 0) {
		log_error("firmware confirm slot=%s result=error reason=\"%s\"",
		          fh->run.slot ? "B" : "A", err);
		return;
	}
	rc = fwl_confirm(&f, fh->run.slot, &fh->run, &was_trial);
	if (rc == 0 && fw_state_load(&f.b, &st) >= 0) {
		log_notice("firmware confirm slot=%s version=%s result=ok rollback_floor=%u"
		           " checks=%u",
		           fh->run.slot ? "B" : "A", fh->run.version, st.min_rollback, fh->rounds);
		fwh_done(fh);
	} else if (rc == FW_ESTATE) {
		log_error("firmware confirm slot=%s result=error reason=\"the slot no longer holds"
		          " the running image\"",
		          fh->run.slot ? "B" : "A");
		fwh_done(fh);
	} else {
		log_error("firmware confirm slot=%s result=error reason=\"%s\"",
		          fh->run.slot ? "B" : "A", fw_strerror(rc));
	}
	fwl_close(&f);
	if (rc == 0) /* the dashboard shows the slot confirmed */
		fwstatus_publish(&fh->o, fh->state_dir);
}

static void
fwh_evaluate(struct fwhealth *fh)
{
	if (fh->ok_radius && fh->ok_https && fh->ok_store)
		fwh_confirm(fh);
}

static void
fwh_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fwhealth *fh = arg;
	struct timeval tv = {.tv_sec = fh->interval, .tv_usec = 0};
	(void)fd;
	(void)what;

	fh->rounds++;
	fh->ok_radius = fh->ok_https = 0;
	fh->ok_store = fwh_store_check(fh);
	fwh_radius_probe(fh);
	fwh_https_probe(fh);
	event_add(fh->tick, &tv);
	fwh_evaluate(fh);
}

static void
fwh_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct fwhealth *fh = arg;
	(void)fd;
	(void)what;

	log_error("firmware: trial slot=%s version=%s not healthy in time (radius=%s https=%s"
	          " store=%s%s%s): %s so the boot stage falls back",
	          fh->run.slot ? "B" : "A", fh->run.version, fh->ok_radius ? "ok" : "fail",
	          fh->have_https ? (fh->ok_https ? "ok" : "fail") : "off",
	          fh->ok_store ? "ok" : "fail", fh->rad_problem[0] ? "; " : "", fh->rad_problem,
	          fh->action == CONFIG_FW_EXIT ? "exiting" : "rebooting");
	fwh_done(fh);
	log_flush();
	if (fh->action == CONFIG_FW_REBOOT) {
		if (fwl_reboot(FWL_REBOOT_CMD) < 0) {
			log_error("firmware: reboot failed: %s; exiting instead", strerror(errno));
			log_flush();
		}
	}
	/* the box is going down: no cleanup to run, and none that could hang */
	_exit(FWHEALTH_EXIT_TIMEOUT);
}

/* The timeout counts from the boot, not from poortd's start: a poortd
 * that its supervisor restarts again and again must not keep the trial
 * image alive forever. One (re)started after the deadline still gets up
 * to FWH_LATE_GRACE seconds to prove itself. */
#define FWH_LATE_GRACE 30u
static time_t
fwh_time_left(unsigned timeout)
{
	struct timespec ts;
	unsigned grace = timeout < FWH_LATE_GRACE ? timeout : FWH_LATE_GRACE;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0 || ts.tv_sec < 0)
		return timeout;
	if ((unsigned long long)ts.tv_sec + grace >= timeout)
		return grace;
	return (time_t)(timeout - (unsigned)ts.tv_sec);
}

/* Is the running slot on trial? 1 yes, 0 no (logged), -1 cannot tell. */
static int
fwh_on_trial(struct fwhealth *fh)
{
	struct fw_state st;
	char err[512];
	struct fwl f;
	int rc;

	if (fwl_open(&f, &fh->o, err, sizeof(err)) < 0) {
		log_error("firmware: cannot reach the boot stage's flash: %s", err);
		return -1;
	}
	rc = fw_state_load(&f.b, &st);
	fwl_close(&f);
	if (rc < 0) {
		log_error("firmware: state record: %s", fw_strerror(rc));
		return -1;
	}
	if (st.trial != fh->run.slot) {
		log_info("firmware: running slot=%s version=%s is %s", fh->run.slot ? "B" : "A",
		         fh->run.version,
		         st.primary == fh->run.slot ? "confirmed" : "not on trial");
		return 0;
	}
	return 1;
}

struct fwhealth *
fwhealth_start(struct event_base *base, const struct config *cfg, const char *store_path)
{
	const struct config_firmware *fc = &cfg->firmware;
	struct timeval first = {.tv_sec = 1, .tv_usec = 0};
	struct timeval limit = {.tv_sec = fwh_time_left(fc->confirm_timeout), .tv_usec = 0};
	struct fwhealth *fh;

	fh = calloc(1, sizeof(*fh));
	if (fh == NULL)
		return NULL;
	fh->base = base;
	fh->rad_fd = -1;
	fh->interval = fc->check_interval;
	fh->action = fc->on_timeout;
	snprintf(fh->board, sizeof(fh->board), "%s", fc->board);
	snprintf(fh->flash, sizeof(fh->flash), "%s", fc->flash);
	snprintf(fh->chosen, sizeof(fh->chosen), "%s", fc->chosen);
	snprintf(fh->store_path, sizeof(fh->store_path), "%s", store_path);
	fh->o.board = fh->board[0] ? fh->board : NULL;
	fh->o.flash = fh->flash[0] ? fh->flash : NULL;
	fh->o.chosen = fh->chosen[0] ? fh->chosen : NULL;
	fh->o.cut_at = -1;
	snprintf(fh->state_dir, sizeof(fh->state_dir), "%s", cfg->state_dir);
	/* the slots for the dashboard, on a box or not (it says which) */
	fwstatus_publish(&fh->o, fh->state_dir);
	/* Not started by the Poort boot stage (a build host, a test): nothing
	 * to confirm, and nothing to say above debug. */
	if (fwl_running_read(fh->o.chosen, &fh->run) != 0) {
		log_debug("firmware: no poort,slot in /chosen: no trial to confirm");
		goto none;
	}
	if (fwh_on_trial(fh) != 1)
		goto none;
	fwh_radius_setup(fh, cfg);
	if (cfg->http != NULL && cfg->http->enabled) {
		fh->have_https = 1;
		memcpy(&fh->https_dst, &cfg->http->addr, sizeof(fh->https_dst));
		fwh_loopback(&fh->https_dst);
		fh->https_len = fwh_len(&fh->https_dst);
		fh->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (fh->ssl_ctx == NULL)
			goto none;
		/* our own front on loopback: that it answers is the check */
		SSL_CTX_set_verify(fh->ssl_ctx, SSL_VERIFY_NONE, NULL);
	}
	fh->tick = evtimer_new(base, fwh_tick, fh);
	fh->deadline = evtimer_new(base, fwh_timeout, fh);
	if (fh->tick == NULL || fh->deadline == NULL || evtimer_add(fh->tick, &first) < 0 ||
	    evtimer_add(fh->deadline, &limit) < 0)
		goto none;
	if (fh->rad_problem[0] != '\0')
		log_warning("firmware health: %s: the trial cannot be confirmed", fh->rad_problem);
	log_notice("firmware: trial slot=%s version=%s: confirming once healthy (radius%s,"
	           " store) within %lld s, else %s",
	           fh->run.slot ? "B" : "A", fh->run.version, fh->have_https ? ", https" : "",
	           (long long)limit.tv_sec, fh->action == CONFIG_FW_EXIT ? "exit" : "reboot");
	return fh;
none:
	fwhealth_stop(fh);
	return NULL;
}

void
fwhealth_stop(struct fwhealth *fh)
{
	if (fh == NULL)
		return;
	fwh_radius_close(fh);
	fwh_https_close(fh);
	if (fh->tick != NULL)
		event_free(fh->tick);
	if (fh->deadline != NULL)
		event_free(fh->deadline);
	SSL_CTX_free(fh->ssl_ctx);
	OPENSSL_cleanse(fh->secret, sizeof(fh->secret));
	free(fh);
}
