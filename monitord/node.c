/* One worker thread per backend: the health check, its state machine, the rounds that drive them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "node.h"

/*
 * Pingora's rule: an observation equal to the state clears the counter; an
 * opposite one counts, and the state flips when the count reaches the
 * threshold.  The counter is kept in successes (while unhealthy) or
 * failures (while healthy); the other is 0.
 */
bool
mon_health_observe(struct swgr_node_status *s, bool ok, uint32_t to_healthy,
    uint32_t to_unhealthy)
{
	uint32_t *c = ok ? &s->successes : &s->failures;
	uint32_t threshold = ok ? to_healthy : to_unhealthy;

	if (ok == s->healthy) {
		s->successes = s->failures = 0;
		return false;
	}
	if (++*c < (threshold == 0 ? 1 : threshold))
		return false;
	s->healthy = ok;
	s->successes = s->failures = 0;
	return true;
}

/* n's metrics, labelled with its key and this monitor instance (two may share a host; "instance" is Prometheus's own label). */
static void
node_metrics(struct mon_node *n)
{
	static const double bounds[] = SWGR_METRICS_LATENCY_BOUNDS;
	char labels[400], inst[160];

	swgr_metric_label_value(n->m->instance, inst, sizeof(inst));
	snprintf(labels, sizeof(labels), "backend=\"%s\",monitor=\"%s\"", n->hex, inst);
	n->healthy_g = swgr_metric_gauge("swgr_node_healthy", labels);
	n->inbound_g = swgr_metric_gauge("swgr_node_inbound_msat", labels);
	n->check_h = swgr_metric_histogram("swgr_node_check_duration_seconds", labels, bounds,
	    (int)(sizeof(bounds) / sizeof(bounds[0])));
	n->fails_c = swgr_metric_counter("swgr_node_check_failures_total", labels);
	swgr_metric_set(n->healthy_g, n->st.healthy);
}

/*
 * Records one observation on n (under m->mu): the state machine, the
 * row's other columns, the flip messages.  error is NULL after a success.
 */
static void
observe(struct mon_node *n, bool ok, uint64_t inbound, int64_t latency_us, const char *error)
{
	struct mon *m = n->m;
	char *e = NULL;

	if (!ok && (e = strdup(error)) == NULL)
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "out of memory recording an error of %s",
		    n->hex);
	if (ok) {
		n->st.has_inbound = true;
		n->st.inbound_msat = inbound;
	}
	n->st.checked_ms = swgr_wall_ms();
	n->st.latency_us = latency_us;
	free(n->st.last_error);
	n->st.last_error = e;
	n->dirty = true;
	swgr_metric_observe(n->check_h, (double)latency_us / 1e6);
	if (!ok)
		swgr_metric_add(n->fails_c, 1);
	else
		swgr_metric_set(n->inbound_g, (int64_t)(inbound > INT64_MAX ? INT64_MAX : inbound));
	if (mon_health_observe(&n->st, ok, m->to_healthy, m->to_unhealthy)) {
		if (ok)
			swgr_log(SWGR_LOG_INFO, MON_TARGET, "%s becomes healthy", n->hex);
		else
			swgr_log(SWGR_LOG_WARN, MON_TARGET, "%s becomes unhealthy, %s", n->hex,
			    error);
	}
	swgr_metric_set(n->healthy_g, n->st.healthy);
	mon_wake_db(m);
}

/*
 * After a failed call, a new client for the next check: spec §9.2 drops the
 * connection on any error and dials again on the next call, where gRPC's own
 * reconnect backoff would keep refusing calls for a while after the node is
 * back.  A client that cannot be rebuilt now (a file gone) leaves the old one.
 */
static void
redial(struct mon_node *n)
{
	struct mon *m = n->m;
	struct swgr_err err = { 0 };
	struct swgr_fleet_node *def, *fresh = NULL;

	pthread_mutex_lock(&m->mu);
	def = n->fresh == NULL ? swgr_fleet_node_ref(n->def) : NULL;
	pthread_mutex_unlock(&m->mu);
	if (def == NULL)
		return;
	if (swgr_fleet_node_redial(def, &fresh, &err) != SWGR_OK)
		swgr_log(SWGR_LOG_DEBUG, MON_TARGET, "redial: %s", err.msg);
	swgr_fleet_node_put(def);
	pthread_mutex_lock(&m->mu);
	if (n->fresh == NULL) {
		n->fresh = fresh;
		fresh = NULL;
	}
	pthread_mutex_unlock(&m->mu);
	swgr_fleet_node_put(fresh);
}

