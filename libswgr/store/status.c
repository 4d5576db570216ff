/* Node status and monitor heartbeats: our own tables, written by swgr-monitord, read by swgr-lnurl. */
#include <stdlib.h>
#include <string.h>

#include "core/pubkey.h"
#include "store/sql_int.h"

void
swgr_node_status_free(struct swgr_node_status *s)
{
	if (s == NULL)
		return;
	free(s->last_error);
	memset(s, 0, sizeof(*s));
}

void
swgr_node_statuses_free(struct swgr_node_status *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		swgr_node_status_free(&v[i]);
	free(v);
}

/*
 * Updates the row of p (both statements take the same parameters), else
 * inserts it: a racing insert of the same row reruns, the update finds it.
 */
static enum swgr_rc
status_upsert(struct sql_store *q, enum st_sql upd, enum st_sql ins,
    const struct swgr_db_val *p, size_t np, struct swgr_err *err)
{
	struct st_write w = { .put = true, .ins = ins, .upd = upd, .ip = p, .nip = np,
	    .up = p, .nup = np };

	return st_run(q, ST_WRITE, st_write_fn, &w, err);
}

static struct swgr_db_val
opt_int(bool has, int64_t v)
{
	return has ? swgr_db_int(v) : swgr_db_null();
}

enum swgr_rc
swgr_store_status_put(struct swgr_store *st, const char *instance,
    const struct swgr_node_status *s, struct swgr_err *err)
{
	struct swgr_db_val p[17];
	struct sql_store *q;
	enum swgr_rc rc;

	if ((rc = st_status_of(st, &q, err)) != SWGR_OK)
		return rc;
	p[0] = swgr_db_text(instance);
	p[1] = swgr_db_blob(s->pk.b, sizeof(s->pk.b));
	p[2] = swgr_db_int(s->weight);
	p[3] = st_enc_bool(q, s->healthy);
	p[4] = swgr_db_int(s->successes);
	p[5] = swgr_db_int(s->failures);
	p[6] = s->has_inbound ? swgr_db_int((int64_t)s->inbound_msat) : swgr_db_null();
	p[7] = swgr_db_int(s->checked_ms);
	p[8] = swgr_db_int(s->latency_us);
	p[9] = swgr_db_text(s->last_error);
	p[10] = opt_int(s->has_invoices, (int64_t)s->inv_issued);
	p[11] = opt_int(s->has_invoices, (int64_t)s->inv_failed);
	p[12] = opt_int(s->has_invoices, (int64_t)s->inv_timeout);
	p[13] = opt_int(s->has_invoices, (int64_t)s->inv_wrong);
	p[14] = opt_int(s->has_invoices, s->inv_since_ms);
	p[15] = opt_int(s->has_invoices && s->inv_p50_us >= 0, s->inv_p50_us);
	p[16] = opt_int(s->has_invoices && s->inv_p99_us >= 0, s->inv_p99_us);
	return status_upsert(q, ST_STATUS_UPDATE, ST_STATUS_INSERT, p, 17, err);
}

/* Columns: id, weight, healthy, successes, failures, inbound_msat, checked_ms, latency_us, last_error. */
static enum swgr_rc
status_row(const struct swgr_db_rows *r, size_t i, struct swgr_node_status *s,
    struct swgr_err *err)
{
	const char *p;
	size_t len;
	int64_t healthy, succ, fail, inbound = 0;
	enum swgr_rc rc;

	memset(s, 0, sizeof(*s));
	if ((rc = st_get_bytes(r, i, 0, &p, &len, err)) != SWGR_OK)
		return rc;
	if (p == NULL || len != sizeof(s->pk.b))
		return st_bad(err, 0, "expected a 33-byte public key");
	memcpy(s->pk.b, p, len);
	s->has_inbound = !swgr_db_is_null(r, i, 5);
	if ((rc = st_get_int(r, i, 1, &s->weight, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 2, &healthy, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 3, &succ, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 4, &fail, err)) != SWGR_OK ||
	    (s->has_inbound && (rc = st_get_int(r, i, 5, &inbound, err)) != SWGR_OK) ||
	    (rc = st_get_int(r, i, 6, &s->checked_ms, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 7, &s->latency_us, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 8, &s->last_error, err)) != SWGR_OK) {
		swgr_node_status_free(s);
		return rc;
	}
	s->healthy = healthy != 0;
	s->successes = (uint32_t)succ;
	s->failures = (uint32_t)fail;
	s->inbound_msat = (uint64_t)inbound;
	return SWGR_OK;
}

/* Columns 9..15 of ST_STATUS_LIST_ALL: the invoice outcomes, all NULL when none were read. */
static enum swgr_rc
outcome_cols(const struct swgr_db_rows *r, size_t i, struct swgr_node_status *s,
    struct swgr_err *err)
{
	int64_t v[7];
	size_t k;
	enum swgr_rc rc;

