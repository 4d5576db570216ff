/* swgr-offer: the Offer admin service (spec §5), CRUD of offers, their metadata and the Lightning Addresses that pay them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/model.h"
#include "fcgi/crud.h"
#include "fcgi/responder.h"
#include "store/store.h"
#include "core/hex.h"
#include "core/lnaddr.h"
#include "core/time.h"
#include "core/uuid.h"

static const struct swgr_crud offers, metadata, addresses;
static swgr_handler invoice_page, invoice_get;

/* Everything but GET /health needs an offer token; the check runs before routing. */
static const struct swgr_route routes[] = {
	{ SWGR_M_GET,		"/health",		swgr_health,		SWGR_ROUTE_PUBLIC, NULL },
	{ SWGR_M_POST,		"/offers",		swgr_crud_post,		0, &offers },
	{ SWGR_M_GET,		"/offers/*",		swgr_crud_page,		0, &offers },
	{ SWGR_M_GET,		"/offers/*/*",		swgr_crud_get,		0, &offers },
	{ SWGR_M_PUT,		"/offers/*/*",		swgr_crud_put,		0, &offers },
	{ SWGR_M_DELETE,	"/offers/*/*",		swgr_crud_delete,	0, &offers },
	{ SWGR_M_POST,		"/metadata",		swgr_crud_post,		0, &metadata },
	{ SWGR_M_GET,		"/metadata/*",		swgr_crud_page,		0, &metadata },
	{ SWGR_M_GET,		"/metadata/*/*",	swgr_crud_get,		0, &metadata },
	{ SWGR_M_PUT,		"/metadata/*/*",	swgr_crud_put,		0, &metadata },
	{ SWGR_M_DELETE,	"/metadata/*/*",	swgr_crud_delete,	0, &metadata },
	{ SWGR_M_POST,		"/addresses",		swgr_crud_post,		0, &addresses },
	{ SWGR_M_GET,		"/addresses/*",		swgr_crud_page,		0, &addresses },
	{ SWGR_M_GET,		"/addresses/*/*",	swgr_crud_get,		0, &addresses },
	{ SWGR_M_PUT,		"/addresses/*/*",	swgr_crud_put,		0, &addresses },
	{ SWGR_M_DELETE,	"/addresses/*/*",	swgr_crud_delete,	0, &addresses },
	{ SWGR_M_GET,		"/invoices/*",		invoice_page,		0, NULL },
	{ SWGR_M_GET,		"/invoices/*/*",	invoice_get,		0, NULL },
};

static const struct swgr_service service = {
	.name = "offer",
	.cfgname = "offer",
	.section = offsetof(struct swgr_config, offer),
	.store = offsetof(struct swgr_config, store_offer),
	.roles = SWGR_STORE_OWNER(SWGR_STORE_ROLE_OFFER),
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
};

int
main(int argc, char *argv[])
{
	return swgr_responder_main(argc, argv, &service);
}

/* ---- what offers and metadata share: the key of the path, the Location ---- */

/* /offers|metadata/{partition}/{id}: an {id} that is not a UUID -> 404 (the original's UuidParam). */
static bool
path_id(struct swgr_ctx *c, struct swgr_crud_key *k)
{
	const char *s = c->req->seg[2];

	k->partition = c->req->seg[1];
	if (swgr_uuid_parse(s, strlen(s), &k->id) == SWGR_OK)
		return true;
	swgr_resp_reset(c->resp, 404);
	return false;
}

/* PUT: the path's partition and id replace the body's; false when out of memory. */
static bool
own_key(char **partition, struct swgr_uuid *id, const struct swgr_crud_key *k)
{
	free(*partition);
	*id = k->id;
	return (*partition = strdup(k->partition)) != NULL;
}

/*
 * "partition/id", the Location of a created or conflicting record.  A
 * partition byte that cannot go into a header is percent-encoded
 * (swgr_hdr_encode) where the original answered 500.
 */
static void
location(const char *partition, const struct swgr_uuid *id, struct swgr_buf *b)
{
	char u[SWGR_UUID_STRLEN + 1];

	swgr_uuid_format(id, u);
	swgr_hdr_encode(b, partition);
	swgr_buf_putc(b, '/');
	swgr_buf_puts(b, u);
}

/* ---- offers ---- */

