/*
 * /admin/backup (admin only): download a backup of the whole box, and
 * restore one from the browser.
 *
 * This child may not read the config file's secrets nor write it, so the
 * privileged parent makes and restores backups (poortd.h, BACKUP and
 * RESTORE) through the calls poortd_child.c gives (struct adminweb_parent).
 *
 * Download: the passphrase (twice) goes to the parent, which answers with
 * the backup in a memfd; the browser gets it as an attachment.
 * Restore: the upload goes to an unlinked private file in the state
 * directory and is verified on the worker pool (scrypt, every chunk, the
 * payload's structure: src/backup, nothing written). A failure is a clear
 * page and the file is gone; a good file waits (one at a time, 10 minutes,
 * for the session that sent it) for the confirm step, which answers the
 * browser and, once that answer is out, hands the file's descriptor to the
 * parent: the box restarts on the restored state.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adminweb_int.h"
#include "poort/adminweb.h"
#include "poort/backup.h"
#include "poort/backup_status.h"
#include "poort/config.h"
#include "poort/config_saml.h"
#include "poort/http_form.h"
#include "poort/log.h"
#include "poort/workq.h"

#define ABK_PENDING_TTL 600   /* seconds a verified upload waits for its confirm */
#define ABK_DOWNLOAD_WAIT 300 /* seconds a download waits for the parent's answer */
#define ABK_BUSY (-1)         /* POORTD_EBUSY: another backup or restore runs */

/* The one download waiting for the parent, and the one verified upload. */
static struct {
	struct adminweb_parent par;
	int have_par;
	struct evhttp_request *dl_req; /* waiting for adminweb_backup_done */
	struct adminweb *dl_aw;
	struct event *dl_ev; /* gives up on the parent's answer */
	struct {
		int fd; /* the verified upload, unlinked; -1: none */
		char *pass;
		size_t passlen;
		char key[HTTP_CSRF_HEX + 1]; /* the session's CSRF token */
		time_t at;
		struct backup_info info;
	} up;
	struct {
		int fd;
		char *msg; /* actor NUL passphrase */
		size_t len;
		struct event *ev;
	} go; /* the confirmed restore, sent once its answer is out */
} abk = {.up.fd = -1, .go.fd = -1};

static void
abk_free_secret(char **s, size_t len)
{
	if (*s != NULL) {
		explicit_bzero(*s, len);
		free(*s);
		*s = NULL;
	}
}

static void
abk_up_clear(void)
{
	if (abk.up.fd >= 0)
		close(abk.up.fd);
	abk.up.fd = -1;
	abk_free_secret(&abk.up.pass, abk.up.passlen);
	memset(abk.up.key, 0, sizeof(abk.up.key));
}

/* The UI's text for a backup result. */
static const char *
abk_msg(int rc)
{
	switch (rc) {
	case ABK_BUSY:
		return N_("Another backup or restore is running. Try again in a minute.");
	case BACKUP_EPASSPHRASE:
		return N_(
		    "Wrong passphrase, or the file is damaged at its start. Nothing was changed.");
	case BACKUP_EFORMAT:
		return N_("This is not a Poort backup file. Nothing was changed.");
	case BACKUP_EVERSION:
		return N_(
		    "This backup was made by a newer Poort. Update this box first. Nothing was "
		    "changed.");
	case BACKUP_EDAMAGED:
	case BACKUP_ETRUNCATED:
		return N_("The file is damaged or incomplete. Nothing was changed.");
	case BACKUP_ECONTENT:
		return N_("The file is not a complete backup of a box. Nothing was changed.");
	case BACKUP_EPASSWEAK:
		return N_("The passphrase must have at least 10 characters.");
	default:
		return N_("The backup could not be made or read. Try again; the log says more.");
	}
}

/* Why the last restore failed, as the page says it (after "failed:"). */
static const char *const abk_reasons[BACKUP_STATUS_NREASONS] = {
    [BACKUP_STATUS_OK] = "",
    [BACKUP_STATUS_RIO] = N_("a file on the box could not be written"),
    [BACKUP_STATUS_RPASS] = N_("wrong passphrase"),
    [BACKUP_STATUS_RDAMAGED] = N_("the file is damaged or incomplete"),
    [BACKUP_STATUS_RVERSION] = N_("the backup was made by a newer Poort"),
    [BACKUP_STATUS_RCONTENT] = N_("the file is not a complete backup of a box"),
    [BACKUP_STATUS_RSTART] = N_("the restore could not be started"),
    [BACKUP_STATUS_ROTHER] = N_("an internal error; the log says more"),
};

