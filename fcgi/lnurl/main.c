/* swgr-lnurl: the public LNURL-pay service (spec §3, LUD-01/06/12): pay requests, invoices, bech32, QR, health. */
#include <inttypes.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "core/uuid.h"
#include "extern.h"
#include "fcgi/responder.h"
#include "fleet/fleet.h"
#include "pay/lnurl.h"
#include "pay/qr.h"

static swgr_handler health_full, pay_request, invoice, bech32, bech32_qr, finish;
static swgr_service_init lnurl_init;
static swgr_service_fini lnurl_fini;
static swgr_service_pre options;

/* Every route is public; OPTIONS is answered by options(), CORS added by finish(). */
static const struct swgr_route routes[] = {
	{ SWGR_M_GET,	"/health",			swgr_health,	0, NULL },
	{ SWGR_M_GET,	"/health/full",			health_full,	0, NULL },
	{ SWGR_M_GET,	"/offers/*/*",			pay_request,	0, NULL },
	{ SWGR_M_GET | SWGR_M_POST, "/offers/*/*/invoice",	invoice,	0, NULL },
	{ SWGR_M_GET,	"/offers/*/*/bech32",		bech32,		0, NULL },
	{ SWGR_M_GET,	"/offers/*/*/bech32/qr",	bech32_qr,	0, NULL },
	{ SWGR_M_GET,	"/.well-known/lnurlp/*",	address_pay_request, 0, NULL },
	{ SWGR_M_GET | SWGR_M_POST, "/.well-known/lnurlp/*/invoice", address_invoice, 0, NULL },
};

static const struct swgr_service service = {
	.name = "lnurl",
	.cfgname = "lnurl",
	.section = offsetof(struct swgr_config, lnurl),
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.flags = SWGR_SERVICE_PUBLIC,
	.init = lnurl_init,
	.fini = lnurl_fini,
	.pre = options,
	.post = finish,
};

int
main(int argc, char *argv[])
{
	/*
	 * Few malloc arenas: each of the many worker threads would otherwise
	 * keep its own, and the peak RSS of a busy process grows with them.
	 * Four, not two: with two, 32 workers queue on the arena locks (0.2
	 * futex calls per pay request), and an invoice callback costs ~6 %
	 * more CPU; four add ~0.4 MB of peak RSS.
	 */
	mallopt(M_ARENA_MAX, 4);
	return swgr_responder_main(argc, argv, &service);
}

/* ---- life ---- */

static enum swgr_rc
lnurl_init(const struct swgr_config *cfg, uint64_t threads, void **state, struct swgr_err *err)
{
	struct lnurl_state *s;
	enum swgr_rc rc;

	if (cfg->store_offer.type == SWGR_STORE_NONE)
		return swgr_err_set(err, SWGR_EINTERNAL, "offer store enabled but has no config");
	if (cfg->store_discover.type == SWGR_STORE_NONE)
		return swgr_err_set(err, SWGR_EINTERNAL, "discover store enabled but has no config");
	if (cfg->lnurl.nallowed_hosts == 1 && cfg->lnurl.allowed_hosts[0][0] == '\0')
		swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "allowed-hosts is [\"\"] (an empty "
		    "variable?): every request to /offers/ will be refused with 400");
	else if (cfg->lnurl.nallowed_hosts == 0)
		swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "allowed-hosts is empty: any Host is "
		    "trusted in generated URLs");
	if (cfg->lnurl.trust_forwarded_headers)
		swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "trust-forwarded-headers: the Forwarded and "
		    "X-Forwarded-* headers of every client set the host and scheme of generated URLs");
	else if (cfg->lnurl.ntrusted_proxies > 0)
		swgr_log(SWGR_LOG_INFO, "swgr::lnurl", "Forwarded and X-Forwarded-* headers are "
		    "believed from the %zu trusted-proxies entries only", cfg->lnurl.ntrusted_proxies);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	s->cfg = cfg;
	if ((rc = swgr_store_open(&cfg->store_offer, cfg->path, SWGR_STORE_ROLE_OFFER,
	    &s->offers, err)) != SWGR_OK) {
		swgr_err_wrap(err, "opening the offer store");
		goto fail;
	}
	if ((rc = offer_cache_new(cfg->lnurl.store_stale_max_secs, &s->cache)) != SWGR_OK) {
		swgr_err_set(err, rc, "out of memory");
		goto fail;
	}
	if ((rc = addr_caches_open(s, err)) != SWGR_OK || (rc = records_open(s, err)) != SWGR_OK)
		goto fail;
	if ((rc = swgr_balancer_new(cfg, threads, &s->bal, err)) != SWGR_OK)
		goto fail;
	*state = s;
	return SWGR_OK;
