/* The invoice records (ours): the table swgr_invoice of a database store, written in batches by swgr-lnurl, read by swgr-offer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/pubkey.h"
#include "store/sql_int.h"

/* The SQL store of st, its invoice table there (SWGR_EUPSTREAM "schema missing" if not yet). */
static enum swgr_rc
invoices_of(struct swgr_store *st, struct sql_store **out, struct swgr_err *err)
{
	enum swgr_rc rc;

	if (!swgr_store_is_database(st) || st->impl == NULL)
		return swgr_err_set(err, SWGR_EINVAL, "invoice records are kept in a database "
		    "store only, not in an %s store", st->kind);
	*out = st->impl;
	if ((rc = st_catalog_ready(*out, ST_ROLE_INVOICE, err)) == SWGR_NOTFOUND)
		rc = SWGR_EUPSTREAM;
	if (err != NULL && rc != SWGR_OK)
		err->rc = rc;
	return rc;
}

static void
hash_hex(const uint8_t h[32], char out[65])
{
	swgr_hex_encode(h, 32, out);
	out[64] = '\0';
}

struct inv_batch {
	const struct swgr_invoice *v;
	size_t		 n;
};

static enum swgr_rc
put_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	const struct inv_batch *b = arg;
	const struct swgr_invoice *v;
	char hash[65], ub[SWGR_UUID_STRLEN + 1], pk[SWGR_PUBKEY_STRLEN + 1];
	struct swgr_db_val p[12];
	enum swgr_rc rc;
	size_t i;

	for (i = 0; i < b->n; i++) {
		v = &b->v[i];
		hash_hex(v->payment_hash, hash);
		swgr_pubkey_format(&v->backend, pk);
		p[0] = swgr_db_text(hash);
		p[1] = swgr_db_text(v->bolt11);
		p[2] = swgr_db_text(v->partition);
		p[3] = st_enc_uuid(tx->st, &v->offer, ub);
		p[4] = swgr_db_text(v->domain);
		p[5] = swgr_db_text(v->username);
		p[6] = swgr_db_text(pk);
		p[7] = swgr_db_int((int64_t)v->amount_msat);
		p[8] = swgr_db_text(v->comment);
		p[9] = swgr_db_text(v->payer_data);
		p[10] = swgr_db_int(v->created_ms);
		p[11] = swgr_db_int(v->expires_ms);
		if ((rc = st_exec(tx, ST_INV_INSERT, p, 12, NULL, err)) != SWGR_OK)
			return rc;
	}
	return SWGR_OK;
}

enum swgr_rc
swgr_store_invoices_put(struct swgr_store *st, const struct swgr_invoice *v, size_t n,
    struct swgr_err *err)
{
	struct inv_batch b = { v, n };
	struct sql_store *q;
	enum swgr_rc rc;

	if (n == 0)
		return SWGR_OK;
	if ((rc = invoices_of(st, &q, err)) != SWGR_OK)
		return rc;
	return st_run(q, ST_WRITE, put_fn, &b, err);
}

/* An optional text column into *out (NULL for SQL NULL). */
static enum swgr_rc
opt_dup(const struct swgr_db_rows *r, size_t i, size_t col, char **out, struct swgr_err *err)
{
	*out = NULL;
	return swgr_db_is_null(r, i, col) ? SWGR_OK : st_get_dup(r, i, col, out, err);
}

/* Columns: ST_INV_COLS. */
static enum swgr_rc
invoice_row(const struct swgr_db_rows *r, size_t i, void *out, struct swgr_err *err)
{
	struct swgr_invoice *v = out;
	const char *p;
	size_t len;
	int64_t amount;
	enum swgr_rc rc;

	memset(v, 0, sizeof(*v));
	if ((rc = st_get_bytes(r, i, 0, &p, &len, err)) != SWGR_OK)
		return rc;
	if (p == NULL || len != 64 || swgr_hex_decode(p, len, v->payment_hash, 32) != SWGR_OK)
		return st_bad(err, 0, "payment_hash is not 64 hex digits");
	if ((rc = st_get_bytes(r, i, 6, &p, &len, err)) != SWGR_OK)
		return rc;
	if (p == NULL || len != 66 || swgr_hex_decode(p, len, v->backend.b, 33) != SWGR_OK)
		return st_bad(err, 6, "backend is not 66 hex digits");
	if ((rc = st_get_dup(r, i, 1, &v->bolt11, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 2, &v->partition, err)) != SWGR_OK ||
	    (rc = st_get_uuid(r, i, 3, &v->offer, err)) != SWGR_OK ||
	    (rc = opt_dup(r, i, 4, &v->domain, err)) != SWGR_OK ||
	    (rc = opt_dup(r, i, 5, &v->username, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 7, &amount, err)) != SWGR_OK ||
	    (rc = opt_dup(r, i, 8, &v->comment, err)) != SWGR_OK ||
	    (rc = opt_dup(r, i, 9, &v->payer_data, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 10, &v->created_ms, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 11, &v->expires_ms, err)) != SWGR_OK) {
		swgr_invoice_free(v);
		return rc;
	}
	v->amount_msat = (uint64_t)amount;
	return SWGR_OK;
}

