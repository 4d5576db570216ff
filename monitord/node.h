/* One monitored backend and its worker thread: the health check, its state machine, the rounds. */
#ifndef MON_NODE_H
#define MON_NODE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "fleet/fleet.h"
#include "model/model.h"
#include "store/store.h"
#include "mon.h"

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
	struct swgr_fleet_node *def;	/* mu (written by the roster only): the fleet's node */
	struct swgr_fleet_node *client;	/* the worker's own: the node it calls */
	struct swgr_fleet_node *fresh;	/* mu: a newer node, taken at the next check */
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
	/* its metrics (core/metrics.h), looked up at start: set after each check */
	struct swgr_metric *healthy_g;	/* swgr_node_healthy 0/1 */
	struct swgr_metric *inbound_g;	/* swgr_node_inbound_msat */
	struct swgr_metric *check_h;	/* swgr_node_check_duration_seconds */
	struct swgr_metric *fails_c;	/* swgr_node_check_failures_total */
};

/*
 * Starts a node for backend b, calling through the fleet's node (a
 * reference is taken), with a fresh health state and its worker thread;
 * it asks for a check at once.
 */
enum swgr_rc	 mon_node_start(struct mon *m, const struct swgr_backend *b,
		    struct swgr_fleet_node *node, struct mon_node **out, struct swgr_err *err);
/* The fleet's node of n changed (a new definition): the worker takes it at its next check (under m->mu). */
void		 mon_node_renew(struct mon_node *n, struct swgr_fleet_node *node);
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

#endif