fail:
	lnurl_fini(s);
	return rc;
}

static void
lnurl_fini(void *arg)
{
	struct lnurl_state *s = arg;

	if (s == NULL)
		return;
	records_close(s);	/* first: it writes what the callbacks queued */
	swgr_balancer_free(s->bal);
	offer_cache_free(s->cache);
	addr_caches_close(s);
	if (s->offers != NULL)
		swgr_store_close(s->offers);
	free(s);
}

/* ---- answers common to every route ---- */

/* The LNURL error answer (spec §3.1): the reason for 4xx, a fixed text for 5xx. */
void
fail(struct swgr_ctx *c, int status, const char *reason)
{
	swgr_resp_reset(c->resp, status);
	swgr_resp_json(c->resp);
	swgr_lnurl_error_json(&c->resp->body, status >= 500 ? "internal server error" : reason);
	swgr_log(status >= 500 ? SWGR_LOG_ERROR : SWGR_LOG_INFO, c->log_target, "%s %s: %d: %s",
	    c->req->method, c->req->path, status, reason);
}

/*
 * 503 from the bulkheads: not an internal error, so the reason is the
 * wallet's to show, with when to retry.  Not logged per request beyond the
 * access log (a flood would flood the log too).
 */
void
busy(struct swgr_ctx *c, const char *why)
{
	char reason[256];

	swgr_resp_reset(c->resp, 503);
	swgr_resp_nocache(c->resp);
	swgr_resp_header(c->resp, "Retry-After", "1");
	swgr_resp_json(c->resp);
	snprintf(reason, sizeof(reason), "service busy: %.*s, retry in a moment", 200, why);
	swgr_lnurl_error_json(&c->resp->body, reason);
}

/*
 * The offer store's database cannot be reached and the offer has no copy to
 * stand in: 503 with Retry-After and an LNURL error that says so (ours:
 * spec §3.1 knows 500 and 502 only); the driver's message is logged only.
 */
void
db_unavailable(struct swgr_ctx *c, const char *why)
{
	swgr_resp_reset(c->resp, 503);
	swgr_resp_json(c->resp);
	swgr_resp_header(c->resp, "Retry-After", SWGR_DB_RETRY_AFTER_SECS);
	swgr_lnurl_error_json(&c->resp->body, "database unavailable: the offer store cannot be "
	    "reached, retry later");
	swgr_log(SWGR_LOG_ERROR, c->log_target, "%s %s: 503: database unavailable: %s",
	    c->req->method, c->req->path, why);
}

/*
 * The database has no schema yet (swgr-lnurl makes none: the admin services
 * do): 503 with an LNURL error that says what to do.  Logged once by the
 * offer cache, when the store turned unavailable, not per request.
 */
void
schema_missing(struct swgr_ctx *c, const char *what)
{
	swgr_resp_reset(c->resp, 503);
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_resp_header(c->resp, "Retry-After", "1");
	swgr_lnurl_error_json(&c->resp->body, what != NULL ? what : "database schema missing: "
	    "start swgr-discovery and swgr-offer once, which create it; swgr-lnurl only reads");
}

