#include "poort/workq.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct workq_job {
	workq_fn work, done;
	void *arg;
	struct workq_job *next;
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct workq_job *todo_head, *todo_tail;
	struct workq_job *done_head, *done_tail;
	unsigned jobs, max_jobs;
	int stop;
	int efd;
	struct event *ev;
	pthread_t *threads;
	unsigned nthreads;
};

static void
workq_append(struct workq_job **head, struct workq_job **tail, struct workq_job *j)
{
	j->next = NULL;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void *
workq_thread(void *arg)
{
	struct workq *wq = arg;

	pthread_mutex_lock(&wq->mu);
	for (;;) {
		while (wq->todo_head == NULL && !wq->stop)
			pthread_cond_wait(&wq->cv, &wq->mu);
		if (wq->todo_head == NULL)
			break;
		struct workq_job *j = wq->todo_head;
		wq->todo_head = j->next;
		if (wq->todo_head == NULL)
			wq->todo_tail = NULL;
		pthread_mutex_unlock(&wq->mu);

		j->work(j->arg);

		pthread_mutex_lock(&wq->mu);
		workq_append(&wq->done_head, &wq->done_tail, j);
		uint64_t one = 1;
		if (write(wq->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow at our rates; nothing to do */
		}
	}
	pthread_mutex_unlock(&wq->mu);
	return NULL;
}

static void
workq_drain(struct workq *wq)
{
	struct workq_job *j;

	pthread_mutex_lock(&wq->mu);
	j = wq->done_head;
	wq->done_head = wq->done_tail = NULL;
	pthread_mutex_unlock(&wq->mu);
	while (j != NULL) {
		struct workq_job *next = j->next;
		pthread_mutex_lock(&wq->mu);
		wq->jobs--;
		pthread_mutex_unlock(&wq->mu);
		j->done(j->arg);
		free(j);
		j = next;
	}
}

static void
workq_on_event(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;
	(void)what;
	if (read(fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: another wake-up already drained it */
	}
	workq_drain(arg);
}

struct workq *
workq_new(struct event_base *base, unsigned nthreads, unsigned max_jobs)
{
	struct workq *wq = calloc(1, sizeof(*wq));

	if (wq == NULL)
		return NULL;
	wq->max_jobs = max_jobs;
	wq->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	wq->threads = calloc(nthreads, sizeof(*wq->threads));
	if (wq->efd < 0 || wq->threads == NULL)
		goto fail;
	wq->ev = event_new(base, wq->efd, EV_READ | EV_PERSIST, workq_on_event, wq);
	if (wq->ev == NULL || event_add(wq->ev, NULL) < 0)
		goto fail;
	pthread_mutex_init(&wq->mu, NULL);
	pthread_cond_init(&wq->cv, NULL);
	for (; wq->nthreads < nthreads; wq->nthreads++)
		if (pthread_create(&wq->threads[wq->nthreads], NULL, workq_thread, wq) != 0)
			break;
	if (wq->nthreads == 0) {
		workq_free(wq);
		return NULL;
	}
	return wq;
fail:
	if (wq->ev != NULL)
		event_free(wq->ev);
	if (wq->efd >= 0)
		close(wq->efd);
	free(wq->threads);
	free(wq);
	return NULL;
}

int
workq_submit(struct workq *wq, workq_fn work, workq_fn done, void *arg)
{
	struct workq_job *j;

	pthread_mutex_lock(&wq->mu);
	/* stopping (a done callback of workq_free's drain): nobody would run it */
	if (wq->jobs >= wq->max_jobs || wq->stop) {
		pthread_mutex_unlock(&wq->mu);
		return -1;
	}
	wq->jobs++;
	pthread_mutex_unlock(&wq->mu);
	j = malloc(sizeof(*j));
	if (j == NULL) {
		pthread_mutex_lock(&wq->mu);
		wq->jobs--;
		pthread_mutex_unlock(&wq->mu);
		return -1;
	}
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&wq->mu);
	workq_append(&wq->todo_head, &wq->todo_tail, j);
	pthread_cond_signal(&wq->cv);
	pthread_mutex_unlock(&wq->mu);
	return 0;
}

unsigned
workq_pending(const struct workq *wq)
{
	return wq->jobs;
}

void
workq_free(struct workq *wq)
{
	if (wq == NULL)
		return;
	pthread_mutex_lock(&wq->mu);
	wq->stop = 1;
	pthread_cond_broadcast(&wq->cv);
	pthread_mutex_unlock(&wq->mu);
	for (unsigned i = 0; i < wq->nthreads; i++)
		pthread_join(wq->threads[i], NULL);
	workq_drain(wq);
	event_free(wq->ev);
	close(wq->efd);
	pthread_mutex_destroy(&wq->mu);
	pthread_cond_destroy(&wq->cv);
	free(wq->threads);
	free(wq);
}
