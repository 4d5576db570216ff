/* The balancer of swgr-lnurl: the fleet as the monitor sees it, candidate selection, invoices with failover (spec §9). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pay/balancer.h"
#include "pay/bolt11.h"
#include "fcgi/fcgi.h"
#include "ln/ln.h"
#include "core/log.h"
#include "pay/select.h"
#include "store/store.h"
#include "core/pubkey.h"
#include "core/clock.h"

#define TARGET		"swgr::balancer"
#define REFRESH_MAX	1.0	/* seconds between two reads of the fleet, at most */

/* A Lightning client shared by the fleets that have this backend with this implementation. */
struct lnref {
	int		 refs;		/* atomic */
	struct swgr_pubkey pk;
	char		*impl;
	struct swgr_ln_client *c;	/* NULL: could not be made (logged) */
};

/* A selector shared by the fleets with the same (key, weight) list, so its state survives. */
struct selref {
	int		 refs;		/* atomic */
	struct swgr_select_backend *v;
	size_t		 n;
	struct swgr_selector *s;
};

/* One backend of a snapshot, with this instance's status row (if any). */
struct member {
	struct swgr_pubkey pk;
	int64_t		 weight;
	bool		 enabled;
	char	       **partitions;
	size_t		 npartitions;
	struct lnref	*ln;
	bool		 has_status;	/* a row for this (key, weight) */
	bool		 healthy;
	bool		 has_inbound;
	uint64_t	 inbound_msat;
	int64_t		 checked_ms;
};

/* What request threads read: immutable once published, freed with its last reference. */
struct snap {
	int		 refs;		/* atomic */
	struct member	*v;
	size_t		 n;
	struct selref	*sel;		/* NULL when n is 0 */
	int64_t		 beat_ms;	/* the monitor's last heartbeat, -1 if none */
};

struct swgr_balancer {
	const struct swgr_config *cfg;
	const struct swgr_lnurl_cfg *lc;
	char		 instance[256];
	double		 stale_after;	/* seconds */
	double		 period;	/* seconds between refreshes */
	struct swgr_store *store;
	struct swgr_ln_opts ln_opts;
	/* Refresher state, touched by the refresher thread only (and new/free). */
	bool		 have_list;
	bool		 was_stale;	/* for the log of transitions */
	uint64_t	 etag;
	struct swgr_backend *list;	/* the members of the last full list, in store order */
	size_t		 nlist;
	/* Shared. */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* signalled at stop */
	bool		 stop;		/* under mu */
	struct snap	*cur;		/* under mu */
	pthread_t	 th;
	bool		 started;
};

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- references ---- */

static void
lnref_put(struct lnref *r)
{
	if (r == NULL || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (r->c != NULL)
		swgr_ln_client_free(r->c);
	free(r->impl);
	free(r);
}

static void
selref_put(struct selref *r)
{
	if (r == NULL || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	swgr_selector_free(r->s);
	free(r->v);
	free(r);
}

static void
snap_put(struct snap *s)
{
	size_t i;

	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < s->n; i++) {
		swgr_strv_free(s->v[i].partitions, s->v[i].npartitions);
		lnref_put(s->v[i].ln);
	}
	free(s->v);
	selref_put(s->sel);
	free(s);
}

static struct snap *
snap_get(struct swgr_balancer *b)
{
	struct snap *s;

	pthread_mutex_lock(&b->mu);
	s = b->cur;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&b->mu);
	return s;
}

/* ---- building a snapshot ---- */

static bool
serves(const struct swgr_lnurl_cfg *lc, char *const *parts, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < lc->npartitions; j++)
			if (strcmp(parts[i], lc->partitions[j]) == 0)
				return true;
	return false;
}