/* LUD-01: OPTIONS on any path is a CORS preflight. */
static bool
options(struct swgr_ctx *c)
{
	if (strcmp(c->req->method, "OPTIONS") != 0)
		return false;
	swgr_resp_reset(c->resp, 204);
	swgr_resp_header(c->resp, "Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
	swgr_resp_header(c->resp, "Access-Control-Allow-Headers", "*");
	swgr_resp_header(c->resp, "Access-Control-Max-Age", "86400");
	return true;
}

/*
 * Every response: CORS (LUD-01), Vary on what answers to /offers/... are
 * made from (the host and scheme of their URLs, the host check), and an
 * LNURL error body for an error that has none yet (the routing table's 404
 * and 405, a bad path's 400).
 */
static void
finish(struct swgr_ctx *c)
{
	struct swgr_resp *r = c->resp;

	swgr_resp_header(r, "Access-Control-Allow-Origin", "*");
	if (c->req->seg != NULL && c->req->nseg > 0 && (strcmp(c->req->seg[0], "offers") == 0 ||
	    strcmp(c->req->seg[0], ".well-known") == 0) && strcmp(c->req->method, "OPTIONS") != 0)
		swgr_lnurl_vary(r, &c->cfg->lnurl);
	if (r->status < 400 || r->body.len > 0)
		return;
	swgr_resp_json(r);
	swgr_lnurl_error_json(&r->body, r->status >= 500 ? "internal server error" :
	    r->status == 404 ? "not found" : r->status == 405 ? "method not allowed" :
	    r->status == 400 ? "bad request: malformed path" : swgr_status_reason(r->status));
}

/* ---- the /offers/{partition}/{id} routes ---- */

/*
 * Spec §3.2 steps 1-3: id, partition, host and scheme (from the forwarding
 * headers only if this client's are believed).  False with the answer made.
 */
static bool
offer_begin(struct swgr_ctx *c, struct oreq *o)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	char reason[SWGR_LNURL_HOST_MAX + 64];
	const char *id = c->req->seg[2];

	o->partition = c->req->seg[1];
	if (swgr_uuid_parse(id, strlen(id), &o->id) != SWGR_OK) {
		fail(c, 404, "offer id is not a UUID");
		return false;
	}
	swgr_uuid_format(&o->id, o->idstr);
	if (!swgr_fleet_partition_in(lc->partitions, lc->npartitions, o->partition)) {
		snprintf(reason, sizeof(reason), "offer not found: %s", o->idstr);
		fail(c, 404, reason);
		return false;
	}
	return req_host(c, o);
}

/* Spec §3.2 steps 2-3: the host and scheme of o's URLs.  False with the answer made. */
bool
req_host(struct swgr_ctx *c, struct oreq *o)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	char reason[SWGR_LNURL_HOST_MAX + 64];
	bool fwd;

	fwd = swgr_lnurl_fwd_trusted(lc, &c->req->env);
	o->scheme = swgr_lnurl_scheme(&c->req->env, fwd, lc->has_tls);
	if ((o->host = swgr_lnurl_host(&c->req->env, fwd, o->hostbuf)) == NULL) {
		fail(c, 400, "no host in the request");
		return false;
	}
	if (strlen(o->host) >= SWGR_LNURL_HOST_MAX ||
	    !swgr_lnurl_host_allowed(o->host, o->scheme, lc->allowed_hosts, lc->nallowed_hosts)) {
		snprintf(reason, sizeof(reason), "host not allowed: %.*s",
		    SWGR_LNURL_HOST_MAX - 1, o->host);
		fail(c, 400, reason);
		return false;
	}
	if (lc->nallowed_hosts == 0)
		swgr_log(SWGR_LOG_WARN, c->log_target, "host allow list is empty, trusting "
		    "unvalidated host %s", o->host);
	return true;
}

/* Spec §3.3: the offer, valid now.  NULL with the answer made. */
struct cached_offer *
offer_resolve(struct swgr_ctx *c, const struct oreq *o, struct swgr_time *now)
{
	struct lnurl_state *s = c->state;
	struct cached_offer *co;
	struct swgr_err err = { 0 };
	char reason[64];
	enum swgr_rc rc;

	rc = offer_get(s->cache, s->offers, o->partition, &o->id, &co, &err);
	if (rc == SWGR_EUPSTREAM && swgr_store_schema_missing(s->offers)) {
		schema_missing(c, NULL);
		return NULL;
	}
	if (rc == SWGR_EUPSTREAM && swgr_store_is_database(s->offers)) {
		/* an offer not read before the outage (or read too long ago) */
		db_unavailable(c, err.msg);
		return NULL;
	}
	if (rc != SWGR_OK && rc != SWGR_NOTFOUND) {
		fail(c, swgr_err_http_status(rc), err.msg);
		return NULL;
	}
	*now = swgr_time_now();
	if (rc == SWGR_OK && (swgr_time_cmp(now, &co->timestamp) < 0 ||
	    (co->has_expires && swgr_time_cmp(now, &co->expires) > 0))) {
		offer_put(s->cache, co);
		rc = SWGR_NOTFOUND;
	}
	if (rc == SWGR_NOTFOUND) {
		snprintf(reason, sizeof(reason), "offer not found: %s", o->idstr);
		fail(c, 404, reason);
		return NULL;
	}
	return co;
}

