/* The exponential backoff between two passes of the get-invoice loop (spec §9.8). */
#ifndef SWGR_BACKOFF_H
#define SWGR_BACKOFF_H

#include <stdbool.h>

#include "config/config.h"

/*
 * Init with the config at time now (seconds, monotonic); next gives the
 * delay in seconds, or a negative value when max-elapsed-time is reached
 * (always, for stop).  r is a uniform draw in [0, 1).
 */
struct swgr_backoff {
	enum swgr_backoff_type type;
	double		 cur, initial, factor, multiplier, max_interval, max_elapsed;
	bool		 has_max_elapsed;
	double		 start;
};

void		 swgr_backoff_init(struct swgr_backoff *bo, const struct swgr_lnurl_cfg *cfg,
		    double now);
double		 swgr_backoff_next(struct swgr_backoff *bo, double now, double r);

#endif
