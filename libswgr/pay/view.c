/* The balancer's view of the fleet: backends with this instance's node status and monitor heartbeat, as snapshots kept current by a thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pay/view.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/store.h"

#define TARGET		"swgr::balancer"
#define REFRESH_MAX	1.0	/* seconds between two reads of the fleet, at most */

/* A selector shared by the snapshots with the same (key, weight) list, so its state survives. */
struct swgr_view_sel {
	int		 refs;		/* atomic */
	struct swgr_select_backend *v;
	size_t		 n;
	struct swgr_selector *s;
};

struct swgr_view {
	const struct swgr_lnurl_cfg *lc;
	char		 instance[256];
	double		 stale_after;	/* seconds */
	double		 period;	/* seconds between refreshes */
	struct swgr_store *store;
	/* Refresher state, touched by the refresher thread only (and new/free). */
	struct swgr_fleet *fleet;
	bool		 was_stale;	/* for the log of transitions */
	double		 stale_max;	/* store-stale-max-secs */
	struct swgr_node_status *last_st;	/* the status rows last read */
	size_t		 last_nst;
	int64_t		 read_ms;	/* wall time of that read; -1 never */
	int64_t		 beat_read_ms;	/* wall time of the last heartbeat read; -1 never */
	double		 fleet_ok;	/* monotonic time of the last good fleet reload; -1 never */
	int64_t		 down_ms;	/* wall time the reads began to fail; 0: up */
	bool		 expired_logged;
	/* Shared. */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* signalled at stop */
	bool		 stop;		/* under mu */
	struct swgr_view_snap *cur;	/* under mu */
	pthread_t	 th;
	bool		 started;
};

/* ---- references ---- */

static void
sel_put(struct swgr_view_sel *r)
{
	if (r == NULL || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	swgr_selector_free(r->s);
	free(r->v);
	free(r);
}

void
swgr_view_put(struct swgr_view_snap *s)
{
	size_t i;

	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < s->n; i++) {
		swgr_strv_free(s->v[i].partitions, s->v[i].npartitions);
		swgr_fleet_node_put(s->v[i].node);
	}
	free(s->v);
	sel_put(s->selref);
	free(s);
}

struct swgr_view_snap *
swgr_view_get(struct swgr_view *v)
{
	struct swgr_view_snap *s;

	pthread_mutex_lock(&v->mu);
	s = v->cur;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&v->mu);
	return s;
}

/* ---- building a snapshot ---- */

/* The selector of s's members: the old one if the (key, weight) list is the same. */
static struct swgr_view_sel *
selector_for(struct swgr_view *v, const struct swgr_view_snap *old, const struct swgr_view_snap *s)
{
	struct swgr_err err = { 0 };
	struct swgr_view_sel *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->v = calloc(s->n, sizeof(*r->v))) == NULL) {
		free(r);
		return NULL;
	}
	r->refs = 1;
	r->n = s->n;
	for (i = 0; i < s->n; i++) {
		memcpy(r->v[i].pk, s->v[i].pk.b, 33);
		r->v[i].weight = (uint32_t)s->v[i].weight;
	}
	if (old != NULL && old->selref != NULL && old->selref->n == r->n &&
	    memcmp(old->selref->v, r->v, r->n * sizeof(*r->v)) == 0) {
		free(r->v);
		free(r);
		__atomic_add_fetch(&old->selref->refs, 1, __ATOMIC_ACQ_REL);
		return old->selref;
	}
	if (swgr_selector_new(v->lc->selection, v->lc->consistent_max_iterations, r->v, r->n,
	    &r->s, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, TARGET, "building the backend selector: %s", err.msg);
		free(r->v);
		free(r);
		return NULL;
	}
	return r;
}

static void
apply_status(struct swgr_view_member *m, const struct swgr_node_status *st, size_t nst)
{
	size_t i;

	for (i = 0; i < nst; i++) {
		if (memcmp(st[i].pk.b, m->pk.b, 33) != 0 || st[i].weight != m->weight)
			continue;
		m->has_status = true;
		m->healthy = st[i].healthy;
		m->has_inbound = st[i].has_inbound;
		m->inbound_msat = st[i].inbound_msat;
		m->checked_ms = st[i].checked_ms;
		return;
	}
}

const char *const swgr_view_outcome_names[SWGR_VIEW_OUTCOMES] = {
	"issued", "failed", "timeout", "wrong_invoice"
};

/*
 * The invoice metrics of m: those of the old snapshot's member of the same
 * key (looked at in the same place first), else looked up (the segment's
 * mutex: here, on the view's thread, never on a request's).
 */