static void
abk_time(char *out, size_t outlen, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	strftime(out, outlen, "%Y-%m-%d %H:%M UTC", gmtime_r(&tt, &tm));
}

void
adminweb_restore_status(struct adminweb_page *p, int64_t max_age)
{
	struct backup_status bs;
	char at[40], made[40];
	int rc;

	if (!admin_may(p->role, ADMIN_ACT_BACKUP))
		return;
	rc = backup_status_read(p->aw->cfg->state_dir, &bs);
	if (rc == BACKUP_STATUS_ENOENT)
		return;
	if (rc < 0) {
		http_tv_set(p->tv, "rs_unreadable", "1");
		return;
	}
	if (max_age > 0 && (int64_t)time(NULL) - bs.at > max_age)
		return;
	abk_time(at, sizeof(at), bs.at);
	http_tv_set(p->tv, "rs_at", at);
	if (bs.by[0] != '\0')
		http_tv_set(p->tv, "rs_by", bs.by);
	if (bs.reason != BACKUP_STATUS_OK) {
		http_tv_set(p->tv, "rs_failed", "1");
		http_tv_set(p->tv, "rs_reason", http_tr(p->lang, abk_reasons[bs.reason]));
		return;
	}
	http_tv_set(p->tv, "rs_ok", "1");
	if (bs.made > 0)
		abk_time(made, sizeof(made), bs.made);
	http_tv_set(p->tv, "rs_made", bs.made > 0 ? made : http_tr(p->lang, N_("an unknown time")));
}

/* Characters (UTF-8 code points) of s. */
static size_t
abk_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The largest upload: the admin listener's body limit (http.admin_max_body). */
static size_t
abk_upload_max(const struct adminweb *aw)
{
	const struct config_http *hc = aw->cfg->http;

	return hc->admin_max_body > hc->max_body ? hc->admin_max_body : hc->max_body;
}

static void
abk_page(struct adminweb_page *p, int code, const char *msg, int ok)
{
	char lim[32];

	if (msg != NULL) {
		http_tv_set(p->tv, "msg", http_tr(p->lang, msg));
		if (ok)
			http_tv_set(p->tv, "msg_ok", "1");
	}
	snprintf(lim, sizeof(lim), "%.1f", (double)abk_upload_max(p->aw) / (1024.0 * 1024.0));
	if (strcmp(p->lang, "nl") == 0)
		*strchr(lim, '.') = ',';
	http_tv_set(p->tv, "max_mib", lim);
	http_tv_setf(p->tv, "pass_min", "%d", BACKUP_PASS_MIN);
	adminweb_restore_status(p, 0);
	adminweb_page_send(p, code, "admin_backup", N_("Backup and restore"));
}

static void
abk_get(struct evhttp_request *req, void *arg)
{
	struct adminweb_page p;

	if (adminweb_page_begin(arg, req, ADMIN_ACT_BACKUP, &p) < 0)
		return;
	abk_page(&p, 200, NULL, 0);
}

/* ---- download ---- */

static void
abk_dl_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_warning("admin ui: no backup from the parent after %d s", ABK_DOWNLOAD_WAIT);
	adminweb_backup_done(abk.dl_aw, BACKUP_EIO, -1);
}

