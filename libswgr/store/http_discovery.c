/* The HTTP store's discovery half: GET /discovery with If-None-Match and the last list kept, the backend calls (spec §4, §11.4). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/pubkey.h"
#include "store/http_int.h"

static enum swgr_rc
hs_parse_backend(const char *t, size_t len, void *out, struct swgr_err *err)
{
	return swgr_backend_from_json(t, len, SWGR_SHAPE_FULL, out, err);
}

/* The ETag header of a discovery list answer: 16 hex digits (spec §4, §11.4). */
static enum swgr_rc
hs_etag(const struct swgr_http_resp *r, const char *what, uint64_t *etag, struct swgr_err *err)
{
	const char *s = r->etag;
	uint64_t v = 0;
	size_t i;

	if (s == NULL)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: http status %ld without an ETag "
		    "header (required on 200 and 304)", what, r->url, r->status);
	for (i = 0; s[i] != '\0'; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
		    s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 :
		    s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : -1;

		if (d < 0 || i >= 16)
			break;
		v = v << 4 | (uint64_t)d;
	}
	if (i != 16 || s[i] != '\0')
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: invalid ETag header \"%.40s\" "
		    "(expected 16 hex digits)", what, r->url, s);
	*etag = v;
	return SWGR_OK;
}

/*
 * GET /discovery, conditional on the list we hold (If-None-Match): a 200 is
 * parsed, then kept with its ETag; a 304 gives the list kept.  The ETag is
 * required on both (spec §11.4).
 */
static enum swgr_rc
hs_backend_list(void *impl, uint64_t *etag, struct swgr_backend **out, size_t *n,
    struct swgr_err *err)
{
	struct st_http *h = impl;
	struct hs_req q = { .method = "GET", .segs = { "discovery" }, .nsegs = 1 };
	struct swgr_http_resp r;
	char what[64], inm[17], *text = NULL;
	uint64_t held, got = 0;
	size_t len = 0;
	void *v = NULL;
	bool has;
	enum swgr_rc rc;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&h->mu);
	has = h->has_list;
	held = h->etag;
	pthread_mutex_unlock(&h->mu);
	if (has) {
		snprintf(inm, sizeof(inm), "%016llx", (unsigned long long)held);
		q.etag = inm;
	}
	if ((rc = hs_do(h, &q, &r, what, sizeof(what), err)) != SWGR_OK)
		goto out;
	if (r.status != 200 && !(r.status == 304 && has)) {
		rc = swgr_http_status_error(&r, what, err);
		goto out;
	}
	if ((rc = hs_etag(&r, what, &got, err)) != SWGR_OK)
		goto out;
	if (r.status == 200) {
		if ((rc = hs_array(r.body.p != NULL ? r.body.p : "", r.body.len, r.url, what,
		    sizeof(**out), hs_parse_backend, st_free_backends, &v, n, err)) != SWGR_OK)
			goto out;
		/* NULL only when out of memory: then no list is kept, the next GET is plain */
		text = swgr_buf_take(&r.body, &len);
		pthread_mutex_lock(&h->mu);
		free(h->list);
		h->list = text;
		h->listlen = text != NULL ? len : 0;
		h->has_list = text != NULL;
		h->etag = got;
		pthread_mutex_unlock(&h->mu);
		*out = v;
		*etag = got;
		goto out;
	}
	/* 304: the list we hold, parsed again (it parsed when it came). */
	pthread_mutex_lock(&h->mu);
	has = h->has_list;
	if (has && (text = malloc(h->listlen + 1)) != NULL) {
		memcpy(text, h->list, h->listlen + 1);
		len = h->listlen;
		h->etag = got;
	}
	pthread_mutex_unlock(&h->mu);
	if (text == NULL) {
		rc = swgr_err_set(err, has ? SWGR_ENOMEM : SWGR_EUPSTREAM, "%s %s: %s", what, r.url,
		    has ? "out of memory" : "304 for a list no longer held");
		goto out;
	}
	rc = hs_array(text, len, r.url, what, sizeof(**out), hs_parse_backend, st_free_backends,
	    &v, n, err);
	free(text);
	if (rc == SWGR_OK) {
		*out = v;
		*etag = got;
	}
out:
	swgr_http_resp_free(&r);
	return rc;
}

static enum swgr_rc
hs_backend_etag(void *impl, uint64_t *etag, struct swgr_err *err)
{
	struct swgr_backend *v;
	size_t n;
	enum swgr_rc rc;

	if ((rc = hs_backend_list(impl, etag, &v, &n, err)) == SWGR_OK)
		swgr_backends_free(v, n);
	return rc;
}

