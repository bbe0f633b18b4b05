/*
 * poortd's children. Each starts its modules while it still has the rights
 * to read its keys, then drops to the unprivileged user, forbids new
 * privileges, loads its seccomp filter and only then serves:
 *
 *	radius: RADIUS/UDP, RadSec, EAP, proxy. EAP and RadSec keys only.
 *	web:    HTTPS, SAML IdP, onboarding. HTTPS and SAML keys, and the
 *	        onboarding client CA's private key (it issues the device
 *	        certificates).
 *
 * The onboarding client CA is made by the parent at the first start, before
 * either child runs (poortd_parent.c): the radius child only reads its
 * certificate (eap.device_ca) to trust the devices' certificates.
 *
 * Each opens its own store connection and log writer after the fork.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "poort/config.h"
#include "poort/adminweb.h"
#include "poort/config_saml.h"
#include "poort/devca.h"
#include "poort/http.h"
#include "poort/log.h"
#include "poort/lsock.h"
#include "poort/onboard_profile.h"
#include "poort/onboard_web.h"
#include "poort/radius.h"
#include "poort/saml.h"
#include "poort/store.h"
#include "poortd.h"

struct child {
	enum sandbox_role role;
	struct config *cfg;
	struct event_base *base;
	struct store *st;
	struct store_logger *lg;
	struct radius_server *rs;
	struct http_server *hs;
	struct saml_idp *idp;
	struct devca *ca;       /* onboarding { }: the client CA (web child), else NULL */
	struct onboard_web *ow;
	struct adminweb *aw;    /* http.admin_listen: the admin UI */
	int saml_inited;
	int check;              /* poortd -n: nothing written, the CA may not exist yet */
	int ctl;                /* to the parent */
	struct event *ev_ctl;
	struct evbuffer *ctl_in;
	int link_fd;            /* the test login link's end (poortd.h), until taken; -1 */
	char link_secret[sizeof(((struct poortd_link *)0)->secret)];
	int fds[POORTD_FD_N * 2]; /* received with RELOAD headers, in order */
	size_t nfds;
	char logname[32];
};

char *
poortd_eap_file(struct config *cfg, unsigned i)
{
	char *const files[POORTD_FD_N] = {cfg->eap.cert, cfg->eap.key, cfg->eap.client_ca,
					  cfg->eap.crl};
	return files[i];
}

static void
child_send(struct child *c, uint32_t type)
{
	struct poortd_hdr h = {.type = type};
	/* 12 bytes on a blocking socket the parent reads at once */
	if (write(c->ctl, &h, sizeof(h)) != (ssize_t)sizeof(h))
		log_warning("cannot tell the parent: %s", strerror(errno));
}

/*
 * A message with its payload and maybe a descriptor, in one sendmsg on the
 * blocking socket (a passphrase and a name: well under the socket buffer).
 */
