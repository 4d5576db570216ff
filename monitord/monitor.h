/* swgr-monitord's shared state: the monitored nodes, their health, the threads that tend them. */
#ifndef MON_MONITOR_H
#define MON_MONITOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "ln/ln.h"
#include "store/store.h"

#define MON_TARGET	"swgr::monitor"		/* log target of every message */

struct mon;

/*
 * One monitored backend, identity (public key, weight) (spec §9.1), and the
 * worker thread that checks it.  Fields marked "mu" are under mon.mu.
 */
struct mon_node {
	struct mon	*m;
	pthread_t	 th;
	pthread_cond_t	 cv;		/* wakes the worker: want or quit */
	char		 hex[67];	/* public key, for messages */
	int64_t		 weight;
	char		*impl;		/* mu (written by reload only): the implementation JSON */
	struct swgr_ln_client *client;	/* the worker's own */
	struct swgr_ln_client *fresh;	/* mu: a rebuilt client, taken at the next check */
	bool		 want;		/* mu: a tick asked for a check */
	bool		 busy;		/* mu: a check was taken and has not ended */
	bool		 in_rpc;	/* mu: the node is being called (after the serial lock) */
	uint64_t	 rpc_tick;	/* mu: the tick during which the call began */
	int64_t		 rpc_start_us;	/* mu: monotonic */
	bool		 quit;		/* mu */
	struct swgr_node_status st;	/* mu: the health state, as written */
	bool		 dirty;		/* mu: st differs from the row in the database */
	bool		 joined;	/* the worker has ended and been joined */
	struct mon_node	*next_dead;	/* on mon.dead once retired */
};

/* Everything the daemon holds; set up by main, then shared by its threads. */
struct mon {
	const struct swgr_config *cfg;
	struct swgr_store *store;
	char		 instance[256];
	struct swgr_ln_opts lnopts;
	double		 period;	/* health-check-frequency-secs */
	double		 update;	/* backend-update-frequency-secs */
	uint32_t	 to_healthy;	/* thresholds, 0 read as 1 */
	uint32_t	 to_unhealthy;
	bool		 parallel;
	pthread_mutex_t	 rpc_mu;	/* one call at a time unless parallel */

	pthread_mutex_t	 mu;
	pthread_cond_t	 db_cv;		/* wakes the database thread */
	bool		 db_wake;	/* mu: something to write */
	bool		 db_stop;	/* mu */
	uint64_t	 tick;		/* mu: rounds begun */
	int64_t		 tick_ms;	/* mu: wall time of the last round */
	struct mon_node	**nodes;	/* mu: the fleet; changed by mon_reload only */
	size_t		 nnodes;
	struct mon_node	*dead;		/* retired nodes whose worker may still run; reload's */

	/* the database thread's (or main's before and after it) */
	pthread_t	 db_th;
	bool		 db_started;
	bool		 listed;	/* etag below is from a successful list */
	uint64_t	 etag;
	bool		 prune;		/* the status rows need pruning to the fleet */
	int64_t		 beat_ms;	/* the tick time of the last heartbeat written */
	bool		 db_down;	/* an outage has been logged and not yet its end */
};

/* node.c */
/* Starts a node with a fresh health state and its worker thread; it asks for a check at once. */
enum swgr_rc	 mon_node_start(struct mon *m, const struct swgr_backend *b,
		    struct swgr_ln_client *client, struct mon_node **out, struct swgr_err *err);
/* Asks a node's worker to end (under m->mu); mon_node_reap joins (if not yet) and frees it. */
void		 mon_node_retire(struct mon_node *n);
void		 mon_node_join(struct mon_node *n);
void		 mon_node_reap(struct mon_node *n);
/*
 * One round (spec §9.3): every idle node is asked for a check; a call
 * older than a round counts as a failure.
 */
void		 mon_tick(struct mon *m);
/* Applies one observation to s (spec §9.3); returns true when the state flipped. */
bool		 mon_health_observe(struct swgr_node_status *s, bool ok, uint32_t to_healthy,
		    uint32_t to_unhealthy);

/* fleet.c */
/* Re-reads the backends if their ETag moved and brings the fleet in line (database thread). */
enum swgr_rc	 mon_reload(struct mon *m, struct swgr_err *err);
/* Joins and frees the retired nodes whose workers have ended (all of them if wait). */
void		 mon_reap(struct mon *m, bool wait);
/* Shutdown: ends every worker, their last results kept for a final flush; then frees the fleet. */
void		 mon_fleet_stop(struct mon *m);
void		 mon_fleet_clear(struct mon *m);

/* db.c */
/*
 * Starts the database thread: reloads every update period, writes status
 * rows and the heartbeat.  m->mu and m->db_cv (CLOCK_MONOTONIC) are set up by the caller.
 */
enum swgr_rc	 mon_db_start(struct mon *m, struct swgr_err *err);
/* Stops and joins it (no final write: see mon_db_flush). */
void		 mon_db_stop(struct mon *m);
/* mon_reload, its failure counted as a database outage. */
void		 mon_db_reload(struct mon *m);
/* Writes the dirty rows, a pending prune and a due heartbeat; logs an outage and its end once. */
void		 mon_db_flush(struct mon *m);
/* Wakes the database thread (under m->mu). */
void		 mon_db_kick(struct mon *m);

/* Clocks: monotonic microseconds, wall milliseconds. */
int64_t		 mon_now_us(void);
int64_t		 mon_wall_ms(void);

#endif
