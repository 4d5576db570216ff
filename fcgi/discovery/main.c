/* swgr-discovery: the Discovery admin service (spec §4), CRUD of Lightning node backends. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "config/config.h"
#include "fcgi/crud.h"
#include "ln/ln.h"
#include "fcgi/responder.h"
#include "store/store.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/prom.h"
#include "core/pubkey.h"
#include "extern.h"

static swgr_handler disc_list, metrics_get;
static const struct swgr_crud backends, backend_patches;

/* Everything but GET /health needs a discovery token; the check runs before routing. */
static const struct swgr_route routes[] = {
	{ SWGR_M_GET,		"/health",		swgr_health,		SWGR_ROUTE_PUBLIC, NULL },
	{ SWGR_M_GET,		"/discovery",		disc_list,		0, NULL },
	{ SWGR_M_GET,		"/metrics",		metrics_get,		0, NULL },
	{ SWGR_M_POST,		"/discovery",		swgr_crud_post,		0, &backends },
	{ SWGR_M_GET,		"/discovery/status",	disc_status,		0, NULL },
	{ SWGR_M_GET,		"/discovery/*",		swgr_crud_get,		0, &backends },
	{ SWGR_M_PUT,		"/discovery/*",		swgr_crud_put,		0, &backends },
	{ SWGR_M_PATCH,		"/discovery/*",		swgr_crud_put,		0, &backend_patches },
	{ SWGR_M_DELETE,	"/discovery/*",		swgr_crud_delete,	0, &backends },
};

static const struct swgr_service service = {
	.name = "discovery",
	.cfgname = "discover",
	.section = offsetof(struct swgr_config, discovery),
	.store = offsetof(struct swgr_config, store_discover),
	/* node status read for GET /discovery/status (swgr-monitord makes its tables) */
	.roles = SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY) | SWGR_STORE_ROLE_STATUS,
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
path_key(struct swgr_ctx *c, struct swgr_crud_key *k)
{
	const char *s = c->req->seg[1];
	struct swgr_err err = { 0 };

	if (swgr_pubkey_parse(s, strlen(s), &k->pk) == SWGR_OK)
		return true;
	swgr_err_set(&err, SWGR_EINVAL, "'%s' is not a public key", s);
	swgr_ctx_fail(c, SWGR_EINVAL, &err);
	return false;
}

void
disc_etag_headers(struct swgr_ctx *c, uint64_t etag)
{
	char tag[17];

	snprintf(tag, sizeof(tag), "%016" PRIx64, etag);
	swgr_resp_nocache(c->resp);
	swgr_resp_header(c->resp, "ETag", tag);
}

bool
disc_if_none_match(struct swgr_ctx *c, bool *has, uint64_t *want)
{
	const char *inm = swgr_req_param(c->req, "HTTP_IF_NONE_MATCH");
	struct swgr_err err = { 0 };
	uint8_t raw[8];
	size_t i;

	*has = false;
	*want = 0;
	if (inm == NULL)
		return true;
	if (strlen(inm) != 16 || swgr_hex_decode(inm, 16, raw, sizeof(raw)) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINVAL, "If-None-Match '%s' is not 16 hex digits", inm);
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return false;
	}
	for (i = 0; i < 8; i++)
		*want = *want << 8 | raw[i];
	*has = true;
	return true;
}

/* GET /discovery: the list with its ETag; If-None-Match (16 hex) equal to it -> 304. */
static void
disc_list(struct swgr_ctx *c)
{
	struct swgr_backend *v = NULL;
	struct swgr_err err = { 0 };
	uint64_t want, etag;
	enum swgr_rc rc;
	size_t n = 0;
	bool has;

	if (!disc_if_none_match(c, &has, &want))
		return;
	if (has) {
		if ((rc = swgr_store_backend_etag(c->store, &etag, &err)) != SWGR_OK) {
			swgr_ctx_store_fail(c, rc, &err, NULL);
			return;
		}
		if (etag == want) {
			c->resp->status = 304;
			disc_etag_headers(c, etag);
			return;
		}
	}
	if ((rc = swgr_store_backend_list(c->store, &etag, &v, &n, &err)) != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	disc_etag_headers(c, etag);
	swgr_resp_json(c->resp);
	swgr_backends_to_json(&c->resp->body, v, n, false);
	swgr_backends_free(v, n);
}

/*
 * GET /metrics: the Prometheus exposition of every process of this host
 * (core/prom.h), behind the discovery token like every admin route (a
 * scraper's authorization credentials_file).  404 with a reason when the
 * configuration turns metrics off.
 */
static void
metrics_get(struct swgr_ctx *c)
{
	struct swgr_err err = { 0 };
	char dir[4096];
	enum swgr_rc rc;

	if (!swgr_config_metrics_dir(c->cfg, dir, sizeof(dir))) {
		swgr_resp_reset(c->resp, 404);
		swgr_resp_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
		swgr_buf_puts(&c->resp->body, "metrics are off on this host (metrics.dir is \"\")\n");
		return;
	}
	if ((rc = swgr_prom_write(dir, &c->resp->body, &err)) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, c->log_target, "GET /metrics: %s", err.msg);
		swgr_resp_reset(c->resp, swgr_err_http_status(rc));
		return;
	}
	swgr_resp_header(c->resp, "Content-Type", SWGR_PROM_CONTENT_TYPE);
	swgr_resp_nocache(c->resp);
}

