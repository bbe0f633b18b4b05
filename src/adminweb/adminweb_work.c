/*
 * Slow work of an admin page (hashing the passwords of an import or a guest
 * batch) on the worker pool, a slice per job so that an admin login waits
 * for one slice at most, never for the whole batch. The page is answered
 * on the loop afterwards, with the session, the admin and the role checked
 * again (adminweb_page_begin): they may have changed meanwhile. The request
 * is watched (http_defer.h): a browser that left gets no answer.
 */
#include <stdlib.h>

#include "adminweb_int.h"
#include "poort/http_defer.h"
#include "poort/log.h"
#include "poort/workq.h"

struct adminweb_job {
	struct adminweb *aw;
	struct http_defer *d;
	int action;
	adminweb_slice_fn slice;
	adminweb_answer_fn answer;
	void *arg;
	int rc; /* of the last slice; 1 before the first */
};

static void
adminweb_job_work(void *arg)
{
	struct adminweb_job *j = arg;

	j->rc = j->slice(j->arg);
}

static void
adminweb_job_done(void *arg)
{
	struct adminweb_job *j = arg;
	struct evhttp_request *req;
	struct adminweb_page p;

	/* the next slice goes to the back of the queue: logins waiting run first */
	if (j->rc > 0 && workq_submit(j->aw->wq, adminweb_job_work, adminweb_job_done, j) == 0)
		return;
	req = http_defer_take(j->d);
	if (req == NULL) {
		log_notice("admin ui: the browser left before its answer; nothing written");
		j->answer(NULL, j->rc, j->arg);
	} else if (adminweb_page_begin(j->aw, req, j->action, &p) < 0) {
		j->answer(NULL, j->rc, j->arg); /* answered: logged out, role gone, ... */
	} else {
		j->answer(&p, j->rc, j->arg);
	}
	http_defer_free(j->d);
	free(j);
}

int
adminweb_work(struct adminweb *aw, struct evhttp_request *req, int action, adminweb_slice_fn slice,
	      adminweb_answer_fn answer, void *arg)
{
	struct adminweb_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->d = http_defer_new(req)) == NULL) {
		free(j);
		return -1;
	}
	j->aw = aw;
	j->action = action;
	j->slice = slice;
	j->answer = answer;
	j->arg = arg;
	j->rc = 1;
	if (workq_submit(aw->wq, adminweb_job_work, adminweb_job_done, j) < 0) {
		http_defer_free(j->d);
		free(j);
		return -1;
	}
	return 0;
}
