/* The database thread: reloads, status rows, heartbeat; a slow database never delays a check. */
#ifndef MON_DB_H
#define MON_DB_H

#include "core/err.h"
#include "mon.h"

/*
 * Starts the database thread: reloads every update period, writes status
 * rows and the heartbeat when woken (mon_wake_db) and at the deadlines.
 */
enum swgr_rc	 mon_db_start(struct mon *m, struct swgr_err *err);
/* Stops and joins it (no final write: see mon_db_flush). */
void		 mon_db_stop(struct mon *m);
/* mon_roster_reload, its failure counted as a database outage. */
void		 mon_db_reload(struct mon *m);
/* Writes the dirty rows, a pending prune and a due heartbeat; logs an outage and its end once. */
void		 mon_db_flush(struct mon *m);

#endif