static void
member_metrics(struct swgr_view_member *m, const struct swgr_view_snap *old, size_t at)
{
	static const double bounds[] = SWGR_METRICS_LATENCY_BOUNDS;
	const struct swgr_view_member *o = NULL;
	char name[SWGR_PUBKEY_STRLEN + 1], labels[160];
	size_t i;
	int k;

	if (old != NULL && at < old->n && memcmp(&old->v[at].pk, &m->pk, sizeof(m->pk)) == 0)
		o = &old->v[at];
	for (i = 0; o == NULL && old != NULL && i < old->n; i++)
		if (memcmp(&old->v[i].pk, &m->pk, sizeof(m->pk)) == 0)
			o = &old->v[i];
	if (o != NULL && o->duration != NULL) {
		memcpy(m->invoices, o->invoices, sizeof(m->invoices));
		m->duration = o->duration;
		return;
	}
	swgr_pubkey_format(&m->pk, name);
	for (k = 0; k < SWGR_VIEW_OUTCOMES; k++) {
		snprintf(labels, sizeof(labels), "backend=\"%s\",outcome=\"%s\"", name,
		    swgr_view_outcome_names[k]);
		m->invoices[k] = swgr_metric_counter("swgr_invoices_total", labels);
	}
	snprintf(labels, sizeof(labels), "backend=\"%s\"", name);
	m->duration = swgr_metric_histogram("swgr_invoice_duration_seconds", labels, bounds,
	    (int)(sizeof(bounds) / sizeof(bounds[0])));
}

/* A new snapshot from the fleet, the status rows and the heartbeat; NULL if out of memory. */
static struct swgr_view_snap *
snap_build(struct swgr_view *v, const struct swgr_view_snap *old,
    const struct swgr_node_status *st, size_t nst, int64_t beat_ms, bool no_fleet)
{
	const struct swgr_fleet_member *f;
	struct swgr_view_snap *s;
	struct swgr_view_member *m;
	size_t nf, i, j;

	f = swgr_fleet_members(v->fleet, &nf);
	if (no_fleet)
		nf = 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->refs = 1;
	s->beat_ms = beat_ms;
	s->read_ms = v->read_ms;
	s->down_ms = v->down_ms;
	if (nf > 0 && (s->v = calloc(nf, sizeof(*s->v))) == NULL)
		goto fail;
	for (i = 0; i < nf; i++) {
		m = &s->v[s->n++];
		m->pk = f[i].b.pk;
		m->weight = f[i].b.weight;
		m->enabled = f[i].b.enabled;
		m->node = swgr_fleet_node_ref(f[i].node);
		if ((m->partitions = calloc(f[i].b.npartitions + 1, sizeof(char *))) == NULL)
			goto fail;
		for (j = 0; j < f[i].b.npartitions; j++) {
			if ((m->partitions[j] = strdup(f[i].b.partitions[j])) == NULL)
				goto fail;
			m->npartitions++;
		}
		apply_status(m, st, nst);
		member_metrics(m, old, i);
	}
	if (s->n > 0) {
		if ((s->selref = selector_for(v, old, s)) == NULL)
			goto fail;
		s->sel = s->selref->s;
	}
	return s;
fail:
	swgr_view_put(s);
	return NULL;
}

bool
swgr_view_stale(const struct swgr_view *v, int64_t beat_ms, int64_t now_ms)
{
	return beat_ms < 0 || (double)(now_ms - beat_ms) > v->stale_after * 1000.0;
}

int64_t
swgr_view_window_ms(const struct swgr_view *v)
{
	return (int64_t)(v->stale_after * 1000.0);
}

/* Logs when the monitor becomes stale (fail open) or fresh again, once per change. */
static void
log_staleness(struct swgr_view *v, int64_t beat)
{
	bool stale = swgr_view_stale(v, beat, swgr_wall_ms());

	if (stale && !v->was_stale)
		swgr_log(SWGR_LOG_WARN, TARGET, "monitor heartbeat of instance %s is %s: node "
		    "status not trusted, every enabled backend is a candidate", v->instance,
		    beat < 0 ? "missing" : "stale");
	else if (!stale && v->was_stale)
		swgr_log(SWGR_LOG_INFO, TARGET, "monitor heartbeat of instance %s is fresh again",
		    v->instance);
	v->was_stale = stale;
}

bool
swgr_view_down(const struct swgr_view_snap *s, int64_t now_ms, double *secs)
{
	*secs = s->down_ms > 0 ? (double)(now_ms - s->down_ms) / 1000.0 : 0;
	if (*secs < 0)
		*secs = 0;
	return s->down_ms > 0;
}

/* Whether something read at wall time at_ms (-1: never) may still stand in. */
static bool
usable(const struct swgr_view *v, int64_t at_ms, int64_t now_ms)
{
	return v->stale_max > 0 && at_ms >= 0 && (double)(now_ms - at_ms) <= v->stale_max * 1000.0;
}

