/* The balancer of swgr-lnurl: the fleet as the monitor sees it, candidate selection, invoices with failover (spec §9). */
#ifndef SWGR_BALANCER_H
#define SWGR_BALANCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"

struct swgr_balancer;

/*
 * Opens the discover store (roles discovery and status), reads the fleet
 * once and starts the background thread that keeps it current: every
 * min(backend-update-frequency-secs, health-check-frequency-secs / 2, 1 s)
 * it reloads the backends whose partitions meet lnurl-service.partitions
 * (only when the store's ETag moved), this instance's status rows and its
 * monitor heartbeat, and publishes them as one reference-counted snapshot;
 * request threads never read the database for candidates.  One Lightning
 * client per backend, rebuilt when its implementation JSON changes (a
 * backend whose client cannot be made is logged once and never chosen);
 * one selector per (key, weight) set, so round-robin state survives
 * refreshes that change nothing but partitions, enablement or status.
 * cfg must outlive the balancer.  Free with swgr_balancer_free.
 */
enum swgr_rc	 swgr_balancer_new(const struct swgr_config *cfg, struct swgr_balancer **out,
		    struct swgr_err *err);
/* Stops the thread (waking requests that back off) and frees everything. */
void		 swgr_balancer_free(struct swgr_balancer *b);

/* One invoice request. */
struct swgr_balancer_req {
	const char	*partition;	/* the offer's */
	uint64_t	 amount_msat;
	const char	*metadata;	/* the §8 string served; its sha256 is hash */
	size_t		 metadata_len;
	const uint8_t	*hash;		/* 32 bytes */
	const char	*key;		/* consistent-hash key (the comment), NULL for none */
};

/*
 * The get-invoice loop (spec §9.5-§9.8, with our changes): candidates are
 * the enabled backends of the partition whose status row says healthy, with
 * a measured inbound capacity, checked within the stale window; when the
 * monitor's heartbeat is stale or missing, every enabled backend of the
 * partition (fail open).  The capacity bias applies to the first pass only,
 * which is repeated without it when nothing qualifies.  Each candidate is
 * asked in the selector's order; an invoice whose signature, amount,
 * description hash or payee is wrong counts as that node's failure; a
 * failure moves to the next candidate at once.  After a pass with no invoice
 * the loop backs off per the backoff config, never beyond
 * request-deadline-secs from the start.  Returns SWGR_OK with a malloc'd
 * *bolt11; SWGR_EINVAL when a node refused the request itself (400, the
 * node's message in err); SWGR_EUPSTREAM when no node gave an invoice (502);
 * SWGR_ENOMEM.
 */
enum swgr_rc	 swgr_balancer_invoice(struct swgr_balancer *b, const struct swgr_balancer_req *r,
		    char **bolt11, struct swgr_err *err);

/*
 * /health/full (spec §9.9): true if some backend is ready (enabled, healthy,
 * fresh status), partitions and liquidity ignored.  False when none is, or
 * when the monitor is stale (*stale set: its status cannot be trusted).
 */
bool		 swgr_balancer_ready(struct swgr_balancer *b, bool *stale);

/*
 * The exponential backoff of spec §9.8, exposed for tests.  Init with the
 * config at time now (seconds, monotonic); next gives the delay in seconds,
 * or a negative value when max-elapsed-time is reached (always, for stop).
 * r is a uniform draw in [0, 1).
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