	s->has_invoices = !swgr_db_is_null(r, i, 9);
	if (!s->has_invoices)
		return SWGR_OK;
	for (k = 0; k < 7; k++) {
		v[k] = -1;
		if (!swgr_db_is_null(r, i, 9 + k) &&
		    (rc = st_get_int(r, i, 9 + k, &v[k], err)) != SWGR_OK)
			return rc;
	}
	s->inv_issued = (uint64_t)v[0];
	s->inv_failed = (uint64_t)v[1];
	s->inv_timeout = (uint64_t)v[2];
	s->inv_wrong = (uint64_t)v[3];
	s->inv_since_ms = v[4];
	s->inv_p50_us = v[5];
	s->inv_p99_us = v[6];
	return SWGR_OK;
}

struct status_list {
	const char	*instance;
	struct swgr_node_status *v;
	size_t		 n;
	bool		 all;		/* with the invoice outcomes */
};

static enum swgr_rc
status_list_tx(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct status_list *a = arg;
	struct swgr_db_rows r = { 0 };
	struct swgr_db_val p = swgr_db_text(a->instance);
	enum swgr_rc rc;
	size_t i;

	swgr_node_statuses_free(a->v, a->n);
	a->v = NULL;
	a->n = 0;
	if ((rc = st_exec(tx, a->all ? ST_STATUS_LIST_ALL : ST_STATUS_LIST, &p, 1, &r,
	    err)) != SWGR_OK)
		return rc;
	if (r.nrows > 0 && (a->v = calloc(r.nrows, sizeof(*a->v))) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "reading node status: out of memory");
	for (i = 0; rc == SWGR_OK && i < r.nrows; i++) {
		if ((rc = status_row(&r, i, &a->v[a->n], err)) != SWGR_OK)
			break;
		a->n++;
		if (a->all)
			rc = outcome_cols(&r, i, &a->v[a->n - 1], err);
	}
	swgr_db_rows_free(&r);
	return rc;
}

static enum swgr_rc
status_list(struct swgr_store *st, const char *instance, bool all,
    struct swgr_node_status **out, size_t *n, struct swgr_err *err)
{
	struct status_list a = { instance, NULL, 0, all };
	struct sql_store *q;
	enum swgr_rc rc;

	if ((rc = st_status_of(st, &q, err)) == SWGR_OK)
		rc = st_run(q, ST_SINGLE, status_list_tx, &a, err);
	else if (rc == SWGR_NOTFOUND && q != NULL)
		rc = SWGR_OK;	/* no status tables yet: no monitor has written any */
	if (rc != SWGR_OK) {
		swgr_node_statuses_free(a.v, a.n);
		a.v = NULL;
		a.n = 0;
	}
	*out = a.v;
	*n = a.n;
	return rc;
}

enum swgr_rc
swgr_store_status_list(struct swgr_store *st, const char *instance,
    struct swgr_node_status **out, size_t *n, struct swgr_err *err)
{
	return status_list(st, instance, false, out, n, err);
}

enum swgr_rc
swgr_store_status_list_all(struct swgr_store *st, const char *instance,
    struct swgr_node_status **out, size_t *n, struct swgr_err *err)
{
	enum swgr_rc rc = status_list(st, instance, true, out, n, err);

	/*
	 * A database no swgr-monitord of this version has opened yet lacks the
	 * invoice columns (its migration adds them): the rows without them,
	 * their outcomes unknown, rather than no status at all.  Any other
	 * failure fails the plain read too, and that is what is reported.
	 */
	if (rc != SWGR_OK && rc != SWGR_ENOMEM)
		rc = status_list(st, instance, false, out, n, err);
	return rc;
}

struct status_prune {
	const char	*instance;
	const struct swgr_pubkey *keep;
	size_t		 nkeep;
};

static enum swgr_rc
status_prune_tx(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	const struct status_prune *a = arg;
	struct status_list l = { a->instance, NULL, 0, false };
	struct swgr_db_val p[2];
	enum swgr_rc rc;
	size_t i, k;

	if ((rc = status_list_tx(tx, &l, err)) != SWGR_OK)
		goto out;
	for (i = 0; i < l.n; i++) {
		for (k = 0; k < a->nkeep; k++)
			if (memcmp(l.v[i].pk.b, a->keep[k].b, sizeof(a->keep[k].b)) == 0)
				break;
		if (k < a->nkeep)
			continue;
		p[0] = swgr_db_text(a->instance);
		p[1] = swgr_db_blob(l.v[i].pk.b, sizeof(l.v[i].pk.b));
		if ((rc = st_exec(tx, ST_STATUS_DELETE, p, 2, NULL, err)) != SWGR_OK)
			goto out;
	}
out:
	swgr_node_statuses_free(l.v, l.n);
	return rc;
}

