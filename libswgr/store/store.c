/* The records of the discovery and offer stores, written once for every database (no dialect here). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/pubkey.h"
#include "core/time.h"
#include "core/uuid.h"
#include "store/store_int.h"

/* The stored form of a partition set: a compact JSON array of strings. */
static char *
st_partitions_json(char *const *v, size_t n)
{
	json_object *a, *s;
	char *out = NULL;
	size_t i;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((s = json_object_new_string(v[i])) == NULL ||
		    json_object_array_add(a, s) != 0) {
			json_object_put(s);
			goto out;
		}
	out = strdup(json_object_to_json_string_ext(a,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	json_object_put(a);
	return out;
}

/* Parses a stored partition set into a sorted, unique, malloc'd list. */
static enum swgr_rc
st_partitions_parse(const char *p, size_t len, char ***out, size_t *n, struct swgr_err *err)
{
	json_tokener *tok;
	json_object *a = NULL, *e;
	enum swgr_rc rc = SWGR_OK;
	size_t i, cnt;

	*out = NULL;
	*n = 0;
	if ((tok = json_tokener_new()) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "reading partitions: out of memory");
	a = json_tokener_parse_ex(tok, p, (int)len);
	if (a == NULL || !json_object_is_type(a, json_type_array)) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "reading the database: partitions: "
		    "expected a JSON array");
		goto out;
	}
	cnt = json_object_array_length(a);
	if (cnt > 0 && (*out = calloc(cnt, sizeof(**out))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "reading partitions: out of memory");
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			rc = swgr_err_set(err, SWGR_EINTERNAL, "reading the database: "
			    "partitions: expected strings");
			goto out;
		}
		if (((*out)[i] = strdup(json_object_get_string(e))) == NULL) {
			rc = swgr_err_set(err, SWGR_ENOMEM, "reading partitions: out of memory");
			goto out;
		}
		(*n)++;
	}
	swgr_partitions_normalise(*out, n);
out:
	if (rc != SWGR_OK) {
		for (i = 0; i < *n; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
	}
	json_object_put(a);
	json_tokener_free(tok);
	return rc;
}

/* Columns: partitions, id, name, weight, enabled, implementation, created_at, updated_at. */
static enum swgr_rc
st_backend_row(const struct swgr_db_rows *r, size_t i, void *out, struct swgr_err *err)
{
	struct swgr_backend *b = out;
	const char *p;
	size_t len;
	int64_t n;
	enum swgr_rc rc;

	memset(b, 0, sizeof(*b));
	if ((rc = st_get_bytes(r, i, 0, &p, &len, err)) != SWGR_OK ||
	    (rc = st_partitions_parse(p != NULL ? p : "", len, &b->partitions,
	    &b->npartitions, err)) != SWGR_OK)
		goto out;
	if ((rc = st_get_bytes(r, i, 1, &p, &len, err)) != SWGR_OK)
		goto out;
	if (p == NULL || len != sizeof(b->pk.b)) {
		rc = st_bad(err, 1, "expected a 33-byte public key");
		goto out;
	}
	memcpy(b->pk.b, p, len);
	if ((rc = st_get_dup(r, i, 2, &b->name, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 3, &b->weight, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 4, &n, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 5, &b->implementation, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 6, &b->created_at, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 7, &b->updated_at, err)) != SWGR_OK)
		goto out;
	b->enabled = n != 0;
	if (b->implementation == NULL)
		rc = st_bad(err, 5, "implementation is NULL");
out:
	if (rc != SWGR_OK)
		swgr_backend_free(b);
	return rc;
}

