/* Counters, gauges and histograms shared by the processes of one host, with no lock on the path that counts. */
#ifndef SWGR_METRICS_H
#define SWGR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/*
 * Each process maps one segment of its own, a file <dir>/<program>.<pid>.metrics
 * (mode 0640), and counts into it with relaxed atomic adds: the request path
 * takes no lock and makes no system call.  A metric is a slot found by name and
 * label text the first time (under a mutex of this process: once per metric per
 * process, callers keep the pointer), then only added to.
 *
 * Anyone who may read the directory reads every segment in it
 * (swgr_metrics_scan): /metrics sums them into one exposition, swgr-monitord
 * reads the invoice outcomes of the host's swgr-lnurl processes for the node
 * status.  A segment whose process is gone is skipped, and removed by a
 * process that may.
 *
 * Without swgr_metrics_open (or after a failed one) every call below is a
 * cheap no-op and the lookups return NULL; every function accepts NULL.
 * swgr_metrics_close unmaps the slots: call it once nothing counts any more
 * (at exit, after the threads are joined).
 *
 * Layout (metrics.c): a header (magic, layout version, slot size and count,
 * slots in use, pid, the process's start time, program) and SWGR_METRICS_SLOTS
 * fixed slots.  A histogram's bucket counts are kept apart at write time (one
 * bucket and the sum added to per observation) and made cumulative at read
 * time, by swgr_metrics_scan.
 *
 * Names used across programs (the status of issue 13 part 1 reads these):
 *   swgr_invoices_total{backend="<public key, hex>",outcome="issued|failed|timeout|wrong_invoice"}
 *   swgr_invoice_duration_seconds{backend="<public key, hex>"}   histogram, SWGR_METRICS_LATENCY_BOUNDS
 */

#define SWGR_METRICS_LATENCY_BOUNDS \
	{ 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0 }
#define SWGR_METRICS_MAX_BUCKETS 16
#define SWGR_METRICS_SLOTS 2048	/* metrics per process */

enum swgr_metric_type {
	SWGR_METRIC_COUNTER = 1,
	SWGR_METRIC_GAUGE,
	SWGR_METRIC_HISTOGRAM
};

struct swgr_metric;

/* Creates (or replaces) this process's segment; SWGR_OK or why not, nothing counted then. */
enum swgr_rc	 swgr_metrics_open(const char *dir, const char *program, struct swgr_err *err);
/* Unmaps and removes this process's segment. */
void		 swgr_metrics_close(void);

/*
 * The metric of that name and labels (label text as in the exposition, without
 * braces: `backend="02ab...",outcome="issued"`, or "" for none), created on first
 * use.  NULL when the segment is not open or full (logged once).  A histogram's
 * bounds are ascending, at most SWGR_METRICS_MAX_BUCKETS - 1 of them; the +Inf
 * bucket is implied.
 */
struct swgr_metric *swgr_metric_counter(const char *name, const char *labels);
struct swgr_metric *swgr_metric_gauge(const char *name, const char *labels);
struct swgr_metric *swgr_metric_histogram(const char *name, const char *labels,
		    const double *bounds, int nbounds);

/*
 * v escaped as a label value of the exposition (backslash, double quote,
 * newline) into out, cut short (never mid-escape) to fit; out is "" if n is 0.
 */
void		 swgr_metric_label_value(const char *v, char *out, size_t n);

void		 swgr_metric_add(struct swgr_metric *m, uint64_t v);	/* counter */
void		 swgr_metric_set(struct swgr_metric *m, int64_t v);	/* gauge */
void		 swgr_metric_gauge_add(struct swgr_metric *m, int64_t delta);	/* gauge, +/- */
void		 swgr_metric_observe(struct swgr_metric *m, double v);	/* histogram */

/*
 * One metric of one live segment.  values: a counter or gauge has one (a gauge's
 * is an int64_t stored as uint64_t); a histogram has nbounds + 2: the
 * cumulative count of each bucket (le=bounds[i]), the +Inf bucket (the count),
 * then the sum in microseconds of what was observed.
 */
struct swgr_metric_view {
	const char		*program;
	long			 pid;
	enum swgr_metric_type	 type;
	const char		*name;
	const char		*labels;
	const double		*bounds;
	int			 nbounds;
	const uint64_t		*values;
	int			 nvalues;
};

/*
 * Calls fn for every metric of every live segment in dir (the view and its
 * strings are private copies, valid during the call); stops at the first
 * nonzero return of fn.  A file that is not a whole, valid segment is
 * skipped; one whose process is gone is removed when the caller may.
 * SWGR_NOTFOUND when dir does not exist (nothing counted yet), else SWGR_OK
 * or why dir cannot be read.
 */
typedef int	(*swgr_metric_fn)(void *arg, const struct swgr_metric_view *v);
enum swgr_rc	 swgr_metrics_scan(const char *dir, swgr_metric_fn fn, void *arg, struct swgr_err *err);

#endif
