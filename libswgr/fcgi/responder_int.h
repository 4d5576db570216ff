/* Private to fcgi/: what a running responder holds, shared by responder.c, workers.c and route.c. */
#ifndef SWGR_RESPONDER_INT_H
#define SWGR_RESPONDER_INT_H

#include <sys/types.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "core/metrics.h"
#include "daemon/daemon.h"
#include "fcgi/responder.h"

struct worker {
	pthread_t	 th;
	struct app	*app;
	bool		 idle;		/* in FCGX_Accept_r; under app->mu */
	bool		 done;		/* under app->mu */
};

/* Everything a running responder holds; freed by app_free (responder.c). */
struct app {
	const struct swgr_service *svc;
	struct swgr_daemon d;		/* options, signals, the configuration (d.cfg) */
	unsigned long	 threads;	/* -t */
	const char	*sock;		/* -s, or NULL for fd 0 or the activated fd 3 */
	mode_t		 sock_mode;	/* -M: of the -s unix socket */
	bool		 has_sock_mode;	/* -M given */
	gid_t		 sock_gid;	/* -G, if has_sock_gid */
	bool		 has_sock_gid;
	const struct swgr_admin_cfg *section;	/* NULL for a PUBLIC service */
	const struct swgr_log_cfg *log;		/* the service section's log keys */
	struct swgr_store *store;
	EVP_PKEY	*key;
	void		*state;		/* from svc->init */
	bool		 inited;
	int		 listen_fd;
	/* fd 0 of spawn-fcgi or fd 3 of systemd: shared with its maker, never shut down */
	bool		 inherited;
	bool		 activated;	/* listen_fd came with LISTEN_FDS (core/activation.h) */
	char		*socket_path;	/* unix socket we made, removed at exit */
	pthread_mutex_t	 mu;
	bool		 stop;		/* under mu */
	struct worker	*workers;
	size_t		 nworkers;
	char		 target[64];	/* log target of our own messages */
	/*
	 * Request metrics, looked up once at start-up (workers.c): per route
	 * (nroutes + 1: the last for answers of no route) a counter per status
	 * class 1xx..5xx and a latency histogram.  NULL entries count nothing.
	 */
	struct swgr_metric **req_count;	/* [(nroutes + 1) * 5] */
	struct swgr_metric **req_time;	/* [nroutes + 1] */
};

/* workers.c */
/* Starts n workers accepting on app->listen_fd; false (logged) if not all of them started. */
bool		 swgr_workers_start(struct app *app, size_t n);
/* Stops the workers: no new accept, requests in flight finish; joins them. */
void		 swgr_workers_stop(struct app *app);
/* Looks up the request metrics of app (after the metrics segment is open); false if out of memory. */
bool		 swgr_workers_metrics(struct app *app);

/* route.c */
/*
 * Auth, then the routing table: the handler, 405 with Allow, 404 (or 401,
 * 400).  The index of the route that answered, svc->nroutes for none.
 */
size_t		 swgr_route_dispatch(const struct app *app, struct swgr_ctx *c);

#endif
