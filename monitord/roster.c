/* The roster: which backends have a worker, kept in line with the fleet (spec §9.1). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "node.h"
#include "roster.h"

static struct mon_node *
find(struct mon_node **v, size_t n, const struct swgr_backend *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && memcmp(v[i]->st.pk.b, b->pk.b, sizeof(b->pk.b)) == 0)
			return v[i];
	return NULL;
}

/*
 * The node that monitors fleet member f in the new roster, or NULL if it is
 * skipped.  Same identity: the old node, renewed with the fleet's node if
 * the definition changed.  Otherwise a new node.
 */
static struct mon_node *
keep_or_start(struct mon *m, struct mon_node *old, const struct swgr_fleet_member *f)
{
	struct swgr_err err = { 0 };
	struct mon_node *n = NULL;

	/*
	 * A disabled backend is never called: its credentials go nowhere (a
	 * template is created disabled, its url and files not yet checked).
	 */
	if (!f->b.enabled)
		return NULL;
	/*
	 * No client (refused on this host, logged by the fleet): unlike spec
	 * §9.1 it gets a node all the same, which calls nothing and keeps its
	 * status row unhealthy with the reason (monitord/node.c).
	 */
	if (old != NULL && old->weight == f->b.weight) {
		if (old->def == f->node)
			return old;
		pthread_mutex_lock(&m->mu);
		mon_node_renew(old, f->node);
		pthread_mutex_unlock(&m->mu);
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "backend %s: implementation changed, "
		    "client rebuilt", old->hex);
		return old;
	}
	if (mon_node_start(m, &f->b, f->node, &n, &err) != SWGR_OK) {
		/* err names the backend: "backend <key>: <cause>" */
		swgr_err_wrap(&err, "backend %s", swgr_fleet_node_name(f->node));
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "Failed to connect to %s", err.msg);
		return NULL;
	}
	if (swgr_fleet_node_client(f->node) == NULL)
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "backend %s (weight %lld): not called, its "
		    "status row says why", n->hex, (long long)f->b.weight);
	else
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "monitoring backend %s (weight %lld, %s)",
		    n->hex, (long long)f->b.weight,
		    swgr_ln_client_kind(swgr_fleet_node_client(f->node)));
	return n;
}

/* Replaces the roster with v (under m->mu), retiring the nodes not in it. */
static void
swap_roster(struct mon *m, struct mon_node **v, size_t n)
{
	struct mon_node *o;
	size_t i, k;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nnodes; i++) {
		o = m->nodes[i];
		for (k = 0; k < n && v[k] != o; k++)
			;
		if (k < n)
			continue;
		if (!o->quit)
			swgr_log(SWGR_LOG_INFO, MON_TARGET, "no longer monitoring backend %s "
			    "(weight %lld)", o->hex, (long long)o->weight);
		mon_node_retire(o);
		o->next_dead = m->dead;
		m->dead = o;
	}
	free(m->nodes);
	m->nodes = v;
	m->nnodes = n;
	m->prune = true;
	pthread_mutex_unlock(&m->mu);
}

enum swgr_rc
mon_roster_reload(struct mon *m, struct swgr_err *err)
{
	const struct swgr_fleet_member *f;
	struct mon_node **v = NULL, *n;
	enum swgr_rc rc;
	size_t nf, nv = 0, i;
	bool changed;

	mon_roster_reap(m, false);
	if ((rc = swgr_fleet_reload(m->fleet, &changed, err)) != SWGR_OK || !changed)
		return rc;
	f = swgr_fleet_members(m->fleet, &nf);
	if (nf > 0 && (v = calloc(nf, sizeof(*v))) == NULL) {
		swgr_fleet_invalidate(m->fleet);	/* this list is applied next time */
		return swgr_err_set(err, SWGR_ENOMEM, "reloading backends: out of memory");
	}
	for (i = 0; i < nf; i++)
		if ((n = keep_or_start(m, find(m->nodes, m->nnodes, &f[i].b), &f[i])) != NULL)
			v[nv++] = n;
	swap_roster(m, v, nv);
	return SWGR_OK;
}

void
mon_roster_reap(struct mon *m, bool wait)
{
	struct mon_node **pp, *n;
	bool running;

	pp = &m->dead;
	while ((n = *pp) != NULL) {
		pthread_mutex_lock(&m->mu);
		running = n->busy;
		pthread_mutex_unlock(&m->mu);
		if (running && !wait) {
			pp = &n->next_dead;
			continue;
		}
		*pp = n->next_dead;
		mon_node_reap(n);
	}
}

void
mon_roster_stop(struct mon *m)
{
	size_t i;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nnodes; i++)
		mon_node_retire(m->nodes[i]);
	pthread_mutex_unlock(&m->mu);
	for (i = 0; i < m->nnodes; i++)
		mon_node_join(m->nodes[i]);
}

void
mon_roster_clear(struct mon *m)
{
	swap_roster(m, NULL, 0);
	m->prune = false;
	mon_roster_reap(m, true);
}
