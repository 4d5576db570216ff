/* The admin services' CRUD handlers over a record kind: body, key and store call in one order for every kind (crud.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/crud.h"

/* ---- the record types ---- */

static enum swgr_rc
rec_parse(enum swgr_crud_type t, const char *text, size_t len, enum swgr_shape shape,
    union swgr_crud_rec *r, struct swgr_err *err)
{
	enum swgr_rc rc;

	switch (t) {
	case SWGR_CRUD_BACKEND:
		return swgr_backend_from_json(text, len, shape, &r->backend, err);
	case SWGR_CRUD_BACKEND_PATCH:
		return swgr_backend_patch_from_json(text, len, &r->patch, err);
	case SWGR_CRUD_OFFER:
		if ((rc = swgr_offer_from_json(text, len, shape, &r->offer, err)) != SWGR_OK)
			return rc;
		if ((rc = swgr_offer_check(&r->offer, err)) != SWGR_OK)
			swgr_offer_free(&r->offer);
		return rc;
	case SWGR_CRUD_METADATA:
		return swgr_metadata_from_json(text, len, shape, &r->metadata, err);
	case SWGR_CRUD_ADDRESS:
		return swgr_address_from_json(text, len, shape, &r->address, err);
	}
	return swgr_err_set(err, SWGR_EINTERNAL, "record type %d", (int)t);
}

static void
rec_free(enum swgr_crud_type t, union swgr_crud_rec *r)
{
	switch (t) {
	case SWGR_CRUD_BACKEND:
		swgr_backend_free(&r->backend);
		break;
	case SWGR_CRUD_BACKEND_PATCH:
		swgr_backend_patch_free(&r->patch);
		break;
	case SWGR_CRUD_OFFER:
		swgr_offer_free(&r->offer);
		break;
	case SWGR_CRUD_METADATA:
		swgr_metadata_free(&r->metadata);
		break;
	case SWGR_CRUD_ADDRESS:
		swgr_address_free(&r->address);
		break;
	}
}

static void
rec_to_json(enum swgr_crud_type t, struct swgr_buf *b, const union swgr_crud_rec *r)
{
	switch (t) {
	case SWGR_CRUD_BACKEND:
		swgr_backend_to_json(b, &r->backend, false);
		break;
	case SWGR_CRUD_OFFER:
		swgr_offer_to_json(b, &r->offer, false);
		break;
	case SWGR_CRUD_METADATA:
		swgr_metadata_to_json(b, &r->metadata, false);
		break;
	case SWGR_CRUD_ADDRESS:
		swgr_address_to_json(b, &r->address, false);
		break;
	case SWGR_CRUD_BACKEND_PATCH:
		break;
	}
}

/* The page as JSON into b, then freed. */
static void
page_to_json(enum swgr_crud_type t, struct swgr_buf *b, union swgr_crud_page *v, size_t n)
{
	switch (t) {
	case SWGR_CRUD_OFFER:
		swgr_offers_to_json(b, v->offers, n, false);
		swgr_offers_free(v->offers, n);
		break;
	case SWGR_CRUD_METADATA:
		swgr_metadatas_to_json(b, v->metadata, n, false);
		swgr_metadatas_free(v->metadata, n);
		break;
	case SWGR_CRUD_ADDRESS:
		swgr_addresses_to_json(b, v->addresses, n, false);
		swgr_addresses_free(v->addresses, n);
		break;
	case SWGR_CRUD_BACKEND:
	case SWGR_CRUD_BACKEND_PATCH:
		break;
	}
}

/* ---- the steps ---- */

/* The request body, parsed as a record of the kind in that shape into *r; false with the answer made. */
static bool
read_body(struct swgr_ctx *c, const struct swgr_crud *k, enum swgr_shape shape,
    union swgr_crud_rec *r)
{
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	size_t len;

