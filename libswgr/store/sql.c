/* The SQL store's shared machinery for records: reads into arrays, pages, writes, changes, messages naming the record. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql_int.h"

enum swgr_rc
st_read_rows(struct st_tx *tx, struct st_read *a, struct swgr_err *err)
{
	struct swgr_db_rows r = { 0 };
	enum swgr_rc rc;
	size_t i;

	if (a->v != NULL)
		a->freefn(a->v, a->n);
	a->v = NULL;
	a->n = 0;
	if ((rc = st_exec(tx, a->q, a->p, a->np, &r, err)) != SWGR_OK)
		return rc;
	if (r.nrows == 0 && a->one)
		rc = swgr_err_set(err, SWGR_NOTFOUND, "not found");
	else if (r.nrows > 0 && (a->v = calloc(r.nrows, a->size)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "reading the database: out of memory");
	for (i = 0; rc == SWGR_OK && i < r.nrows; i++)
		if ((rc = a->rowfn(&r, i, (char *)a->v + i * a->size, err)) == SWGR_OK)
			a->n++;
	swgr_db_rows_free(&r);
	return rc;
}

static enum swgr_rc
st_read_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	return st_read_rows(tx, arg, err);
}

enum swgr_rc
st_read(struct sql_store *st, struct st_read *a, void **out, size_t *n, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_run(st, ST_SINGLE, st_read_fn, a, err)) != SWGR_OK) {
		if (a->v != NULL)
			a->freefn(a->v, a->n);
		return rc;
	}
	*out = a->v;
	*n = a->n;
	return SWGR_OK;
}

enum swgr_rc
st_read_one(struct sql_store *st, struct st_read *a, void *out, struct swgr_err *err)
{
	void *v;
	size_t n;
	enum swgr_rc rc;

	a->one = true;
	if ((rc = st_read(st, a, &v, &n, err)) != SWGR_OK)
		return rc;
	memcpy(out, v, a->size);
	free(v);
	return SWGR_OK;
}

/* LIMIT/OFFSET values: u64 clamped to the int64 the databases take. */
static struct swgr_db_val
st_enc_count(uint64_t v)
{
	return swgr_db_int(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

enum swgr_rc
st_read_page(struct sql_store *st, struct st_read *a, const char *group, uint64_t start,
    uint64_t count, void **out, size_t *n, struct swgr_err *err)
{
	struct swgr_db_val p[3] = { swgr_db_text(group), st_enc_count(count),
	    st_enc_count(start) };

	*out = NULL;
	*n = 0;
	if (count == 0)
		return SWGR_OK;
	a->p = p;
	a->np = 3;
	return st_read(st, a, out, n, err);
}

enum swgr_rc
st_write_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct st_write *w = arg;
	struct swgr_db_rows r = { 0 };
	enum swgr_rc rc;

	w->created = true;
	if (w->put) {
		if ((rc = st_exec(tx, w->upd, w->up, w->nup, &r, err)) != SWGR_OK)
			return rc;
		w->created = r.affected == 0;
		swgr_db_rows_free(&r);
	}
	if (w->created && (rc = st_exec(tx, w->ins, w->ip, w->nip, NULL, err)) != SWGR_OK) {
		if (rc == SWGR_CONFLICT && w->put)
			return swgr_err_set(err, SWGR_ERETRY, "a concurrent insert of the same key");
		return rc;
	}
	return w->bump ? st_exec(tx, ST_ETAG_BUMP, NULL, 0, NULL, err) : SWGR_OK;
}

enum swgr_rc
st_change_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct st_change *c = arg;
	struct swgr_db_rows r = { 0 };
	enum swgr_rc rc;
	int64_t n;

	if ((rc = st_exec(tx, c->q, c->p, c->np, &r, err)) != SWGR_OK)
		return rc;
	n = r.affected;
	swgr_db_rows_free(&r);
	if (n == 0)
		return swgr_err_set(err, SWGR_NOTFOUND, "not found");
	return c->bump ? st_exec(tx, ST_ETAG_BUMP, NULL, 0, NULL, err) : SWGR_OK;
}

enum swgr_rc
st_say(enum swgr_rc rc, enum swgr_rc when, struct swgr_err *err, const char *fmt, ...)
{
	va_list ap;

	if (rc != when || err == NULL)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->rc = rc;
	return rc;
}

enum swgr_rc
st_refers(enum swgr_rc rc, struct swgr_err *err, const char *fmt, ...)
{
	va_list ap;

	if (rc != SWGR_EREFERENCE)
		return rc;
	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->rc = SWGR_EINVAL;
	}
	return SWGR_EINVAL;
}
