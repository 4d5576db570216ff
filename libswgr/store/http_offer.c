/* The HTTP store's offer half: offers (sparse or with their metadata), metadata, Lightning Addresses, pages (spec §5, §11.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json.h"
#include "core/uuid.h"
#include "store/http_int.h"

static enum swgr_rc
hs_parse_offer(const char *t, size_t len, void *out, struct swgr_err *err)
{
	return swgr_offer_from_json(t, len, SWGR_SHAPE_FULL, out, err);
}

static enum swgr_rc
hs_parse_metadata(const char *t, size_t len, void *out, struct swgr_err *err)
{
	return swgr_metadata_from_json(t, len, SWGR_SHAPE_FULL, out, err);
}

/* The embedded "metadata" object of GET /offers/...?sparse=false into o->metadata. */
static enum swgr_rc
hs_embedded(const struct swgr_http_resp *r, const char *what, struct swgr_offer *o,
    struct swgr_err *err)
{
	struct swgr_err perr = { 0 };
	json_object *root = NULL, *m;
	const char *t;
	size_t len;
	enum swgr_rc rc;

	if ((rc = swgr_json_parse(r->body.p, r->body.len, &root, &perr)) != SWGR_OK)
		return hs_bad_json(r->url, what, rc, &perr, err);
	if (!json_object_object_get_ex(root, "metadata", &m) ||
	    !json_object_is_type(m, json_type_object)) {
		swgr_err_set(&perr, SWGR_ESHAPE, "metadata: missing (asked with sparse=false)");
		rc = hs_bad_json(r->url, what, SWGR_ESHAPE, &perr, err);
		goto out;
	}
	if ((o->metadata = calloc(1, sizeof(*o->metadata))) == NULL ||
	    (o->metadata->partition = strdup(o->partition)) == NULL ||
	    (t = json_object_to_json_string_length(m, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, r->url);
		goto out;
	}
	o->metadata->id = o->metadata_id;
	if ((rc = swgr_metadata_sparse_from_json(t, len, o->metadata, &perr)) != SWGR_OK) {
		swgr_err_wrap(&perr, "metadata");
		rc = hs_bad_json(r->url, what, rc, &perr, err);
	}
out:
	json_object_put(root);
	return rc;
}

static enum swgr_rc
hs_offer_get(void *impl, const char *partition, const struct swgr_uuid *id, bool with_metadata,
    struct swgr_offer *out, struct swgr_err *err)
{
	char u[SWGR_UUID_STRLEN + 1], name[160], what[64];
	struct hs_req q = { .method = "GET", .segs = { "offers", partition, u }, .nsegs = 3,
	    .query = with_metadata ? "sparse=false" : "sparse=true" };
	struct swgr_http_resp r;
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	swgr_uuid_format(id, u);
	hs_name(name, sizeof(name), "offer", partition, id);
	if ((rc = hs_call(impl, &q, 200, 0, name, NULL, &r, what, sizeof(what), err)) == SWGR_OK &&
	    (rc = hs_one(&r, what, hs_parse_offer, out, err)) == SWGR_OK && with_metadata)
		rc = hs_embedded(&r, what, out, err);
	if (rc != SWGR_OK)
		swgr_offer_free(out);
	swgr_http_resp_free(&r);
	return rc;
}

/* GET /<kind>/<partition>?start=&count= (spec §5 paging). */
static enum swgr_rc
hs_page(struct st_http *h, const char *kind, const char *partition, uint64_t start,
    uint64_t count, size_t size, hs_parse_fn parse, void (*freefn)(void *, size_t),
    void **out, size_t *n, struct swgr_err *err)
{
	char query[64], what[64];
	struct hs_req q = { .method = "GET", .segs = { kind, partition }, .nsegs = 2,
	    .query = query };
	struct swgr_http_resp r;
	enum swgr_rc rc;

	*out = NULL;
	*n = 0;
	snprintf(query, sizeof(query), "start=%llu&count=%llu", (unsigned long long)start,
	    (unsigned long long)count);
	if ((rc = hs_call(h, &q, 200, 0, NULL, NULL, &r, what, sizeof(what), err)) == SWGR_OK)
		rc = hs_array(r.body.p != NULL ? r.body.p : "", r.body.len, r.url, what, size, parse,
		    freefn, out, n, err);
	swgr_http_resp_free(&r);
	return rc;
}

static enum swgr_rc
hs_offer_page(void *impl, const char *partition, uint64_t start, uint64_t count,
    struct swgr_offer **out, size_t *n, struct swgr_err *err)
{
	return hs_page(impl, "offers", partition, start, count, sizeof(**out), hs_parse_offer,
	    st_free_offers, (void **)out, n, err);
}

static enum swgr_rc
hs_metadata_page(void *impl, const char *partition, uint64_t start, uint64_t count,
    struct swgr_metadata **out, size_t *n, struct swgr_err *err)
{
	return hs_page(impl, "metadata", partition, start, count, sizeof(**out),
	    hs_parse_metadata, st_free_metadatas, (void **)out, n, err);
}

/*
 * POST /<kind> or PUT /<kind>/<k1>/<k2> with the whole record (its key
 * included, spec §11.4); name is the record in messages.
 */
static enum swgr_rc
hs_record_write(struct st_http *h, const char *kind, const char *name, const char *k1,
    const char *k2, const struct swgr_buf *body, bool put, bool *created,
    struct swgr_err *err)
{
	char what[64];
	struct hs_req q = { .body = body };
	struct swgr_http_resp r;
	enum swgr_rc rc;