/* Columns: id, partition, metadata, created_at, updated_at. */
static enum swgr_rc
st_metadata_row(const struct swgr_db_rows *r, size_t i, void *out, struct swgr_err *err)
{
	struct swgr_metadata *m = out;
	const char *p;
	size_t len;
	enum swgr_rc rc;

	memset(m, 0, sizeof(*m));
	if ((rc = st_get_bytes(r, i, 2, &p, &len, err)) != SWGR_OK)
		return rc;
	if (p == NULL)
		return st_bad(err, 2, "metadata is NULL");
	if ((rc = swgr_metadata_sparse_from_json(p, len, m, err)) != SWGR_OK) {
		swgr_err_wrap(err, "reading the database: metadata");
		return SWGR_EINTERNAL;
	}
	if ((rc = st_get_uuid(r, i, 0, &m->id, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 1, &m->partition, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 3, &m->created_at, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 4, &m->updated_at, err)) != SWGR_OK)
		swgr_metadata_free(m);
	return rc;
}

/* Columns: id, partition, max, min, metadata_id, timestamp, expires, created_at, updated_at. */
static enum swgr_rc
st_offer_row(const struct swgr_db_rows *r, size_t i, void *out, struct swgr_err *err)
{
	struct swgr_offer *o = out;
	int64_t max, min;
	enum swgr_rc rc;

	memset(o, 0, sizeof(*o));
	if ((rc = st_get_uuid(r, i, 0, &o->id, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 1, &o->partition, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 2, &max, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 3, &min, err)) != SWGR_OK ||
	    (rc = st_get_uuid(r, i, 4, &o->metadata_id, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 5, &o->timestamp, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 7, &o->created_at, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 8, &o->updated_at, err)) != SWGR_OK)
		goto out;
	o->max_sendable = (uint64_t)max;
	o->min_sendable = (uint64_t)min;
	if ((o->has_expires = !swgr_db_is_null(r, i, 6)))
		rc = st_get_time(r, i, 6, &o->expires, err);
out:
	if (rc != SWGR_OK)
		swgr_offer_free(o);
	return rc;
}

/*
 * A query whose rows become an array of records: rowfn decodes one row,
 * freefn releases n records and the array.  With one set, no row is
 * SWGR_NOTFOUND.  Outputs (v, n) are reset on entry, so a rerun does not leak.
 */
struct st_read {
	enum st_sql	 q;
	const struct swgr_db_val *p;
	size_t		 np;
	size_t		 size;
	enum swgr_rc	(*rowfn)(const struct swgr_db_rows *, size_t, void *, struct swgr_err *);
	void		(*freefn)(void *, size_t);
	bool		 one;
	void		*v;
	size_t		 n;
};

static void
st_free_backends(void *v, size_t n)
{
	swgr_backends_free(v, n);
}

static void
st_free_metadatas(void *v, size_t n)
{
	swgr_metadatas_free(v, n);
}

static void
st_free_offers(void *v, size_t n)
{
	swgr_offers_free(v, n);
}

static enum swgr_rc
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

/* Runs a read and on success hands the array to the caller; frees it otherwise. */
static enum swgr_rc
st_read(struct swgr_store *st, struct st_read *a, void **out, size_t *n, struct swgr_err *err)
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

/* Reads the single record of a (one is set) into out, a struct of a->size bytes. */
static enum swgr_rc
st_read_one(struct swgr_store *st, struct st_read *a, void *out, struct swgr_err *err)
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

/*
 * A write: post inserts (a duplicate key is SWGR_CONFLICT); put updates and
 * inserts when no row matched (a racing insert's SWGR_CONFLICT reruns the
 * transaction, which then updates).  bump adds 1 to the discovery ETag.
 */
struct st_write {
	bool		 put;
	bool		 bump;
	enum st_sql	 ins, upd;
	const struct swgr_db_val *ip, *up;
	size_t		 nip, nup;
	bool		 created;
};

static enum swgr_rc
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

/* A change of an existing row (patch, delete): no row matched is SWGR_NOTFOUND. */
struct st_change {
	enum st_sql	 q;
	const struct swgr_db_val *p;
	size_t		 np;
	bool		 bump;
};

static enum swgr_rc
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

