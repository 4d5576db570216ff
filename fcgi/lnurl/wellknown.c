/*
 * swgr-lnurl's Lightning Addresses (LUD-16): GET /.well-known/lnurlp/<username>[+<tag>]
 * and its callback, the pay request of the address's offer under the address's identity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "core/json.h"
#include "core/log.h"
#include "core/sha256.h"
#include "fleet/fleet.h"
#include "store/directory.h"

/* A request to /.well-known/lnurlp/<name>/...: the address as it is served. */
struct areq {
	struct oreq	 o;		/* partition and offer of the address; host, scheme */
	char		 user[SWGR_LNADDR_USER_MAX + 1];	/* canonical */
	char		 tag[SWGR_LNADDR_USER_MAX + 1];		/* canonical; "" when none */
	char		 domain[SWGR_LNADDR_DOMAIN_MAX + 1];	/* the request's host, canonical */
	struct addr_hit	 hit;
};

/*
 * <username>[+<tag>] of the path into a: the first '+' ends the username
 * (a '+' in a path is literal, LUD-16), the tag has the username's rules.
 * False with the 400 made.
 */
static bool
parse_name(struct swgr_ctx *c, const char *name, struct areq *a)
{
	const char *plus = strchr(name, '+');
	size_t ulen = plus != NULL ? (size_t)(plus - name) : strlen(name);
	struct swgr_err err = { 0 };
	char reason[sizeof(((struct swgr_err *)0)->msg) + 80];

	if (swgr_lnaddr_username(name, ulen, a->user, &err) != SWGR_OK) {
		snprintf(reason, sizeof(reason), "invalid username: %s", err.msg);
		fail(c, 400, reason);
		return false;
	}
	a->tag[0] = '\0';
	if (plus != NULL && swgr_lnaddr_username(plus + 1, strlen(plus + 1), a->tag,
	    &err) != SWGR_OK) {
		snprintf(reason, sizeof(reason), "invalid tag after '+': %s", err.msg);
		fail(c, 400, reason);
		return false;
	}
	return true;
}

/*
 * The domain of the address: the request's host (after allowed-hosts) as a
 * URL writes it (lowercased, the scheme's default port dropped), which must
 * be a domain name.  False with the 400 made.
 */
static bool
domain_of(struct swgr_ctx *c, struct areq *a)
{
	struct swgr_buf b = { 0 };
	struct swgr_err err = { 0 };
	char reason[sizeof(((struct swgr_err *)0)->msg) + 80];
	const char *h;
	bool ok = false;

	if (swgr_lnurl_origin(&b, a->o.scheme, a->o.host, &err) != SWGR_OK)
		fail(c, 400, err.msg);
	else if (!swgr_buf_ok(&b))
		fail(c, 500, "out of memory");
	else if ((h = strstr(b.p, "://")) == NULL ||
	    swgr_lnaddr_domain(h + 3, strlen(h + 3), a->domain, &err) != SWGR_OK) {
		snprintf(reason, sizeof(reason), "the host is not a domain name for a "
		    "Lightning Address: %s", err.msg);
		fail(c, 400, reason);
	} else
		ok = true;
	swgr_buf_free(&b);
	return ok;
}

/* 503: the address directory cannot be read, and the address was never read from it. */
static void
directory_unavailable(struct swgr_ctx *c, const char *why)
{
	swgr_resp_reset(c->resp, 503);
	swgr_resp_json(c->resp);
	swgr_resp_header(c->resp, "Retry-After", SWGR_DB_RETRY_AFTER_SECS);
	swgr_lnurl_error_json(&c->resp->body, "address directory unavailable: retry later");
	swgr_log(SWGR_LOG_ERROR, c->log_target, "%s %s: 503: address directory unavailable: %s",
	    c->req->method, c->req->path, why);
}

/*
 * The binding of a's address: the offer store's, else, for the directory's
 * domains, the directory's when the store has none.  While the store cannot
 * be read, a binding the directory gave before still serves (the store had
 * none then); any other stays the store's 503, since the store might hold
 * the address disabled.  *dir_err: the error in *err is the directory's.
 */
static enum swgr_rc
binding(struct lnurl_state *s, struct areq *a, struct swgr_err *err, bool *dir_err)
{
	struct swgr_err derr = { 0 };
	enum swgr_rc rc, drc;

	*dir_err = false;
	rc = addr_get(s->addrs, a->domain, a->user, &a->hit, err);
	if (s->dir == NULL || (rc != SWGR_NOTFOUND && rc != SWGR_EUPSTREAM) ||
	    !swgr_directory_serves(s->dir, a->domain))
		return rc;
	if (rc == SWGR_EUPSTREAM)
		return addr_peek(s->dir_addrs, a->domain, a->user, &a->hit, &derr) == SWGR_OK ?
		    SWGR_OK : rc;
	drc = addr_get(s->dir_addrs, a->domain, a->user, &a->hit, &derr);
	*err = derr;
	*dir_err = drc != SWGR_OK;
	return drc;
}

/*
 * Path, host, then the address and its offer, valid now.  NULL with the
 * answer made: an unknown or disabled address, or one whose partition this
 * instance does not serve, is 404 "not found" (a wallet cannot tell them
 * apart, and an attacker learns nothing).
 */