	if (!swgr_ctx_body(c, &text, &len))
		return false;
	memset(r, 0, sizeof(*r));
	if ((rc = rec_parse(k->type, text, len, shape, r, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return false;
	}
	return true;
}

/*
 * The kind's check of r (POST, PUT); false with the answer made.  Unlike a
 * shape error, the reason goes in the body (text/plain): the admin is told
 * what the service refuses and why.
 */
static bool
checked(struct swgr_ctx *c, const struct swgr_crud *k, const union swgr_crud_rec *r)
{
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (k->check == NULL || (rc = k->check(c, r, &err)) == SWGR_OK)
		return true;
	swgr_ctx_fail(c, rc, &err);
	if (err.msg[0] != '\0' && c->resp->status < 500) {
		swgr_resp_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
		swgr_buf_printf(&c->resp->body, "%s\n", err.msg);
	}
	return false;
}

bool
swgr_crud_page_query(struct swgr_ctx *c, uint64_t *start, uint64_t *count)
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

/* ---- the handlers ---- */

void
swgr_crud_post(struct swgr_ctx *c)
{
	const struct swgr_crud *k = c->arg;
	union swgr_crud_rec r;
	struct swgr_buf b = { 0 };
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	char *loc;

	if (!read_body(c, k, SWGR_SHAPE_FULL, &r))
		return;
	if (!checked(c, k, &r)) {
		rec_free(k->type, &r);
		return;
	}
	rc = k->post(c->store, &r, &err);
	k->location(&r, &b);
	if ((loc = swgr_buf_take(&b, NULL)) == NULL)
		swgr_resp_reset(c->resp, 500);
	else if (rc != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, loc);
	else {
		c->resp->status = 201;
		swgr_resp_header(c->resp, "Location", loc);
	}
	free(loc);
	rec_free(k->type, &r);
}

void
swgr_crud_get(struct swgr_ctx *c)
{
	const struct swgr_crud *k = c->arg;
	struct swgr_crud_key key = { 0 };
	union swgr_crud_rec r;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if ((k->query != NULL && !k->query(c, &key)) || !k->key(c, &key))
		return;
	memset(&r, 0, sizeof(r));
	if ((rc = k->get(c->store, &key, &r, &err)) != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	rec_to_json(k->type, &c->resp->body, &r);
	rec_free(k->type, &r);
}

void
swgr_crud_put(struct swgr_ctx *c)
{
	const struct swgr_crud *k = c->arg;
	struct swgr_crud_key key = { 0 };
	union swgr_crud_rec r;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;
	bool created = false;

	if (!k->body_first && !k->key(c, &key))
		return;
	if (!read_body(c, k, SWGR_SHAPE_SPARSE, &r))
		return;
	if (k->body_first && !k->key(c, &key))
		;				/* answered */
	else if (!checked(c, k, &r))
		;				/* answered */
	else if (k->set_key != NULL && !k->set_key(&r, &key))
		swgr_resp_reset(c->resp, 500);
	else if ((rc = k->put(c->store, &key, &r, &created, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = created ? 201 : 204;
	rec_free(k->type, &r);
}

void
swgr_crud_delete(struct swgr_ctx *c)
{
	const struct swgr_crud *k = c->arg;
	struct swgr_crud_key key = { 0 };
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!k->key(c, &key))
		return;
	if ((rc = k->del(c->store, &key, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = 204;
}

void
swgr_crud_page(struct swgr_ctx *c)
{
	const struct swgr_crud *k = c->arg;
	struct swgr_crud_key key = { 0 };
	union swgr_crud_page v = { 0 };
	struct swgr_err err = { 0 };
	uint64_t start, count;
	enum swgr_rc rc;
	size_t n = 0;

	if (!swgr_crud_page_query(c, &start, &count))
		return;
	if (k->page_key == NULL)
		key.partition = c->req->seg[1];
	else if (!k->page_key(c, &key))
		return;
	rc = k->page(c->store, &key, start, count, &v, &n, &err);
	if (rc != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	page_to_json(k->type, &c->resp->body, &v, n);
}
