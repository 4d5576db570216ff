/* swgr-monitord's shared state: what the daemon holds, set up by main and shared by its threads. */
#ifndef MON_MON_H
#define MON_MON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/metrics.h"
#include "fleet/fleet.h"
#include "store/store.h"

#define MON_TARGET	"swgr::monitor"		/* log target of every message */

struct mon_node;

/*
 * The files of swgr-monitord call downwards only: main.c -> db.c ->
 * roster.c -> node.c -> mon.c.  Fields marked "mu" are under mu.
 */
struct mon {
	const struct swgr_config *cfg;
	struct swgr_store *store;
	struct swgr_fleet *fleet;	/* the database thread's (or main's before and after it) */
	char		 instance[256];
	double		 period;	/* health-check-frequency-secs */
	double		 update;	/* backend-update-frequency-secs */
	uint32_t	 to_healthy;	/* thresholds, 0 read as 1 */
	uint32_t	 to_unhealthy;
	bool		 parallel;
	pthread_mutex_t	 rpc_mu;	/* one call at a time unless parallel */

	pthread_mutex_t	 mu;
	pthread_cond_t	 db_cv;		/* wakes the database thread (CLOCK_MONOTONIC) */
	bool		 db_wake;	/* mu: something to write */
	bool		 db_stop;	/* mu */
	uint64_t	 tick;		/* mu: rounds begun */
	int64_t		 tick_ms;	/* mu: wall time of the last round */
	struct mon_node	**nodes;	/* mu: the monitored nodes; changed by mon_roster_reload only */
	size_t		 nnodes;
	struct mon_node	*dead;		/* retired nodes whose worker may still run; the roster's */

	/* the database thread's (or main's before and after it) */
	pthread_t	 db_th;
	bool		 db_started;
	bool		 prune;		/* the status rows need pruning to the roster */
	int64_t		 beat_ms;	/* the tick time of the last heartbeat written */
	bool		 db_down;	/* an outage has been logged and not yet its end */
	struct swgr_metric *beat_g;	/* swgr_monitor_heartbeat_timestamp_seconds{monitor} */
};

/* Zeroes m and sets up its locks and condition; mon_fini undoes that. */
void		 mon_init(struct mon *m);
void		 mon_fini(struct mon *m);
/* Tells the database thread there is something to write (under m->mu). */
void		 mon_wake_db(struct mon *m);

#endif