/* One check: the inbound-liquidity call (spec §9.3), serialised unless parallel. */
static void
check(struct mon_node *n)
{
	struct mon *m = n->m;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	uint64_t msat = 0;
	int64_t t0;

	if (swgr_fleet_node_client(n->client) == NULL) {
		/*
		 * Its implementation was refused on this host (a credential file,
		 * the url): nothing is called, the status row says why, and the
		 * log says it once, when the node turns unhealthy.
		 */
		pthread_mutex_lock(&m->mu);
		n->busy = false;
		observe(n, false, 0, 0, swgr_fleet_node_error(n->client));
		pthread_mutex_unlock(&m->mu);
		return;
	}
	if (!m->parallel)
		pthread_mutex_lock(&m->rpc_mu);
	pthread_mutex_lock(&m->mu);
	if (n->quit) {			/* stopped while queued behind the serial lock */
		n->busy = false;
		pthread_mutex_unlock(&m->mu);
		if (!m->parallel)
			pthread_mutex_unlock(&m->rpc_mu);
		return;
	}
	n->in_rpc = true;
	n->rpc_tick = m->tick;
	n->rpc_start_us = t0 = swgr_mono_us();
	pthread_mutex_unlock(&m->mu);

	rc = swgr_ln_inbound(swgr_fleet_node_client(n->client), &msat, &err);

	pthread_mutex_lock(&m->mu);
	n->in_rpc = false;
	n->busy = false;
	observe(n, rc == SWGR_OK, msat, swgr_mono_us() - t0,
	    err.msg[0] != '\0' ? err.msg : swgr_rc_name(rc));
	pthread_mutex_unlock(&m->mu);
	if (!m->parallel)
		pthread_mutex_unlock(&m->rpc_mu);
	if (rc != SWGR_OK)
		redial(n);
}

static void *
worker_main(void *arg)
{
	struct mon_node *n = arg;
	struct mon *m = n->m;
	struct swgr_fleet_node *old;

	pthread_mutex_lock(&m->mu);
	for (;;) {
		while (!n->want && !n->quit)
			pthread_cond_wait(&n->cv, &m->mu);
		if (n->quit)
			break;
		n->want = false;
		n->busy = true;
		old = NULL;
		if (n->fresh != NULL) {
			old = n->client;
			n->client = n->fresh;
			n->fresh = NULL;
		}
		pthread_mutex_unlock(&m->mu);
		swgr_fleet_node_put(old);
		check(n);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

enum swgr_rc
mon_node_start(struct mon *m, const struct swgr_backend *b, struct swgr_fleet_node *node,
    struct mon_node **out, struct swgr_err *err)
{
	struct mon_node *n;
	int e;

	*out = NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	n->m = m;
	swgr_hex_encode(b->pk.b, sizeof(b->pk.b), n->hex);
	n->weight = b->weight;
	n->def = swgr_fleet_node_ref(node);
	n->client = swgr_fleet_node_ref(node);
	n->st.pk = b->pk;
	n->st.weight = b->weight;
	/* spec §9.1: a new identity starts healthy, unless it has no client to call */
	n->st.healthy = swgr_fleet_node_client(node) != NULL;
	n->dirty = true;
	n->want = true;
	node_metrics(n);
	pthread_cond_init(&n->cv, NULL);
	if ((e = pthread_create(&n->th, NULL, worker_main, n)) != 0) {
		pthread_cond_destroy(&n->cv);
		swgr_fleet_node_put(n->def);
		swgr_fleet_node_put(n->client);
		free(n);
		return swgr_err_set(err, SWGR_EINTERNAL, "starting the worker thread: %s",
		    strerror(e));
	}
	*out = n;
	return SWGR_OK;
}

void
mon_node_renew(struct mon_node *n, struct swgr_fleet_node *node)
{
	swgr_fleet_node_put(n->def);
	n->def = swgr_fleet_node_ref(node);
	swgr_fleet_node_put(n->fresh);
	n->fresh = swgr_fleet_node_ref(node);
}

void
mon_node_retire(struct mon_node *n)
{
	n->quit = true;
	pthread_cond_signal(&n->cv);
}

void
mon_node_join(struct mon_node *n)
{
	if (n->joined)
		return;
	pthread_join(n->th, NULL);
	n->joined = true;
}

void
mon_node_reap(struct mon_node *n)
{
	mon_node_join(n);
	pthread_cond_destroy(&n->cv);
	swgr_fleet_node_put(n->def);
	swgr_fleet_node_put(n->client);
	swgr_fleet_node_put(n->fresh);
	swgr_node_status_free(&n->st);
	free(n);
}

/*
 * A round.  A node whose call began in an earlier round and has lasted at
 * least half a period is not asked again: it counts a failure, so a hanging
 * node turns unhealthy after the threshold of rounds whatever
 * ln-client-timeout-secs is.  A node queued behind the serial lock is left alone.
 */
void
mon_tick(struct mon *m)
{
	struct mon_node *n;
	char msg[128];
	int64_t now, ran;
	size_t i;

	pthread_mutex_lock(&m->mu);
	m->tick++;
	m->tick_ms = swgr_wall_ms();
	now = swgr_mono_us();
	for (i = 0; i < m->nnodes; i++) {
		n = m->nodes[i];
		if (!n->busy) {
			n->want = true;
			pthread_cond_signal(&n->cv);
			continue;
		}
		ran = now - n->rpc_start_us;
		if (!n->in_rpc || n->rpc_tick >= m->tick ||
		    ran < (int64_t)(m->period * 500000))
			continue;
		snprintf(msg, sizeof(msg), "backend %s: health check still running after %.1f s",
		    n->hex, (double)ran / 1e6);
		observe(n, false, 0, ran, msg);
	}
	mon_wake_db(m);
	pthread_mutex_unlock(&m->mu);
}
