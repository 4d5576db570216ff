/* The balancer of swgr-lnurl: candidate selection over the view of the fleet, invoices with failover (spec §9). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pay/balancer.h"
#include "pay/bolt11.h"
#include "pay/breaker.h"
#include "pay/select.h"
#include "pay/view.h"
#include "core/clock.h"
#include "core/gate.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/pubkey.h"
#include "ln/ln.h"

#define TARGET		"swgr::balancer"

struct swgr_balancer {
	const struct swgr_lnurl_cfg *lc;
	struct swgr_view *view;
	struct swgr_breaker *br;	/* invoice outcomes, every worker thread's */
	struct swgr_gate gate;		/* invoice work: the bulkhead */
	uint32_t	 slots;		/* invoice-concurrency; 0: no limit */
	uint32_t	 node_cap;	/* node-concurrency; 0: no limit */
	double		 wait;		/* invoice-queue-wait-secs */
	/* process-wide metrics, looked up once (core/metrics.h) */
	struct swgr_metric *failovers;	/* the next node asked after one failed or refused */
	struct swgr_metric *backoffs;	/* a pass again after the backoff's wait */
	struct swgr_metric *full_invoice; /* refused: the invoice bulkhead full */
	struct swgr_metric *full_nodes;	/* refused: every candidate at node-concurrency */
};

/*
 * The bulkheads of lnurl-service (config.h), logged once at start.  A node
 * that starts hanging holds at most node-concurrency requests; by default
 * half the places, so that a busy fleet keeps its selection's order (README:
 * set it to the breaker's threshold to bound a hang's cost instead).
 */
static void
bulkheads(struct swgr_balancer *b, uint64_t threads)
{
	const struct swgr_lnurl_cfg *lc = b->lc;
	char what[160], per_node[32] = "no limit";

	b->slots = lc->has_invoice_concurrency ? lc->invoice_concurrency :
	    swgr_gate_default_slots(threads);
	b->wait = lc->invoice_queue_wait_secs;
	b->node_cap = lc->has_node_concurrency ? lc->node_concurrency : (b->slots + 1) / 2;
	swgr_gate_init(&b->gate);
	if (b->slots != 0)
		snprintf(what, sizeof(what), "%" PRIu32 " of %" PRIu64 " worker threads at once",
		    b->slots, threads);
	else
		snprintf(what, sizeof(what), "no limit");
	if (b->node_cap != 0)
		snprintf(per_node, sizeof(per_node), "%" PRIu32, b->node_cap);
	swgr_log(SWGR_LOG_INFO, TARGET, "invoice work: %s; calls per node at once: %s; a "
	    "request waits for a place while someone got one within %g s", what, per_node,
	    b->wait);
	if (lc->has_invoice_concurrency && b->slots >= threads)
		swgr_log(SWGR_LOG_WARN, TARGET, "invoice-concurrency %" PRIu32 " is not below the %"
		    PRIu64 " worker threads: invoice requests can take every thread", b->slots,
		    threads);
}

enum swgr_rc
swgr_balancer_new(const struct swgr_config *cfg, uint64_t threads, struct swgr_balancer **out,
    struct swgr_err *err)
{
	struct swgr_balancer *b;
	enum swgr_rc rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	b->lc = &cfg->lnurl;
	bulkheads(b, threads);
	b->failovers = swgr_metric_counter("swgr_failovers_total", "");
	b->backoffs = swgr_metric_counter("swgr_backoffs_total", "");
	b->full_invoice = swgr_metric_counter("swgr_bulkhead_rejections_total",
	    "bulkhead=\"invoice\"");
	b->full_nodes = swgr_metric_counter("swgr_bulkhead_rejections_total", "bulkhead=\"node\"");
	if ((rc = swgr_breaker_new(b->lc->breaker_failure_threshold, b->lc->breaker_cool_down_secs,
	    &b->br, err)) != SWGR_OK || (rc = swgr_view_new(cfg, &b->view, err)) != SWGR_OK) {
		swgr_balancer_free(b);
		return rc;
	}
	*out = b;
	return SWGR_OK;
}