/* Replaces the message of a record-level result with one naming the record. */
static enum swgr_rc
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

/*
 * A foreign-key violation becomes the caller's SWGR_EINVAL (400) with a
 * message naming the record; a value the database cannot hold stays
 * SWGR_EINVAL with the database's own message.
 */
static enum swgr_rc
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

/* Discovery. */

static enum swgr_rc
st_etag(struct st_tx *tx, uint64_t *etag, struct swgr_err *err)
{
	struct swgr_db_rows r = { 0 };
	int64_t v = 0;
	enum swgr_rc rc;

	if ((rc = st_exec(tx, ST_ETAG_GET, NULL, 0, &r, err)) == SWGR_OK && r.nrows > 0)
		rc = st_get_int(&r, 0, 0, &v, err);
	swgr_db_rows_free(&r);
	*etag = (uint64_t)v;
	return rc;
}

static enum swgr_rc
st_etag_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	return st_etag(tx, arg, err);
}

enum swgr_rc
swgr_store_backend_etag(struct swgr_store *st, uint64_t *etag, struct swgr_err *err)
{
	return st_run(st, ST_SINGLE, st_etag_fn, etag, err);
}

struct st_list {
	uint64_t	 etag;
	struct st_read	 rd;
};

static enum swgr_rc
st_list_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct st_list *l = arg;
	enum swgr_rc rc;

	if ((rc = st_etag(tx, &l->etag, err)) != SWGR_OK)
		return rc;
	return st_read_rows(tx, &l->rd, err);
}

/* The ETag and the list from one snapshot. */
enum swgr_rc
swgr_store_backend_list(struct swgr_store *st, uint64_t *etag, struct swgr_backend **out,
    size_t *n, struct swgr_err *err)
{
	struct st_list l = { .rd = { .q = ST_BACKEND_LIST, .size = sizeof(**out),
	    .rowfn = st_backend_row, .freefn = st_free_backends } };
	enum swgr_rc rc;

	*out = NULL;
	*n = 0;
	if ((rc = st_run(st, ST_READ, st_list_fn, &l, err)) != SWGR_OK) {
		if (l.rd.v != NULL)
			swgr_backends_free(l.rd.v, l.rd.n);
		return rc;
	}
	*etag = l.etag;
	*out = l.rd.v;
	*n = l.rd.n;
	return SWGR_OK;
}

enum swgr_rc
swgr_store_backend_get(struct swgr_store *st, const struct swgr_pubkey *pk,
    struct swgr_backend *out, struct swgr_err *err)
{
	struct swgr_db_val p[1] = { swgr_db_blob(pk->b, sizeof(pk->b)) };
	struct st_read a = { .q = ST_BACKEND_GET, .p = p, .np = 1, .size = sizeof(*out),
	    .rowfn = st_backend_row, .freefn = st_free_backends };
	char hex[SWGR_PUBKEY_STRLEN + 1];

	swgr_pubkey_format(pk, hex);
	return st_say(st_read_one(st, &a, out, err), SWGR_NOTFOUND, err,
	    "backend %s not found", hex);
}

/* The parameters of a backend row, in the order of ST_BACKEND_INSERT. */
struct st_backend_vals {
	char		*partitions;
	char		 now[SWGR_TIME_STRMAX];
	struct swgr_db_val v[8];
};

static enum swgr_rc
st_backend_vals(const struct swgr_store *st, const struct swgr_backend *b,
    struct st_backend_vals *bv, struct swgr_err *err)
{
	struct swgr_time now = swgr_time_now();

