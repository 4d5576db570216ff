/* The invoice outcomes of the host's swgr-lnurl processes, read from their metrics segments each round, into the nodes' status rows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/pubkey.h"
#include "node.h"
#include "outcomes.h"

#define NOUT		4			/* issued, failed, timeout, wrong_invoice */
#define KIND_HIST	NOUT			/* the duration histogram */
#define NB_MAX		SWGR_METRICS_MAX_BUCKETS	/* a histogram's buckets, +Inf included */
#define WINDOW_MAX	600			/* rounds in the window at most */

static const char *const outcome_names[NOUT] = { "issued", "failed", "timeout", "wrong_invoice" };

/* What one process's segment showed last round of one backend's counter or histogram. */
struct seen {
	long		 pid;
	size_t		 t;		/* the tally */
	int		 kind;		/* an outcome, or KIND_HIST */
	uint64_t	 v[NB_MAX];	/* the counter in v[0], or the cumulative buckets */
	bool		 live;		/* in this round's scan */
};

/* One backend's totals over every process, and the buckets of the last rounds. */
struct tally {
	char		 hex[SWGR_PUBKEY_STRLEN + 1];
	uint64_t	 tot[NOUT];
	uint64_t	 h[NB_MAX];	/* cumulative buckets, the last (+Inf) the count */
	double		 bounds[NB_MAX];
	int		 nb;		/* finite bounds; 0 until a histogram is seen */
	uint64_t	*ring;		/* w snapshots of h, one per round */
	bool		 fresh;		/* ring not filled yet */
};

struct mon_outcomes {
	char		 dir[4096];
	int64_t		 since_ms;
	size_t		 w;		/* snapshots in a ring: the window is w - 1 rounds */
	uint64_t	 rounds;
	struct seen	*s;
	size_t		 ns, caps;
	struct tally	*t;
	size_t		 nt, capt;
	bool		 failing;	/* a scan failure was logged and not its end */
	bool		 cut;		/* this round's scan stopped short (out of memory) */
};

struct mon_outcomes *
mon_outcomes_new(const struct mon *m)
{
	struct mon_outcomes *o;
	double w;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	if (!swgr_config_metrics_dir(m->cfg, o->dir, sizeof(o->dir))) {
		free(o);
		return NULL;
	}
	o->since_ms = swgr_wall_ms();
	w = m->period > 0 ? MON_OUT_WINDOW_SECS / m->period : WINDOW_MAX;
	o->w = w >= WINDOW_MAX ? WINDOW_MAX : (size_t)w + 1;
	if (o->w < 2)
		o->w = 2;
	return o;
}

void
mon_outcomes_free(struct mon_outcomes *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->nt; i++)
		free(o->t[i].ring);
	free(o->t);
	free(o->s);
	free(o);
}

/* The value of key="..." in the label text, into out; false if absent or too long. */
static bool
label(const char *labels, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key), n;
	const char *p = labels, *end;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == labels || p[-1] == ',') && p[klen] == '=' && p[klen + 1] == '"')
			break;
		p += klen;
	}
	if (p == NULL)
		return false;
	p += klen + 2;
	if ((end = strchr(p, '"')) == NULL || (n = (size_t)(end - p)) >= outlen)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* The tally of hex, made if new; SIZE_MAX when out of memory. */
static size_t
tally_of(struct mon_outcomes *o, const char *hex)
{
	struct tally *t;
	size_t i;

	for (i = 0; i < o->nt; i++)
		if (strcasecmp(o->t[i].hex, hex) == 0)
			return i;
	if (o->nt == o->capt) {
		if ((t = realloc(o->t, (o->capt * 2 + 8) * sizeof(*t))) == NULL)
			return SIZE_MAX;
		o->t = t;
		o->capt = o->capt * 2 + 8;
	}
	t = &o->t[o->nt];
	memset(t, 0, sizeof(*t));
	if ((t->ring = calloc(o->w * NB_MAX, sizeof(*t->ring))) == NULL)
		return SIZE_MAX;
	snprintf(t->hex, sizeof(t->hex), "%s", hex);
	t->fresh = true;
	return o->nt++;
}

