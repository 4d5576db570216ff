/* The fleet: which backends are monitored, kept in line with the discovery store (spec §9.1). */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "monitor.h"
#include "core/hex.h"

/* Whether b shares a partition with lnurl-service.partitions. */
static bool
ours(const struct mon *m, const struct swgr_backend *b)
{
	const struct swgr_lnurl_cfg *l = &m->cfg->lnurl;
	size_t i, k;

	for (i = 0; i < b->npartitions; i++)
		for (k = 0; k < l->npartitions; k++)
			if (strcmp(b->partitions[i], l->partitions[k]) == 0)
				return true;
	return false;
}

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
 * The node that monitors b in the new fleet, or NULL if b is skipped.
 * Same identity: the old node, with a rebuilt client if the implementation
 * changed.  Otherwise a new node.  A client that cannot be built skips the
 * backend (spec §9.1), logged at ERROR.
 */
static struct mon_node *
keep_or_start(struct mon *m, struct mon_node *old, const struct swgr_backend *b)
{
	struct swgr_err err = { 0 };
	struct swgr_ln_client *c = NULL;
	struct mon_node *n = NULL;
	char hex[67], *impl;

	if (old != NULL && old->weight == b->weight && swgr_ln_impl_equal(old->impl, b->implementation))
		return old;
	swgr_hex_encode(b->pk.b, sizeof(b->pk.b), hex);
	if (swgr_ln_client_new(hex, b->implementation, &m->lnopts, &c, &err) != SWGR_OK)
		goto fail;
	if (old != NULL && old->weight == b->weight) {
		if ((impl = strdup(b->implementation)) == NULL) {
			swgr_err_set(&err, SWGR_ENOMEM, "backend %s: out of memory", hex);
			goto fail;
		}
		pthread_mutex_lock(&m->mu);
		free(old->impl);
		old->impl = impl;
		swgr_ln_client_free(old->fresh);
		old->fresh = c;
		pthread_mutex_unlock(&m->mu);
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "backend %s: implementation changed, "
		    "client rebuilt", old->hex);
		return old;
	}
	if (mon_node_start(m, b, c, &n, &err) != SWGR_OK) {
		swgr_err_wrap(&err, "backend %s", hex);
		goto fail;
	}
	swgr_log(SWGR_LOG_INFO, MON_TARGET, "monitoring backend %s (weight %lld, %s)", n->hex,
	    (long long)b->weight, swgr_ln_client_kind(c));
	return n;
fail:
	swgr_ln_client_free(c);
	/* err names the backend: "backend <key>: <cause>" */
	swgr_log(SWGR_LOG_ERROR, MON_TARGET, "Failed to connect to %s", err.msg);
	return NULL;
}

/* Replaces the fleet with v (under m->mu), retiring the nodes not in it. */
static void
swap_fleet(struct mon *m, struct mon_node **v, size_t n)
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
mon_reload(struct mon *m, struct swgr_err *err)
{
	struct swgr_backend *b = NULL;
	struct mon_node **v = NULL, *n;
	enum swgr_rc rc;
	uint64_t etag;
	size_t nb = 0, nv = 0, i;

	mon_reap(m, false);
	if ((rc = swgr_store_backend_etag(m->store, &etag, err)) != SWGR_OK)
		return rc;
	if (m->listed && etag == m->etag)
		return SWGR_OK;
	if ((rc = swgr_store_backend_list(m->store, &etag, &b, &nb, err)) != SWGR_OK)
		return rc;
	if (nb > 0 && (v = calloc(nb, sizeof(*v))) == NULL) {
		swgr_backends_free(b, nb);
		return swgr_err_set(err, SWGR_ENOMEM, "reloading backends: out of memory");
	}
	for (i = 0; i < nb; i++) {
		if (!ours(m, &b[i]))
			continue;
		if ((n = keep_or_start(m, find(m->nodes, m->nnodes, &b[i]), &b[i])) != NULL)
			v[nv++] = n;
	}
	swgr_backends_free(b, nb);
	swap_fleet(m, v, nv);
	m->etag = etag;
	m->listed = true;
	return SWGR_OK;
}

void
mon_reap(struct mon *m, bool wait)
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
mon_fleet_stop(struct mon *m)
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
mon_fleet_clear(struct mon *m)
{
	swap_fleet(m, NULL, 0);
	m->prune = false;
	mon_reap(m, true);
}