	if (b->weight < 0 || b->weight > SWGR_WEIGHT_MAX)
		return swgr_err_set(err, SWGR_EINVAL, "weight %lld is out of range 0..%d",
		    (long long)b->weight, SWGR_WEIGHT_MAX);
	if (b->implementation == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "implementation is missing");
	if ((bv->partitions = st_partitions_json(b->partitions, b->npartitions)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "storing a backend: out of memory");
	bv->v[0] = swgr_db_text(bv->partitions);
	bv->v[1] = swgr_db_blob(b->pk.b, sizeof(b->pk.b));
	bv->v[2] = swgr_db_text(b->name);
	bv->v[3] = swgr_db_int(b->weight);
	bv->v[4] = st_enc_bool(st, b->enabled);
	bv->v[5] = swgr_db_blob(b->implementation, strlen(b->implementation));
	bv->v[6] = st_enc_time(st, &now, bv->now);
	bv->v[7] = bv->v[6];
	return SWGR_OK;
}

/* Post (put false) or put of a backend. */
static enum swgr_rc
st_backend_write(struct swgr_store *st, const struct swgr_backend *b, bool put,
    bool *created, struct swgr_err *err)
{
	struct st_backend_vals bv = { 0 };
	struct swgr_db_val up[7];
	struct st_write w = { .put = put, .bump = true, .ins = ST_BACKEND_INSERT,
	    .upd = ST_BACKEND_UPDATE, .ip = bv.v, .nip = 8, .up = up, .nup = 7 };
	char hex[SWGR_PUBKEY_STRLEN + 1];
	enum swgr_rc rc;

	if ((rc = st_backend_vals(st, b, &bv, err)) == SWGR_OK) {
		/* partitions, name, weight, enabled, implementation, updated_at, id */
		up[0] = bv.v[0];
		memcpy(&up[1], &bv.v[2], 4 * sizeof(up[0]));
		up[5] = bv.v[7];
		up[6] = bv.v[1];
		rc = st_run(st, ST_WRITE, st_write_fn, &w, err);
	}
	free(bv.partitions);
	if (created != NULL)
		*created = rc == SWGR_OK && w.created;
	swgr_pubkey_format(&b->pk, hex);
	return st_say(rc, SWGR_CONFLICT, err, "backend %s already exists", hex);
}

enum swgr_rc
swgr_store_backend_post(struct swgr_store *st, const struct swgr_backend *b, struct swgr_err *err)
{
	return st_backend_write(st, b, false, NULL, err);
}

enum swgr_rc
swgr_store_backend_put(struct swgr_store *st, const struct swgr_backend *b, bool *created,
    struct swgr_err *err)
{
	return st_backend_write(st, b, true, created, err);
}

/* Applies the present fields in one UPDATE: an absent field is NULL, COALESCE keeps the column. */
enum swgr_rc
swgr_store_backend_patch(struct swgr_store *st, const struct swgr_pubkey *pk,
    const struct swgr_backend_patch *p, struct swgr_err *err)
{
	struct swgr_time now = swgr_time_now();
	struct swgr_db_val v[6];
	struct st_change c = { .q = ST_BACKEND_PATCH, .p = v, .np = 6, .bump = true };
	char *parts = NULL, tbuf[SWGR_TIME_STRMAX], hex[SWGR_PUBKEY_STRLEN + 1];
	enum swgr_rc rc;

	if (p->has_weight && (p->weight < 0 || p->weight > SWGR_WEIGHT_MAX))
		return swgr_err_set(err, SWGR_EINVAL, "weight %lld is out of range 0..%d",
		    (long long)p->weight, SWGR_WEIGHT_MAX);
	if (p->has_partitions &&
	    (parts = st_partitions_json(p->partitions, p->npartitions)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "patching a backend: out of memory");
	v[0] = swgr_db_text(parts);
	v[1] = swgr_db_text(p->name);
	v[2] = p->has_weight ? swgr_db_int(p->weight) : swgr_db_null();
	v[3] = p->has_enabled ? st_enc_bool(st, p->enabled) : swgr_db_null();
	v[4] = st_enc_time(st, &now, tbuf);
	v[5] = swgr_db_blob(pk->b, sizeof(pk->b));
	rc = st_run(st, ST_WRITE, st_change_fn, &c, err);
	free(parts);
	swgr_pubkey_format(pk, hex);
	return st_say(rc, SWGR_NOTFOUND, err, "backend %s not found", hex);
}

enum swgr_rc
swgr_store_backend_delete(struct swgr_store *st, const struct swgr_pubkey *pk,
    struct swgr_err *err)
{
	struct swgr_db_val v[1] = { swgr_db_blob(pk->b, sizeof(pk->b)) };
	struct st_change c = { .q = ST_BACKEND_DELETE, .p = v, .np = 1, .bump = true };
	char hex[SWGR_PUBKEY_STRLEN + 1];

	swgr_pubkey_format(pk, hex);
	return st_say(st_run(st, ST_WRITE, st_change_fn, &c, err), SWGR_NOTFOUND, err,
	    "backend %s not found", hex);
}

/* Offers and metadata. */

/* LIMIT/OFFSET values: u64 clamped to the int64 the databases take. */
static struct swgr_db_val
st_enc_count(uint64_t v)
{
	return swgr_db_int(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

enum swgr_rc
swgr_store_metadata_get(struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct swgr_metadata *out, struct swgr_err *err)
{
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[2] = { swgr_db_text(partition), st_enc_uuid(st, id, ub) };
	struct st_read a = { .q = ST_META_GET, .p = p, .np = 2, .size = sizeof(*out),
	    .rowfn = st_metadata_row, .freefn = st_free_metadatas };

	swgr_uuid_format(id, ub);
	return st_say(st_read_one(st, &a, out, err), SWGR_NOTFOUND, err,
	    "metadata %s/%s not found", partition, ub);
}

enum swgr_rc
swgr_store_metadata_page(struct swgr_store *st, const char *partition, uint64_t start,
    uint64_t count, struct swgr_metadata **out, size_t *n, struct swgr_err *err)
{
	struct swgr_db_val p[3] = { swgr_db_text(partition), st_enc_count(count),
	    st_enc_count(start) };
	struct st_read a = { .q = ST_META_PAGE, .p = p, .np = 3, .size = sizeof(**out),
	    .rowfn = st_metadata_row, .freefn = st_free_metadatas };

	*out = NULL;
	*n = 0;
	if (count == 0)
		return SWGR_OK;
	return st_read(st, &a, (void **)out, n, err);
}

/* Post (put false) or put of metadata. */
static enum swgr_rc
st_metadata_write(struct swgr_store *st, const struct swgr_metadata *m, bool put,
    bool *created, struct swgr_err *err)
{
	struct swgr_time now = swgr_time_now();
	struct swgr_buf json = { 0 };
	char ub[SWGR_UUID_STRLEN + 1], tb[SWGR_TIME_STRMAX];
	struct swgr_db_val ip[5], up[4];
	struct st_write w = { .put = put, .ins = ST_META_INSERT, .upd = ST_META_UPDATE,
	    .ip = ip, .nip = 5, .up = up, .nup = 4 };
	enum swgr_rc rc;

	swgr_metadata_sparse_to_json(&json, m);
	if (!swgr_buf_ok(&json)) {
		swgr_buf_free(&json);
		return swgr_err_set(err, SWGR_ENOMEM, "storing metadata: out of memory");
	}
	ip[0] = st_enc_uuid(st, &m->id, ub);
	ip[1] = swgr_db_text(m->partition);
	ip[2] = swgr_db_textn(json.p, json.len);
	ip[3] = st_enc_time(st, &now, tb);
	ip[4] = ip[3];
	up[0] = ip[1];
	up[1] = ip[0];
	up[2] = ip[2];
	up[3] = ip[3];
	rc = st_run(st, ST_WRITE, st_write_fn, &w, err);
	swgr_buf_free(&json);
	if (created != NULL)
		*created = rc == SWGR_OK && w.created;
	swgr_uuid_format(&m->id, ub);
	return st_say(rc, SWGR_CONFLICT, err, "metadata %s/%s already exists", m->partition, ub);
}

enum swgr_rc
swgr_store_metadata_post(struct swgr_store *st, const struct swgr_metadata *m,
    struct swgr_err *err)
{
	return st_metadata_write(st, m, false, NULL, err);
}

enum swgr_rc
swgr_store_metadata_put(struct swgr_store *st, const struct swgr_metadata *m, bool *created,
    struct swgr_err *err)
{
	return st_metadata_write(st, m, true, created, err);
}

enum swgr_rc
swgr_store_metadata_delete(struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct swgr_err *err)
{
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[2] = { swgr_db_text(partition), st_enc_uuid(st, id, ub) };
	struct st_change c = { .q = ST_META_DELETE, .p = p, .np = 2 };
	enum swgr_rc rc;

	rc = st_run(st, ST_WRITE, st_change_fn, &c, err);
	swgr_uuid_format(id, ub);
	rc = st_say(rc, SWGR_NOTFOUND, err, "metadata %s/%s not found", partition, ub);
	return st_refers(rc, err, "metadata %s is referenced by offers", ub);
}

struct st_offer_get {
	struct st_read	 offer;
	struct st_read	 meta;
	struct swgr_db_val mp[2];
	char		 ub[SWGR_UUID_STRLEN + 1];
};

/* The offer, then its metadata in the same snapshot. */
static enum swgr_rc
st_offer_get_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct st_offer_get *g = arg;
	struct swgr_offer *o;
	enum swgr_rc rc;

	if ((rc = st_read_rows(tx, &g->offer, err)) != SWGR_OK)
		return rc;
	o = g->offer.v;
	g->mp[0] = swgr_db_text(o->partition);
	g->mp[1] = st_enc_uuid(tx->st, &o->metadata_id, g->ub);
	return st_read_rows(tx, &g->meta, err);
}

enum swgr_rc
swgr_store_offer_get(struct swgr_store *st, const char *partition, const struct swgr_uuid *id,
    bool with_metadata, struct swgr_offer *out, struct swgr_err *err)
{
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[2] = { swgr_db_text(partition), st_enc_uuid(st, id, ub) };
	struct st_offer_get g = {
		.offer = { .q = ST_OFFER_GET, .p = p, .np = 2, .size = sizeof(*out),
		    .rowfn = st_offer_row, .freefn = st_free_offers, .one = true },
		.meta = { .q = ST_META_GET, .p = g.mp, .np = 2,
		    .size = sizeof(struct swgr_metadata), .rowfn = st_metadata_row,
		    .freefn = st_free_metadatas, .one = true },
	};
	char mb[SWGR_UUID_STRLEN + 1];
	enum swgr_rc rc;

	if (!with_metadata) {
		swgr_uuid_format(id, ub);
		return st_say(st_read_one(st, &g.offer, out, err), SWGR_NOTFOUND, err,
		    "offer %s/%s not found", partition, ub);
	}
	rc = st_run(st, ST_READ, st_offer_get_fn, &g, err);
	swgr_uuid_format(id, ub);
	if (rc == SWGR_NOTFOUND && g.offer.n == 1) {
		swgr_uuid_format(&((struct swgr_offer *)g.offer.v)->metadata_id, mb);
		rc = st_say(rc, SWGR_NOTFOUND, err, "metadata %s of offer %s/%s not found",
		    mb, partition, ub);
	} else
		rc = st_say(rc, SWGR_NOTFOUND, err, "offer %s/%s not found", partition, ub);
	if (rc != SWGR_OK) {
		if (g.offer.v != NULL)
			swgr_offers_free(g.offer.v, g.offer.n);
		if (g.meta.v != NULL)
			swgr_metadatas_free(g.meta.v, g.meta.n);
		return rc;
	}
	memcpy(out, g.offer.v, sizeof(*out));
	free(g.offer.v);
	out->metadata = g.meta.v;
	return SWGR_OK;
}

enum swgr_rc
swgr_store_offer_page(struct swgr_store *st, const char *partition, uint64_t start,
    uint64_t count, struct swgr_offer **out, size_t *n, struct swgr_err *err)
{
	struct swgr_db_val p[3] = { swgr_db_text(partition), st_enc_count(count),
	    st_enc_count(start) };
	struct st_read a = { .q = ST_OFFER_PAGE, .p = p, .np = 3, .size = sizeof(**out),
	    .rowfn = st_offer_row, .freefn = st_free_offers };

	*out = NULL;
	*n = 0;
	if (count == 0)
		return SWGR_OK;
	return st_read(st, &a, (void **)out, n, err);
}

/* Post (put false) or put of an offer; its metadata must exist in its partition. */
static enum swgr_rc
st_offer_write(struct swgr_store *st, const struct swgr_offer *o, bool put, bool *created,
    struct swgr_err *err)
{
	struct swgr_time now = swgr_time_now();
	char ib[SWGR_UUID_STRLEN + 1], mb[SWGR_UUID_STRLEN + 1];
	char tb[SWGR_TIME_STRMAX], eb[SWGR_TIME_STRMAX], nb[SWGR_TIME_STRMAX];
	struct swgr_db_val v[9], up[8];
	struct st_write w = { .put = put, .ins = ST_OFFER_INSERT, .upd = ST_OFFER_UPDATE,
	    .ip = v, .nip = 9, .up = up, .nup = 8 };
	enum swgr_rc rc;

	/* id, partition, max, min, metadata_id, timestamp, expires, created, updated */
	v[0] = st_enc_uuid(st, &o->id, ib);
	v[1] = swgr_db_text(o->partition);
	v[2] = swgr_db_int((int64_t)o->max_sendable);
	v[3] = swgr_db_int((int64_t)o->min_sendable);
	v[4] = st_enc_uuid(st, &o->metadata_id, mb);
	v[5] = st_enc_time(st, &o->timestamp, tb);
	v[6] = o->has_expires ? st_enc_time(st, &o->expires, eb) : swgr_db_null();
	v[7] = st_enc_time(st, &now, nb);
	v[8] = v[7];
	/* The update takes partition and id first, then the rest but created_at. */
	up[0] = v[1];
	up[1] = v[0];
	memcpy(&up[2], &v[2], 5 * sizeof(up[0]));
	up[7] = v[8];
	rc = st_run(st, ST_WRITE, st_write_fn, &w, err);
	if (created != NULL)
		*created = rc == SWGR_OK && w.created;
	swgr_uuid_format(&o->id, ib);
	swgr_uuid_format(&o->metadata_id, mb);
	rc = st_say(rc, SWGR_CONFLICT, err, "offer %s/%s already exists", o->partition, ib);
	return st_refers(rc, err, "metadata %s not found in partition %s", mb, o->partition);
}

enum swgr_rc
swgr_store_offer_post(struct swgr_store *st, const struct swgr_offer *o, struct swgr_err *err)
{
	return st_offer_write(st, o, false, NULL, err);
}

enum swgr_rc
swgr_store_offer_put(struct swgr_store *st, const struct swgr_offer *o, bool *created,
    struct swgr_err *err)
{
	return st_offer_write(st, o, true, created, err);
}

enum swgr_rc
swgr_store_offer_delete(struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct swgr_err *err)
{
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[2] = { swgr_db_text(partition), st_enc_uuid(st, id, ub) };
	struct st_change c = { .q = ST_OFFER_DELETE, .p = p, .np = 2 };

	swgr_uuid_format(id, ub);
	return st_say(st_run(st, ST_WRITE, st_change_fn, &c, err), SWGR_NOTFOUND, err,
	    "offer %s/%s not found", partition, ub);
}