/* Appends the normalised URL of the offer (suffix "" or "/invoice").  False with the answer made. */
static bool
offer_url(struct swgr_ctx *c, const struct oreq *o, const char *suffix, struct swgr_buf *b)
{
	struct swgr_err err = { 0 };

	if (swgr_lnurl_url(b, o->scheme, o->host, o->partition, o->idstr, suffix, &err) != SWGR_OK) {
		fail(c, 400, err.msg);
		return false;
	}
	if (!swgr_buf_ok(b)) {
		fail(c, 500, "out of memory");
		return false;
	}
	return true;
}

void
cache_headers(struct swgr_ctx *c, const struct cached_offer *co, const struct swgr_time *now)
{
	swgr_lnurl_cache_headers(c->resp, co->has_expires ? &co->expires : NULL, now,
	    c->cfg->lnurl.public_cache);
}

/* GET /offers/{partition}/{id}: the LUD-06 pay request (spec §3.4). */
static void
pay_request(struct swgr_ctx *c)
{
	struct lnurl_state *s = c->state;
	struct swgr_buf url = { 0 };
	struct cached_offer *co;
	struct swgr_time now;
	struct oreq o;

	if (!offer_begin(c, &o) || (co = offer_resolve(c, &o, &now)) == NULL)
		return;
	if (offer_url(c, &o, "/invoice", &url)) {
		cache_headers(c, co, &now);
		pay_request_json(c, co, url.p, url.len, co->metadata_json, co->metadata_json_len);
	}
	swgr_buf_free(&url);
	offer_put(s->cache, co);
}

/* The LUD-06 payRequest of co with callback url and metadata json (a JSON string). */
void
pay_request_json(struct swgr_ctx *c, const struct cached_offer *co, const char *url,
    size_t url_len, const char *json, size_t json_len)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	struct swgr_jw jw;

	swgr_resp_json(c->resp);
	swgr_jw_init(&jw, &c->resp->body, false);
	swgr_jw_obj_open(&jw);
	swgr_jw_key(&jw, "callback");
	swgr_jw_strn(&jw, url, url_len);
	swgr_jw_key(&jw, "maxSendable");
	swgr_jw_u64(&jw, co->max_sendable);
	swgr_jw_key(&jw, "minSendable");
	swgr_jw_u64(&jw, co->min_sendable);
	swgr_jw_key(&jw, "tag");
	swgr_jw_str(&jw, "payRequest");
	swgr_jw_key(&jw, "metadata");
	swgr_jw_raw(&jw, json, json_len);
	if (lc->has_comment_allowed) {
		swgr_jw_key(&jw, "commentAllowed");
		swgr_jw_u64(&jw, lc->comment_allowed);
	}
	if (co->lud.payer_data != NULL) {
		swgr_jw_key(&jw, "payerData");
		swgr_jw_raw(&jw, co->lud.payer_data, strlen(co->lud.payer_data));
	}
	swgr_jw_obj_close(&jw);
}

/* GET /offers/{partition}/{id}/invoice?amount=&comment=: the LUD-06 callback (spec §3.5). */
static void
invoice(struct swgr_ctx *c)
{
	struct lnurl_state *s = c->state;
	struct swgr_balancer_req br = { 0 };
	struct swgr_buf desc = { 0 };
	struct swgr_issued issued;
	struct cb_src src = { 0 };
	struct cached_offer *co;
	struct swgr_time now;
	struct oreq o;
	const char *key;
	uint64_t amount;
	uint8_t hash[32];

	if (!offer_begin(c, &o) || !callback_query(c, &amount, &key))
		return;
	if ((co = offer_resolve(c, &o, &now)) == NULL)
		return;
	if (lud_description(c, &co->lud, co->metadata, co->metadata_len, co->hash, &desc, hash,
	    &br.metadata, &br.metadata_len, &br.hash)) {
		br.partition = o.partition;
		br.amount_msat = amount;
		br.key = key;
		br.issued = &issued;
		src.host = o.host;
		src.payer_data = br.metadata != co->metadata ? br.metadata + co->metadata_len : NULL;
		issue(c, co, &br, &src);
	}
	offer_put(s->cache, co);
	swgr_buf_free(&desc);
}