static struct seen *
seen_of(struct mon_outcomes *o, long pid, size_t t, int kind)
{
	struct seen *s;
	size_t i;

	for (i = 0; i < o->ns; i++)
		if (o->s[i].pid == pid && o->s[i].t == t && o->s[i].kind == kind)
			return &o->s[i];
	if (o->ns == o->caps) {
		if ((s = realloc(o->s, (o->caps * 2 + 16) * sizeof(*s))) == NULL)
			return NULL;
		o->s = s;
		o->caps = o->caps * 2 + 16;
	}
	s = &o->s[o->ns++];
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->t = t;
	s->kind = kind;
	return s;
}

/*
 * What v adds to a total that last saw last: the difference, or all of v
 * when it went down (the pid is another process now).
 */
static uint64_t
delta(uint64_t v, uint64_t last)
{
	return v >= last ? v - last : v;
}

/* One metric of one segment: an invoice counter or duration histogram adds its growth. */
static int
take(void *arg, const struct swgr_metric_view *v)
{
	struct mon_outcomes *o = arg;
	char hex[SWGR_PUBKEY_STRLEN + 1], oc[32];
	struct tally *t;
	struct seen *s;
	size_t ti;
	int kind, k, n;

	if (!label(v->labels, "backend", hex, sizeof(hex)))
		return 0;
	if (strcmp(v->name, "swgr_invoices_total") == 0 && v->type == SWGR_METRIC_COUNTER &&
	    v->nvalues >= 1 && label(v->labels, "outcome", oc, sizeof(oc))) {
		for (kind = 0; kind < NOUT && strcmp(oc, outcome_names[kind]) != 0; kind++)
			;
		if (kind == NOUT)
			return 0;
	} else if (strcmp(v->name, "swgr_invoice_duration_seconds") == 0 &&
	    v->type == SWGR_METRIC_HISTOGRAM && v->nbounds > 0 && v->nbounds < NB_MAX &&
	    v->nvalues >= v->nbounds + 1)
		kind = KIND_HIST;
	else
		return 0;
	if ((ti = tally_of(o, hex)) == SIZE_MAX || (s = seen_of(o, v->pid, ti, kind)) == NULL) {
		o->cut = true;	/* out of memory: this round is cut short */
		return 1;
	}
	t = &o->t[ti];
	s->live = true;
	if (kind < NOUT) {
		t->tot[kind] += delta(v->values[0], s->v[0]);
		s->v[0] = v->values[0];
		return 0;
	}
	if (t->nb == 0) {
		t->nb = v->nbounds;
		memcpy(t->bounds, v->bounds, (size_t)v->nbounds * sizeof(double));
	}
	if (t->nb != v->nbounds)
		return 0;	/* other bounds than the ones tallied: not comparable */
	n = v->nbounds + 1;
	/*
	 * Every bucket of a process that restarted under the same pid went
	 * down with its count: judged on the count alone, they move together.
	 */
	if (v->values[n - 1] < s->v[n - 1])
		memset(s->v, 0, sizeof(s->v));
	for (k = 0; k < n; k++) {
		t->h[k] += delta(v->values[k], s->v[k]);
		s->v[k] = v->values[k];
	}
	return 0;
}

/*
 * The q quantile in microseconds of the window's cumulative buckets c
 * (nb finite bounds, c[nb] the count), by linear interpolation inside the
 * bucket that holds it as Prometheus's histogram_quantile does; in the +Inf
 * bucket, the highest finite bound.  -1 for an empty window.
 */
static int64_t
quantile(const struct tally *t, const uint64_t *c, double q)
{
	double target, lo, hi, below;
	int i;

	if (c[t->nb] == 0)
		return -1;
	target = q * (double)c[t->nb];
	for (i = 0; i < t->nb && (double)c[i] < target; i++)
		;
	if (i == t->nb)
		return (int64_t)(t->bounds[t->nb - 1] * 1e6);
	lo = i == 0 ? 0.0 : t->bounds[i - 1];
	hi = t->bounds[i];
	below = i == 0 ? 0.0 : (double)c[i - 1];
	if ((double)c[i] <= below)
		return (int64_t)(hi * 1e6);
	return (int64_t)((lo + (hi - lo) * (target - below) / ((double)c[i] - below)) * 1e6);
}