static enum swgr_rc
hs_backend_get(void *impl, const struct swgr_pubkey *pk, struct swgr_backend *out,
    struct swgr_err *err)
{
	char hex[SWGR_PUBKEY_STRLEN + 1], name[80];
	struct hs_req q = { .method = "GET", .segs = { "discovery", hex }, .nsegs = 2 };

	memset(out, 0, sizeof(*out));
	swgr_pubkey_format(pk, hex);
	snprintf(name, sizeof(name), "backend %s", hex);
	return hs_get(impl, &q, name, hs_parse_backend, out, err);
}

static enum swgr_rc
hs_backend_write(void *impl, const struct swgr_backend *b, bool put, bool *created,
    struct swgr_err *err)
{
	char hex[SWGR_PUBKEY_STRLEN + 1], name[80], what[64];
	struct swgr_buf body = { 0 };
	struct hs_req q = { .body = &body };
	struct swgr_http_resp r;
	enum swgr_rc rc;

	swgr_pubkey_format(&b->pk, hex);
	snprintf(name, sizeof(name), "backend %s", hex);
	swgr_backend_to_json(&body, b, false);
	if (put) {
		q.method = "PUT";
		q.segs[0] = "discovery";
		q.segs[1] = hex;
		q.nsegs = 2;
	} else {
		q.method = "POST";
		q.segs[0] = "discovery";
		q.nsegs = 1;
	}
	rc = hs_call(impl, &q, 201, put ? 204 : 0, NULL, put ? NULL : name, &r, what, sizeof(what),
	    err);
	if (rc == SWGR_OK && created != NULL)
		*created = r.status == 201;
	swgr_http_resp_free(&r);
	swgr_buf_free(&body);
	return rc;
}

/* DiscoveryBackendPatchSparse (spec §7.1): only the fields present. */
static void
hs_patch_json(struct swgr_buf *b, const struct swgr_backend_patch *p)
{
	struct swgr_jw jw;
	size_t i;

	swgr_jw_init(&jw, b, false);
	swgr_jw_obj_open(&jw);
	if (p->name != NULL) {
		swgr_jw_key(&jw, "name");
		swgr_jw_str(&jw, p->name);
	}
	if (p->has_partitions) {
		swgr_jw_key(&jw, "partitions");
		swgr_jw_arr_open(&jw);
		for (i = 0; i < p->npartitions; i++)
			swgr_jw_str(&jw, p->partitions[i]);
		swgr_jw_arr_close(&jw);
	}
	if (p->has_weight) {
		swgr_jw_key(&jw, "weight");
		swgr_jw_i64(&jw, p->weight);
	}
	if (p->has_enabled) {
		swgr_jw_key(&jw, "enabled");
		swgr_jw_bool(&jw, p->enabled);
	}
	swgr_jw_obj_close(&jw);
}

static enum swgr_rc
hs_backend_patch(void *impl, const struct swgr_pubkey *pk, const struct swgr_backend_patch *p,
    struct swgr_err *err)
{
	char hex[SWGR_PUBKEY_STRLEN + 1], name[80];
	struct swgr_buf body = { 0 };
	struct hs_req q = { .method = "PATCH", .segs = { "discovery", hex }, .nsegs = 2,
	    .body = &body };
	enum swgr_rc rc;

	swgr_pubkey_format(pk, hex);
	snprintf(name, sizeof(name), "backend %s", hex);
	hs_patch_json(&body, p);
	rc = hs_status(impl, &q, 204, name, err);
	swgr_buf_free(&body);
	return rc;
}

static enum swgr_rc
hs_backend_delete(void *impl, const struct swgr_pubkey *pk, struct swgr_err *err)
{
	char hex[SWGR_PUBKEY_STRLEN + 1], name[80];
	struct hs_req q = { .method = "DELETE", .segs = { "discovery", hex }, .nsegs = 2 };

	swgr_pubkey_format(pk, hex);
	snprintf(name, sizeof(name), "backend %s", hex);
	return hs_status(impl, &q, 204, name, err);
}

const struct st_discovery_ops st_http_discovery = {
	.etag = hs_backend_etag,
	.list = hs_backend_list,
	.get = hs_backend_get,
	.write = hs_backend_write,
	.patch = hs_backend_patch,
	.del = hs_backend_delete,
};