static int
child_send_msg(struct child *c, uint32_t type, const void *data, size_t len, int fd)
{
	struct poortd_hdr h = {.type = type, .len = (uint32_t)len, .fds = fd >= 0};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
			       {.iov_base = (void *)data, .iov_len = len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (len > POORTD_PASS_MAX ||
	    sendmsg(c->ctl, &msg, MSG_NOSIGNAL) != (ssize_t)(sizeof(h) + len)) {
		log_warning("cannot tell the parent: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
child_ask_backup(void *ctx, const char *pass, size_t len)
{
	return child_send_msg(ctx, POORTD_MSG_BACKUP, pass, len, -1);
}

static int
child_ask_restore(void *ctx, int fd, const char *msg, size_t len)
{
	return child_send_msg(ctx, POORTD_MSG_RESTORE, msg, len, fd);
}

/* The web child never needs the RADIUS shared secrets. */
static void
child_scrub_radius(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nclients; i++)
		explicit_bzero(cfg->clients[i].secret, sizeof(cfg->clients[i].secret));
	for (size_t i = 0; i < cfg->proxy.nups; i++)
		explicit_bzero(cfg->proxy.ups[i].secret, sizeof(cfg->proxy.ups[i].secret));
}

/*
 * Onboarding in the web child: the client CA (made by the parent at the
 * first start) with its key, the CRL written from the store, the pages and
 * the letswifi API on the HTTPS front.
 */
static int
child_start_onboard(struct child *c)
{
	struct onboard_server srv;
	char err[CONFIG_ERR_MAX];

	if (onboard_server_load(c->cfg, &srv, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (!srv.has_san)
		log_warning("onboarding: the eap certificate %s has no DNS subjectAltName; profiles"
			    " pin its CN \"%s\", which Android refuses",
			    c->cfg->eap.cert, srv.name);
	if (c->check) {
		onboard_server_free(&srv);
		return 0;
	}
	c->ca = devca_open(c->cfg->state_dir, 0, err, sizeof(err));
	if (c->ca == NULL ||
	    devca_crl_write(c->ca, c->st, (int64_t)time(NULL), err, sizeof(err)) < 0) {
		log_error("onboarding: %s", err);
		onboard_server_free(&srv);
		return -1;
	}
	log_notice("onboarding client CA %s, CRL %s, profiles pin server=%s",
		   devca_cert_path(c->ca), devca_crl_path(c->ca), srv.name);
	onboard_server_free(&srv);
	if (c->idp == NULL)
		return 0;
	c->ow = onboard_web_new(c->hs, c->idp, c->cfg, c->st, c->ca, err, sizeof(err));
	if (c->ow == NULL) {
		log_error("onboarding: %s", err);
		return -1;
	}
	log_notice("onboarding at %s/saml/onboard", c->cfg->saml->base_url);
	return 0;
}

static int
child_start_web(struct child *c, const char *store_path)
{
	char err[CONFIG_ERR_MAX];

	if (c->cfg->http == NULL)
		return 0;
	if (saml_global_init() < 0) {
		log_error("cannot initialise lasso");
		return -1;
	}
	c->saml_inited = 1;
	c->hs = http_server_new(c->base, c->cfg->http, err, sizeof(err));
	if (c->hs == NULL) {
		log_error("%s", err);
		return -1;
	}
	if (c->cfg->saml != NULL) {
		c->idp = saml_idp_new(c->base, c->cfg, c->st, c->lg, store_path, c->hs, err,
				      sizeof(err));
		if (c->idp == NULL) {
			log_error("%s", err);
			return -1;
		}
	}
	if (c->cfg->onboard.enabled && child_start_onboard(c) < 0)
		return -1;
	if (c->cfg->http->admin_addrlen > 0) {
		c->aw = adminweb_new(c->base, c->hs, c->cfg, c->st, store_path, err, sizeof(err));
		if (c->aw == NULL) {
			log_error("%s", err);
			return -1;
		}
		adminweb_set_parent(c->aw, &(struct adminweb_parent){child_ask_backup,
									   child_ask_restore, c});
		log_notice("admin ui listening on %s", c->cfg->http->admin_listen_text);
		if (c->link_fd >= 0)
			adminweb_test_link(c->aw, c->link_fd, c->link_secret);
		c->link_fd = -1; /* taken over */
	}
	log_notice("https listening on %s%s", c->cfg->http->listen_text,
		   c->idp != NULL ? " with the SAML IdP" : "");
	return 0;
}

/* The modules of c's role, as a start would make them. */
static int
child_start(struct child *c)
{
	char err[CONFIG_ERR_MAX], path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/poort.db", c->cfg->state_dir);
	c->st = store_open(path, err, sizeof(err));
	if (c->st == NULL) {
		log_error("cannot open the store: %s", err);
		return -1;
	}
	/* account changes by poortctl show within 100 ms */
	store_set_read_snapshot(c->st, 100);
	c->lg = store_logger_new(path, c->cfg->log_retention_days, 16384, err, sizeof(err));
	if (c->lg == NULL) {
		log_error("cannot start the log writer: %s", err);
		return -1;
	}
	store_logger_set_audit_retention(c->lg, c->cfg->log_audit_retention_days);
	if (store_logger_attach(c->lg, c->base) < 0) {
		log_error("cannot attach the log writer");
		return -1;
	}
	if (c->role == SANDBOX_WEB)
		return child_start_web(c, path);
	c->rs = radius_server_new(c->base, c->cfg, c->st, c->lg, err, sizeof(err));
	if (c->rs == NULL) {
		log_error("%s", err);
		return -1;
	}
	if (c->link_fd >= 0) {
		int fd = c->link_fd;
		c->link_fd = -1; /* taken over, also on failure */
		if (radius_server_internal(c->rs, fd, POORTD_TEST_CLIENT, c->link_secret, err,
					   sizeof(err)) < 0) {
			log_error("%s", err);
			return -1;
		}
	}
	return 0;
}

static void
child_stop(struct child *c)
{
	adminweb_free(c->aw);
	onboard_web_free(c->ow);
	saml_idp_free(c->idp);
	devca_free(c->ca);
	http_server_free(c->hs);
	if (c->saml_inited)
		saml_global_free();
	radius_server_free(c->rs);
	if (c->lg != NULL) {
		store_logger_flush(c->lg);
		store_logger_run_done(c->lg);
		store_logger_free(c->lg);
	}
	store_close(c->st);
	c->ow = NULL;
	c->aw = NULL;
	c->idp = NULL;
	c->ca = NULL;
	c->hs = NULL;
	c->rs = NULL;
	c->lg = NULL;
	c->st = NULL;
}

int
poortd_child_check(const struct config *cfg)
{
	struct child c[2] = {{.role = SANDBOX_RADIUS, .check = 1, .link_fd = -1},
			     {.role = SANDBOX_WEB, .check = 1, .link_fd = -1}};
	struct config tmp = *cfg; /* shallow: only read, never freed here */
	int rc = 0;

	/* the onboarding client CA is made at the first start: nothing to trust yet */
	if (tmp.eap.device_ca[0] != '\0' && access(tmp.eap.device_ca, F_OK) < 0)
		tmp.eap.device_ca[0] = '\0';
	lsock_set_check(1);
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		c[i].cfg = &tmp;
		c[i].base = event_base_new();
		if (c[i].base == NULL || child_start(&c[i]) < 0)
			rc = -1;
		child_stop(&c[i]);
		if (c[i].base != NULL)
			event_base_free(c[i].base);
	}
	lsock_set_check(0);
	return rc;
}

/*
 * Points cfg's EAP files at the memfds the parent sent (their contents, read
 * with the parent's rights), so the reload never needs the key on disk to be
 * readable by this child's user. Returns the paths as written, to put back.
 */
static void
child_eap_files(struct config *cfg, const int *fds, uint32_t mask, char (*saved)[PATH_MAX])
{
	size_t n = 0;

	for (unsigned i = 0; i < POORTD_FD_N; i++) {
		char *path = poortd_eap_file(cfg, i);
		memcpy(saved[i], path, PATH_MAX);
		if (mask & (1u << i))
			snprintf(path, PATH_MAX, "/proc/self/fd/%d", fds[n++]);
	}
}

static void
child_reload(struct child *c, const char *text, const int *fds, uint32_t mask)
{
	char err[CONFIG_ERR_MAX], saved[POORTD_FD_N][PATH_MAX];
	struct config *cfg = config_parse(c->cfg->path, text, err, sizeof(err));

	if (cfg == NULL) {
		/* the parent checked it: only memory can fail here */
		log_error("reload refused, running config kept: %s", err);
	} else {
		if (c->role == SANDBOX_RADIUS) {
			child_eap_files(cfg, fds, mask, saved);
			radius_server_reload(c->rs, cfg);
			for (unsigned i = 0; i < POORTD_FD_N; i++)
				memcpy(poortd_eap_file(cfg, i), saved[i], PATH_MAX);
		} else {
			child_scrub_radius(cfg);
			saml_idp_reload(c->idp, cfg);
			adminweb_reload(c->aw, cfg);
		}
		log_init(c->logname, cfg->log_level, cfg->log_syslog);
		store_logger_set_retention(c->lg, cfg->log_retention_days);
		store_logger_set_audit_retention(c->lg, cfg->log_audit_retention_days);
		config_free(c->cfg);
		c->cfg = cfg;
	}
	log_flush(); /* what the reload did is in the log before the parent says done */
	child_send(c, POORTD_MSG_RELOADED);
}

/* The messages in ctl_in: RELOAD header (with its fds), then the text. */
static void
child_ctl_messages(struct child *c)
{
	struct poortd_hdr h;

	while (evbuffer_copyout(c->ctl_in, &h, sizeof(h)) == (ev_ssize_t)sizeof(h)) {
		unsigned nf = (unsigned)__builtin_popcount(h.fds);
		char *text;
		if (h.len > POORTD_MSG_MAX ||
		    (h.type != POORTD_MSG_RELOAD && h.type != POORTD_MSG_BACKUP_DONE) ||
		    (h.type == POORTD_MSG_BACKUP_DONE &&
		     (h.len != sizeof(int32_t) || h.fds > 1 || c->aw == NULL)) ||
		    h.fds >= (1u << POORTD_FD_N) || nf > c->nfds) {
			log_error("bad message from the parent: stopping");
			event_base_loopbreak(c->base);
			return;
		}
		if (evbuffer_get_length(c->ctl_in) < sizeof(h) + h.len)
			return;
		evbuffer_drain(c->ctl_in, sizeof(h));
		if (h.type == POORTD_MSG_BACKUP_DONE) {
			int32_t result;
			int fd = nf ? c->fds[0] : -1;
			evbuffer_remove(c->ctl_in, &result, sizeof(result));
			if (nf) {
				memmove(c->fds, c->fds + 1, (c->nfds - 1) * sizeof(int));
				c->nfds--;
			}
			adminweb_backup_done(c->aw, result, fd);
			continue;
		}
		text = malloc((size_t)h.len + 1);
		if (text == NULL) {
			evbuffer_drain(c->ctl_in, h.len);
			log_error("reload refused, running config kept: out of memory");
		} else {
			evbuffer_remove(c->ctl_in, text, h.len);
			text[h.len] = '\0';
			child_reload(c, text, c->fds, h.fds);
			config_text_free(text, h.len);
		}
		for (unsigned i = 0; i < nf; i++)
			close(c->fds[i]);
		memmove(c->fds, c->fds + nf, (c->nfds - nf) * sizeof(int));
		c->nfds -= nf;
	}
}

static void
child_on_ctl(evutil_socket_t fd, short what, void *arg)
{
	struct child *c = arg;
	char buf[16384];
	ssize_t n;
	(void)what;

	n = poortd_ctl_recv(fd, buf, sizeof(buf), c->fds, &c->nfds,
			    sizeof(c->fds) / sizeof(c->fds[0]));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		log_notice("the parent is gone: stopping");
		event_base_loopbreak(c->base);
		return;
	}
	if (evbuffer_add(c->ctl_in, buf, (size_t)n) < 0) {
		log_error("out of memory for the parent's message: stopping");
		event_base_loopbreak(c->base);
		return;
	}
	child_ctl_messages(c);
}

static void
child_on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct child *c = arg;
	(void)what;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(c->base);
}

static int
child_sandbox(struct child *c, const struct sandbox_user *u)
{
	char err[CONFIG_ERR_MAX];
	pid_t parent = getppid();

	if (sandbox_drop(u, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	/* cleared by the user switch, so set after it */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0 || getppid() != parent) {
		log_error("the parent is gone");
		return -1;
	}
	if (sandbox_filter_install(c->role, c->cfg->seccomp_log, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -1;
	}
	log_info("sandboxed user=%s uid=%u seccomp=%s", u->do_switch ? u->name : "(unchanged)",
		 (unsigned)getuid(), c->cfg->seccomp_log ? "log" : "kill");
	return 0;
}

/* This child's end of the test login link and its secret; the other end closed. */
static void
child_link(struct child *c, struct poortd_link *link)
{
	int mine = c->role == SANDBOX_RADIUS ? 0 : 1;

	c->link_fd = link->fd[mine];
	if (link->fd[!mine] >= 0)
		close(link->fd[!mine]);
	link->fd[0] = link->fd[1] = -1;
	memcpy(c->link_secret, link->secret, sizeof(c->link_secret));
	explicit_bzero(link->secret, sizeof(link->secret));
}

int
poortd_child_run(enum sandbox_role role, struct config *cfg, const struct sandbox_user *u,
		 int ctl, struct poortd_link *link)
{
	struct child c = {.role = role, .cfg = cfg, .ctl = ctl, .link_fd = -1};
	struct event *ev_term = NULL, *ev_int = NULL;
	char title[32];
	int rc = 1;

	snprintf(c.logname, sizeof(c.logname), "poortd-%s", sandbox_role_name(role));
	snprintf(title, sizeof(title), "poortd: %s", sandbox_role_name(role));
	poortd_set_title(title);
	log_init(c.logname, cfg->log_level, cfg->log_syslog);
	signal(SIGHUP, SIG_IGN); /* reloads come from the parent, with the text */
	signal(SIGCHLD, SIG_DFL);
	if (role == SANDBOX_WEB)
		child_scrub_radius(cfg);
	child_link(&c, link);
	c.base = event_base_new();
	if (c.base == NULL) {
		log_error("cannot create the event loop");
		goto done;
	}
	if (child_start(&c) < 0)
		goto done;
	explicit_bzero(c.link_secret, sizeof(c.link_secret)); /* its module has a copy */
	if (c.link_fd >= 0) { /* no admin ui: nobody here tests */
		close(c.link_fd);
		c.link_fd = -1;
	}
	lsock_close_all(); /* the other child's sockets, and ours but for the copies in use */
	c.ctl_in = evbuffer_new();
	c.ev_ctl = event_new(c.base, ctl, EV_READ | EV_PERSIST, child_on_ctl, &c);
	ev_term = evsignal_new(c.base, SIGTERM, child_on_stop, &c);
	ev_int = evsignal_new(c.base, SIGINT, child_on_stop, &c);
	if (c.ctl_in == NULL || c.ev_ctl == NULL || event_add(c.ev_ctl, NULL) < 0 ||
	    ev_term == NULL || ev_int == NULL || evsignal_add(ev_term, NULL) < 0 ||
	    evsignal_add(ev_int, NULL) < 0) {
		log_error("cannot set up the control socket and signals");
		goto done;
	}
	if (child_sandbox(&c, u) < 0)
		goto done;
	child_send(&c, POORTD_MSG_READY);
	log_flush();
	while (!event_base_got_break(c.base)) {
		if (event_base_loop(c.base, EVLOOP_ONCE) < 0) {
			log_error("event loop failed");
			break;
		}
		log_flush();
	}
	rc = 0;
done:
	child_stop(&c);
	if (c.ev_ctl != NULL)
		event_free(c.ev_ctl);
	if (c.ctl_in != NULL)
		evbuffer_free(c.ctl_in);
	for (size_t i = 0; i < c.nfds; i++)
		close(c.fds[i]);
	if (c.link_fd >= 0) /* no admin ui */
		close(c.link_fd);
	explicit_bzero(c.link_secret, sizeof(c.link_secret));
	close(ctl);
	if (ev_term != NULL)
		event_free(ev_term);
	if (ev_int != NULL)
		event_free(ev_int);
	if (c.base != NULL)
		event_base_free(c.base);
	config_free(c.cfg);
	log_close();
	return rc;
}
