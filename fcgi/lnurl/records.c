/*
 * swgr-lnurl's invoice records: the callbacks queue the record of each invoice they
 * hand out, a thread of its own writes them to the offer store in batches (no database
 * call on a callback's path), expires the old ones, and writes what is left at a clean
 * stop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"
#include "core/clock.h"
#include "core/log.h"

#define REC_BATCH	512	/* records per transaction; a full one wakes the writer */
#define REC_EVERY	0.2	/* s: the longest a record waits to be written */
#define REC_MAX		20000	/* records queued at most (~12 MB, twice that with the batch being
				   retried, a database outage); more are lost */
#define REC_RETRY	1.0	/* s between tries while the store refuses */
#define REC_DRAIN	10.0	/* s the stop waits for the store to take what is queued */
#define REC_EXPIRE_EVERY 3600.0	/* s between deletes of the records past retention */
#define REC_EXPIRY_MAX	(UINT64_C(10) * 366 * 86400)	/* s: a record's expiry at most */
#define REC_TIME_MAX	UINT64_C(253402300799)	/* s: 9999-12-31T23:59:59Z */

struct records {
	struct swgr_store *st;
	double		 retention_ms;	/* 0: kept */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* CLOCK_MONOTONIC */
	/* Under mu. */
	struct swgr_invoice *q;
	size_t		 n, cap;
	bool		 stop;
	uint64_t	 lost;		/* refused because the queue was full */
	double		 lost_logged;
};

static void
wait_for(struct records *r, double secs)
{
	struct timespec ts;
	double at;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + secs;
	ts.tv_sec = (time_t)at;
	ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
	pthread_cond_timedwait(&r->cv, &r->mu, &ts);
}

/*
 * Writes the n records at v, in batches, until the store takes them or
 * (draining) the time is up; returns how many it took.  The first refusal
 * of an outage is logged, and its end.
 */
static size_t
write_all(struct records *r, struct swgr_invoice *v, size_t n, double until)
{
	struct swgr_err err = { 0 };
	size_t done = 0, k;
	bool failing = false;

	while (done < n) {
		k = n - done < REC_BATCH ? n - done : REC_BATCH;
		if (swgr_store_invoices_put(r->st, v + done, k, &err) == SWGR_OK) {
			done += k;
			if (failing)
				swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "invoice records are written "
				    "again");
			failing = false;
			continue;
		}
		if (!failing)
			swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "invoice records cannot be written "
			    "(%s): %zu wait, tried again every %.0f s", err.msg, n - done, REC_RETRY);
		failing = true;
		pthread_mutex_lock(&r->mu);
		if (r->stop && until == 0) {	/* the stop's own drain takes over */
			pthread_mutex_unlock(&r->mu);
			break;
		}
		if (until == 0 || swgr_mono_now() < until)
			wait_for(r, REC_RETRY);
		pthread_mutex_unlock(&r->mu);
		if (until != 0 && swgr_mono_now() >= until)
			break;
	}
	return done;
}

static void
expire(struct records *r)
{
	struct swgr_err err = { 0 };
	uint64_t deleted;
	int64_t before;

	before = (int64_t)time(NULL) * 1000 - (int64_t)r->retention_ms;
	if (swgr_store_invoices_expire(r->st, before, &deleted, &err) != SWGR_OK)
		swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "expiring invoice records: %s", err.msg);
	else if (deleted > 0)
		swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "%llu invoice records past the retention "
		    "deleted", (unsigned long long)deleted);
}

static void *
writer(void *arg)
{
	struct records *r = arg;
	struct swgr_invoice *v = NULL;	/* taken from the queue, not yet all written */
	double expired = 0, until = 0;
	size_t n = 0, done, i;
	bool stop;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		if (!r->stop && v == NULL && r->n < REC_BATCH)
			wait_for(r, REC_EVERY);
		stop = r->stop;
		if (v == NULL && r->n > 0) {
			v = r->q;
			n = r->n;
			r->q = NULL;
			r->n = r->cap = 0;
		}
		pthread_mutex_unlock(&r->mu);
		if (v == NULL && stop)
			break;
		if (stop && until == 0)
			until = swgr_mono_now() + REC_DRAIN;
		done = v != NULL ? write_all(r, v, n, until) : 0;
		for (i = 0; i < done; i++)
			swgr_invoice_free(&v[i]);
		if (done == n) {
			free(v);
			v = NULL;
			n = 0;
		} else if (done > 0) {
			memmove(v, v + done, (n - done) * sizeof(*v));
			n -= done;
		}
		if (stop && v != NULL)	/* the drain's time is up */
			break;
		if (!stop && r->retention_ms > 0 && swgr_mono_now() - expired >= REC_EXPIRE_EVERY) {
			expire(r);
			expired = swgr_mono_now();
		}
	}
	if (n > 0)
		swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "stopping: %zu invoice records could not "
		    "be written in %.0f s and are lost", n, REC_DRAIN);
	swgr_invoices_free(v, n);
	return NULL;
}