/* The round's snapshot of every tally, and its window's quantiles into p50, p99. */
static void
window(struct mon_outcomes *o, struct tally *t, int64_t *p50, int64_t *p99)
{
	uint64_t c[NB_MAX], *slot, *base;
	size_t i, k;

	if (t->fresh) {
		/* at the first round the history before this monitor is not the window */
		for (i = 0; i < o->w; i++)
			for (k = 0; k < NB_MAX; k++)
				t->ring[i * NB_MAX + k] = o->rounds == 0 ? t->h[k] : 0;
		t->fresh = false;
	}
	slot = &t->ring[(o->rounds % o->w) * NB_MAX];
	memcpy(slot, t->h, sizeof(t->h));
	base = &t->ring[((o->rounds + 1) % o->w) * NB_MAX];
	*p50 = *p99 = -1;
	if (t->nb == 0)
		return;
	for (k = 0; k <= (size_t)t->nb; k++)
		c[k] = t->h[k] - base[k];
	*p50 = quantile(t, c, 0.50);
	*p99 = quantile(t, c, 0.99);
}

/* Sets the outcomes of node n (under m->mu); true if they changed. */
static bool
apply(struct mon_outcomes *o, struct mon_node *n, const struct tally *t, int64_t p50,
    int64_t p99)
{
	struct swgr_node_status want = n->st;

	want.has_invoices = true;
	want.inv_since_ms = o->since_ms;
	want.inv_issued = t != NULL ? t->tot[0] : 0;
	want.inv_failed = t != NULL ? t->tot[1] : 0;
	want.inv_timeout = t != NULL ? t->tot[2] : 0;
	want.inv_wrong = t != NULL ? t->tot[3] : 0;
	want.inv_p50_us = t != NULL ? p50 : -1;
	want.inv_p99_us = t != NULL ? p99 : -1;
	if (n->st.has_invoices && n->st.inv_issued == want.inv_issued &&
	    n->st.inv_failed == want.inv_failed && n->st.inv_timeout == want.inv_timeout &&
	    n->st.inv_wrong == want.inv_wrong && n->st.inv_p50_us == want.inv_p50_us &&
	    n->st.inv_p99_us == want.inv_p99_us)
		return false;
	n->st = want;
	return true;
}

void
mon_outcomes_round(struct mon_outcomes *o, struct mon *m)
{
	struct swgr_err err = { 0 };
	int64_t *p50 = NULL, *p99 = NULL;
	enum swgr_rc rc;
	bool changed = false;
	size_t i, k;

	if (o == NULL)
		return;
	for (i = 0; i < o->ns; i++)
		o->s[i].live = false;
	o->cut = false;
	rc = swgr_metrics_scan(o->dir, take, o, &err);
	if (rc != SWGR_OK && rc != SWGR_NOTFOUND) {
		if (!o->failing)
			swgr_log(SWGR_LOG_WARN, MON_TARGET, "invoice outcomes not read: %s", err.msg);
		o->failing = true;
		return;
	}
	if (o->failing)
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "invoice outcomes read again");
	o->failing = false;
	/*
	 * Cut short, the metrics not reached keep what they showed last: the
	 * next round adds their growth (forgotten, they would count twice).
	 */
	if (o->cut)
		return;
	/* the processes gone: forgotten, what they counted stays in the totals */
	for (i = k = 0; i < o->ns; i++)
		if (o->s[i].live)
			o->s[k++] = o->s[i];
	o->ns = k;
	if (o->nt > 0 && ((p50 = calloc(o->nt, sizeof(*p50))) == NULL ||
	    (p99 = calloc(o->nt, sizeof(*p99))) == NULL)) {
		free(p50);
		return;
	}
	for (i = 0; i < o->nt; i++)
		window(o, &o->t[i], &p50[i], &p99[i]);
	o->rounds++;
	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nnodes; i++) {
		for (k = 0; k < o->nt && strcasecmp(o->t[k].hex, m->nodes[i]->hex) != 0; k++)
			;
		if (apply(o, m->nodes[i], k < o->nt ? &o->t[k] : NULL,
		    k < o->nt ? p50[k] : -1, k < o->nt ? p99[k] : -1)) {
			m->nodes[i]->dirty = true;
			changed = true;
		}
	}
	if (changed)
		mon_wake_db(m);
	pthread_mutex_unlock(&m->mu);
	free(p50);
	free(p99);
}
