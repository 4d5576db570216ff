/* Which handler answers a request: the bearer check, then the service's routing table (405 with Allow, 404). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/token.h"
#include "core/buf.h"
#include "core/log.h"
#include "fcgi/responder_int.h"

/*
 * The bearer check of spec §6: "Bearer" (any case), one space, a token that
 * verifies for our audience.  On refusal sets the 401 and returns false.
 */
static bool
authorised(const struct app *app, struct swgr_ctx *c)
{
	const char *h = swgr_req_param(c->req, "HTTP_AUTHORIZATION"), *tok;
	struct swgr_err err = { 0 };
	char www[128];
	int64_t exp;

	if (h == NULL || strlen(h) <= 7 || strncasecmp(h, "Bearer ", 7) != 0 ||
	    !swgr_hdr_value_ok(h)) {
		snprintf(www, sizeof(www), "Bearer realm=\"%s\"", app->svc->name);
		goto refuse;
	}
	tok = h + 7;
	if (*tok != ' ' && *tok != '\t' &&
	    swgr_token_verify(app->key, app->svc->name, tok, strlen(tok),
	    (int64_t)time(NULL), app->section != NULL ?
	    (int64_t)app->section->token_max_lifetime_secs : SWGR_TOKEN_MAX_LIFETIME_DEFAULT, &exp,
	    &err) == SWGR_OK)
		return true;
	swgr_log(SWGR_LOG_INFO, app->target, "token refused: %s",
	    err.msg[0] != '\0' ? err.msg : "malformed");
	snprintf(www, sizeof(www), "Bearer realm=\"%s\", error=\"invalid_token\"",
	    app->svc->name);
refuse:
	swgr_resp_reset(c->resp, 401);
	swgr_resp_header(c->resp, "WWW-Authenticate", www);
	return false;
}

static void
allow_header(struct swgr_resp *resp, unsigned methods)
{
	static const struct { unsigned bit; const char *name; } tab[] = {
		{ SWGR_M_GET, "GET" }, { SWGR_M_HEAD, "HEAD" }, { SWGR_M_POST, "POST" },
		{ SWGR_M_PUT, "PUT" }, { SWGR_M_PATCH, "PATCH" }, { SWGR_M_DELETE, "DELETE" },
	};
	struct swgr_buf b = { 0 };
	size_t i;

	if (methods & SWGR_M_GET)
		methods |= SWGR_M_HEAD;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (!(methods & tab[i].bit))
			continue;
		if (b.len > 0)
			swgr_buf_putc(&b, ',');
		swgr_buf_puts(&b, tab[i].name);
	}
	if (swgr_buf_ok(&b) && b.len > 0)
		swgr_resp_header(resp, "Allow", b.p);
	else
		resp->bad = true;
	swgr_buf_free(&b);
}

/*
 * Auth first (spec §4, §6: only a public route's own methods skip it, so
 * POST /health without a token is 401), then the routing table: the
 * handler, 405 with Allow, or 404.  Returns the index of the route whose
 * handler answered, or svc->nroutes.
 */
size_t
swgr_route_dispatch(const struct app *app, struct swgr_ctx *c)
{
	const struct swgr_service *svc = app->svc;
	const struct swgr_route *rt = NULL;
	unsigned want, allowed = 0;
	size_t i;

	want = c->req->mbit == SWGR_M_HEAD ? SWGR_M_GET : c->req->mbit;
	for (i = 0; i < svc->nroutes; i++) {
		if (!swgr_req_match(c->req, svc->routes[i].pattern))
			continue;
		allowed |= svc->routes[i].methods;
		if (rt == NULL && (svc->routes[i].methods & want))
			rt = &svc->routes[i];
	}
	if ((rt == NULL || !(rt->flags & SWGR_ROUTE_PUBLIC)) &&
	    !(svc->flags & SWGR_SERVICE_PUBLIC) && !authorised(app, c))
		return svc->nroutes;
	if (c->req->path_rc != SWGR_OK) {
		swgr_resp_reset(c->resp, 400);
		return svc->nroutes;
	}
	if (rt != NULL) {
		c->arg = rt->arg;
		rt->fn(c);
		return (size_t)(rt - svc->routes);
	}
	if (allowed == 0) {
		swgr_resp_reset(c->resp, 404);
		return svc->nroutes;
	}
	swgr_resp_reset(c->resp, 405);
	allow_header(c->resp, allowed);
	return svc->nroutes;
}