/* "poort-backup-HOST-YYYYMMDD-HHMM.pbak", the host name reduced to [A-Za-z0-9.-]. */
static void
abk_filename(char *out, size_t outlen)
{
	char host[64] = "", stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t j = 0;

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	for (size_t i = 0; host[i] != '\0'; i++) {
		char c = host[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.')
			host[j++] = c;
	}
	host[j] = '\0';
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M", gmtime_r(&now, &tm));
	snprintf(out, outlen, "poort-backup-%s%s%s.pbak", host, host[0] ? "-" : "", stamp);
}

static void
abk_download(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const char *pass, *pass2;
	int rc;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_BACKUP, &p) < 0)
		return;
	if (http_form_read(&f, req, &http_form_default) < 0) {
		http_form_free(&f);
		abk_page(&p, 400, N_("The form could not be read. Try again."), 0);
		return;
	}
	pass = http_form_get(&f, "pass");
	pass2 = http_form_get(&f, "pass2");
	if (pass == NULL || pass2 == NULL || strcmp(pass, pass2) != 0) {
		abk_page(&p, 200, N_("The two passphrases differ."), 0);
		goto done;
	}
	if (abk_chars(pass) < BACKUP_PASS_MIN) {
		abk_page(&p, 200, abk_msg(BACKUP_EPASSWEAK), 0);
		goto done;
	}
	if (!abk.have_par || abk.dl_req != NULL) {
		abk_page(&p, 503, abk_msg(ABK_BUSY), 0);
		goto done;
	}
	admin_audit(aw->st, &p.who, "backup.download", NULL, NULL, NULL);
	rc = abk.par.backup(abk.par.ctx, pass, strlen(pass));
	if (rc < 0) {
		abk_page(&p, 503, abk_msg(BACKUP_EIO), 0);
		goto done;
	}
	log_notice("admin ui: %s asked for a backup", p.name);
	abk.dl_req = req;
	abk.dl_aw = aw;
	if (abk.dl_ev == NULL)
		abk.dl_ev = evtimer_new(aw->base, abk_dl_timeout, NULL);
	if (abk.dl_ev != NULL) {
		struct timeval tv = {ABK_DOWNLOAD_WAIT, 0};
		evtimer_add(abk.dl_ev, &tv);
	}
	adminweb_page_end(&p);
done:
	http_form_free(&f); /* clears the passphrase */
}

