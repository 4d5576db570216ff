/*
 * The Offer service over HTTP for swgr offer, offers and metadata alike:
 * records fetched and sent, the answers told in each kind's words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model/model.h"
#include "offer.h"

static enum swgr_rc
offer_parse(const char *t, size_t n, enum swgr_shape s, void *v, struct swgr_err *e)
{
	return swgr_offer_from_json(t, n, s, v, e);
}
static void offer_write(struct swgr_buf *b, const void *v, bool p) { swgr_offer_to_json(b, v, p); }
static void offer_write_all(struct swgr_buf *b, const void *v, size_t n, bool p) { swgr_offers_to_json(b, v, n, p); }
static void offer_free(void *v) { swgr_offer_free(v); }
static void offer_free_all(void *v, size_t n) { swgr_offers_free(v, n); }
static struct swgr_uuid *offer_id(void *v) { return &((struct swgr_offer *)v)->id; }
static char **offer_partition(void *v) { return &((struct swgr_offer *)v)->partition; }

static enum swgr_rc
meta_parse(const char *t, size_t n, enum swgr_shape s, void *v, struct swgr_err *e)
{
	return swgr_metadata_from_json(t, n, s, v, e);
}
static void meta_write(struct swgr_buf *b, const void *v, bool p) { swgr_metadata_to_json(b, v, p); }
static void meta_write_all(struct swgr_buf *b, const void *v, size_t n, bool p) { swgr_metadatas_to_json(b, v, n, p); }
static void meta_free(void *v) { swgr_metadata_free(v); }
static void meta_free_all(void *v, size_t n) { swgr_metadatas_free(v, n); }
static struct swgr_uuid *meta_id(void *v) { return &((struct swgr_metadata *)v)->id; }
static char **meta_partition(void *v) { return &((struct swgr_metadata *)v)->partition; }

const struct offer_kind offer_records = {
	"offers", "offer", "sparse=true", sizeof(struct swgr_offer),
	offer_parse, offer_write, offer_write_all, offer_free, offer_free_all,
	offer_id, offer_partition,
	"Offer ", "Offer created: ", "Offer updated: ",
	"Conflict. Offer already exists at: ", "Offer deleted: ",
	"Offer not Found: "
};

const struct offer_kind offer_metadata = {
	"metadata", "offer metadata", NULL, sizeof(struct swgr_metadata),
	meta_parse, meta_write, meta_write_all, meta_free, meta_free_all,
	meta_id, meta_partition,
	"Metadata ", "Created: ", "Updated: ",
	"Conflict. Metadata already exists at: ", "Deleted: ", "Not Found: "
};

enum swgr_rc
offer_get_one(const struct offer_kind *k, struct swgr_http_client *h, const char *partition,
    const char *id, struct swgr_buf *out, struct swgr_err *err)
{
	const char *segs[] = { k->coll, partition, id };
	struct swgr_http_resp r;
	char what[64];
	enum swgr_rc rc;
	void *v = NULL;

	snprintf(what, sizeof(what), "get %s", k->noun);
	if ((rc = cli_http_request(h, "GET", segs, 3, k->query, NULL, 0, what,
	    &r, err)) != SWGR_OK)
		goto out;
	if (r.status == 404) {
		rc = swgr_err_set(err, SWGR_NOTFOUND, "%s%s not found",
		    k->missing_get, id);
		goto out;
	}
	if (r.status != 200) {
		rc = swgr_http_status_error(&r, what, err);
		goto out;
	}
	if ((v = calloc(1, k->size)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	if (k->parse(r.body.p, r.body.len, SWGR_SHAPE_FULL, v, err) != SWGR_OK) {
		swgr_err_wrap(err, "parsing %s %s", k->noun, r.url);
		rc = SWGR_EUPSTREAM;
		goto out;
	}
	k->write(out, v, true);
	k->free_one(v);
out:
	free(v);
	swgr_http_resp_free(&r);
	return rc;
}

enum swgr_rc
offer_get_page(const struct offer_kind *k, struct swgr_http_client *h, const char *partition,
    unsigned long long start, unsigned long long count, struct swgr_buf *out,
    struct swgr_err *err)
{
	const char *segs[] = { k->coll, partition };
	struct swgr_http_resp r;
	char what[64], query[64], **elems = NULL;
	enum swgr_rc rc;
	size_t i, n = 0;
	char *v = NULL;

	snprintf(what, sizeof(what), "get all %s", k->noun);
	snprintf(query, sizeof(query), "start=%llu&count=%llu", start, count);
	if ((rc = cli_http_request(h, "GET", segs, 2, query, NULL, 0, what,
	    &r, err)) != SWGR_OK)
		goto out;
	if (r.status != 200) {
		rc = swgr_http_status_error(&r, what, err);
		goto out;
	}
	if ((rc = cli_json_array(r.body.p, r.body.len, &elems, &n, err)) != SWGR_OK)
		goto bad;
	if ((v = calloc(n + 1, k->size)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = k->parse(elems[i], strlen(elems[i]), SWGR_SHAPE_FULL,
		    v + i * k->size, err)) != SWGR_OK) {
			k->free_all(v, i);
			v = NULL;
			goto bad;
		}
	}
	k->write_all(out, v, n, true);
	k->free_all(v, n);
	v = NULL;
	goto out;
bad:
	swgr_err_wrap(err, "parsing all %s %s", k->noun, r.url);
	rc = SWGR_EUPSTREAM;
out:
	free(v);
	swgr_strv_free(elems, n);
	swgr_http_resp_free(&r);
	return rc;
}

int
offer_request(const struct offer_kind *k, const struct cli_client *c, const char *method,
    const char *const *segs, size_t nsegs, const char *body, size_t len, const char *id)
{
	struct swgr_http_client *h = NULL;
	struct swgr_http_resp r = { 0 };
	struct swgr_err err;
	const char *ok = NULL;
	char what[64];
	int rc = CLI_EXIT_ERR;

	snprintf(what, sizeof(what), "%s %s", strcmp(method, "POST") == 0 ?
	    "post" : strcmp(method, "PUT") == 0 ? "put" : "delete", k->noun);
	if (cli_http_open(OFFER_ENV, c, &h, &err) != SWGR_OK ||
	    cli_http_request(h, method, segs, nsegs, NULL, body, len, what, &r,
	    &err) != SWGR_OK)
		goto fail;
	if (r.status == 201 && strcmp(method, "DELETE") != 0)
		ok = k->created;
	else if (r.status == 204 && strcmp(method, "PUT") == 0)
		ok = k->updated;
	else if (r.status == 204 && strcmp(method, "DELETE") == 0)
		ok = k->deleted;
	else if (r.status == 409 && strcmp(method, "POST") == 0) {
		swgr_err_set(&err, SWGR_CONFLICT, "%s%s", k->conflict, id);
		goto fail;
	} else if (r.status == 404 && strcmp(method, "DELETE") == 0) {
		swgr_err_set(&err, SWGR_NOTFOUND, "%s%s", k->missing_del, id);
		goto fail;
	} else {
		swgr_http_status_error(&r, what, &err);
		goto fail;
	}
	cli_log(SWGR_LOG_INFO, "%s%s", ok, id);
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_fail(&err);
out:
	swgr_http_resp_free(&r);
	swgr_http_client_free(h);
	return rc;
}