void
swgr_balancer_free(struct swgr_balancer *b)
{
	if (b == NULL)
		return;
	swgr_view_free(b->view);
	swgr_breaker_free(b->br);
	swgr_gate_destroy(&b->gate);
	free(b);
}

/* ---- selection ---- */

struct accept_arg {
	const struct swgr_view_snap *s;
	const char	*partition;	/* NULL: any (health) */
	uint64_t	 amount;
	bool		 bias;
	double		 b;
	bool		 stale;
	int64_t		 now_ms;
	int64_t		 window_ms;
	struct swgr_breaker *br;	/* NULL: the breaker is not asked (health) */
	double		 mono;		/* now on the monotonic clock, for br */
};

/* Spec §9.5 with our status source: see swgr_balancer_invoice. */
static bool
accept(size_t i, void *arg)
{
	const struct accept_arg *a = arg;
	const struct swgr_view_member *m = &a->s->v[i];

	if (!m->enabled || swgr_fleet_node_client(m->node) == NULL)
		return false;
	if (a->partition != NULL &&
	    !swgr_fleet_partition_in(m->partitions, m->npartitions, a->partition))
		return false;
	/* The breaker and the monitor are independent: either takes the node out. */
	if (a->br != NULL && !swgr_breaker_admits(a->br, &m->pk, a->mono))
		return false;
	if (a->stale)
		return true;
	if (!m->has_status || !m->healthy || a->now_ms - m->checked_ms > a->window_ms)
		return false;
	if (a->partition == NULL)
		return true;
	if (!m->has_inbound)
		return false;
	return !a->bias || (double)a->amount <= (double)m->inbound_msat * (1.0 + a->b);
}

bool
swgr_balancer_ready(struct swgr_balancer *b, bool *stale, double *down_secs)
{
	struct accept_arg a = { 0 };
	struct swgr_view_snap *s = swgr_view_get(b->view);
	bool ok = false;
	size_t i;

	a.s = s;
	a.now_ms = swgr_wall_ms();
	a.window_ms = swgr_view_window_ms(b->view);
	/*
	 * While the store cannot be read, the status is judged as of its last
	 * read (the view drops it after store-stale-max-secs): an outage of the
	 * database alone does not take a ready instance out.
	 */
	if (!swgr_view_down(s, a.now_ms, down_secs))
		*down_secs = -1;
	else if (s->read_ms >= 0)
		a.now_ms = s->read_ms;
	*stale = swgr_view_stale(b->view, s->beat_ms, a.now_ms);
	for (i = 0; !*stale && !ok && i < s->n; i++)
		ok = accept(i, &a);
	swgr_view_put(s);
	return ok;
}

/* A uniform draw in [0, 1) from a per-request xorshift state. */
static double
draw(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (double)(*x >> 11) / 9007199254740992.0;
}

/* ---- invoices ---- */

/*
 * Asks member m for the invoice and checks it.  SWGR_OK with *bolt11;
 * SWGR_EINVAL when the node refused the request; SWGR_EUPSTREAM for any
 * other failure, a non-conforming invoice included (then *wrong is set).
 */
static enum swgr_rc
ask(struct swgr_balancer *b, const struct swgr_view_member *m,
    const struct swgr_balancer_req *r, double deadline, char **bolt11, bool *wrong,
    struct swgr_err *err)
{
	struct swgr_bolt11 inv;
	struct swgr_err e2 = { 0 };
	char name[SWGR_PUBKEY_STRLEN + 1];
	enum swgr_rc rc;