/* GET /offers/{partition}/{id}?sparse=true|false, read before the id: sparse=false embeds the metadata. */
static bool
sparse_query(struct swgr_ctx *c, struct swgr_crud_key *k)
{
	struct swgr_err err = { 0 };
	bool sparse = true;

	if (swgr_query_bool(&c->req->q, "sparse", false, &sparse) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINVAL, "bad sparse in '%s'", c->req->query);
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return false;
	}
	k->with_metadata = !sparse;
	return true;
}

/* The offer of a POST or PUT body as stored: its metadata is parsed (so validated), then not stored. */
static struct swgr_offer
bare(const union swgr_crud_rec *r)
{
	struct swgr_offer o = r->offer;

	o.metadata = NULL;
	return o;
}

static enum swgr_rc
offer_get(struct swgr_store *st, const struct swgr_crud_key *k, union swgr_crud_rec *out,
    struct swgr_err *err)
{
	return swgr_store_offer_get(st, k->partition, &k->id, k->with_metadata, &out->offer, err);
}

/* POST /offers: 400 if its metadata is not in the partition. */
static enum swgr_rc
offer_post(struct swgr_store *st, const union swgr_crud_rec *r, struct swgr_err *err)
{
	struct swgr_offer o = bare(r);

	return swgr_store_offer_post(st, &o, err);
}

static void
offer_location(const union swgr_crud_rec *r, struct swgr_buf *b)
{
	location(r->offer.partition, &r->offer.id, b);
}

static bool
offer_set_key(union swgr_crud_rec *r, const struct swgr_crud_key *k)
{
	return own_key(&r->offer.partition, &r->offer.id, k);
}

static enum swgr_rc
offer_put(struct swgr_store *st, const struct swgr_crud_key *k, const union swgr_crud_rec *r,
    bool *created, struct swgr_err *err)
{
	struct swgr_offer o = bare(r);

	(void)k;
	return swgr_store_offer_put(st, &o, created, err);
}

static enum swgr_rc
offer_delete(struct swgr_store *st, const struct swgr_crud_key *k, struct swgr_err *err)
{
	return swgr_store_offer_delete(st, k->partition, &k->id, err);
}

static enum swgr_rc
offer_page(struct swgr_store *st, const struct swgr_crud_key *k, uint64_t start,
    uint64_t count, union swgr_crud_page *out, size_t *n, struct swgr_err *err)
{
	return swgr_store_offer_page(st, k->partition, start, count, &out->offers, n, err);
}

static const struct swgr_crud offers = {
	.type = SWGR_CRUD_OFFER,
	.key = path_id,
	.query = sparse_query,
	.get = offer_get,
	.post = offer_post,
	.location = offer_location,
	.set_key = offer_set_key,
	.put = offer_put,
	.del = offer_delete,
	.page = offer_page,
};

/* ---- metadata ---- */

static enum swgr_rc
meta_get(struct swgr_store *st, const struct swgr_crud_key *k, union swgr_crud_rec *out,
    struct swgr_err *err)
{
	return swgr_store_metadata_get(st, k->partition, &k->id, &out->metadata, err);
}

static enum swgr_rc
meta_post(struct swgr_store *st, const union swgr_crud_rec *r, struct swgr_err *err)
{
	return swgr_store_metadata_post(st, &r->metadata, err);
}

static void
meta_location(const union swgr_crud_rec *r, struct swgr_buf *b)
{
	location(r->metadata.partition, &r->metadata.id, b);
}

static bool
meta_set_key(union swgr_crud_rec *r, const struct swgr_crud_key *k)
{
	return own_key(&r->metadata.partition, &r->metadata.id, k);
}

static enum swgr_rc
meta_put(struct swgr_store *st, const struct swgr_crud_key *k, const union swgr_crud_rec *r,
    bool *created, struct swgr_err *err)
{
	(void)k;
	return swgr_store_metadata_put(st, &r->metadata, created, err);
}

/* DELETE /metadata/{partition}/{id}: 400 while an offer references it. */
static enum swgr_rc
meta_delete(struct swgr_store *st, const struct swgr_crud_key *k, struct swgr_err *err)
{
	return swgr_store_metadata_delete(st, k->partition, &k->id, err);
}

/*
 * POST, PUT: a successAction url must be on the domain of the callbacks
 * (LUD-09), so on one of lnurl-service.allowed-hosts where the file lists
 * them; swgr-lnurl checks it again against each request's host.
 */