void
adminweb_backup_done(struct adminweb *aw, int result, int fd)
{
	struct evhttp_request *req = abk.dl_req;
	struct adminweb_page p;
	struct evbuffer *b = NULL;
	struct evkeyvalq *h;
	char name[128], cd[160];
	struct stat sb;

	(void)aw;
	aw = abk.dl_aw;
	abk.dl_req = NULL;
	if (abk.dl_ev != NULL)
		evtimer_del(abk.dl_ev);
	if (req == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (result != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		if (adminweb_page_begin(aw, req, ADMIN_ACT_BACKUP, &p) == 0)
			abk_page(&p, result == ABK_BUSY ? 503 : 500, abk_msg(result), 0);
		return;
	}
	if (fstat(fd, &sb) < 0 || (b = evbuffer_new()) == NULL) {
		close(fd);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	/* the memfd is sent as it is (mapped, not copied) and closed when drained */
	if (evbuffer_add_file(b, fd, 0, sb.st_size) < 0) {
		evbuffer_free(b);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	abk_filename(name, sizeof(name));
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", name);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Disposition", cd);
	evhttp_add_header(h, "Content-Type", "application/octet-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	log_notice("admin ui: backup sent bytes=%lld file=%s", (long long)sb.st_size, name);
}

/* ---- restore ---- */

struct abk_job {
	struct adminweb *aw;
	struct evhttp_request *req;
	int fd;
	char *pass;
	size_t passlen;
	char key[HTTP_CSRF_HEX + 1];
	struct backup_info info;
	struct backup_error err;
	int rc;
};

static void
abk_job_free(struct abk_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	abk_free_secret(&j->pass, j->passlen);
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static void
abk_verify_work(void *arg)
{
	struct abk_job *j = arg;

	j->rc = lseek(j->fd, 0, SEEK_SET) < 0
	            ? BACKUP_EIO
	            : backup_verify_fd(j->fd, j->pass, j->passlen, &j->info, &j->err);
}

static void
abk_verify_done(void *arg)
{
	struct abk_job *j = arg;
	struct adminweb_page p;
	char size[32];

	if (adminweb_page_begin(j->aw, j->req, ADMIN_ACT_BACKUP, &p) < 0)
		goto done;
	if (j->rc < 0) {
		log_notice("admin ui: restore refused, the upload was not a good backup reason=%s"
		           " detail=%s",
		           backup_strerror(j->rc), j->err.detail);
		admin_audit(j->aw->st, &p.who, "backup.verify", NULL, "refused",
		            backup_strerror(j->rc));
		abk_page(&p, 200, abk_msg(j->rc), 0);
		goto done;
	}
	abk_up_clear();
	abk.up.fd = j->fd;
	abk.up.pass = j->pass;
	abk.up.passlen = j->passlen;
	abk.up.info = j->info;
	abk.up.at = time(NULL);
	memcpy(abk.up.key, j->key, sizeof(abk.up.key));
	j->fd = -1;
	j->pass = NULL;
	http_tv_set(p.tv, "confirm", "1");
	http_tv_setf(p.tv, "entries", "%u", (unsigned)j->info.entries);
	snprintf(size, sizeof(size), "%.1f MiB", (double)j->info.bytes / (1024.0 * 1024.0));
	if (strcmp(p.lang, "nl") == 0 && strchr(size, '.') != NULL)
		*strchr(size, '.') = ','; /* 0,2 MiB */
	http_tv_set(p.tv, "size", size);
	admin_audit(j->aw->st, &p.who, "backup.verify", NULL, NULL, NULL);
	abk_page(&p, 200, NULL, 0);
done:
	abk_job_free(j);
}

/* A private file in the state directory, already unlinked: only fd names it. */
static int
abk_tmpfile(const struct adminweb *aw, const char *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/.restore-upload-XXXXXX", aw->cfg->state_dir) >=
	    sizeof(path))
		return -1;
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		return -1;
	unlink(path);
	fchmod(fd, 0600);
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return fd;
}

static void
abk_restore(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct http_form f;
	const struct http_field *file;
	const char *pass;
	struct abk_job *j = NULL;
	int rc;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_BACKUP, &p) < 0)
		return;
	/* a file bigger than the listener's limit never gets here: evhttp answers 413 */
	if ((rc = http_form_read(
	         &f, req,
	         &(struct http_form_limits){
	             .fields = 8, .name = 64, .value = 4096, .file = abk_upload_max(aw)})) < 0) {
		http_form_free(&f);
		abk_page(&p, rc == HTTP_ETOOBIG ? 413 : 400,
		         rc == HTTP_ETOOBIG ? N_("The file is too big for this box's upload limit.")
		                            : N_("The form could not be read. Try again."),
		         0);
		return;
	}
	file = http_form_field(&f, "file");
	pass = http_form_get(&f, "pass");
	if (file == NULL || file->filename == NULL || file->len == 0 || pass == NULL ||
	    pass[0] == '\0') {
		abk_page(&p, 200, N_("Choose the backup file and type its passphrase."), 0);
		goto done;
	}
	if (abk.dl_req != NULL || abk.go.fd >= 0) {
		abk_page(&p, 503, abk_msg(ABK_BUSY), 0);
		goto done;
	}
	if ((j = calloc(1, sizeof(*j))) != NULL)
		j->fd = -1;
	if (j == NULL || (j->pass = strdup(pass)) == NULL) {
		abk_page(&p, 503, abk_msg(BACKUP_ENOMEM), 0);
		goto done;
	}
	j->passlen = strlen(pass);
	j->aw = aw;
	j->req = req;
	snprintf(j->key, sizeof(j->key), "%s", p.s->csrf);
	if ((j->fd = abk_tmpfile(aw, file->value, file->len)) < 0) {
		log_error("admin ui: cannot keep the uploaded backup in %s: %s", aw->cfg->state_dir,
		          strerror(errno));
		abk_page(&p, 500, abk_msg(BACKUP_EIO), 0);
		goto done;
	}
	if (workq_submit(aw->wq, abk_verify_work, abk_verify_done, j) < 0) {
		abk_page(&p, 503, N_("The box is busy. Try again in a moment."), 0);
		goto done;
	}
	j = NULL;
	adminweb_page_end(&p);
done:
	if (j != NULL)
		abk_job_free(j);
	http_form_free(&f);
}

/* The confirmed restore, once the browser has its answer (or after 3 s). */
static void
abk_go(void)
{
	int fd = abk.go.fd;

	if (fd < 0)
		return;
	abk.go.fd = -1;
	if (abk.go.ev != NULL) {
		event_free(abk.go.ev);
		abk.go.ev = NULL;
	}
	if (abk.par.restore(abk.par.ctx, fd, abk.go.msg, abk.go.len) < 0)
		log_error("admin ui: cannot hand the restore to the parent");
	close(fd);
	abk_free_secret(&abk.go.msg, abk.go.len);
}

static void
abk_go_complete(struct evhttp_request *req, void *arg)
{
	(void)req;
	(void)arg;
	abk_go();
}

static void
abk_go_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	abk_go();
}

