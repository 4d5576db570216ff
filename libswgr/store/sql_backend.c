/* The SQL store's discovery records: backends and the ETag counter (spec §4, §11.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/pubkey.h"
#include "core/time.h"
#include "store/sql_int.h"


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
	json_object *a = NULL, *e;
	enum swgr_rc rc = SWGR_OK;
	size_t i, cnt;

	*out = NULL;
	*n = 0;
	if (swgr_json_parse(p, len, &a, NULL) != SWGR_OK || !json_object_is_type(a, json_type_array)) {
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

static enum swgr_rc
sql_backend_etag(void *impl, uint64_t *etag, struct swgr_err *err)
{
	return st_run(impl, ST_SINGLE, st_etag_fn, etag, err);
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
static enum swgr_rc
sql_backend_list(void *impl, uint64_t *etag, struct swgr_backend **out,
    size_t *n, struct swgr_err *err)
{
	struct sql_store *st = impl;
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

static enum swgr_rc
sql_backend_get(void *impl, const struct swgr_pubkey *pk,
    struct swgr_backend *out, struct swgr_err *err)
{
	struct sql_store *st = impl;
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
st_backend_vals(const struct sql_store *st, const struct swgr_backend *b,
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
st_backend_write(void *impl, const struct swgr_backend *b, bool put, bool *created,
    struct swgr_err *err)
{
	struct sql_store *st = impl;
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

/* Applies the present fields in one UPDATE: an absent field is NULL, COALESCE keeps the column. */
static enum swgr_rc
sql_backend_patch(void *impl, const struct swgr_pubkey *pk,
    const struct swgr_backend_patch *p, struct swgr_err *err)
{
	struct sql_store *st = impl;
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

static enum swgr_rc
sql_backend_delete(void *impl, const struct swgr_pubkey *pk,
    struct swgr_err *err)
{
	struct sql_store *st = impl;
	struct swgr_db_val v[1] = { swgr_db_blob(pk->b, sizeof(pk->b)) };
	struct st_change c = { .q = ST_BACKEND_DELETE, .p = v, .np = 1, .bump = true };
	char hex[SWGR_PUBKEY_STRLEN + 1];

	swgr_pubkey_format(pk, hex);
	return st_say(st_run(st, ST_WRITE, st_change_fn, &c, err), SWGR_NOTFOUND, err,
	    "backend %s not found", hex);
}

const struct st_discovery_ops st_sql_discovery = {
	.etag = sql_backend_etag,
	.list = sql_backend_list,
	.get = sql_backend_get,
	.write = st_backend_write,
	.patch = sql_backend_patch,
	.del = sql_backend_delete,
};