	q.segs[0] = kind;
	if (put) {
		q.method = "PUT";
		q.segs[1] = k1;
		q.segs[2] = k2;
		q.nsegs = 3;
	} else {
		q.method = "POST";
		q.nsegs = 1;
	}
	rc = hs_call(h, &q, 201, put ? 204 : 0, NULL, put ? NULL : name, &r, what, sizeof(what),
	    err);
	if (rc == SWGR_OK && created != NULL)
		*created = r.status == 201;
	swgr_http_resp_free(&r);
	return rc;
}

/* hs_record_write of an offer or metadata, keyed by partition and id. */
static enum swgr_rc
hs_uuid_write(struct st_http *h, const char *kind, const char *what_kind,
    const char *partition, const struct swgr_uuid *id, const struct swgr_buf *body, bool put,
    bool *created, struct swgr_err *err)
{
	char u[SWGR_UUID_STRLEN + 1], name[160];

	swgr_uuid_format(id, u);
	hs_name(name, sizeof(name), what_kind, partition, id);
	return hs_record_write(h, kind, name, partition, u, body, put, created, err);
}

static enum swgr_rc
hs_offer_write(void *impl, const struct swgr_offer *o, bool put, bool *created,
    struct swgr_err *err)
{
	struct swgr_offer plain = *o;
	struct swgr_buf body = { 0 };
	enum swgr_rc rc;

	plain.metadata = NULL;		/* never sent: the remote would discard it */
	swgr_offer_to_json(&body, &plain, false);
	rc = hs_uuid_write(impl, "offers", "offer", o->partition, &o->id, &body, put, created,
	    err);
	swgr_buf_free(&body);
	return rc;
}

static enum swgr_rc
hs_record_delete(struct st_http *h, const char *kind, const char *what_kind,
    const char *partition, const struct swgr_uuid *id, struct swgr_err *err)
{
	char u[SWGR_UUID_STRLEN + 1], name[160];
	struct hs_req q = { .method = "DELETE", .segs = { kind, partition, u }, .nsegs = 3 };

	swgr_uuid_format(id, u);
	hs_name(name, sizeof(name), what_kind, partition, id);
	return hs_status(h, &q, 204, name, err);
}

static enum swgr_rc
hs_offer_delete(void *impl, const char *partition, const struct swgr_uuid *id,
    struct swgr_err *err)
{
	return hs_record_delete(impl, "offers", "offer", partition, id, err);
}

static enum swgr_rc
hs_metadata_get(void *impl, const char *partition, const struct swgr_uuid *id,
    struct swgr_metadata *out, struct swgr_err *err)
{
	char u[SWGR_UUID_STRLEN + 1], name[160];
	struct hs_req q = { .method = "GET", .segs = { "metadata", partition, u }, .nsegs = 3 };