/* The start and the end of an outage of the store's reads, logged once each. */
static void
note_outage(struct swgr_view *v, bool failing, int64_t now_ms, const char *why)
{
	if (failing && v->down_ms == 0) {
		v->down_ms = now_ms;
		swgr_log(SWGR_LOG_WARN, TARGET, "discover store unavailable: %s; the backends and "
		    "node status last read are used for up to %.0f s", why, v->stale_max);
	} else if (!failing && v->down_ms != 0) {
		swgr_log(SWGR_LOG_INFO, TARGET, "discover store available again after %.1f s",
		    (double)(now_ms - v->down_ms) / 1000.0);
		v->down_ms = 0;
		v->expired_logged = false;
	}
}

/*
 * One refresh: the fleet (its list when the ETag moved), the status rows
 * and the heartbeat, published as a new snapshot.  A store error keeps what
 * was last read while it may stand in (swgr_view_new); staleness is judged
 * at request time, so a long outage fails open.
 */
static void
refresh(struct swgr_view *v)
{
	struct swgr_node_status *st = NULL;
	struct swgr_err err = { 0 }, ferr = { 0 };
	struct swgr_view_snap *old, *s;
	int64_t beat, period, now_ms = swgr_wall_ms();
	size_t nst = 0, nf;
	enum swgr_rc rc;
	bool changed, failing = false, no_fleet = false;
	char why[sizeof(err.msg)] = "";

	old = swgr_view_get(v);
	if (swgr_fleet_reload(v->fleet, &changed, &ferr) != SWGR_OK) {
		swgr_log(v->down_ms == 0 ? SWGR_LOG_WARN : SWGR_LOG_DEBUG, TARGET,
		    "Error updating load balancer discovery: %s", ferr.msg);
		if (ferr.rc == SWGR_EUPSTREAM) {
			failing = true;
			snprintf(why, sizeof(why), "%s", ferr.msg);
		}
		/* The members of the last good reload stay, while they may stand in. */
		no_fleet = ferr.rc == SWGR_EUPSTREAM &&
		    (v->stale_max <= 0 || v->fleet_ok < 0 ||
		    swgr_mono_now() - v->fleet_ok > v->stale_max);
	} else
		v->fleet_ok = swgr_mono_now();
	rc = swgr_store_heartbeat_get(v->store, v->instance, &beat, &period, &err);
	if (rc == SWGR_NOTFOUND) {
		beat = -1;
		v->beat_read_ms = now_ms;
	} else if (rc != SWGR_OK) {
		swgr_log(v->down_ms == 0 ? SWGR_LOG_WARN : SWGR_LOG_DEBUG, TARGET,
		    "reading the monitor heartbeat: %s", err.msg);
		if (rc == SWGR_EUPSTREAM && !failing) {
			failing = true;
			snprintf(why, sizeof(why), "%s", err.msg);
		}
		beat = usable(v, v->beat_read_ms, now_ms) ? old->beat_ms : -1;
	} else
		v->beat_read_ms = now_ms;
	if ((rc = swgr_store_status_list(v->store, v->instance, &st, &nst, &err)) == SWGR_OK) {
		swgr_node_statuses_free(v->last_st, v->last_nst);
		v->last_st = st;
		v->last_nst = nst;
		v->read_ms = now_ms;
	} else {
		swgr_log(v->down_ms == 0 ? SWGR_LOG_WARN : SWGR_LOG_DEBUG, TARGET,
		    "reading the node status of %s: %s", v->instance, err.msg);
		if (rc == SWGR_EUPSTREAM && !failing) {
			failing = true;
			snprintf(why, sizeof(why), "%s", err.msg);
		}
		if (rc != SWGR_EUPSTREAM || !usable(v, v->read_ms, now_ms)) {
			/* no status to trust: fail open */
			swgr_node_statuses_free(v->last_st, v->last_nst);
			v->last_st = NULL;
			v->last_nst = 0;
			v->read_ms = -1;
			beat = -1;
		}
	}
	note_outage(v, failing, now_ms, why);
	if (no_fleet && swgr_fleet_members(v->fleet, &nf) != NULL && nf > 0 &&
	    !v->expired_logged) {
		swgr_log(SWGR_LOG_ERROR, TARGET, "the backends were last read more than %.0f s "
		    "ago (store-stale-max-secs): none is used until the store answers", v->stale_max);
		v->expired_logged = true;
	}
	swgr_fleet_members(v->fleet, &nf);
	swgr_log(SWGR_LOG_DEBUG, TARGET, "refresh: %zu backends, %zu status rows, heartbeat %lld ms old",
	    no_fleet ? 0 : nf, v->last_nst, beat < 0 ? -1LL : (long long)(now_ms - beat));
	if ((s = snap_build(v, old, v->last_st, v->last_nst, beat, no_fleet)) != NULL) {
		pthread_mutex_lock(&v->mu);
		v->cur = s;
		pthread_mutex_unlock(&v->mu);
		swgr_view_put(old);	/* the reference v->cur held */
	} else
		swgr_log(SWGR_LOG_ERROR, TARGET, "out of memory refreshing the fleet");
	swgr_view_put(old);
	log_staleness(v, beat);
}