enum swgr_rc
records_open(struct lnurl_state *s, struct swgr_err *err)
{
	const struct swgr_lnurl_cfg *lc = &s->cfg->lnurl;
	struct records *r;
	pthread_condattr_t ca;

	if (!lc->invoice_records)
		return SWGR_OK;
	if (!swgr_store_is_database(s->offers)) {
		swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "invoice records are kept in a database "
		    "offer store only: this one is remote, no records are written");
		return SWGR_OK;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	r->st = s->offers;
	r->retention_ms = lc->invoice_records_retention_days * 86400e3;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&r->thread, NULL, writer, r)) != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return swgr_err_set(err, SWGR_EINTERNAL, "starting the invoice record writer: %s",
		    strerror(errno));
	}
	s->records = r;
	return SWGR_OK;
}

void
records_close(struct lnurl_state *s)
{
	struct records *r = s->records;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	if (r->n > 0)	/* queued behind a batch the drain could not write */
		swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "stopping: %zu more invoice records were "
		    "queued and are lost", r->n);
	swgr_invoices_free(r->q, r->n);
	if (r->lost > 0)
		swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "%llu invoice records were lost in all: "
		    "the queue was full", (unsigned long long)r->lost);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
	s->records = NULL;
}

static char *
dup_opt(const char *s, bool *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = true;
	return d;
}

void
records_add(struct lnurl_state *s, const struct swgr_balancer_req *br, const char *bolt11,
    const struct swgr_uuid *offer, const struct cb_src *src)
{
	struct records *r = s->records;
	struct swgr_invoice v = { 0 };
	struct swgr_invoice *q;
	struct timespec ts;
	size_t cap;
	double now;
	bool oom = false;

	if (r == NULL || br->issued == NULL)
		return;
	memcpy(v.payment_hash, br->issued->payment_hash, 32);
	memcpy(v.backend.b, br->issued->payee, 33);
	v.offer = *offer;
	v.amount_msat = br->amount_msat;
	clock_gettime(CLOCK_REALTIME, &ts);
	v.created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	/* a node's expiry is any 64-bit number: kept to ten years (no overflow below) */
	v.expires_ms = (int64_t)(br->issued->timestamp > REC_TIME_MAX ? REC_TIME_MAX :
	    br->issued->timestamp) * 1000 + (int64_t)(br->issued->expiry > REC_EXPIRY_MAX ?
	    REC_EXPIRY_MAX : br->issued->expiry) * 1000;
	v.bolt11 = dup_opt(bolt11, &oom);
	v.partition = dup_opt(br->partition, &oom);
	v.domain = dup_opt(src->domain, &oom);
	v.username = dup_opt(src->username, &oom);
	v.comment = dup_opt(br->key, &oom);
	v.payer_data = dup_opt(src->payer_data, &oom);
	pthread_mutex_lock(&r->mu);
	if (!oom && r->n == r->cap && r->cap < REC_MAX) {
		cap = r->cap == 0 ? REC_BATCH : r->cap * 2 > REC_MAX ? REC_MAX : r->cap * 2;
		if ((q = realloc(r->q, cap * sizeof(*q))) != NULL) {
			r->q = q;
			r->cap = cap;
		}
	}
	if (oom || r->n == r->cap) {
		r->lost++;
		now = swgr_mono_now();
		if (now - r->lost_logged >= 60) {
			swgr_log(SWGR_LOG_ERROR, "swgr::lnurl", "an invoice record is lost (%llu "
			    "so far): %s", (unsigned long long)r->lost, oom ? "out of memory" :
			    "the queue of records not yet written is full");
			r->lost_logged = now;
		}
		pthread_mutex_unlock(&r->mu);
		swgr_invoice_free(&v);
		return;
	}
	r->q[r->n++] = v;
	if (r->n == REC_BATCH)
		pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}
