/* swgr-discovery: the Discovery admin service (spec §4), CRUD of Lightning node backends. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "fcgi/responder.h"
#include "store/store.h"
#include "core/hex.h"
#include "core/pubkey.h"

static swgr_handler disc_list, disc_post, disc_get, disc_put, disc_patch, disc_delete;

/* Everything but GET /health needs a discovery token; the check runs before routing. */
static const struct swgr_route routes[] = {
	{ SWGR_M_GET,		"/health",		swgr_health,	SWGR_ROUTE_PUBLIC },
	{ SWGR_M_GET,		"/discovery",		disc_list,	0 },
	{ SWGR_M_POST,		"/discovery",		disc_post,	0 },
	{ SWGR_M_GET,		"/discovery/*",		disc_get,	0 },
	{ SWGR_M_PUT,		"/discovery/*",		disc_put,	0 },
	{ SWGR_M_PATCH,		"/discovery/*",		disc_patch,	0 },
	{ SWGR_M_DELETE,	"/discovery/*",		disc_delete,	0 },
};

static const struct swgr_service service = {
	.name = "discovery",
	.cfgname = "discover",
	.section = offsetof(struct swgr_config, discovery),
	.store = offsetof(struct swgr_config, store_discover),
	.roles = SWGR_STORE_ROLE_DISCOVERY,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
};

int
main(int argc, char *argv[])
{
	return swgr_responder_main(argc, argv, &service);
}

/* The public key of /discovery/{publicKey}: 66 or 130 hex on the curve, else 400. */
static bool
path_key(struct swgr_ctx *c, struct swgr_pubkey *pk)
{
	const char *s = c->req->seg[1];
	struct swgr_err err = { 0 };

	if (swgr_pubkey_parse(s, strlen(s), pk) == SWGR_OK)
		return true;
	swgr_err_set(&err, SWGR_EINVAL, "'%s' is not a public key", s);
	swgr_ctx_fail(c, SWGR_EINVAL, &err);
	return false;
}

static void
etag_headers(struct swgr_ctx *c, uint64_t etag)
{
	char tag[17];

	snprintf(tag, sizeof(tag), "%016" PRIx64, etag);
	swgr_resp_nocache(c->resp);
	swgr_resp_header(c->resp, "ETag", tag);
}

/* GET /discovery: the list with its ETag; If-None-Match (16 hex) equal to it -> 304. */
static void
disc_list(struct swgr_ctx *c)
{
	const char *inm = swgr_req_param(c->req, "HTTP_IF_NONE_MATCH");
	struct swgr_backend *v = NULL;
	struct swgr_err err = { 0 };
	uint8_t raw[8];
	uint64_t want = 0, etag;
	enum swgr_rc rc;
	size_t n = 0, i;

	if (inm != NULL) {
		if (strlen(inm) != 16 || swgr_hex_decode(inm, 16, raw, sizeof(raw)) != SWGR_OK) {
			swgr_err_set(&err, SWGR_EINVAL, "If-None-Match '%s' is not 16 hex digits", inm);
			swgr_ctx_fail(c, SWGR_EINVAL, &err);
			return;
		}
		for (i = 0; i < 8; i++)
			want = want << 8 | raw[i];
		if ((rc = swgr_store_backend_etag(c->store, &etag, &err)) != SWGR_OK) {
			swgr_ctx_store_fail(c, rc, &err, NULL);
			return;
		}
		if (etag == want) {
			c->resp->status = 304;
			etag_headers(c, etag);
			return;
		}
	}
	if ((rc = swgr_store_backend_list(c->store, &etag, &v, &n, &err)) != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	etag_headers(c, etag);
	swgr_resp_json(c->resp);
	swgr_backends_to_json(&c->resp->body, v, n, false);
	swgr_backends_free(v, n);
}

/* POST /discovery: 201 with Location <publicKey>, or 409 with the same Location. */
static void
disc_post(struct swgr_ctx *c)
{
	struct swgr_backend b;
	struct swgr_err err = { 0 };
	char pk[SWGR_PUBKEY_STRLEN + 1];
	const char *text;
	enum swgr_rc rc;
	size_t len;

	if (!swgr_ctx_body(c, &text, &len))
		return;
	memset(&b, 0, sizeof(b));
	if ((rc = swgr_backend_from_json(text, len, SWGR_SHAPE_FULL, &b, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	swgr_pubkey_format(&b.pk, pk);
	if ((rc = swgr_store_backend_post(c->store, &b, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, pk);
	else {
		c->resp->status = 201;
		swgr_resp_header(c->resp, "Location", pk);
	}
	swgr_backend_free(&b);
}

/* GET /discovery/{publicKey}: 200 with NOCACHE, or 404. */
static void
disc_get(struct swgr_ctx *c)
{
	struct swgr_pubkey pk;
	struct swgr_backend b;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!path_key(c, &pk))
		return;
	memset(&b, 0, sizeof(b));
	if ((rc = swgr_store_backend_get(c->store, &pk, &b, &err)) != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_backend_to_json(&c->resp->body, &b, false);
	swgr_backend_free(&b);
}

/* PUT /discovery/{publicKey}: create (201, no Location) or replace (204). */
static void
disc_put(struct swgr_ctx *c)
{
	struct swgr_pubkey pk;
	struct swgr_backend b;
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	bool created = false;
	size_t len;

	/* The original's extractors read the body before the handler parses the key. */
	if (!swgr_ctx_body(c, &text, &len))
		return;
	memset(&b, 0, sizeof(b));
	if ((rc = swgr_backend_from_json(text, len, SWGR_SHAPE_SPARSE, &b, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	if (path_key(c, &pk)) {
		b.pk = pk;
		if ((rc = swgr_store_backend_put(c->store, &b, &created, &err)) != SWGR_OK)
			swgr_ctx_store_fail(c, rc, &err, NULL);
		else
			c->resp->status = created ? 201 : 204;
	}
	swgr_backend_free(&b);
}

/* PATCH /discovery/{publicKey}: 204, or 404 when there is no such backend. */
static void
disc_patch(struct swgr_ctx *c)
{
	struct swgr_pubkey pk;
	struct swgr_backend_patch p;
	struct swgr_err err = { 0 };
	const char *text;
	enum swgr_rc rc;
	size_t len;

	if (!swgr_ctx_body(c, &text, &len))
		return;
	memset(&p, 0, sizeof(p));
	if ((rc = swgr_backend_patch_from_json(text, len, &p, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return;
	}
	if (path_key(c, &pk)) {
		if ((rc = swgr_store_backend_patch(c->store, &pk, &p, &err)) != SWGR_OK)
			swgr_ctx_store_fail(c, rc, &err, NULL);
		else
			c->resp->status = 204;
	}
	swgr_backend_patch_free(&p);
}

/* DELETE /discovery/{publicKey}: 204 or 404. */
static void
disc_delete(struct swgr_ctx *c)
{
	struct swgr_pubkey pk;
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!path_key(c, &pk))
		return;
	if ((rc = swgr_store_backend_delete(c->store, &pk, &err)) != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else
		c->resp->status = 204;
}
