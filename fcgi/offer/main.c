/* swgr-offer: the Offer admin service (spec §5), CRUD of offers and their metadata. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "fcgi/responder.h"
#include "store/store.h"
#include "core/uuid.h"

static swgr_handler offer_post, offer_page, offer_get, offer_put, offer_delete;
static swgr_handler meta_post, meta_page, meta_get, meta_put, meta_delete;

/* Everything but GET /health needs an offer token; the check runs before routing. */
static const struct swgr_route routes[] = {
	{ SWGR_M_GET,		"/health",		swgr_health,	SWGR_ROUTE_PUBLIC },
	{ SWGR_M_POST,		"/offers",		offer_post,	0 },
	{ SWGR_M_GET,		"/offers/*",		offer_page,	0 },
	{ SWGR_M_GET,		"/offers/*/*",		offer_get,	0 },
	{ SWGR_M_PUT,		"/offers/*/*",		offer_put,	0 },
	{ SWGR_M_DELETE,	"/offers/*/*",		offer_delete,	0 },
	{ SWGR_M_POST,		"/metadata",		meta_post,	0 },
	{ SWGR_M_GET,		"/metadata/*",		meta_page,	0 },
	{ SWGR_M_GET,		"/metadata/*/*",	meta_get,	0 },
	{ SWGR_M_PUT,		"/metadata/*/*",	meta_put,	0 },
	{ SWGR_M_DELETE,	"/metadata/*/*",	meta_delete,	0 },
};

static const struct swgr_service service = {
	.name = "offer",
	.cfgname = "offer",
	.section = offsetof(struct swgr_config, offer),
	.store = offsetof(struct swgr_config, store_offer),
	.roles = SWGR_STORE_ROLE_OFFER,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
};

int
main(int argc, char *argv[])
{
	return swgr_responder_main(argc, argv, &service);
}

/* The {id} of /offers|metadata/{partition}/{id}: not a UUID -> 404 (the original's UuidParam). */
static bool
path_id(struct swgr_ctx *c, struct swgr_uuid *id)
{
	const char *s = c->req->seg[2];

	if (swgr_uuid_parse(s, strlen(s), id) == SWGR_OK)
		return true;
	swgr_resp_reset(c->resp, 404);
	return false;
}

/* ?start=&count= of the list routes: defaults 0 and max-page-size; count over it -> 400. */
static bool
page_query(struct swgr_ctx *c, uint64_t *start, uint64_t *count)
{
	struct swgr_err err = { 0 };

	*start = 0;
	*count = c->section->max_page_size;
	if (swgr_query_u64(&c->req->q, "start", false, start) != SWGR_OK ||
	    swgr_query_u64(&c->req->q, "count", false, count) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINVAL, "bad start or count in '%s'", c->req->query);
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return false;
	}
	if (*count > c->section->max_page_size) {
		swgr_err_set(&err, SWGR_EINVAL, "count %ju is over max-page-size %ju",
		    (uintmax_t)*count, (uintmax_t)c->section->max_page_size);
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return false;
	}
	if (*start > INT64_MAX)
		*start = INT64_MAX;
	return true;
}

/*
 * "partition/id", the Location of a created or conflicting record.  A
 * partition byte that cannot go into a header is percent-encoded
 * (swgr_hdr_encode) where the original answered 500; the caller frees.
 */
static char *
location(const char *partition, const struct swgr_uuid *id)
{
	struct swgr_buf b = { 0 };
	char u[SWGR_UUID_STRLEN + 1];

	swgr_uuid_format(id, u);
	swgr_hdr_encode(&b, partition);
	swgr_buf_putc(&b, '/');
	swgr_buf_puts(&b, u);
	return swgr_buf_take(&b, NULL);
}

/* 201 with Location, or the store's error (409 with the same Location). */
static void
created(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err,
    const char *partition, const struct swgr_uuid *id)
{
	char *loc = location(partition, id);

	if (loc == NULL) {
		swgr_resp_reset(c->resp, 500);
		return;
	}
	if (rc != SWGR_OK)
		swgr_ctx_store_fail(c, rc, err, loc);
	else {
		c->resp->status = 201;
		swgr_resp_header(c->resp, "Location", loc);
	}
	free(loc);
}

