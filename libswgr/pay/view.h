/* The balancer's view of the fleet: backends with this instance's node status and monitor heartbeat, as snapshots kept current by a thread. */
#ifndef SWGR_VIEW_H
#define SWGR_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "core/metrics.h"
#include "core/pubkey.h"
#include "fleet/fleet.h"
#include "pay/select.h"

/* The outcomes of swgr_invoices_total{outcome=...}, in the order of swgr_view_outcome_names. */
enum swgr_view_outcome {
	SWGR_VIEW_ISSUED = 0,
	SWGR_VIEW_FAILED,
	SWGR_VIEW_TIMEOUT,
	SWGR_VIEW_WRONG_INVOICE,
	SWGR_VIEW_OUTCOMES
};
extern const char *const swgr_view_outcome_names[SWGR_VIEW_OUTCOMES];

/* One backend of a snapshot, with this instance's status row (if any). */
struct swgr_view_member {
	struct swgr_pubkey pk;
	int64_t		 weight;
	bool		 enabled;
	char	       **partitions;
	size_t		 npartitions;
	struct swgr_fleet_node *node;	/* its client may be NULL: never chosen */
	bool		 has_status;	/* a row for this (key, weight) */
	bool		 healthy;
	bool		 has_inbound;
	uint64_t	 inbound_msat;
	int64_t		 checked_ms;
	/* its invoice metrics (core/metrics.h), looked up when the snapshot was built */
	struct swgr_metric *invoices[SWGR_VIEW_OUTCOMES];	/* swgr_invoices_total by outcome */
	struct swgr_metric *duration;	/* swgr_invoice_duration_seconds */
};

struct swgr_view_sel;

/*
 * What request threads read: immutable once published, freed with its
 * last reference (swgr_view_put).
 */
struct swgr_view_snap {
	int		 refs;		/* atomic */
	struct swgr_view_member *v;
	size_t		 n;
	struct swgr_selector *sel;	/* over v, in order; NULL when n is 0 */
	struct swgr_view_sel *selref;	/* the view's: sel, shared by snapshots with its (key, weight) list */
	int64_t		 beat_ms;	/* the monitor's last heartbeat, -1 if none */
	int64_t		 read_ms;	/* wall time the status rows were last read; -1 never */
	int64_t		 down_ms;	/* wall time the store's reads began to fail; 0: they do not */
};

struct swgr_view;

/*
 * Opens the discover store (roles discovery and status), reads the fleet
 * once and starts the background thread that keeps it current: every
 * min(backend-update-frequency-secs, health-check-frequency-secs / 2, 1 s)
 * it reloads the fleet (swgr_fleet_reload: the backends whose partitions
 * meet lnurl-service.partitions, only when the store's ETag moved; one node
 * client per backend, kept while its implementation is unchanged), this
 * instance's status rows and its monitor heartbeat, and publishes them as
 * one snapshot; request threads never read the database.  One selector per
 * (key, weight) list, so round-robin state survives refreshes that change
 * nothing but partitions, enablement or status.  Logs when the monitor's
 * heartbeat turns stale or fresh.  cfg must outlive the view.  Free with
 * swgr_view_free.
 *
 * Last known good: while the store cannot be read, the fleet and the status
 * rows last read are kept (so is the heartbeat: once it is older than
 * stale-after, the balancer fails open), for up to
 * lnurl-service.store-stale-max-secs since they were last read; beyond that
 * (at once when it is 0) the status is dropped (fail open) and the fleet
 * published empty.  The start and the end of an outage are logged once.
 */
enum swgr_rc	 swgr_view_new(const struct swgr_config *cfg, struct swgr_view **out,
		    struct swgr_err *err);
/* Stops the thread (waking every swgr_view_nap) and frees everything. */
void		 swgr_view_free(struct swgr_view *v);

/* The current snapshot, a reference the caller drops with swgr_view_put. */
struct swgr_view_snap *swgr_view_get(struct swgr_view *v);
void		 swgr_view_put(struct swgr_view_snap *s);

/* The monitor's status cannot be trusted: no heartbeat (beat_ms < 0), or one older than stale-after. */
bool		 swgr_view_stale(const struct swgr_view *v, int64_t beat_ms, int64_t now_ms);
/* stale-after in milliseconds: also how old a status row may be. */
int64_t		 swgr_view_window_ms(const struct swgr_view *v);

/*
 * Whether the store's reads are failing (the snapshot's down_ms), and for
 * how many seconds (*secs).
 */
bool		 swgr_view_down(const struct swgr_view_snap *s, int64_t now_ms, double *secs);

/* Sleeps secs unless the view is stopping; returns false if it is. */
bool		 swgr_view_nap(struct swgr_view *v, double secs);

#endif
