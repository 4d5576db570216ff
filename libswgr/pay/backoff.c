/* The exponential backoff between two passes of the get-invoice loop (spec §9.8). */
#include <string.h>

#include "pay/backoff.h"

void
swgr_backoff_init(struct swgr_backoff *bo, const struct swgr_lnurl_cfg *cfg, double now)
{
	memset(bo, 0, sizeof(*bo));
	bo->type = cfg->backoff.type;
	bo->initial = bo->cur = cfg->backoff.initial_interval_secs;
	bo->factor = cfg->backoff.randomization_factor;
	bo->multiplier = cfg->backoff.multiplier;
	bo->max_interval = cfg->backoff.max_interval_secs;
	bo->has_max_elapsed = cfg->backoff.has_max_elapsed_time;
	bo->max_elapsed = cfg->backoff.max_elapsed_time_secs;
	bo->start = now;
}

double
swgr_backoff_next(struct swgr_backoff *bo, double now, double r)
{
	double elapsed = now - bo->start, delta, lo, hi, d;

	if (bo->type == SWGR_BACKOFF_STOP)
		return -1;
	if (bo->has_max_elapsed && elapsed > bo->max_elapsed)
		return -1;
	delta = bo->factor * bo->cur;
	lo = bo->cur - delta;
	hi = bo->cur + delta;
	d = lo + r * (hi - lo + 1e-9);
	if (bo->cur >= bo->max_interval / bo->multiplier)
		bo->cur = bo->max_interval;
	else
		bo->cur *= bo->multiplier;
	if (bo->has_max_elapsed && elapsed + d > bo->max_elapsed)
		return -1;
	return d;
}
