/* The balancer of swgr-lnurl: candidate selection over the view of the fleet, invoices with failover (spec §9). */
#ifndef SWGR_BALANCER_H
#define SWGR_BALANCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "pay/backoff.h"

struct swgr_balancer;

/*
 * The view of the fleet (pay/view.h: the discover store opened, the fleet
 * read once, a thread keeping it current) and what the invoice loop needs,
 * its bulkheads sized for a process of threads workers (core/gate.h).
 * A backend whose client cannot be made is logged and never chosen.  cfg
 * must outlive the balancer.  Free with swgr_balancer_free.
 */
enum swgr_rc	 swgr_balancer_new(const struct swgr_config *cfg, uint64_t threads,
		    struct swgr_balancer **out, struct swgr_err *err);
/* Stops the thread (waking requests that back off) and frees everything. */
void		 swgr_balancer_free(struct swgr_balancer *b);

/* One invoice request. */
/* What the invoice a request got says of itself (for the record of it). */
struct swgr_issued {
	uint8_t		 payment_hash[32];
	uint8_t		 payee[33];	/* the node that issued it */
	uint64_t	 timestamp;	/* seconds since the epoch */
	uint64_t	 expiry;	/* seconds after timestamp */
};

struct swgr_balancer_req {
	const char	*partition;	/* the offer's */
	uint64_t	 amount_msat;
	const char	*metadata;	/* the §8 string served; its sha256 is hash */
	size_t		 metadata_len;
	const uint8_t	*hash;		/* 32 bytes */
	const char	*key;		/* consistent-hash key (the comment), NULL for none */
	struct swgr_issued *issued;	/* out, unless NULL: filled with the invoice */
};

/*
 * The get-invoice loop (spec §9.5-§9.8, with our changes): candidates are
 * the enabled backends of the partition whose status row says healthy, with
 * a measured inbound capacity, checked within the stale window; when the
 * monitor's heartbeat is stale or missing, every enabled backend of the
 * partition (fail open); in both cases less the nodes whose circuit breaker
 * (pay/breaker.h, breaker-failure-threshold, breaker-cool-down-secs) is
 * open, or half-open with its probe out.  The capacity bias applies to the first pass only,
 * which is repeated without it when nothing qualifies.  Each candidate is
 * asked in the selector's order; an invoice whose signature, amount,
 * description hash or payee is wrong counts as that node's failure; every
 * call's outcome goes to the breaker (a refusal counts nothing); a failure moves to the next candidate at once.  After a pass with no invoice
 * the loop backs off per the backoff config (pay/backoff.h), never beyond
 * request-deadline-secs from the start.  Bulkheads: the whole loop runs
 * inside one of invoice-concurrency places (waiting up to
 * invoice-queue-wait-secs for one), and a node with node-concurrency calls
 * out is passed over as if it were not a candidate.  Returns SWGR_OK with a
 * malloc'd *bolt11; SWGR_EINVAL when a node refused the request itself (400,
 * the node's message in err); SWGR_EUPSTREAM when no node gave an invoice
 * (502); SWGR_ERETRY when no place was free, or every candidate was at its
 * cap and none was asked (503, retry shortly); SWGR_ENOMEM.
 */
enum swgr_rc	 swgr_balancer_invoice(struct swgr_balancer *b, const struct swgr_balancer_req *r,
		    char **bolt11, struct swgr_err *err);

/*
 * /health/full (spec §9.9): true if some backend is ready (enabled, healthy,
 * fresh status), partitions and liquidity ignored.  False when none is, or
 * when the monitor is stale (*stale set: its status cannot be trusted).
 * While the discover store cannot be read (*down_secs: for how long;
 * -1 when it can), status and heartbeat are judged as of their last read, the last
 * known good that the view keeps up to store-stale-max-secs (pay/view.h).
 */
bool		 swgr_balancer_ready(struct swgr_balancer *b, bool *stale, double *down_secs);

#endif