	/* The call ends at the request's deadline at the latest (README). */
	rc = swgr_ln_invoice_within(swgr_fleet_node_client(m->node), deadline - swgr_mono_now(),
	    r->amount_msat, r->metadata, r->metadata_len, b->lc->invoice_expiry_secs, bolt11, err);
	if (rc != SWGR_OK)
		return rc == SWGR_EINVAL ? SWGR_EINVAL : SWGR_EUPSTREAM;
	swgr_pubkey_format(&m->pk, name);
	if ((rc = swgr_bolt11_decode(*bolt11, strlen(*bolt11), &inv, &e2)) == SWGR_OK) {
		rc = swgr_bolt11_check(&inv, r->amount_msat, r->hash, m->pk.b, &e2);
		if (rc == SWGR_OK && r->issued != NULL) {
			memcpy(r->issued->payment_hash, inv.payment_hash, 32);
			memcpy(r->issued->payee, inv.payee, 33);
			r->issued->timestamp = inv.timestamp;
			r->issued->expiry = inv.expiry;
		}
		swgr_bolt11_free(&inv);
	}
	if (rc == SWGR_OK)
		return SWGR_OK;
	free(*bolt11);
	*bolt11 = NULL;
	*wrong = true;
	return swgr_err_set(err, SWGR_EUPSTREAM, "node %s returned a non-conforming invoice: %s",
	    name, e2.msg);
}

/*
 * The outcome of one ask for swgr_invoices_total: a failure that took the
 * whole time the call had (the client's ln-client-timeout-secs or what was
 * left of the request's deadline, less 50 ms) is a timeout: the node
 * clients do not tell a deadline from another failure.
 */
static void
count_ask(const struct swgr_balancer *b, const struct swgr_view_member *m, enum swgr_rc rc,
    bool wrong, double t0, double deadline)
{
	double took = swgr_mono_now() - t0, allowed = b->lc->ln_client_timeout_secs;
	enum swgr_view_outcome o;

	if (allowed <= 0)
		allowed = 2.0;	/* the client's default (ln/ln.c) */
	if (deadline - t0 < allowed)
		allowed = deadline - t0;
	if (rc == SWGR_OK)
		o = SWGR_VIEW_ISSUED;
	else if (wrong)
		o = SWGR_VIEW_WRONG_INVOICE;
	else if (rc != SWGR_EINVAL && took >= allowed - 0.05)
		o = SWGR_VIEW_TIMEOUT;
	else
		o = SWGR_VIEW_FAILED;
	swgr_metric_add(m->invoices[o], 1);
	swgr_metric_observe(m->duration, took);
}

enum gated {
	GATED_ASKED,		/* asked; the outcome in *rc */
	GATED_BUSY,		/* at its cap (or, when waiting, failing): not asked */
	GATED_SKIPPED		/* its breaker has no room (a probe is out): not asked */
};

/*
 * Asks m within a place of its gate and tells the breaker; a failure is
 * logged.  A place is waited for up to max_wait while its places move, and
 * only on a node without failures: a place that comes free on a failing
 * node would only lead to its breaker.
 */
static enum gated
ask_gated(struct swgr_balancer *b, const struct swgr_view_member *m,
    const struct swgr_balancer_req *r, double max_wait, double deadline, char **bolt11,
    enum swgr_rc *rc, struct swgr_err *err)
{
	struct swgr_gate *g = swgr_fleet_node_gate(m->node);
	enum swgr_breaker_ticket t;
	uint32_t cap = b->node_cap, failed;
	bool wrong = false;
	double t0;

	/*
	 * A node's places shrink by one with each of its consecutive failures
	 * (to one): while the calls out on a node that began to hang fail one by
	 * one, no new request takes the place each of them gives back.
	 */
	if (cap != 0 && (failed = swgr_breaker_failures(b->br, &m->pk)) > 0) {
		cap = failed < cap ? cap - failed : 1;
		max_wait = 0;
	}
	if (cap != 0 && !swgr_gate_enter(g, cap, b->wait, max_wait))
		return GATED_BUSY;
	/* A half-open node's one probe is claimed here: another request skips it. */
	t = swgr_breaker_claim(b->br, &m->pk, swgr_mono_now());
	if (t != SWGR_BREAKER_SKIP) {
		t0 = swgr_mono_now();
		*rc = ask(b, m, r, deadline, bolt11, &wrong, err);
		swgr_breaker_done(b->br, &m->pk, t, *rc, swgr_mono_now());
		count_ask(b, m, *rc, wrong, t0, deadline);
		if (*rc == SWGR_EINVAL)
			swgr_log(SWGR_LOG_WARN, TARGET, "node refused the invoice request, trying "
			    "the next: %s", err->msg);
		else if (*rc != SWGR_OK)
			swgr_log(SWGR_LOG_WARN, TARGET, "%s", err->msg);
	}
	if (cap != 0)
		swgr_gate_leave(g);
	return t == SWGR_BREAKER_SKIP ? GATED_SKIPPED : GATED_ASKED;
}

