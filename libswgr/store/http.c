/* The HTTP store's shared half: opening, one request with the status mapping of spec §11.4, answers read as records. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json.h"
#include "core/uuid.h"
#include "store/http_int.h"

enum swgr_rc
st_http_open(const struct swgr_store_cfg *cfg, const char *which, void **out,
    struct swgr_err *err)
{
	struct swgr_http_opts o = { 0 };
	struct st_http *h;
	char *auth = NULL;
	enum swgr_rc rc;

	*out = NULL;
	if (cfg->base_url == NULL || cfg->authorization == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "http %s store: base-url and "
		    "authorization are required", which);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "opening the http store: out of memory");
	snprintf(h->what, sizeof(h->what), "http %s store", which);
	pthread_mutex_init(&h->mu, NULL);
	if ((rc = swgr_http_bearer_file(cfg->authorization, &auth, err)) != SWGR_OK)
		goto fail;
	o.base_url = cfg->base_url;
	o.trusted_roots = cfg->trusted_roots;
	o.connect_timeout_secs = cfg->connect_timeout_secs;
	o.total_timeout_secs = cfg->total_timeout_secs;
	o.auth_header = auth;
	rc = swgr_http_client_new(&o, &h->c, err);
	swgr_http_header_free(auth);
	if (rc != SWGR_OK)
		goto fail;
	*out = h;
	return SWGR_OK;
fail:
	pthread_mutex_destroy(&h->mu);
	free(h);
	return rc;
}

void
st_http_close(void *impl)
{
	struct st_http *h = impl;

	if (h == NULL)
		return;
	swgr_http_client_free(h->c);
	pthread_mutex_destroy(&h->mu);
	free(h->list);
	free(h);
}

enum swgr_rc
hs_do(struct st_http *h, const struct hs_req *q, struct swgr_http_resp *r, char *what,
    size_t whatlen, struct swgr_err *err)
{
	struct swgr_http_req req = { 0 };

	memset(r, 0, sizeof(*r));
	snprintf(what, whatlen, "%s: %s", h->what, q->method);
	req.method = q->method;
	req.segs = q->segs;
	req.nsegs = q->nsegs;
	req.query = q->query;
	if (q->body != NULL) {
		if (!swgr_buf_ok(q->body))
			return swgr_err_set(err, SWGR_ENOMEM, "%s: out of memory", what);
		req.body = q->body->p;
		req.bodylen = q->body->len;
	}
	req.if_none_match = q->etag;
	req.what = what;
	return swgr_http_do(h->c, &req, r, err);
}

enum swgr_rc
hs_call(struct st_http *h, const struct hs_req *q, long ok1, long ok2, const char *notfound,
    const char *conflict, struct swgr_http_resp *r, char *what, size_t whatlen,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = hs_do(h, q, r, what, whatlen, err)) != SWGR_OK)
		return rc;
	if (r->status == ok1 || (ok2 != 0 && r->status == ok2))
		return SWGR_OK;
	if (r->status == 404 && notfound != NULL)
		return swgr_err_set(err, SWGR_NOTFOUND, "%s not found", notfound);
	if (r->status == 409 && conflict != NULL)
		return swgr_err_set(err, SWGR_CONFLICT, "%s already exists", conflict);
	return swgr_http_status_error(r, what, err);
}

enum swgr_rc
hs_status(struct st_http *h, const struct hs_req *q, long ok, const char *notfound,
    struct swgr_err *err)
{
	struct swgr_http_resp r;
	char what[64];
	enum swgr_rc rc;

	rc = hs_call(h, q, ok, 0, notfound, NULL, &r, what, sizeof(what), err);
	swgr_http_resp_free(&r);
	return rc;
}

enum swgr_rc
hs_get(struct st_http *h, const struct hs_req *q, const char *notfound, hs_parse_fn parse,
    void *out, struct swgr_err *err)
{
	struct swgr_http_resp r;
	char what[64];
	enum swgr_rc rc;

	if ((rc = hs_call(h, q, 200, 0, notfound, NULL, &r, what, sizeof(what), err)) == SWGR_OK)
		rc = hs_one(&r, what, parse, out, err);
	swgr_http_resp_free(&r);
	return rc;
}

enum swgr_rc
hs_bad_json(const char *url, const char *what, enum swgr_rc prc, const struct swgr_err *perr,
    struct swgr_err *err)
{
	if (prc == SWGR_ENOMEM)
		return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, url);
	return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: %s JSON in the answer: %s", what, url,
	    prc == SWGR_ESYNTAX ? "malformed" : "unexpected", perr->msg);
}

enum swgr_rc
hs_one(const struct swgr_http_resp *r, const char *what, hs_parse_fn parse, void *out,
    struct swgr_err *err)
{
	struct swgr_err perr = { 0 };
	enum swgr_rc rc;

	if ((rc = parse(r->body.p != NULL ? r->body.p : "", r->body.len, out, &perr)) != SWGR_OK)
		return hs_bad_json(r->url, what, rc, &perr, err);
	return SWGR_OK;
}

enum swgr_rc
hs_array(const char *text, size_t len, const char *url, const char *what,
    size_t size, hs_parse_fn parse, void (*freefn)(void *, size_t), void **out, size_t *n,
    struct swgr_err *err)
{
	struct swgr_err perr = { 0 };
	json_object *a = NULL, *e;
	const char *et;
	size_t i, cnt, elen;
	char *v = NULL;
	enum swgr_rc rc;

	*out = NULL;
	*n = 0;
	if ((rc = swgr_json_parse(text, len, &a, &perr)) != SWGR_OK)
		return hs_bad_json(url, what, rc, &perr, err);
	if (!json_object_is_type(a, json_type_array)) {
		swgr_err_set(&perr, SWGR_ESHAPE, "expected an array");
		rc = hs_bad_json(url, what, SWGR_ESHAPE, &perr, err);
		goto out;
	}
	cnt = json_object_array_length(a);
	if (cnt > 0 && (v = calloc(cnt, size)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, url);
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		e = json_object_array_get_idx(a, i);
		et = json_object_to_json_string_length(e, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE, &elen);
		if (et == NULL) {
			rc = swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, url);
			goto out;
		}
		if ((rc = parse(et, elen, v + i * size, &perr)) != SWGR_OK) {
			swgr_err_wrap(&perr, "element %zu", i);
			rc = hs_bad_json(url, what, rc, &perr, err);
			goto out;
		}
		(*n)++;
	}
	*out = v;
	v = NULL;
out:
	if (v != NULL)
		freefn(v, *n);
	if (rc != SWGR_OK)
		*n = 0;
	json_object_put(a);
	return rc;
}

void
hs_name(char *out, size_t outlen, const char *kind, const char *partition,
    const struct swgr_uuid *id)
{
	char u[SWGR_UUID_STRLEN + 1];

	swgr_uuid_format(id, u);
	snprintf(out, outlen, "%s %s/%s", kind, partition, u);
}
