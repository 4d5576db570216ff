/* The invoice outcomes of the host's swgr-lnurl processes (core/metrics.h), each round into the nodes' status rows. */
#ifndef MON_OUTCOMES_H
#define MON_OUTCOMES_H

#include <stdbool.h>
#include <stdint.h>

#include "mon.h"

#define MON_OUT_WINDOW_SECS	60	/* the latency quantiles cover about this much */

struct mon_outcomes;

/*
 * The tally of this monitor, from now (its "since"): NULL when metrics are
 * off (metrics.dir "") or out of memory; every call accepts NULL, and the
 * rows then carry no outcomes.
 */
struct mon_outcomes *mon_outcomes_new(const struct mon *m);
void		 mon_outcomes_free(struct mon_outcomes *o);
/*
 * One round: reads every live metrics segment of the host, adds what each
 * process counted since the last round (all of it for a process not seen
 * before, so what the live processes counted before this monitor started is
 * in), and sets the outcomes of every monitored node (under m->mu).  The
 * totals only grow: a process that exits takes nothing away.
 */
void		 mon_outcomes_round(struct mon_outcomes *o, struct mon *m);

#endif