/*
 * The outcome of one node's ask into the pass's: an invoice ends it; a
 * refusal (SWGR_EINVAL: the node's own text, logged, never the wallet's)
 * is counted and the next node asked; any other failure is the pass's
 * failure so far.
 */
static void
outcome(enum swgr_rc one, const struct swgr_err *e1, enum swgr_rc *rc, struct swgr_err *err,
    size_t *refused)
{
	if (one == SWGR_OK)
		*rc = SWGR_OK;
	else if (one == SWGR_EINVAL)
		(*refused)++;
	else if (one != SWGR_NOTFOUND) {
		*rc = one;
		*err = *e1;
	}
}

/*
 * One pass over the candidates of a snapshot.  SWGR_NOTFOUND: there were
 * none; SWGR_EINVAL: every node asked refused the request (a reason of our
 * own: a node's text may name it).
 */
static enum swgr_rc
pass(struct swgr_balancer *b, const struct swgr_balancer_req *r, bool bias, double deadline,
    double wait_until, char **bolt11, struct swgr_err *err)
{
	struct accept_arg a = { 0 };
	struct swgr_view_snap *s = swgr_view_get(b->view);
	size_t stack[64], *order = stack, m = 0, i;
	enum swgr_rc rc = SWGR_NOTFOUND, one;
	struct swgr_err e1;
	size_t asked = 0, busy = 0, refused = 0;
	enum gated g;

	if (s->n == 0)
		goto out;
	if (s->n > 64 && (order = calloc(s->n, sizeof(*order))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	a.s = s;
	a.partition = r->partition;
	a.amount = r->amount_msat;
	a.now_ms = swgr_wall_ms();
	a.window_ms = swgr_view_window_ms(b->view);
	a.stale = swgr_view_stale(b->view, s->beat_ms, a.now_ms);
	/*
	 * While the store cannot be read, the rows are judged as of their last
	 * read, the heartbeat against now: until it is stale the last status
	 * read is used, then every enabled backend (no gap between the two).
	 */
	if (s->down_ms > 0 && s->read_ms >= 0)
		a.now_ms = s->read_ms;
	a.bias = bias && b->lc->has_capacity_bias && !a.stale;
	a.b = b->lc->selection_capacity_bias;
	a.br = b->br;
	a.mono = swgr_mono_now();
	m = swgr_select(s->sel, r->key, r->key != NULL ? strlen(r->key) : 0, accept, &a, order);
	if (m == 0 && a.bias) {
		a.bias = false;
		m = swgr_select(s->sel, r->key, r->key != NULL ? strlen(r->key) : 0, accept,
		    &a, order);
	}
	for (i = 0; i < m && rc != SWGR_OK; i++) {
		if (swgr_mono_now() >= deadline) {
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "request deadline reached");
			break;
		}
		/*
		 * A node at its cap is waited for a moment while its places move (the
		 * selection's order holds on a busy fleet), else passed over for now;
		 * these waits and the bulkhead's share invoice-queue-wait-secs.
		 */
		one = SWGR_NOTFOUND;
		memset(&e1, 0, sizeof(e1));
		g = ask_gated(b, &s->v[order[i]], r, wait_until - swgr_mono_now(), deadline, bolt11,
		    &one, &e1);
		if (g == GATED_ASKED && asked > 0)
			swgr_metric_add(b->failovers, 1);
		outcome(one, &e1, &rc, err, &refused);
		if (g == GATED_BUSY)
			busy++;
		else {
			asked += g == GATED_ASKED;
			order[i] = SIZE_MAX;
		}
	}
	/*
	 * No invoice, and candidates were at their cap: wait for a place on the
	 * first of them, in order, whose places move (a busy node that answers),
	 * up to the deadline; one whose calls all hang, or that fails, is passed
	 * over at once.  (Waiting in the first pass is the same, up to
	 * invoice-queue-wait-secs; a failing node is never waited for.)
	 */
	for (i = 0; busy > 0 && rc != SWGR_OK && i < m; i++) {
		if (order[i] == SIZE_MAX)
			continue;
		if (swgr_mono_now() >= deadline) {
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "request deadline reached");
			break;
		}
		one = SWGR_NOTFOUND;
		memset(&e1, 0, sizeof(e1));
		g = ask_gated(b, &s->v[order[i]], r, deadline - swgr_mono_now(), deadline,
		    bolt11, &one, &e1);
		if (g == GATED_ASKED && asked++ > 0)
			swgr_metric_add(b->failovers, 1);
		outcome(one, &e1, &rc, err, &refused);
	}
	if (rc == SWGR_NOTFOUND && refused > 0)
		rc = swgr_err_set(err, SWGR_EINVAL, "the lightning nodes refused this invoice "
		    "request (%zu asked)", refused);
	if (asked == 0 && busy > 0 && rc == SWGR_NOTFOUND) {
		swgr_metric_add(b->full_nodes, 1);
		rc = swgr_err_set(err, SWGR_ERETRY, "every lightning node that could take this "
		    "invoice is at its limit of %" PRIu32 " calls at once", b->node_cap);
	}
	if (order != stack)
		free(order);
out:
	swgr_view_put(s);
	return rc;
}