static void
free_invoices(void *v, size_t n)
{
	swgr_invoices_free(v, n);
}

enum swgr_rc
swgr_store_invoice_get(struct swgr_store *st, const uint8_t payment_hash[32],
    struct swgr_invoice *out, struct swgr_err *err)
{
	char hash[65];
	struct swgr_db_val p[1];
	struct st_read a = { .q = ST_INV_GET, .p = p, .np = 1, .size = sizeof(*out),
	    .rowfn = invoice_row, .freefn = free_invoices };
	struct sql_store *q;
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = invoices_of(st, &q, err)) != SWGR_OK)
		return rc;
	hash_hex(payment_hash, hash);
	p[0] = swgr_db_text(hash);
	return st_say(st_read_one(q, &a, out, err), SWGR_NOTFOUND, err,
	    "invoice %s not found", hash);
}

enum swgr_rc
swgr_store_invoice_page(struct swgr_store *st, const struct swgr_invoice_filter *f,
    uint64_t start, uint64_t count, struct swgr_invoice **out, size_t *n, struct swgr_err *err)
{
	static const struct swgr_uuid none;
	char ub[SWGR_UUID_STRLEN + 1];
	struct swgr_db_val p[10];
	struct st_read a = { .q = ST_INV_PAGE, .p = p, .np = 10, .size = sizeof(**out),
	    .rowfn = invoice_row, .freefn = free_invoices };
	struct sql_store *q;
	enum swgr_rc rc;

	*out = NULL;
	*n = 0;
	if ((rc = invoices_of(st, &q, err)) != SWGR_OK || count == 0)
		return rc;
	memset(ub, 0, sizeof(ub));
	p[0] = swgr_db_text(f->partition);
	p[1] = swgr_db_int(f->offer != NULL);
	p[2] = st_enc_uuid(q, f->offer != NULL ? f->offer : &none, ub);
	p[3] = swgr_db_int(f->domain != NULL || f->username != NULL);
	p[4] = swgr_db_text(f->domain != NULL ? f->domain : "");
	p[5] = swgr_db_text(f->username != NULL ? f->username : "");
	p[6] = swgr_db_int(f->since_ms);
	p[7] = swgr_db_int(f->until_ms);
	p[8] = swgr_db_int(count > INT64_MAX ? INT64_MAX : (int64_t)count);
	p[9] = swgr_db_int(start > INT64_MAX ? INT64_MAX : (int64_t)start);
	return st_read(q, &a, (void **)out, n, err);
}

struct inv_expire {
	int64_t		 before;
	uint64_t	 deleted;
};

static enum swgr_rc
expire_fn(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	struct inv_expire *e = arg;
	struct swgr_db_rows r = { 0 };
	struct swgr_db_val p[1] = { swgr_db_int(e->before) };
	enum swgr_rc rc;

	if ((rc = st_exec(tx, ST_INV_EXPIRE, p, 1, &r, err)) == SWGR_OK)
		e->deleted = r.affected > 0 ? (uint64_t)r.affected : 0;
	swgr_db_rows_free(&r);
	return rc;
}

enum swgr_rc
swgr_store_invoices_expire(struct swgr_store *st, int64_t before_ms, uint64_t *deleted,
    struct swgr_err *err)
{
	struct inv_expire e = { before_ms, 0 };
	struct sql_store *q;
	enum swgr_rc rc;

	*deleted = 0;
	if ((rc = invoices_of(st, &q, err)) != SWGR_OK)
		return rc;
	if ((rc = st_run(q, ST_WRITE, expire_fn, &e, err)) == SWGR_OK)
		*deleted = e.deleted;
	return rc;
}