/* POST /offers: 201 + Location, 409 + Location, 400 if its metadata is not in the partition. */
static void
offer_post(struct swgr_ctx *c)
{
	struct swgr_offer o;
	struct swgr_metadata *m;
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	size_t len;

	if (!swgr_ctx_body(c, &text, &len))
		return;
	memset(&o, 0, sizeof(o));
	if ((rc = swgr_offer_from_json(text, len, SWGR_SHAPE_FULL, &o, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	m = o.metadata;			/* parsed (so validated), then not stored */
	o.metadata = NULL;
	rc = swgr_store_offer_post(c->store, &o, &err);
	created(c, rc, &err, o.partition, &o.id);
	o.metadata = m;
	swgr_offer_free(&o);
}

/* GET /offers/{partition}?start&count: a page, NOCACHE. */
static void
offer_page(struct swgr_ctx *c)
{
	struct swgr_offer *v = NULL;
	struct swgr_err err = { 0 };
	uint64_t start, count;
	enum swgr_rc rc;
	size_t n = 0;

	if (!page_query(c, &start, &count))
		return;
	rc = swgr_store_offer_page(c->store, c->req->seg[1], start, count, &v, &n, &err);
	if (rc != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_offers_to_json(&c->resp->body, v, n, false);
	swgr_offers_free(v, n);
}

/* GET /offers/{partition}/{id}?sparse=true|false: NOCACHE; sparse=false embeds the metadata. */
static void
offer_get(struct swgr_ctx *c)
{
	struct swgr_offer o;
	struct swgr_uuid id;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	bool sparse = true;

	if (swgr_query_bool(&c->req->q, "sparse", false, &sparse) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINVAL, "bad sparse in '%s'", c->req->query);
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return;
	}
	if (!path_id(c, &id))
		return;
	memset(&o, 0, sizeof(o));
	rc = swgr_store_offer_get(c->store, c->req->seg[1], &id, !sparse, &o, &err);
	if (rc != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_offer_to_json(&c->resp->body, &o, false);
	swgr_offer_free(&o);
}

/* PUT /offers/{partition}/{id}: 201 created or 204 replaced. */
static void
offer_put(struct swgr_ctx *c)
{
	struct swgr_offer o;
	struct swgr_metadata *m;
	struct swgr_uuid id;
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	bool isnew = false;
	size_t len;

	if (!path_id(c, &id) || !swgr_ctx_body(c, &text, &len))
		return;
	memset(&o, 0, sizeof(o));
	if ((rc = swgr_offer_from_json(text, len, SWGR_SHAPE_SPARSE, &o, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	m = o.metadata;
	o.metadata = NULL;
	free(o.partition);
	o.id = id;
	if ((o.partition = strdup(c->req->seg[1])) == NULL)
		swgr_resp_reset(c->resp, 500);
	else if ((rc = swgr_store_offer_put(c->store, &o, &isnew, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = isnew ? 201 : 204;
	o.metadata = m;
	swgr_offer_free(&o);
}

/* DELETE /offers/{partition}/{id}: 204 or 404. */
static void
offer_delete(struct swgr_ctx *c)
{
	struct swgr_uuid id;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!path_id(c, &id))
		return;
	if ((rc = swgr_store_offer_delete(c->store, c->req->seg[1], &id, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = 204;
}

/* POST /metadata: 201 + Location, 409 + Location. */
static void
meta_post(struct swgr_ctx *c)
{
	struct swgr_metadata m;
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	size_t len;

	if (!swgr_ctx_body(c, &text, &len))
		return;
	memset(&m, 0, sizeof(m));
	if ((rc = swgr_metadata_from_json(text, len, SWGR_SHAPE_FULL, &m, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	rc = swgr_store_metadata_post(c->store, &m, &err);
	created(c, rc, &err, m.partition, &m.id);
	swgr_metadata_free(&m);
}

/* GET /metadata/{partition}?start&count: a page, NOCACHE. */
static void
meta_page(struct swgr_ctx *c)
{
	struct swgr_metadata *v = NULL;
	struct swgr_err err = { 0 };
	uint64_t start, count;
	enum swgr_rc rc;
	size_t n = 0;

	if (!page_query(c, &start, &count))
		return;
	rc = swgr_store_metadata_page(c->store, c->req->seg[1], start, count, &v, &n, &err);
	if (rc != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_metadatas_to_json(&c->resp->body, v, n, false);
	swgr_metadatas_free(v, n);
}

/* GET /metadata/{partition}/{id}: NOCACHE, or 404. */
static void
meta_get(struct swgr_ctx *c)
{
	struct swgr_metadata m;
	struct swgr_uuid id;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!path_id(c, &id))
		return;
	memset(&m, 0, sizeof(m));
	if ((rc = swgr_store_metadata_get(c->store, c->req->seg[1], &id, &m, &err)) != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_metadata_to_json(&c->resp->body, &m, false);
	swgr_metadata_free(&m);
}

/* PUT /metadata/{partition}/{id}: 201 created or 204 replaced. */
static void
meta_put(struct swgr_ctx *c)
{
	struct swgr_metadata m;
	struct swgr_uuid id;
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	bool isnew = false;
	size_t len;

	if (!path_id(c, &id) || !swgr_ctx_body(c, &text, &len))
		return;
	memset(&m, 0, sizeof(m));
	if ((rc = swgr_metadata_from_json(text, len, SWGR_SHAPE_SPARSE, &m, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	free(m.partition);
	m.id = id;
	if ((m.partition = strdup(c->req->seg[1])) == NULL)
		swgr_resp_reset(c->resp, 500);
	else if ((rc = swgr_store_metadata_put(c->store, &m, &isnew, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = isnew ? 201 : 204;
	swgr_metadata_free(&m);
}

/* DELETE /metadata/{partition}/{id}: 204, 404, or 400 while an offer references it. */
static void
meta_delete(struct swgr_ctx *c)
{
	struct swgr_uuid id;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!path_id(c, &id))
		return;
	if ((rc = swgr_store_metadata_delete(c->store, c->req->seg[1], &id, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = 204;
}