/* The client of backend bk: the old snapshot's if its implementation is unchanged, else a new one. */
static struct lnref *
client_for(struct swgr_balancer *b, const struct snap *old, const struct swgr_backend *bk)
{
	struct swgr_err err = { 0 };
	char name[SWGR_PUBKEY_STRLEN + 1];
	struct lnref *r;
	size_t i;

	for (i = 0; old != NULL && i < old->n; i++) {
		r = old->v[i].ln;
		if (memcmp(r->pk.b, bk->pk.b, 33) == 0 && (strcmp(r->impl, bk->implementation) == 0 ||
		    swgr_ln_impl_equal(r->impl, bk->implementation))) {
			__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
			return r;
		}
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->impl = strdup(bk->implementation)) == NULL) {
		free(r);
		return NULL;
	}
	r->refs = 1;
	r->pk = bk->pk;
	swgr_pubkey_format(&bk->pk, name);
	if (swgr_ln_client_new(name, bk->implementation, &b->ln_opts, &r->c, &err) != SWGR_OK) {
		r->c = NULL;
		swgr_log(SWGR_LOG_ERROR, TARGET, "Failed to connect to backend %s: %s", name, err.msg);
	}
	return r;
}

/* The selector of s's members: the old one if the (key, weight) list is the same. */
static struct selref *
selector_for(struct swgr_balancer *b, const struct snap *old, const struct snap *s)
{
	struct swgr_err err = { 0 };
	struct selref *r;
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
	if (old != NULL && old->sel != NULL && old->sel->n == r->n &&
	    memcmp(old->sel->v, r->v, r->n * sizeof(*r->v)) == 0) {
		free(r->v);
		free(r);
		__atomic_add_fetch(&old->sel->refs, 1, __ATOMIC_ACQ_REL);
		return old->sel;
	}
	if (swgr_selector_new(b->lc->selection, b->lc->consistent_max_iterations, r->v, r->n,
	    &r->s, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, TARGET, "building the backend selector: %s", err.msg);
		free(r->v);
		free(r);
		return NULL;
	}
	return r;
}

static void
apply_status(struct member *m, const struct swgr_node_status *st, size_t nst)
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

/* A new snapshot from b->list, the status rows and the heartbeat; NULL if out of memory. */
static struct snap *
snap_build(struct swgr_balancer *b, const struct snap *old, const struct swgr_node_status *st,
    size_t nst, int64_t beat_ms)
{
	struct snap *s;
	struct member *m;
	size_t i, j;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->refs = 1;
	s->beat_ms = beat_ms;
	if (b->nlist > 0 && (s->v = calloc(b->nlist, sizeof(*s->v))) == NULL)
		goto fail;
	for (i = 0; i < b->nlist; i++) {
		m = &s->v[s->n];
		m->pk = b->list[i].pk;
		m->weight = b->list[i].weight;
		m->enabled = b->list[i].enabled;
		if ((m->ln = client_for(b, old, &b->list[i])) == NULL)
			goto fail;
		s->n++;
		if ((m->partitions = calloc(b->list[i].npartitions + 1, sizeof(char *))) == NULL)
			goto fail;
		for (j = 0; j < b->list[i].npartitions; j++) {
			if ((m->partitions[j] = strdup(b->list[i].partitions[j])) == NULL)
				goto fail;
			m->npartitions++;
		}
		apply_status(m, st, nst);
	}
	if (s->n > 0 && (s->sel = selector_for(b, old, s)) == NULL)
		goto fail;
	return s;
fail:
	snap_put(s);
	return NULL;
}

/* Replaces b->list by the backends of the store that share a partition with us. */
static enum swgr_rc
reload_list(struct swgr_balancer *b, struct swgr_err *err)
{
	struct swgr_backend *v = NULL;
	uint64_t etag;
	enum swgr_rc rc;
	size_t n = 0, i, k = 0;

	if ((rc = swgr_store_backend_list(b->store, &etag, &v, &n, err)) != SWGR_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (serves(b->lc, v[i].partitions, v[i].npartitions)) {
			if (k != i) {
				v[k] = v[i];
				memset(&v[i], 0, sizeof(v[i]));
			}
			k++;
		} else
			swgr_backend_free(&v[i]);
	}
	swgr_backends_free(b->list, b->nlist);
	b->list = v;
	b->nlist = k;
	b->etag = etag;
	b->have_list = true;
	return SWGR_OK;
}