bool
swgr_view_nap(struct swgr_view *v, double secs)
{
	struct timespec ts;
	bool stop;

	swgr_mono_after(&ts, secs);
	pthread_mutex_lock(&v->mu);
	while (!v->stop && pthread_cond_timedwait(&v->cv, &v->mu, &ts) != ETIMEDOUT)
		;
	stop = v->stop;
	pthread_mutex_unlock(&v->mu);
	return !stop;
}

static void *
refresher(void *arg)
{
	struct swgr_view *v = arg;

	/* At once: the first refresh (in swgr_view_new) may have taken long, making clients. */
	do
		refresh(v);
	while (swgr_view_nap(v, v->period));
	return NULL;
}

enum swgr_rc
swgr_view_new(const struct swgr_config *cfg, struct swgr_view **out, struct swgr_err *err)
{
	struct swgr_ln_opts lnopts = { 0 };
	struct swgr_view *v;
	double p;
	size_t n;
	enum swgr_rc rc;

	if (cfg->store_discover.type == SWGR_STORE_NONE)
		return swgr_err_set(err, SWGR_EINTERNAL, "discover store enabled but has no config");
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	v->lc = &cfg->lnurl;
	swgr_config_instance(cfg, v->instance, sizeof(v->instance));
	v->stale_after = swgr_config_stale_after(cfg);
	v->stale_max = v->lc->store_stale_max_secs;
	v->read_ms = v->beat_read_ms = -1;
	v->fleet_ok = -1;
	p = REFRESH_MAX;
	if (v->lc->backend_update_frequency_secs > 0 && v->lc->backend_update_frequency_secs < p)
		p = v->lc->backend_update_frequency_secs;
	if (v->lc->health_check_frequency_secs > 0 && v->lc->health_check_frequency_secs / 2 < p)
		p = v->lc->health_check_frequency_secs / 2;
	v->period = p < 0.05 ? 0.05 : p;
	pthread_mutex_init(&v->mu, NULL);
	swgr_mono_cond_init(&v->cv);
	if ((v->cur = calloc(1, sizeof(*v->cur))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	v->cur->refs = 1;
	v->cur->beat_ms = -1;
	v->cur->read_ms = -1;
	if ((rc = swgr_store_open(&cfg->store_discover, cfg->path, SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_ROLE_STATUS, &v->store, err)) != SWGR_OK) {
		swgr_err_wrap(err, "opening the discover store");
		goto fail;
	}
	lnopts.timeout_secs = v->lc->ln_client_timeout_secs;
	lnopts.trusted_roots = v->lc->ln_trusted_roots;
	lnopts.cred_dirs.dirs = cfg->node_access.credential_directories;
	lnopts.cred_dirs.n = cfg->node_access.ncredential_directories;
	lnopts.backend_hosts = cfg->node_access.backend_hosts;
	lnopts.nbackend_hosts = cfg->node_access.nbackend_hosts;
	if ((rc = swgr_fleet_new(v->store, v->lc->partitions, v->lc->npartitions, &lnopts, TARGET,
	    &v->fleet, err)) != SWGR_OK)
		goto fail;
	refresh(v);
	n = v->cur->n;		/* before the thread may replace it */
	if (pthread_create(&v->th, NULL, refresher, v) != 0) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "starting the balancer thread failed");
		goto fail;
	}
	v->started = true;
	swgr_log(SWGR_LOG_INFO, TARGET, "balancer of instance %s: %zu backends, refresh every "
	    "%.3f s, monitor stale after %.3f s", v->instance, n, v->period,
	    v->stale_after);
	*out = v;
	return SWGR_OK;
fail:
	swgr_view_free(v);
	return rc;
}

void
swgr_view_free(struct swgr_view *v)
{
	if (v == NULL)
		return;
	swgr_log(SWGR_LOG_INFO, TARGET, "shutting down load balancer background services");
	pthread_mutex_lock(&v->mu);
	v->stop = true;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	if (v->started)
		pthread_join(v->th, NULL);
	swgr_view_put(v->cur);
	swgr_node_statuses_free(v->last_st, v->last_nst);
	swgr_fleet_free(v->fleet);
	if (v->store != NULL)
		swgr_store_close(v->store);
	pthread_cond_destroy(&v->cv);
	pthread_mutex_destroy(&v->mu);
	free(v);
	swgr_log(SWGR_LOG_INFO, TARGET, "load balancer background services shut down");
}