static struct cached_offer *
address_begin(struct swgr_ctx *c, struct areq *a, struct swgr_time *now)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	struct lnurl_state *s = c->state;
	struct swgr_err err = { 0 };
	char reason[SWGR_LNADDR_USER_MAX + SWGR_LNADDR_DOMAIN_MAX + 32];
	enum swgr_rc rc;
	bool dir_err;

	memset(&a->hit, 0, sizeof(a->hit));
	if (!parse_name(c, c->req->seg[2], a) || !req_host(c, &a->o) || !domain_of(c, a))
		return NULL;
	rc = binding(s, a, &err, &dir_err);
	if (rc == SWGR_ERETRY && dir_err) {
		busy(c, err.msg);
		return NULL;
	}
	if (rc == SWGR_EUPSTREAM && dir_err) {
		directory_unavailable(c, err.msg);
		return NULL;
	}
	if (rc == SWGR_EUPSTREAM && swgr_store_is_database(s->offers)) {
		if (strncmp(err.msg, "database schema missing", 23) == 0)
			schema_missing(c, err.msg);
		else
			db_unavailable(c, err.msg);
		return NULL;
	}
	if (rc != SWGR_OK && rc != SWGR_NOTFOUND) {
		fail(c, swgr_err_http_status(rc), err.msg);
		return NULL;
	}
	if (rc == SWGR_NOTFOUND || !a->hit.enabled ||
	    !swgr_fleet_partition_in(lc->partitions, lc->npartitions, a->hit.partition)) {
		snprintf(reason, sizeof(reason), "not found: %s@%s", a->user, a->domain);
		fail(c, 404, reason);
		return NULL;
	}
	a->o.partition = a->hit.partition;
	a->o.id = a->hit.offer;
	swgr_uuid_format(&a->o.id, a->o.idstr);
	return offer_resolve(c, &a->o, now);
}

/*
 * The metadata served for a: the offer's, its own identifier replaced by
 * ["text/identifier","user@domain"], then ["text/tag","tag"] for a
 * sub-address; raw (json false) or as a JSON string.  The names need no
 * escaping (core/lnaddr.h's characters only).
 */
static void
metadata(struct swgr_buf *b, const struct cached_offer *co, const struct areq *a, bool json)
{
	const char *q = json ? "\\\"" : "\"";

	if (json)
		swgr_buf_put(b, co->metadata_json, co->base_json_len);
	else
		swgr_buf_put(b, co->metadata, co->base_len);
	swgr_buf_printf(b, ",[%stext/identifier%s,%s%s@%s%s]", q, q, q, a->user, a->domain, q);
	if (a->tag[0] != '\0')
		swgr_buf_printf(b, ",[%stext/tag%s,%s%s%s]", q, q, q, a->tag, q);
	swgr_buf_puts(b, json ? "]\"" : "]");
}

/* The URL of a's callback: the canonical names, whatever case the request had. */
static bool
callback_url(struct swgr_ctx *c, const struct areq *a, struct swgr_buf *b)
{
	struct swgr_err err = { 0 };

	if (swgr_lnurl_origin(b, a->o.scheme, a->o.host, &err) != SWGR_OK) {
		fail(c, 400, err.msg);
		return false;
	}
	swgr_buf_printf(b, "/.well-known/lnurlp/%s%s%s/invoice", a->user,
	    a->tag[0] != '\0' ? "+" : "", a->tag);
	if (!swgr_buf_ok(b)) {
		fail(c, 500, "out of memory");
		return false;
	}
	return true;
}

/*
 * GET /.well-known/lnurlp/<username>: the LUD-06 pay request (LUD-16).  Not
 * cached by the wallet: an address can be disabled or bound to another
 * offer at any time.
 */
void
address_pay_request(struct swgr_ctx *c)
{
	struct lnurl_state *s = c->state;
	struct swgr_buf url = { 0 }, md = { 0 };
	struct cached_offer *co;
	struct swgr_time now;
	struct areq a;

	if ((co = address_begin(c, &a, &now)) != NULL) {
		metadata(&md, co, &a, true);
		if (!swgr_buf_ok(&md))
			fail(c, 500, "out of memory");
		else if (callback_url(c, &a, &url)) {
			swgr_resp_nocache(c->resp);
			pay_request_json(c, co, url.p, url.len, md.p, md.len);
		}
		offer_put(s->cache, co);
	}
	swgr_buf_free(&url);
	swgr_buf_free(&md);
	free(a.hit.partition);
}

/* GET /.well-known/lnurlp/<username>/invoice?amount=&comment=: the LUD-06 callback. */
void
address_invoice(struct swgr_ctx *c)
{
	struct lnurl_state *s = c->state;
	struct swgr_buf md = { 0 }, desc = { 0 };
	struct swgr_balancer_req br = { 0 };
	struct swgr_issued issued;
	struct cb_src src;
	struct cached_offer *co;
	struct swgr_time now;
	struct areq a;
	const char *key;
	uint64_t amount;
	uint8_t hash[32], dhash[32];

	if (!callback_query(c, &amount, &key))
		return;
	if ((co = address_begin(c, &a, &now)) != NULL) {
		metadata(&md, co, &a, false);
		if (!swgr_buf_ok(&md))
			fail(c, 500, "out of memory");
		else {
			swgr_sha256((const unsigned char *)md.p, md.len, hash);
			if (lud_description(c, &co->lud, md.p, md.len, hash, &desc, dhash,
			    &br.metadata, &br.metadata_len, &br.hash)) {
				br.partition = a.o.partition;
				br.amount_msat = amount;
				br.key = key;
				br.issued = &issued;
				src = (struct cb_src){ .host = a.o.host, .domain = a.domain,
				    .username = a.user, .payer_data = br.metadata != md.p ?
				    br.metadata + md.len : NULL };
				issue(c, co, &br, &src);
			}
		}
		offer_put(s->cache, co);
	}
	swgr_buf_free(&md);
	swgr_buf_free(&desc);
	free(a.hit.partition);
}
