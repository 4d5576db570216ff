/* The per-node circuit breaker of the balancer: invoice outcomes take a failing node out of selection. */
#ifndef SWGR_BREAKER_H
#define SWGR_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/pubkey.h"

/*
 * One table for every worker thread of a process, keyed by the node's
 * public key, under one mutex.  A node is closed (asked as usual) until
 * threshold consecutive invoice failures open it; open, it is skipped for
 * cool_down seconds; then it is half-open: the next request that claims it
 * is its one probe, and other requests skip it while the probe is out.  A
 * success closes it (from any state); a failed probe opens it for another
 * cool-down; a request the node refused itself (a wrong amount: not the
 * node's fault) releases a probe and counts nothing.  Only nodes with a
 * failure have an entry: a success drops it, so the table holds the failing
 * nodes (at most SWGR_BREAKER_MAX, the least recently touched dropped when
 * full).  Times are seconds on the monotonic clock, given by the caller.
 * Logs at WARN when a node's breaker opens, at INFO when it closes.
 */
struct swgr_breaker;

#define SWGR_BREAKER_MAX	1024

/* threshold 0: disabled (every node admitted, nothing kept); cool_down > 0. */
enum swgr_rc	 swgr_breaker_new(uint32_t threshold, double cool_down, struct swgr_breaker **out,
		    struct swgr_err *err);
void		 swgr_breaker_free(struct swgr_breaker *br);

/*
 * Whether pk may be chosen at now: closed, or half-open with no probe out.
 * Claims nothing (selection calls it for every candidate).
 */
bool		 swgr_breaker_admits(struct swgr_breaker *br, const struct swgr_pubkey *pk,
		    double now);

/* pk's consecutive invoice failures now (0: none, or the breaker is off). */
uint32_t	 swgr_breaker_failures(struct swgr_breaker *br, const struct swgr_pubkey *pk);

enum swgr_breaker_ticket {
	SWGR_BREAKER_SKIP,	/* open, or another request holds the probe: do not ask */
	SWGR_BREAKER_PASS,	/* closed: ask */
	SWGR_BREAKER_PROBE	/* half-open: ask; this request holds the probe */
};

/* Just before asking pk: the ticket to ask with (a probe is claimed here). */
enum swgr_breaker_ticket swgr_breaker_claim(struct swgr_breaker *br, const struct swgr_pubkey *pk,
		    double now);

/*
 * The outcome of a call made with ticket t (PASS or PROBE): SWGR_OK closes,
 * SWGR_EINVAL releases a probe and counts nothing, anything else is a failure.
 */
void		 swgr_breaker_done(struct swgr_breaker *br, const struct swgr_pubkey *pk,
		    enum swgr_breaker_ticket t, enum swgr_rc rc, double now);

#endif