enum swgr_rc
swgr_store_status_prune(struct swgr_store *st, const char *instance,
    const struct swgr_pubkey *keep, size_t nkeep, struct swgr_err *err)
{
	struct status_prune a = { instance, keep, nkeep };
	struct sql_store *q;
	enum swgr_rc rc;

	if ((rc = st_status_of(st, &q, err)) != SWGR_OK)
		return rc;
	return st_run(q, ST_WRITE, status_prune_tx, &a, err);
}

struct beat {
	const char	*instance;
	int64_t		 beat_ms;
	int64_t		 period_ms;
	bool		 found;
};

enum swgr_rc
swgr_store_heartbeat_put(struct swgr_store *st, const char *instance, int64_t beat_ms,
    int64_t period_ms, struct swgr_err *err)
{
	struct swgr_db_val p[3] = { swgr_db_text(instance), swgr_db_int(beat_ms),
	    swgr_db_int(period_ms) };
	struct sql_store *q;
	enum swgr_rc rc;

	if ((rc = st_status_of(st, &q, err)) != SWGR_OK)
		return rc;
	return status_upsert(q, ST_BEAT_UPDATE, ST_BEAT_INSERT, p, 3, err);
}

static enum swgr_rc
beat_get_tx(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct beat *a = arg;
	struct swgr_db_rows r = { 0 };
	struct swgr_db_val p = swgr_db_text(a->instance);
	enum swgr_rc rc;

	a->found = false;
	if ((rc = st_exec(tx, ST_BEAT_GET, &p, 1, &r, err)) != SWGR_OK)
		return rc;
	if (r.nrows > 0) {
		if ((rc = st_get_int(&r, 0, 0, &a->beat_ms, err)) == SWGR_OK &&
		    (rc = st_get_int(&r, 0, 1, &a->period_ms, err)) == SWGR_OK)
			a->found = true;
	}
	swgr_db_rows_free(&r);
	return rc;
}

enum swgr_rc
swgr_store_heartbeat_get(struct swgr_store *st, const char *instance, int64_t *beat_ms,
    int64_t *period_ms, struct swgr_err *err)
{
	struct beat a = { instance, 0, 0, false };
	struct sql_store *q;
	enum swgr_rc rc;

	if ((rc = st_status_of(st, &q, err)) != SWGR_OK ||
	    (rc = st_run(q, ST_SINGLE, beat_get_tx, &a, err)) != SWGR_OK)
		return rc;
	if (!a.found)
		return swgr_err_set(err, SWGR_NOTFOUND, "no heartbeat from monitor instance '%s'",
		    instance);
	*beat_ms = a.beat_ms;
	*period_ms = a.period_ms;
	return SWGR_OK;
}

void
swgr_heartbeats_free(struct swgr_heartbeat *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].instance);
	free(v);
}

struct beat_list {
	struct swgr_heartbeat *v;
	size_t		 n;
};

static enum swgr_rc
beat_list_tx(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct beat_list *a = arg;
	struct swgr_db_rows r = { 0 };
	struct swgr_heartbeat *h;
	enum swgr_rc rc;
	size_t i;

	swgr_heartbeats_free(a->v, a->n);
	a->v = NULL;
	a->n = 0;
	if ((rc = st_exec(tx, ST_BEAT_LIST, NULL, 0, &r, err)) != SWGR_OK)
		return rc;
	if (r.nrows > 0 && (a->v = calloc(r.nrows, sizeof(*a->v))) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "reading heartbeats: out of memory");
	for (i = 0; rc == SWGR_OK && i < r.nrows; i++) {
		h = &a->v[a->n];
		if ((rc = st_get_dup(&r, i, 0, &h->instance, err)) == SWGR_OK &&
		    h->instance == NULL)
			rc = st_bad(err, 0, "expected an instance name");
		if (rc == SWGR_OK &&
		    (rc = st_get_int(&r, i, 1, &h->beat_ms, err)) == SWGR_OK &&
		    (rc = st_get_int(&r, i, 2, &h->period_ms, err)) == SWGR_OK)
			a->n++;
		else {
			free(h->instance);
			h->instance = NULL;
		}
	}
	swgr_db_rows_free(&r);
	return rc;
}

enum swgr_rc
swgr_store_heartbeat_list(struct swgr_store *st, struct swgr_heartbeat **out, size_t *n,
    struct swgr_err *err)
{
	struct beat_list a = { NULL, 0 };
	struct sql_store *q;
	enum swgr_rc rc;

	if ((rc = st_status_of(st, &q, err)) == SWGR_OK)
		rc = st_run(q, ST_SINGLE, beat_list_tx, &a, err);
	else if (rc == SWGR_NOTFOUND && q != NULL)
		rc = SWGR_OK;	/* no status tables yet: no monitor has beaten */
	if (rc != SWGR_OK) {
		swgr_heartbeats_free(a.v, a.n);
		a.v = NULL;
		a.n = 0;
	}
	*out = a.v;
	*n = a.n;
	return rc;
}
