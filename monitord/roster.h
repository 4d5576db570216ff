/* The roster: which backends have a worker, kept in line with the fleet (spec §9.1). */
#ifndef MON_ROSTER_H
#define MON_ROSTER_H

#include <stdbool.h>

#include "core/err.h"
#include "mon.h"

/*
 * Reloads the fleet (the backends, when their ETag moved) and brings the
 * roster in line with it: a member whose identity (key, weight) is
 * monitored keeps its node and health state, with the fleet's new node
 * when its definition changed; a new identity gets a new node; a member
 * whose client could not be made is skipped (the fleet logged it); the
 * others are retired.  The database thread's (or main's before it).
 */
enum swgr_rc	 mon_roster_reload(struct mon *m, struct swgr_err *err);
/* Joins and frees the retired nodes whose workers have ended (all of them if wait). */
void		 mon_roster_reap(struct mon *m, bool wait);
/* Shutdown: ends every worker, their last results kept for a final flush; then frees the roster. */
void		 mon_roster_stop(struct mon *m);
void		 mon_roster_clear(struct mon *m);

#endif