static enum swgr_rc
invoice_loop(struct swgr_balancer *b, const struct swgr_balancer_req *r, double start,
    double wait_until, char **bolt11, struct swgr_err *err)
{
	struct swgr_backoff bo;
	double deadline, d;
	uint64_t x = (uint64_t)(start * 1e9) ^ (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ULL;
	enum swgr_rc rc;
	bool first = true;

	deadline = start + b->lc->request_deadline_secs;
	swgr_backoff_init(&bo, b->lc, start);
	*bolt11 = NULL;
	for (;;) {
		rc = pass(b, r, first, deadline, wait_until, bolt11, err);
		first = false;
		if (rc == SWGR_OK || rc == SWGR_EINVAL || rc == SWGR_ENOMEM || rc == SWGR_ERETRY)
			return rc;
		if (rc == SWGR_NOTFOUND)
			swgr_err_set(err, SWGR_EUPSTREAM, "no available lightning nodes");
		d = swgr_backoff_next(&bo, swgr_mono_now(), draw(&x));
		if (d < 0 || swgr_mono_now() + d >= deadline) {
			swgr_log(SWGR_LOG_ERROR, TARGET, "Too many retries, giving up: %s", err->msg);
			err->rc = SWGR_EUPSTREAM;
			return SWGR_EUPSTREAM;
		}
		swgr_log(SWGR_LOG_WARN, TARGET, "error retrieving invoice: %s, retrying in %.0fs",
		    err->msg, d);
		swgr_metric_add(b->backoffs, 1);
		if (!swgr_view_nap(b->view, d))
			return swgr_err_set(err, SWGR_EUPSTREAM, "shutting down");
	}
}

enum swgr_rc
swgr_balancer_invoice(struct swgr_balancer *b, const struct swgr_balancer_req *r,
    char **bolt11, struct swgr_err *err)
{
	double start = swgr_mono_now();
	enum swgr_rc rc;

	*bolt11 = NULL;
	if (b->slots != 0 && !swgr_gate_enter(&b->gate, b->slots, b->wait, b->wait)) {
		swgr_metric_add(b->full_invoice, 1);
		return swgr_err_set(err, SWGR_ERETRY, "too many invoice requests in progress");
	}
	rc = invoice_loop(b, r, start, start + b->wait, bolt11, err);
	if (b->slots != 0)
		swgr_gate_leave(&b->gate);
	return rc;
}