/* POST /discovery: 201 with Location <publicKey>, or 409 with the same Location. */
static enum swgr_rc
backend_post(struct swgr_store *st, const union swgr_crud_rec *r, struct swgr_err *err)
{
	return swgr_store_backend_post(st, &r->backend, err);
}

static void
backend_location(const union swgr_crud_rec *r, struct swgr_buf *b)
{
	char pk[SWGR_PUBKEY_STRLEN + 1];

	swgr_pubkey_format(&r->backend.pk, pk);
	swgr_buf_puts(b, pk);
}

/* GET /discovery/{publicKey}: 200 with NOCACHE, or 404. */
static enum swgr_rc
backend_get(struct swgr_store *st, const struct swgr_crud_key *k, union swgr_crud_rec *out,
    struct swgr_err *err)
{
	return swgr_store_backend_get(st, &k->pk, &out->backend, err);
}

/* PUT /discovery/{publicKey}: create (201, no Location) or replace (204). */
static bool
backend_set_key(union swgr_crud_rec *r, const struct swgr_crud_key *k)
{
	r->backend.pk = k->pk;
	return true;
}

static enum swgr_rc
backend_put(struct swgr_store *st, const struct swgr_crud_key *k, const union swgr_crud_rec *r,
    bool *created, struct swgr_err *err)
{
	(void)k;
	return swgr_store_backend_put(st, &r->backend, created, err);
}

/* DELETE /discovery/{publicKey}: 204 or 404. */
static enum swgr_rc
backend_delete(struct swgr_store *st, const struct swgr_crud_key *k, struct swgr_err *err)
{
	return swgr_store_backend_delete(st, &k->pk, err);
}

/*
 * POST, PUT: what this host can tell of the implementation before it is
 * stored (swgr_ln_impl_vet under node-access): the url one http or https
 * host and port, allowed by backend-hosts, no macaroon or password over
 * plaintext http off loopback, every credential path inside the credential
 * directories.  422 with the reason.  The files themselves are checked by
 * the node hosts (swgr-lnurl, swgr-monitord) as they read them.
 */
static enum swgr_rc
backend_check(struct swgr_ctx *c, const union swgr_crud_rec *r, struct swgr_err *err)
{
	const struct swgr_node_access_cfg *na = &c->cfg->node_access;
	struct swgr_ln_opts o = { 0 };
	struct swgr_err e = { 0 };

	o.cred_dirs.dirs = na->credential_directories;
	o.cred_dirs.n = na->ncredential_directories;
	o.backend_hosts = na->backend_hosts;
	o.nbackend_hosts = na->nbackend_hosts;
	if (swgr_ln_impl_vet(r->backend.implementation, &o, &e) == SWGR_OK)
		return SWGR_OK;
	return swgr_err_set(err, SWGR_ESHAPE, "%s", e.msg);
}

/*
 * The original's extractors read the body of PUT and PATCH before the
 * handler parses the key: a bad body with a bad key is the body's error.
 */
static const struct swgr_crud backends = {
	.type = SWGR_CRUD_BACKEND,
	.key = path_key,
	.body_first = true,
	.get = backend_get,
	.post = backend_post,
	.location = backend_location,
	.set_key = backend_set_key,
	.put = backend_put,
	.del = backend_delete,
	.check = backend_check,
};

/* PATCH /discovery/{publicKey}: 204, or 404 when there is no such backend. */
static enum swgr_rc
backend_patch(struct swgr_store *st, const struct swgr_crud_key *k, const union swgr_crud_rec *r,
    bool *created, struct swgr_err *err)
{
	(void)created;
	return swgr_store_backend_patch(st, &k->pk, &r->patch, err);
}

static const struct swgr_crud backend_patches = {
	.type = SWGR_CRUD_BACKEND_PATCH,
	.key = path_key,
	.body_first = true,
	.put = backend_patch,
};