/* The monitor's status cannot be trusted: no heartbeat, or one older than stale-after. */
static bool
monitor_stale(const struct swgr_balancer *b, int64_t beat_ms, int64_t now_ms)
{
	return beat_ms < 0 || (double)(now_ms - beat_ms) > b->stale_after * 1000.0;
}

/* Logs when the monitor becomes stale (fail open) or fresh again, once per change. */
static void
log_staleness(struct swgr_balancer *b, int64_t beat)
{
	bool stale = monitor_stale(b, beat, wall_ms());

	if (stale && !b->was_stale)
		swgr_log(SWGR_LOG_WARN, TARGET, "monitor heartbeat of instance %s is %s: node "
		    "status not trusted, every enabled backend is a candidate", b->instance,
		    beat < 0 ? "missing" : "stale");
	else if (!stale && b->was_stale)
		swgr_log(SWGR_LOG_INFO, TARGET, "monitor heartbeat of instance %s is fresh again",
		    b->instance);
	b->was_stale = stale;
}

/*
 * One refresh: the backend list when the ETag moved, the status rows and the
 * heartbeat, published as a new snapshot.  A store error keeps what is known
 * (staleness is judged at request time, so a store outage fails open).
 */
static void
refresh(struct swgr_balancer *b)
{
	struct swgr_node_status *st = NULL;
	struct swgr_err err = { 0 };
	struct snap *old, *s;
	int64_t beat, period;
	uint64_t etag;
	size_t nst = 0;
	enum swgr_rc rc;

	old = snap_get(b);
	rc = swgr_store_backend_etag(b->store, &etag, &err);
	if (rc == SWGR_OK && (!b->have_list || etag != b->etag))
		rc = reload_list(b, &err);
	if (rc != SWGR_OK)
		swgr_log(SWGR_LOG_WARN, TARGET, "Error updating load balancer discovery: %s", err.msg);
	rc = swgr_store_heartbeat_get(b->store, b->instance, &beat, &period, &err);
	if (rc == SWGR_NOTFOUND)
		beat = -1;
	else if (rc != SWGR_OK) {
		swgr_log(SWGR_LOG_WARN, TARGET, "reading the monitor heartbeat: %s", err.msg);
		beat = old->beat_ms;
	}
	if (swgr_store_status_list(b->store, b->instance, &st, &nst, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_WARN, TARGET, "reading the node status of %s: %s", b->instance,
		    err.msg);
		st = NULL;
		nst = 0;
		beat = -1;	/* no status: fail open */
	}
	swgr_log(SWGR_LOG_DEBUG, TARGET, "refresh: %zu backends, %zu status rows, heartbeat %lld ms old",
	    b->nlist, nst, beat < 0 ? -1LL : (long long)(wall_ms() - beat));
	if ((s = snap_build(b, old, st, nst, beat)) != NULL) {
		pthread_mutex_lock(&b->mu);
		b->cur = s;
		pthread_mutex_unlock(&b->mu);
		snap_put(old);	/* the reference b->cur held */
	} else
		swgr_log(SWGR_LOG_ERROR, TARGET, "out of memory refreshing the fleet");
	snap_put(old);
	swgr_node_statuses_free(st, nst);
	log_staleness(b, beat);
}

/* Sleeps secs unless stopped; returns false if the balancer is stopping. */
static bool
nap(struct swgr_balancer *b, double secs)
{
	struct timespec ts;
	bool stop;

	swgr_mono_after(&ts, secs);
	pthread_mutex_lock(&b->mu);
	while (!b->stop && pthread_cond_timedwait(&b->cv, &b->mu, &ts) != ETIMEDOUT)
		;
	stop = b->stop;
	pthread_mutex_unlock(&b->mu);
	return !stop;
}

static void *
refresher(void *arg)
{
	struct swgr_balancer *b = arg;

	/* At once: the first refresh (in swgr_balancer_new) may have taken long, making clients. */
	do
		refresh(b);
	while (nap(b, b->period));
	return NULL;
}

enum swgr_rc
swgr_balancer_new(const struct swgr_config *cfg, struct swgr_balancer **out,
    struct swgr_err *err)
{
	struct swgr_balancer *b;
	double p;
	enum swgr_rc rc;

