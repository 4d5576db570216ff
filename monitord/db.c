/* The database thread: reloads, status rows, heartbeat; a slow database never delays a check. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/pubkey.h"
#include "db.h"
#include "node.h"
#include "roster.h"

/* Logs the first failure of an outage, once; returns false. */
static bool
failed(struct mon *m, const char *what, const struct swgr_err *err)
{
	const char *msg = err->msg[0] != '\0' ? err->msg : swgr_rc_name(err->rc);

	if (!m->db_down)
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "database unavailable (%s): %s; "
		    "checks go on, status writes are retried every period", what, msg);
	else
		swgr_log(SWGR_LOG_DEBUG, MON_TARGET, "database still unavailable (%s): %s",
		    what, msg);
	m->db_down = true;
	return false;
}

/*
 * Whether to repeat a store call that failed: once, at once, unless an
 * outage is already known.  After a database restart the pool may still
 * hold a connection from before it; the failure closes that connection and
 * the repeat gets a new one, so a restart alone is not reported as an outage.
 */
static bool
again(struct mon *m, int *tries, const struct swgr_err *err)
{
	if (m->db_down || (*tries)++ > 0)
		return false;
	swgr_log(SWGR_LOG_DEBUG, MON_TARGET, "database call failed, repeating it: %s", err->msg);
	return true;
}

static void
recovered(struct mon *m)
{
	if (m->db_down)
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "database available again, status writes resumed");
	m->db_down = false;
}

/*
 * Writes the rows of the dirty nodes, each from a copy taken under the
 * lock; a row that fails stays dirty (the latest state is written next time).
 * The roster is only changed by mon_roster_reload, on this same thread.
 */
static bool
write_rows(struct mon *m)
{
	struct swgr_err err = { 0 };
	struct swgr_node_status s;
	struct mon_node *n;
	enum swgr_rc rc;
	bool ok = true;
	size_t i;
	int tries;

	for (i = 0; ok && i < m->nnodes; i++) {
		n = m->nodes[i];
		pthread_mutex_lock(&m->mu);
		if (!n->dirty) {
			pthread_mutex_unlock(&m->mu);
			continue;
		}
		s = n->st;
		s.last_error = n->st.last_error != NULL ? strdup(n->st.last_error) : NULL;
		n->dirty = false;
		pthread_mutex_unlock(&m->mu);
		tries = 0;
		while ((rc = swgr_store_status_put(m->store, m->instance, &s, &err)) != SWGR_OK &&
		    again(m, &tries, &err))
			;
		if (rc != SWGR_OK) {
			pthread_mutex_lock(&m->mu);
			n->dirty = true;
			pthread_mutex_unlock(&m->mu);
			ok = failed(m, "writing node status", &err);
		}
		free(s.last_error);
	}
	return ok;
}

static bool
prune(struct mon *m)
{
	struct swgr_err err = { 0 };
	struct swgr_pubkey *keep = NULL;
	size_t i;
	int tries = 0;
	bool ok;

	if (!m->prune)
		return true;
	if (m->nnodes > 0 && (keep = calloc(m->nnodes, sizeof(*keep))) == NULL)
		return false;
	for (i = 0; i < m->nnodes; i++)
		keep[i] = m->nodes[i]->st.pk;
	while (!(ok = swgr_store_status_prune(m->store, m->instance, keep, m->nnodes, &err) ==
	    SWGR_OK) && again(m, &tries, &err))
		;
	free(keep);
	if (!ok)
		return failed(m, "pruning node status", &err);
	m->prune = false;
	return true;
}

static bool
heartbeat(struct mon *m)
{
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	int64_t beat;
	int tries = 0;

	pthread_mutex_lock(&m->mu);
	beat = m->tick_ms;
	pthread_mutex_unlock(&m->mu);
	if (beat == 0 || beat == m->beat_ms)
		return true;
	while ((rc = swgr_store_heartbeat_put(m->store, m->instance, beat,
	    (int64_t)(m->period * 1000 + 0.5), &err)) != SWGR_OK && again(m, &tries, &err))
		;
	if (rc != SWGR_OK)
		return failed(m, "writing the heartbeat", &err);
	m->beat_ms = beat;
	/* the exposition adds swgr_monitor_heartbeat_age_seconds from it, at scrape time */
	swgr_metric_set(m->beat_g, beat / 1000);
	return true;
}

void
mon_db_flush(struct mon *m)
{
	if (prune(m) && write_rows(m) && heartbeat(m))
		recovered(m);
}

void
mon_db_reload(struct mon *m)
{
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	int tries = 0;

	while ((rc = mon_roster_reload(m, &err)) != SWGR_OK && again(m, &tries, &err))
		;
	if (rc != SWGR_OK)
		failed(m, "reloading backends", &err);
}

static void
deadline(struct timespec *ts, int64_t at_us)
{
	swgr_mono_after(ts, (double)(at_us - swgr_mono_us()) / 1e6);
}

/*
 * Wakes when a node has news, at each round, and at the update and retry
 * deadlines.  Reloads every update period; a write that failed is retried
 * a period later, not at every kick.
 */
static void *
db_main(void *arg)
{
	struct mon *m = arg;
	struct timespec ts;
	int64_t next_reload, next_retry = 0, at;

	next_reload = swgr_mono_us() + (int64_t)(m->update * 1e6);
	pthread_mutex_lock(&m->mu);
	for (;;) {
		at = next_reload;
		if (m->db_down && next_retry < at)
			at = next_retry;
		deadline(&ts, at);
		while (!m->db_stop && (!m->db_wake || m->db_down) && swgr_mono_us() < at)
			pthread_cond_timedwait(&m->db_cv, &m->mu, &ts);
		if (m->db_stop)
			break;
		m->db_wake = false;
		pthread_mutex_unlock(&m->mu);
		if (swgr_mono_us() >= next_reload) {
			next_reload += (int64_t)(m->update * 1e6);
			if (next_reload < swgr_mono_us())
				next_reload = swgr_mono_us() + (int64_t)(m->update * 1e6);
			mon_db_reload(m);
		}
		mon_db_flush(m);
		if (m->db_down)
			next_retry = swgr_mono_us() + (int64_t)(m->period * 1e6);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

enum swgr_rc
mon_db_start(struct mon *m, struct swgr_err *err)
{
	int e;

	if ((e = pthread_create(&m->db_th, NULL, db_main, m)) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "starting the database thread: %s",
		    strerror(e));
	m->db_started = true;
	return SWGR_OK;
}

void
mon_db_stop(struct mon *m)
{
	if (!m->db_started)
		return;
	pthread_mutex_lock(&m->mu);
	m->db_stop = true;
	pthread_cond_signal(&m->db_cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->db_th, NULL);
	m->db_started = false;
}