static void
abk_confirm(struct evhttp_request *req, void *arg)
{
	struct adminweb *aw = arg;
	struct adminweb_page p;
	struct timeval tv = {3, 0};
	size_t alen;

	if (adminweb_page_begin(aw, req, ADMIN_ACT_BACKUP, &p) < 0)
		return;
	if (abk.up.fd < 0 || strcmp(abk.up.key, p.s->csrf) != 0 ||
	    time(NULL) - abk.up.at > ABK_PENDING_TTL) {
		if (abk.up.fd >= 0 && time(NULL) - abk.up.at > ABK_PENDING_TTL)
			abk_up_clear();
		abk_page(&p, 200, N_("Upload the backup again: nothing is waiting to be restored."),
		         0);
		return;
	}
	if (!abk.have_par || abk.dl_req != NULL || abk.go.fd >= 0) {
		abk_page(&p, 503, abk_msg(ABK_BUSY), 0);
		return;
	}
	alen = strlen(p.name) + 1;
	if ((abk.go.msg = malloc(alen + abk.up.passlen)) == NULL) {
		abk_page(&p, 503, abk_msg(BACKUP_ENOMEM), 0);
		return;
	}
	memcpy(abk.go.msg, p.name, alen);
	memcpy(abk.go.msg + alen, abk.up.pass, abk.up.passlen);
	abk.go.len = alen + abk.up.passlen;
	abk.go.fd = abk.up.fd;
	abk.up.fd = -1;
	abk_up_clear();
	/* written before: the restored store is the backup's, this row stays in the old one */
	admin_audit(aw->st, &p.who, "backup.restore", NULL, NULL, NULL);
	log_notice("admin ui: %s confirmed a restore: the box restarts", p.name);
	abk.go.ev = evtimer_new(aw->base, abk_go_timer, NULL);
	if (abk.go.ev != NULL)
		evtimer_add(abk.go.ev, &tv);
	evhttp_request_set_on_complete_cb(req, abk_go_complete, NULL);
	http_tv_set(p.tv, "restoring", "1");
	abk_page(&p, 200, NULL, 0);
}

void
adminweb_set_parent(struct adminweb *aw, const struct adminweb_parent *par)
{
	(void)aw;
	abk.par = *par;
	abk.have_par = par->backup != NULL && par->restore != NULL;
}

void
adminweb_backup_free(void)
{
	abk_up_clear();
	if (abk.go.ev != NULL)
		event_free(abk.go.ev);
	abk.go.ev = NULL;
	if (abk.go.fd >= 0)
		close(abk.go.fd);
	abk.go.fd = -1;
	abk_free_secret(&abk.go.msg, abk.go.len);
	if (abk.dl_ev != NULL)
		event_free(abk.dl_ev);
	abk.dl_ev = NULL;
	abk.dl_req = NULL;
}

#define R_POST (HTTP_R_ADMIN | HTTP_R_CSRF | HTTP_R_SESSION)

static const struct http_route_def abk_routes[] = {
    {EVHTTP_REQ_GET, "/admin/backup", HTTP_R_ADMIN, abk_get},
    {EVHTTP_REQ_POST, "/admin/backup/download", R_POST, abk_download},
    {EVHTTP_REQ_POST, "/admin/backup/restore", R_POST, abk_restore},
    {EVHTTP_REQ_POST, "/admin/backup/confirm", R_POST, abk_confirm},
};

int
adminweb_backup_init(struct adminweb *aw)
{
	return http_server_routes(aw->hs, abk_routes, sizeof(abk_routes) / sizeof(abk_routes[0]),
	                          aw);
}