	if (cfg->store_discover.type == SWGR_STORE_NONE)
		return swgr_err_set(err, SWGR_EINTERNAL, "discover store enabled but has no config");
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	b->cfg = cfg;
	b->lc = &cfg->lnurl;
	swgr_config_instance(cfg, b->instance, sizeof(b->instance));
	b->stale_after = swgr_config_stale_after(cfg);
	p = REFRESH_MAX;
	if (b->lc->backend_update_frequency_secs > 0 && b->lc->backend_update_frequency_secs < p)
		p = b->lc->backend_update_frequency_secs;
	if (b->lc->health_check_frequency_secs > 0 && b->lc->health_check_frequency_secs / 2 < p)
		p = b->lc->health_check_frequency_secs / 2;
	b->period = p < 0.05 ? 0.05 : p;
	b->ln_opts.timeout_secs = b->lc->ln_client_timeout_secs;
	b->ln_opts.trusted_roots = b->lc->ln_trusted_roots;
	pthread_mutex_init(&b->mu, NULL);
	swgr_mono_cond_init(&b->cv);
	if ((b->cur = calloc(1, sizeof(*b->cur))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	b->cur->refs = 1;
	b->cur->beat_ms = -1;
	if ((rc = swgr_store_open(&cfg->store_discover, cfg->path, SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_ROLE_STATUS, &b->store, err)) != SWGR_OK) {
		swgr_err_wrap(err, "opening the discover store");
		goto fail;
	}
	refresh(b);
	if (pthread_create(&b->th, NULL, refresher, b) != 0) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "starting the balancer thread failed");
		goto fail;
	}
	b->started = true;
	swgr_log(SWGR_LOG_INFO, TARGET, "balancer of instance %s: %zu backends, refresh every "
	    "%.3f s, monitor stale after %.3f s", b->instance, b->cur->n, b->period,
	    b->stale_after);
	*out = b;
	return SWGR_OK;
fail:
	swgr_balancer_free(b);
	return rc;
}

void
swgr_balancer_free(struct swgr_balancer *b)
{
	if (b == NULL)
		return;
	swgr_log(SWGR_LOG_INFO, TARGET, "shutting down load balancer background services");
	pthread_mutex_lock(&b->mu);
	b->stop = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	if (b->started)
		pthread_join(b->th, NULL);
	snap_put(b->cur);
	swgr_backends_free(b->list, b->nlist);
	if (b->store != NULL)
		swgr_store_close(b->store);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
	swgr_log(SWGR_LOG_INFO, TARGET, "load balancer background services shut down");
}

/* ---- selection ---- */

struct accept_arg {
	const struct snap *s;
	const char	*partition;	/* NULL: any (health) */
	uint64_t	 amount;
	bool		 bias;
	double		 b;
	bool		 stale;
	int64_t		 now_ms;
	int64_t		 window_ms;
};

static bool
in_partition(const struct member *m, const char *p)
{
	size_t i;

	for (i = 0; i < m->npartitions; i++)
		if (strcmp(m->partitions[i], p) == 0)
			return true;
	return false;
}

