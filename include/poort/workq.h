/*
 * A small pool of worker threads for slow work (password hashing) with an
 * explicit hand-off: `work` runs on a worker, then `done` runs on the event
 * loop's thread. The number of jobs queued or running is bounded.
 */
#ifndef POORT_WORKQ_H
#define POORT_WORKQ_H

struct event_base;
struct workq;

typedef void (*workq_fn)(void *arg);

struct workq *workq_new(struct event_base *base, unsigned nthreads, unsigned max_jobs);
/* 0, or -1 when max_jobs are already in the pool or it is being freed (nothing queued). */
int workq_submit(struct workq *wq, workq_fn work, workq_fn done, void *arg);
unsigned workq_pending(const struct workq *wq);
/* Waits for running jobs; their `done` callbacks run before it returns. */
void workq_free(struct workq *wq);

#endif
