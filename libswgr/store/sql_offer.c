/* The SQL store's offers and their metadata (spec §5, §11.2); its operations table, addresses included. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/time.h"
#include "core/uuid.h"
#include "store/sql_int.h"

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

/* Offers and metadata. */

static enum swgr_rc
sql_metadata_get(void *impl, const char *partition,
    const struct swgr_uuid *id, struct swgr_metadata *out, struct swgr_err *err)
{
	struct sql_store *st = impl;
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[2] = { swgr_db_text(partition), st_enc_uuid(st, id, ub) };
	struct st_read a = { .q = ST_META_GET, .p = p, .np = 2, .size = sizeof(*out),
	    .rowfn = st_metadata_row, .freefn = st_free_metadatas };

	swgr_uuid_format(id, ub);
	return st_say(st_read_one(st, &a, out, err), SWGR_NOTFOUND, err,
	    "metadata %s/%s not found", partition, ub);
}

static enum swgr_rc
sql_metadata_page(void *impl, const char *partition, uint64_t start,
    uint64_t count, struct swgr_metadata **out, size_t *n, struct swgr_err *err)
{
	struct st_read a = { .q = ST_META_PAGE, .size = sizeof(**out),
	    .rowfn = st_metadata_row, .freefn = st_free_metadatas };

	return st_read_page(impl, &a, partition, start, count, (void **)out, n, err);
}

/* Post (put false) or put of metadata. */
static enum swgr_rc
st_metadata_write(void *impl, const struct swgr_metadata *m, bool put, bool *created,
    struct swgr_err *err)
{
	struct sql_store *st = impl;
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

static enum swgr_rc
sql_metadata_delete(void *impl, const char *partition,
    const struct swgr_uuid *id, struct swgr_err *err)
{
	struct sql_store *st = impl;
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

static enum swgr_rc
sql_offer_get(void *impl, const char *partition, const struct swgr_uuid *id,
    bool with_metadata, struct swgr_offer *out, struct swgr_err *err)
{
	struct sql_store *st = impl;
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

static enum swgr_rc
sql_offer_page(void *impl, const char *partition, uint64_t start,
    uint64_t count, struct swgr_offer **out, size_t *n, struct swgr_err *err)
{
	struct st_read a = { .q = ST_OFFER_PAGE, .size = sizeof(**out),
	    .rowfn = st_offer_row, .freefn = st_free_offers };

	return st_read_page(impl, &a, partition, start, count, (void **)out, n, err);
}

/* Post (put false) or put of an offer; its metadata must exist in its partition. */
static enum swgr_rc
st_offer_write(void *impl, const struct swgr_offer *o, bool put, bool *created,
    struct swgr_err *err)
{
	struct sql_store *st = impl;
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

static enum swgr_rc
sql_offer_delete(void *impl, const char *partition,
    const struct swgr_uuid *id, struct swgr_err *err)
{
	struct sql_store *st = impl;
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[2] = { swgr_db_text(partition), st_enc_uuid(st, id, ub) };
	struct st_change c = { .q = ST_OFFER_DELETE, .p = p, .np = 2 };
	enum swgr_rc rc;

	rc = st_run(st, ST_WRITE, st_change_fn, &c, err);
	swgr_uuid_format(id, ub);
	rc = st_say(rc, SWGR_NOTFOUND, err, "offer %s/%s not found", partition, ub);
	return st_refers(rc, err, "offer %s/%s is used by an address (delete or move the "
	    "address first)", partition, ub);
}

const struct st_offer_ops st_sql_offer = {
	.offer_get = sql_offer_get,
	.offer_page = sql_offer_page,
	.offer_write = st_offer_write,
	.offer_delete = sql_offer_delete,
	.metadata_get = sql_metadata_get,
	.metadata_page = sql_metadata_page,
	.metadata_write = st_metadata_write,
	.metadata_delete = sql_metadata_delete,
	.address_get = st_sql_address_get,
	.address_page = st_sql_address_page,
	.address_write = st_sql_address_write,
	.address_delete = st_sql_address_delete,
};