/* Spec §9.5 with our status source: see swgr_balancer_invoice. */
static bool
accept(size_t i, void *arg)
{
	const struct accept_arg *a = arg;
	const struct member *m = &a->s->v[i];

	if (!m->enabled || m->ln->c == NULL)
		return false;
	if (a->partition != NULL && !in_partition(m, a->partition))
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
swgr_balancer_ready(struct swgr_balancer *b, bool *stale)
{
	struct accept_arg a = { 0 };
	struct snap *s = snap_get(b);
	bool ok = false;
	size_t i;

	a.s = s;
	a.now_ms = wall_ms();
	a.window_ms = (int64_t)(b->stale_after * 1000.0);
	*stale = monitor_stale(b, s->beat_ms, a.now_ms);
	for (i = 0; !*stale && !ok && i < s->n; i++)
		ok = accept(i, &a);
	snap_put(s);
	return ok;
}

/* ---- backoff (spec §9.8) ---- */

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
 * other failure, a non-conforming invoice included.
 */
static enum swgr_rc
ask(struct swgr_balancer *b, const struct member *m, const struct swgr_balancer_req *r,
    double deadline, char **bolt11, struct swgr_err *err)
{
	struct swgr_bolt11 inv;
	struct swgr_err e2 = { 0 };
	char name[SWGR_PUBKEY_STRLEN + 1];
	enum swgr_rc rc;

	/* The call ends at the request's deadline at the latest (README). */
	rc = swgr_ln_invoice_within(m->ln->c, deadline - swgr_mono_now(), r->amount_msat,
	    r->metadata, r->metadata_len, b->lc->invoice_expiry_secs, bolt11, err);
	if (rc != SWGR_OK)
		return rc == SWGR_EINVAL ? SWGR_EINVAL : SWGR_EUPSTREAM;
	swgr_pubkey_format(&m->pk, name);
	if ((rc = swgr_bolt11_decode(*bolt11, strlen(*bolt11), &inv, &e2)) == SWGR_OK) {
		rc = swgr_bolt11_check(&inv, r->amount_msat, r->hash, m->pk.b, &e2);
		swgr_bolt11_free(&inv);
	}
	if (rc == SWGR_OK)
		return SWGR_OK;
	free(*bolt11);
	*bolt11 = NULL;
	return swgr_err_set(err, SWGR_EUPSTREAM, "node %s returned a non-conforming invoice: %s",
	    name, e2.msg);
}

/* One pass over the candidates of a snapshot.  SWGR_NOTFOUND: there were none. */
static enum swgr_rc
pass(struct swgr_balancer *b, const struct swgr_balancer_req *r, bool bias, double deadline,
    char **bolt11, struct swgr_err *err)
{
	struct accept_arg a = { 0 };
	struct snap *s = snap_get(b);
	size_t stack[64], *order = stack, m = 0, i;
	enum swgr_rc rc = SWGR_NOTFOUND;

	if (s->n == 0)
		goto out;
	if (s->n > 64 && (order = calloc(s->n, sizeof(*order))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	a.s = s;
	a.partition = r->partition;
	a.amount = r->amount_msat;
	a.now_ms = wall_ms();
	a.window_ms = (int64_t)(b->stale_after * 1000.0);
	a.stale = monitor_stale(b, s->beat_ms, a.now_ms);
	a.bias = bias && b->lc->has_capacity_bias && !a.stale;
	a.b = b->lc->selection_capacity_bias;
	m = swgr_select(s->sel->s, r->key, r->key != NULL ? strlen(r->key) : 0, accept, &a, order);
	if (m == 0 && a.bias) {
		a.bias = false;
		m = swgr_select(s->sel->s, r->key, r->key != NULL ? strlen(r->key) : 0, accept,
		    &a, order);
	}
	for (i = 0; i < m; i++) {
		if (swgr_mono_now() >= deadline) {
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "request deadline reached");
			break;
		}
		rc = ask(b, &s->v[order[i]], r, deadline, bolt11, err);
		if (rc == SWGR_OK || rc == SWGR_EINVAL)
			break;
		swgr_log(SWGR_LOG_WARN, TARGET, "%s", err->msg);
	}
	if (order != stack)
		free(order);
out:
	snap_put(s);
	return rc;
}

enum swgr_rc
swgr_balancer_invoice(struct swgr_balancer *b, const struct swgr_balancer_req *r,
    char **bolt11, struct swgr_err *err)
{
	struct swgr_backoff bo;
	double start = swgr_mono_now(), deadline, d;
	uint64_t x = (uint64_t)(start * 1e9) ^ (uint64_t)(uintptr_t)r ^ 0x9e3779b97f4a7c15ULL;
	enum swgr_rc rc;
	bool first = true;

	deadline = start + b->lc->request_deadline_secs;
	swgr_backoff_init(&bo, b->lc, start);
	*bolt11 = NULL;
	for (;;) {
		rc = pass(b, r, first, deadline, bolt11, err);
		first = false;
		if (rc == SWGR_OK || rc == SWGR_EINVAL || rc == SWGR_ENOMEM)
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
		if (!nap(b, d))
			return swgr_err_set(err, SWGR_EUPSTREAM, "shutting down");
	}
}