/* The uppercase bech32 LNURL of the offer (spec §3.6) into *out.  False with the answer made. */
static bool
offer_lnurl(struct swgr_ctx *c, struct cached_offer **co, struct swgr_time *now, char **out)
{
	struct swgr_buf url = { 0 };
	struct swgr_err err = { 0 };
	struct oreq o;
	bool ok = false;

	*co = NULL;
	if (!offer_begin(c, &o) || (*co = offer_resolve(c, &o, now)) == NULL)
		return false;
	if (offer_url(c, &o, "", &url)) {
		if (swgr_bech32_encode("lnurl", (const uint8_t *)url.p, url.len, SWGR_BECH32_UPPER,
		    SWGR_BECH32_LNURL_MAXLEN, out, &err) == SWGR_OK)
			ok = true;
		else
			fail(c, 500, err.msg);
	}
	swgr_buf_free(&url);
	return ok;
}

/* GET /offers/{partition}/{id}/bech32 (spec §3.6). */
static void
bech32(struct swgr_ctx *c)
{
	struct lnurl_state *s = c->state;
	struct cached_offer *co;
	struct swgr_time now;
	char *lnurl;

	if (offer_lnurl(c, &co, &now, &lnurl)) {
		cache_headers(c, co, &now);
		swgr_resp_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
		swgr_buf_puts(&c->resp->body, lnurl);
		free(lnurl);
	}
	if (co != NULL)
		offer_put(s->cache, co);
}

/* GET /offers/{partition}/{id}/bech32/qr (spec §3.7). */
static void
bech32_qr(struct swgr_ctx *c)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	struct lnurl_state *s = c->state;
	struct swgr_err err = { 0 };
	struct cached_offer *co;
	struct swgr_time now;
	uint8_t *png;
	size_t len;
	char *lnurl;

	if (offer_lnurl(c, &co, &now, &lnurl)) {
		if (swgr_qr_png(lnurl, lc->bech32_qr_scale, lc->bech32_qr_light, lc->bech32_qr_dark,
		    &png, &len, &err) == SWGR_OK) {
			cache_headers(c, co, &now);
			swgr_resp_header(c->resp, "Content-Type", "image/png");
			swgr_buf_put(&c->resp->body, png, len);
			free(png);
		} else
			fail(c, 500, err.msg);
		free(lnurl);
	}
	if (co != NULL)
		offer_put(s->cache, co);
}

/* ---- health ---- */

/*
 * GET /health/full (spec §3.8, §9.9): 200 [] if a node is ready; 502 if none,
 * or the monitor is stale.  Ours: X-Swgr-Health says "ok", or "degraded"
 * with how long each store has been unavailable (the instance serves what it
 * read last); with ?degraded=503 a degraded instance answers 503, for outer
 * balancers that look at the status only.
 */
static void
health_full(struct swgr_ctx *c)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	struct lnurl_state *s = c->state;
	struct swgr_buf h = { 0 };
	const char *v;
	double disc, offer;
	size_t n;
	bool stale, ready, off_down, strict = false;

	if ((n = swgr_query_count(&c->req->q, "degraded", &v)) > 0) {
		if (n > 1 || strcmp(v, "503") != 0) {
			fail(c, 400, "degraded: expected 503 (answer 503 when degraded)");
			return;
		}
		strict = true;
	}
	ready = swgr_balancer_ready(s->bal, &stale, &disc);
	if (lc->npartitions > 0)
		offer_store_probe(s->cache, s->offers, lc->partitions[0]);
	off_down = offer_store_down(s->cache, &offer);
	if (disc < 0 && !off_down)
		swgr_buf_puts(&h, "ok");
	else {
		swgr_buf_puts(&h, "degraded");
		if (disc >= 0)
			swgr_buf_printf(&h, "; discover-store-down-secs=%.0f", disc);
		if (off_down)
			swgr_buf_printf(&h, "; offer-store-down-secs=%.0f", offer);
	}
	if (!swgr_buf_ok(&h)) {
		swgr_buf_free(&h);
		fail(c, 500, "out of memory");
		return;
	}
	if (ready && (!strict || (disc < 0 && !off_down))) {
		swgr_resp_header(c->resp, "X-Swgr-Health", h.p);
		swgr_resp_json(c->resp);
		swgr_buf_puts(&c->resp->body, "[]");
		swgr_buf_free(&h);
		return;
	}
	/* Not logged beyond the access log: outer balancers poll this; the balancer logs changes. */
	swgr_resp_reset(c->resp, ready ? 503 : 502);
	swgr_resp_header(c->resp, "X-Swgr-Health", h.p);
	swgr_resp_json(c->resp);
	swgr_lnurl_error_json(&c->resp->body, ready ? h.p : "internal server error");
	if (stale)
		swgr_resp_header(c->resp, "X-Swgr-Monitor", "stale");
	swgr_buf_free(&h);
}