static enum swgr_rc
meta_check(struct swgr_ctx *c, const union swgr_crud_rec *r, struct swgr_err *err)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	const char *host;
	size_t len, i;

	if (r->metadata.sa_kind != SWGR_SA_URL || !lc->present || lc->nallowed_hosts == 0)
		return SWGR_OK;
	len = swgr_sa_url_host(r->metadata.sa_url, &host);
	for (i = 0; i < lc->nallowed_hosts; i++)
		if (strlen(lc->allowed_hosts[i]) == len &&
		    strncasecmp(lc->allowed_hosts[i], host, len) == 0)
			return SWGR_OK;
	return swgr_err_set(err, SWGR_ESHAPE, "successAction.url: its host '%.*s' is not one of "
	    "lnurl-service.allowed-hosts (LUD-09: the url is on the callback's domain)",
	    (int)len, host);
}

static enum swgr_rc
meta_page(struct swgr_store *st, const struct swgr_crud_key *k, uint64_t start,
    uint64_t count, union swgr_crud_page *out, size_t *n, struct swgr_err *err)
{
	return swgr_store_metadata_page(st, k->partition, start, count, &out->metadata, n, err);
}

static const struct swgr_crud metadata = {
	.type = SWGR_CRUD_METADATA,
	.check = meta_check,
	.key = path_id,
	.get = meta_get,
	.post = meta_post,
	.location = meta_location,
	.set_key = meta_set_key,
	.put = meta_put,
	.del = meta_delete,
	.page = meta_page,
};

/* ---- Lightning Addresses ---- */

/*
 * /addresses/{domain}: the domain in its canonical form, so that any case
 * finds the address; one no address can have (core/lnaddr.h) -> 404, as a
 * non-UUID id is.
 */
static bool
path_domain(struct swgr_ctx *c, struct swgr_crud_key *k)
{
	const char *d = c->req->seg[1];

	if (swgr_lnaddr_domain(d, strlen(d), k->domain, NULL) == SWGR_OK)
		return true;
	swgr_resp_reset(c->resp, 404);
	return false;
}

/* /addresses/{domain}/{username}, both canonical; either impossible -> 404. */
static bool
path_address(struct swgr_ctx *c, struct swgr_crud_key *k)
{
	const char *u = c->req->seg[2];

	if (!path_domain(c, k))
		return false;
	if (swgr_lnaddr_username(u, strlen(u), k->username, NULL) == SWGR_OK)
		return true;
	swgr_resp_reset(c->resp, 404);
	return false;
}

static enum swgr_rc
address_get(struct swgr_store *st, const struct swgr_crud_key *k, union swgr_crud_rec *out,
    struct swgr_err *err)
{
	return swgr_store_address_get(st, k->domain, k->username, &out->address, err);
}

/* POST /addresses: 400 if its offer is not in the partition. */
static enum swgr_rc
address_post(struct swgr_store *st, const union swgr_crud_rec *r, struct swgr_err *err)
{
	return swgr_store_address_post(st, &r->address, err);
}

/* "domain/username": both canonical, visible ASCII (core/lnaddr.h). */
static void
address_location(const union swgr_crud_rec *r, struct swgr_buf *b)
{
	swgr_buf_printf(b, "%s/%s", r->address.domain, r->address.username);
}

/* PUT: the path's domain and username are the record's; false when out of memory. */
static bool
address_set_key(union swgr_crud_rec *r, const struct swgr_crud_key *k)
{
	free(r->address.domain);
	free(r->address.username);
	r->address.domain = strdup(k->domain);
	r->address.username = strdup(k->username);
	return r->address.domain != NULL && r->address.username != NULL;
}

static enum swgr_rc
address_put(struct swgr_store *st, const struct swgr_crud_key *k,
    const union swgr_crud_rec *r, bool *created, struct swgr_err *err)
{
	(void)k;
	return swgr_store_address_put(st, &r->address, created, err);
}

static enum swgr_rc
address_delete(struct swgr_store *st, const struct swgr_crud_key *k, struct swgr_err *err)
{
	return swgr_store_address_delete(st, k->domain, k->username, err);
}

static enum swgr_rc
address_page(struct swgr_store *st, const struct swgr_crud_key *k, uint64_t start,
    uint64_t count, union swgr_crud_page *out, size_t *n, struct swgr_err *err)
{
	return swgr_store_address_page(st, k->domain, start, count, &out->addresses, n, err);
}

static const struct swgr_crud addresses = {
	.type = SWGR_CRUD_ADDRESS,
	.key = path_address,
	.get = address_get,
	.post = address_post,
	.location = address_location,
	.set_key = address_set_key,
	.put = address_put,
	.del = address_delete,
	.page_key = path_domain,
	.page = address_page,
};

