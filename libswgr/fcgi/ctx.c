/* What the handlers share: the JSON body, refused inputs, store failures, GET /health. */
#include <stdbool.h>
#include <stddef.h>

#include "core/log.h"
#include "fcgi/responder.h"

void
swgr_health(struct swgr_ctx *c)
{
	c->resp->status = 200;
}

bool
swgr_ctx_body(struct swgr_ctx *c, const char **text, size_t *len)
{
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	if (!swgr_ctype_is_json(swgr_req_param(c->req, "CONTENT_TYPE"))) {
		swgr_resp_reset(c->resp, 415);
		return false;
	}
	if ((rc = swgr_req_body(c->req, &err)) != SWGR_OK) {
		swgr_ctx_fail(c, rc, &err);
		return false;
	}
	*text = c->req->body;
	*len = c->req->body_len;
	return true;
}

void
swgr_ctx_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err)
{
	int status = swgr_err_http_status(rc);

	swgr_resp_reset(c->resp, status);
	swgr_log(status >= 500 ? SWGR_LOG_ERROR : SWGR_LOG_INFO, c->log_target,
	    "%s %s: %d: %s", c->req->method, c->req->path, status,
	    err != NULL && err->msg[0] != '\0' ? err->msg : swgr_rc_name(rc));
}

void
swgr_ctx_db_unavailable(struct swgr_ctx *c, const struct swgr_err *err)
{
	swgr_resp_reset(c->resp, 503);
	swgr_resp_header(c->resp, "Retry-After", SWGR_DB_RETRY_AFTER_SECS);
	swgr_resp_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
	swgr_buf_printf(&c->resp->body, "database unavailable: the %s store's database cannot "
	    "be reached, retry later\n", c->svc->name);
	swgr_log(SWGR_LOG_ERROR, c->log_target, "%s %s: 503: database unavailable: %s",
	    c->req->method, c->req->path,
	    err != NULL && err->msg[0] != '\0' ? err->msg : swgr_rc_name(SWGR_EUPSTREAM));
}

void
swgr_ctx_store_fail(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err,
    const char *location)
{
	int status = swgr_err_http_status(rc);

	if (rc == SWGR_EUPSTREAM && swgr_store_is_database(c->store)) {
		swgr_ctx_db_unavailable(c, err);
		return;
	}
	swgr_resp_reset(c->resp, status);
	if (rc == SWGR_NOTFOUND)
		return;
	if (rc == SWGR_CONFLICT) {
		if (location != NULL)
			swgr_resp_header(c->resp, "Location", location);
		return;
	}
	swgr_log(SWGR_LOG_ERROR, c->log_target, "%s %s: %d: store: %s", c->req->method,
	    c->req->path, status,
	    err != NULL && err->msg[0] != '\0' ? err->msg : swgr_rc_name(rc));
}
