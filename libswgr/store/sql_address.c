/* The SQL store's Lightning Addresses: (domain, username) to an offer of a partition (swgr_address). */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "core/uuid.h"
#include "store/sql_int.h"

/* Columns: domain, username, partition, offer, enabled, created_at, updated_at. */
static enum swgr_rc
st_address_row(const struct swgr_db_rows *r, size_t i, void *out, struct swgr_err *err)
{
	struct swgr_address *a = out;
	int64_t enabled;
	enum swgr_rc rc;

	memset(a, 0, sizeof(*a));
	if ((rc = st_get_dup(r, i, 0, &a->domain, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 1, &a->username, err)) != SWGR_OK ||
	    (rc = st_get_dup(r, i, 2, &a->partition, err)) != SWGR_OK ||
	    (rc = st_get_uuid(r, i, 3, &a->offer, err)) != SWGR_OK ||
	    (rc = st_get_int(r, i, 4, &enabled, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 5, &a->created_at, err)) != SWGR_OK ||
	    (rc = st_get_time(r, i, 6, &a->updated_at, err)) != SWGR_OK)
		goto out;
	if (a->domain == NULL || a->username == NULL || a->partition == NULL)
		rc = st_bad(err, a->domain == NULL ? 0 : a->username == NULL ? 1 : 2, "NULL");
	a->enabled = enabled != 0;
out:
	if (rc != SWGR_OK)
		swgr_address_free(a);
	return rc;
}

enum swgr_rc
st_sql_address_get(void *impl, const char *domain, const char *username,
    struct swgr_address *out, struct swgr_err *err)
{
	struct swgr_db_val p[2] = { swgr_db_text(domain), swgr_db_text(username) };
	struct st_read a = { .q = ST_ADDR_GET, .p = p, .np = 2, .size = sizeof(*out),
	    .rowfn = st_address_row, .freefn = st_free_addresses };

	return st_say(st_read_one(impl, &a, out, err), SWGR_NOTFOUND, err,
	    "address %s/%s not found", domain, username);
}

enum swgr_rc
st_sql_address_page(void *impl, const char *domain, uint64_t start, uint64_t count,
    struct swgr_address **out, size_t *n, struct swgr_err *err)
{
	struct st_read a = { .q = ST_ADDR_PAGE, .size = sizeof(**out),
	    .rowfn = st_address_row, .freefn = st_free_addresses };

	return st_read_page(impl, &a, domain, start, count, (void **)out, n, err);
}

/* Post (put false) or put of an address; its offer must exist in its partition. */
enum swgr_rc
st_sql_address_write(void *impl, const struct swgr_address *a, bool put, bool *created,
    struct swgr_err *err)
{
	struct sql_store *st = impl;
	struct swgr_time now = swgr_time_now();
	char ob[SWGR_UUID_STRLEN + 1], tb[SWGR_TIME_STRMAX];
	struct swgr_db_val v[7];
	struct st_write w = { .put = put, .ins = ST_ADDR_INSERT, .upd = ST_ADDR_UPDATE,
	    .ip = v, .nip = 7, .up = v, .nup = 6 };
	enum swgr_rc rc;

	/* domain, username, partition, offer, enabled, created (the update's updated), updated */
	v[0] = swgr_db_text(a->domain);
	v[1] = swgr_db_text(a->username);
	v[2] = swgr_db_text(a->partition);
	v[3] = st_enc_uuid(st, &a->offer, ob);
	v[4] = st_enc_bool(st, a->enabled);
	v[5] = st_enc_time(st, &now, tb);
	v[6] = v[5];
	rc = st_run(st, ST_WRITE, st_write_fn, &w, err);
	if (created != NULL)
		*created = rc == SWGR_OK && w.created;
	swgr_uuid_format(&a->offer, ob);
	rc = st_say(rc, SWGR_CONFLICT, err, "address %s/%s already exists", a->domain,
	    a->username);
	return st_refers(rc, err, "offer %s not found in partition %s", ob, a->partition);
}

enum swgr_rc
st_sql_address_delete(void *impl, const char *domain, const char *username,
    struct swgr_err *err)
{
	struct swgr_db_val p[2] = { swgr_db_text(domain), swgr_db_text(username) };
	struct st_change c = { .q = ST_ADDR_DELETE, .p = p, .np = 2 };

	return st_say(st_run(impl, ST_WRITE, st_change_fn, &c, err), SWGR_NOTFOUND, err,
	    "address %s/%s not found", domain, username);
}