/* ---- invoice records (ours, written by swgr-lnurl): read only ---- */

/* A query time (RFC 3339) as milliseconds into *ms; absent: dflt.  False with the 400 made. */
static bool
query_ms(struct swgr_ctx *c, const char *name, int64_t dflt, int64_t *ms)
{
	struct swgr_err err = { 0 };
	struct swgr_time t;
	const char *v;
	size_t n;

	*ms = dflt;
	if ((n = swgr_query_count(&c->req->q, name, &v)) == 0)
		return true;
	if (n > 1 || swgr_time_parse(v, strlen(v), &t) != SWGR_OK) {
		swgr_err_set(&err, SWGR_EINVAL, "%s=%s: expected one RFC 3339 date-time", name, v);
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return false;
	}
	*ms = t.sec * 1000 + t.nsec / 1000000;
	return true;
}

/*
 * GET /invoices/{partition}?start=&count=&since=&until=&offer=&domain=&username=:
 * a page of the partition's records in creation order, from since (default:
 * the epoch) to until (default: for ever), of one offer or one address.
 */
static void
invoice_page(struct swgr_ctx *c)
{
	struct swgr_invoice_filter f = { .partition = c->req->seg[1], .until_ms = INT64_MAX };
	struct swgr_invoice *v = NULL;
	struct swgr_err err = { 0 };
	struct swgr_uuid offer;
	char dom[SWGR_LNADDR_DOMAIN_MAX + 1], usr[SWGR_LNADDR_USER_MAX + 1];
	const char *s;
	uint64_t start, count;
	size_t n = 0;
	enum swgr_rc rc;

	if (!swgr_crud_page_query(c, &start, &count) ||
	    !query_ms(c, "since", 0, &f.since_ms) || !query_ms(c, "until", INT64_MAX, &f.until_ms))
		return;
	if ((n = swgr_query_count(&c->req->q, "offer", &s)) > 0) {
		if (n > 1 || swgr_uuid_parse(s, strlen(s), &offer) != SWGR_OK) {
			swgr_err_set(&err, SWGR_EINVAL, "offer=%s: not a UUID", s);
			swgr_ctx_fail(c, SWGR_EINVAL, &err);
			return;
		}
		f.offer = &offer;
	}
	if (swgr_query_count(&c->req->q, "domain", &f.domain) > 1 ||
	    swgr_query_count(&c->req->q, "username", &f.username) > 1 ||
	    (f.domain == NULL) != (f.username == NULL) || (f.domain != NULL &&
	    (swgr_lnaddr_domain(f.domain, strlen(f.domain), dom, &err) != SWGR_OK ||
	    swgr_lnaddr_username(f.username, strlen(f.username), usr, &err) != SWGR_OK))) {
		swgr_err_set(&err, SWGR_EINVAL, "an address is domain= and username=, once each, "
		    "as an address has them");
		swgr_ctx_fail(c, SWGR_EINVAL, &err);
		return;
	}
	if (f.domain != NULL) {		/* stored lowercase (core/lnaddr.h) */
		f.domain = dom;
		f.username = usr;
	}
	if ((rc = swgr_store_invoice_page(c->store, &f, start, count, &v, &n, &err)) != SWGR_OK) {
		swgr_ctx_store_fail(c, rc, &err, NULL);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_invoices_to_json(&c->resp->body, v, n, false);
	swgr_invoices_free(v, n);
}

/* GET /invoices/{partition}/{paymentHash}: one record; 404 for another partition's. */
static void
invoice_get(struct swgr_ctx *c)
{
	const char *h = c->req->seg[2];
	struct swgr_err err = { 0 };
	struct swgr_invoice v;
	uint8_t hash[32];
	enum swgr_rc rc;

	if (strlen(h) != 64 || swgr_hex_decode(h, 64, hash, 32) != SWGR_OK) {
		swgr_resp_reset(c->resp, 404);
		return;
	}
	rc = swgr_store_invoice_get(c->store, hash, &v, &err);
	if (rc == SWGR_OK && strcmp(v.partition, c->req->seg[1]) != 0)
		rc = swgr_err_set(&err, SWGR_NOTFOUND, "invoice %s not in %s", h, c->req->seg[1]);
	if (rc != SWGR_OK)
		swgr_ctx_store_fail(c, rc, &err, NULL);
	else {
		swgr_resp_nocache(c->resp);
		swgr_resp_json(c->resp);
		swgr_invoice_to_json(&c->resp->body, &v, false);
	}
	swgr_invoice_free(&v);
}