	memset(out, 0, sizeof(*out));
	swgr_uuid_format(id, u);
	hs_name(name, sizeof(name), "metadata", partition, id);
	return hs_get(impl, &q, name, hs_parse_metadata, out, err);
}

static enum swgr_rc
hs_metadata_write(void *impl, const struct swgr_metadata *m, bool put, bool *created,
    struct swgr_err *err)
{
	struct swgr_buf body = { 0 };
	enum swgr_rc rc;

	swgr_metadata_to_json(&body, m, false);
	rc = hs_uuid_write(impl, "metadata", "metadata", m->partition, &m->id, &body, put,
	    created, err);
	swgr_buf_free(&body);
	return rc;
}

static enum swgr_rc
hs_metadata_delete(void *impl, const char *partition, const struct swgr_uuid *id,
    struct swgr_err *err)
{
	return hs_record_delete(impl, "metadata", "metadata", partition, id, err);
}

/* ---- Lightning Addresses: /addresses/<domain>/<username> ---- */

static enum swgr_rc
hs_parse_address(const char *t, size_t len, void *out, struct swgr_err *err)
{
	return swgr_address_from_json(t, len, SWGR_SHAPE_FULL, out, err);
}

static enum swgr_rc
hs_address_get(void *impl, const char *domain, const char *username,
    struct swgr_address *out, struct swgr_err *err)
{
	char name[400];
	struct hs_req q = { .method = "GET", .segs = { "addresses", domain, username },
	    .nsegs = 3 };

	memset(out, 0, sizeof(*out));
	snprintf(name, sizeof(name), "address %s/%s", domain, username);
	return hs_get(impl, &q, name, hs_parse_address, out, err);
}

static enum swgr_rc
hs_address_page(void *impl, const char *domain, uint64_t start, uint64_t count,
    struct swgr_address **out, size_t *n, struct swgr_err *err)
{
	return hs_page(impl, "addresses", domain, start, count, sizeof(**out),
	    hs_parse_address, st_free_addresses, (void **)out, n, err);
}

static enum swgr_rc
hs_address_write(void *impl, const struct swgr_address *a, bool put, bool *created,
    struct swgr_err *err)
{
	struct swgr_buf body = { 0 };
	char name[400];
	enum swgr_rc rc;

	snprintf(name, sizeof(name), "address %s/%s", a->domain, a->username);
	swgr_address_to_json(&body, a, false);
	rc = hs_record_write(impl, "addresses", name, a->domain, a->username, &body, put,
	    created, err);
	swgr_buf_free(&body);
	return rc;
}

static enum swgr_rc
hs_address_delete(void *impl, const char *domain, const char *username,
    struct swgr_err *err)
{
	char name[400];
	struct hs_req q = { .method = "DELETE", .segs = { "addresses", domain, username },
	    .nsegs = 3 };

	snprintf(name, sizeof(name), "address %s/%s", domain, username);
	return hs_status(impl, &q, 204, name, err);
}

const struct st_offer_ops st_http_offer = {
	.offer_get = hs_offer_get,
	.offer_page = hs_offer_page,
	.offer_write = hs_offer_write,
	.offer_delete = hs_offer_delete,
	.metadata_get = hs_metadata_get,
	.metadata_page = hs_metadata_page,
	.metadata_write = hs_metadata_write,
	.metadata_delete = hs_metadata_delete,
	.address_get = hs_address_get,
	.address_page = hs_address_page,
	.address_write = hs_address_write,
	.address_delete = hs_address_delete,
};
