/* The worker threads of a responder: FastCGI accept, one request each at a time, their stop. */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "core/clock.h"
#include "core/log.h"
#include "fcgi/responder_int.h"

#define WAKE_SIG	(SIGRTMIN + 1)	/* interrupts idle workers at shutdown */

#define STATUS_CLASSES	5	/* 1xx .. 5xx */

bool
swgr_workers_metrics(struct app *app)
{
	static const double bounds[] = SWGR_METRICS_LATENCY_BOUNDS;
	const struct swgr_service *svc = app->svc;
	size_t n = svc->nroutes + 1, i;
	char labels[320];
	int k;

	if ((app->req_count = calloc(n * STATUS_CLASSES, sizeof(*app->req_count))) == NULL ||
	    (app->req_time = calloc(n, sizeof(*app->req_time))) == NULL)
		return false;
	for (i = 0; i < n; i++) {
		/* route patterns are ours: no quote or backslash to escape */
		snprintf(labels, sizeof(labels), "service=\"%s\",route=\"%s\"", svc->name,
		    i < svc->nroutes ? svc->routes[i].pattern : "other");
		app->req_time[i] = swgr_metric_histogram("swgr_request_duration_seconds",
		    labels, bounds, (int)(sizeof(bounds) / sizeof(bounds[0])));
		for (k = 0; k < STATUS_CLASSES; k++) {
			snprintf(labels, sizeof(labels), "service=\"%s\",route=\"%s\",status=\"%dxx\"",
			    svc->name, i < svc->nroutes ? svc->routes[i].pattern : "other", k + 1);
			app->req_count[i * STATUS_CLASSES + (size_t)k] =
			    swgr_metric_counter("swgr_requests_total", labels);
		}
	}
	return true;
}

/* One request's count and time: three relaxed adds (counter, bucket, sum), no lock. */
static void
count(struct app *app, size_t route, int status, double took)
{
	int k = status / 100 - 1;

	if (app->req_count == NULL)
		return;
	if (k < 0 || k >= STATUS_CLASSES)
		k = STATUS_CLASSES - 1;
	swgr_metric_add(app->req_count[route * STATUS_CLASSES + (size_t)k], 1);
	swgr_metric_observe(app->req_time[route], took);
}

/* One request; resp is the worker's, fresh, and left fresh for the next one. */
static void
serve(struct app *app, FCGX_Request *fr, struct swgr_resp *resp)
{
	double t0 = swgr_mono_now();
	size_t route = app->svc->nroutes;
	struct swgr_req req;
	struct swgr_ctx c = {
		.svc = app->svc, .cfg = &app->d.cfg, .section = app->section,
		.store = app->store, .req = &req, .resp = resp,
		.log_target = app->target, .state = app->state,
	};

	if (swgr_req_init(&req, fr->envp, fr->in) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, app->target, "out of memory reading a request");
		swgr_resp_reset(resp, 500);
	} else if (app->svc->pre == NULL || !app->svc->pre(&c))
		route = swgr_route_dispatch(app, &c);
	if (app->svc->post != NULL)
		app->svc->post(&c);
	swgr_req_drain(fr->in);
	if (!swgr_resp_send(resp, req.mbit == SWGR_M_HEAD, fr->out))
		swgr_log(SWGR_LOG_DEBUG, app->target, "response to %s %s not delivered",
		    req.method, req.target ? req.target : "-");
	swgr_log_access(app->svc->name, req.client_ip[0] ? req.client_ip : "-",
	    req.method[0] ? req.method : "-", req.target ? req.target : "-",
	    req.protocol ? req.protocol : "-", resp->status);
	count(app, route, resp->status, swgr_mono_now() - t0);
	swgr_req_free(&req);
	swgr_resp_recycle(resp);
}

static void
wake(int sig)
{
	(void)sig;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct app *app = w->app;
	struct swgr_resp resp;
	FCGX_Request fr;
	bool stop;
	int rc;

	/*
	 * FCGI_FAIL_ACCEPT_ON_INTR: without it libfcgi retries an accept that
	 * WAKE_SIG interrupted, and a worker on spawn-fcgi's shared fd 0 (never
	 * shut down) would wait there forever at SIGTERM.
	 */
	swgr_resp_init(&resp);
	if (FCGX_InitRequest(&fr, app->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		swgr_log(SWGR_LOG_ERROR, app->target, "FCGX_InitRequest failed");
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&app->mu);
		if (!(stop = app->stop))
			w->idle = true;
		pthread_mutex_unlock(&app->mu);
		if (stop)
			break;
		rc = FCGX_Accept_r(&fr);
		pthread_mutex_lock(&app->mu);
		w->idle = false;
		stop = app->stop;
		pthread_mutex_unlock(&app->mu);
		if (rc < 0) {
			if (stop)
				break;
			if (rc == -EINTR)
				continue;
			swgr_log(SWGR_LOG_ERROR, app->target, "FCGX_Accept_r: %s",
			    rc > -1000 ? strerror(-rc) : "protocol error");
			nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
			continue;
		}
		serve(app, &fr, &resp);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
out:
	swgr_resp_free(&resp);
	pthread_mutex_lock(&app->mu);
	w->done = true;
	pthread_mutex_unlock(&app->mu);
	return NULL;
}

/*
 * Stops the workers: no new accept, requests in flight finish.  A worker
 * blocked in accept or on an idle kept-alive connection is interrupted with
 * WAKE_SIG, repeatedly, since it may have been between its check and the
 * blocking call.  The listening socket is shut down only if it is ours: fd 0
 * may be shared with the other children of spawn-fcgi -F, and systemd keeps
 * the socket it passed on fd 3 open for the next start (a shutdown would
 * break it for every later instance).
 *
 * FCGX_ShutdownPending is not called: with it, libfcgi's OS_Accept leaves its
 * accept loop with the descriptor of a connection it has just closed (one
 * whose first bytes WAKE_SIG kept it from waiting for) and waits on that
 * stale number again and again, so a worker never returned at SIGTERM under
 * load.  Without it, the interrupted accept returns EINTR, or EINVAL on our
 * shut-down socket.
 */
void
swgr_workers_stop(struct app *app)
{
	bool all;
	size_t i;

	pthread_mutex_lock(&app->mu);
	app->stop = true;
	pthread_mutex_unlock(&app->mu);
	if (!app->inherited)
		shutdown(app->listen_fd, SHUT_RDWR);
	for (;;) {
		all = true;
		pthread_mutex_lock(&app->mu);
		for (i = 0; i < app->nworkers; i++) {
			if (app->workers[i].done)
				continue;
			all = false;
			if (app->workers[i].idle)
				pthread_kill(app->workers[i].th, WAKE_SIG);
		}
		pthread_mutex_unlock(&app->mu);
		if (all)
			break;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	for (i = 0; i < app->nworkers; i++)
		pthread_join(app->workers[i].th, NULL);
}

bool
swgr_workers_start(struct app *app, size_t n)
{
	struct sigaction sa;
	size_t i;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake;		/* no SA_RESTART: blocking calls return EINTR */
	sigaction(WAKE_SIG, &sa, NULL);
	if ((app->workers = calloc(n, sizeof(*app->workers))) == NULL)
		return false;
	for (i = 0; i < n; i++) {
		app->workers[i].app = app;
		rc = pthread_create(&app->workers[i].th, NULL, worker_main, &app->workers[i]);
		if (rc != 0) {
			swgr_log(SWGR_LOG_ERROR, app->target, "starting worker thread %zu: %s",
			    i + 1, strerror(rc));
			break;
		}
		app->nworkers++;
	}
	return app->nworkers == n;
}
