/* GET /discovery/status: every backend with the node status each monitor instance wrote, and the monitors' heartbeats. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/pubkey.h"
#include "core/sha256.h"
#include "core/time.h"
#include "model/model.h"
#include "store/store.h"
#include "extern.h"

/* A monitor whose last heartbeat is older than this many of its periods is stale. */
#define STALE_PERIODS	3

/* What one answer is made of: the backends, the instances shown and their rows. */
struct view {
	struct swgr_backend	*b;
	size_t			 nb;
	uint64_t		 etag;		/* of the backend list */
	struct swgr_heartbeat	*h;		/* the instances shown */
	size_t			 nh;
	struct swgr_node_status	**s;		/* s[i]: the rows of h[i] */
	size_t			*ns;
	int64_t			 now_ms;
};

static void
view_free(struct view *v)
{
	size_t i;

	swgr_backends_free(v->b, v->nb);
	for (i = 0; v->s != NULL && i < v->nh; i++)
		swgr_node_statuses_free(v->s[i], v->ns[i]);
	free(v->s);
	free(v->ns);
	swgr_heartbeats_free(v->h, v->nh);
}

/* Keeps only the heartbeat of instance (moved to h[0]); false when it has none. */
static bool
keep_instance(struct view *v, const char *instance)
{
	struct swgr_heartbeat keep = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < v->nh; i++) {
		if (keep.instance == NULL && strcmp(v->h[i].instance, instance) == 0) {
			keep = v->h[i];
			continue;
		}
		free(v->h[i].instance);
	}
	v->nh = keep.instance != NULL ? 1 : 0;
	if (v->nh == 1)
		v->h[0] = keep;
	return v->nh == 1;
}

static enum swgr_rc
view_load(struct swgr_store *st, const char *instance, struct view *v, struct swgr_err *err)
{
	enum swgr_rc rc;
	size_t i;

	if ((rc = swgr_store_heartbeat_list(st, &v->h, &v->nh, err)) != SWGR_OK)
		return rc;
	if (instance != NULL && !keep_instance(v, instance))
		return swgr_err_set(err, SWGR_NOTFOUND, "no monitor instance '%s' has written a "
		    "heartbeat", instance);
	if (v->nh > 0 && ((v->s = calloc(v->nh, sizeof(*v->s))) == NULL ||
	    (v->ns = calloc(v->nh, sizeof(*v->ns))) == NULL))
		return swgr_err_set(err, SWGR_ENOMEM, "reading node status: out of memory");
	for (i = 0; i < v->nh; i++)
		if ((rc = swgr_store_status_list_all(st, v->h[i].instance, &v->s[i], &v->ns[i],
		    err)) != SWGR_OK)
			return rc;
	v->now_ms = swgr_wall_ms();
	return swgr_store_backend_list(st, &v->etag, &v->b, &v->nb, err);
}

static bool
stale(const struct view *v, size_t i)
{
	return v->now_ms - v->h[i].beat_ms > STALE_PERIODS * v->h[i].period_ms;
}

static double
age_secs(const struct view *v, size_t i)
{
	int64_t d = v->now_ms - v->h[i].beat_ms;

	return d > 0 ? (double)d / 1000.0 : 0.0;
}

static void
put_ms_time(struct swgr_jw *jw, int64_t ms)
{
	struct swgr_time t = { ms / 1000, (int32_t)(ms % 1000) * 1000000 };
	char buf[SWGR_TIME_STRMAX];

	if (ms < 0) {
		t.sec = ms / 1000 - (ms % 1000 != 0);
		t.nsec = (int32_t)(ms - t.sec * 1000) * 1000000;
	}
	swgr_time_format(&t, buf);
	swgr_jw_str(jw, buf);
}

/* The heartbeat members of instance i: ages only when ages (they are left out of the ETag). */
static void
put_beat(struct swgr_jw *jw, const struct view *v, size_t i, bool ages)
{
	swgr_jw_key(jw, "instance");
	swgr_jw_str(jw, v->h[i].instance);
	swgr_jw_key(jw, "lastHeartbeat");
	put_ms_time(jw, v->h[i].beat_ms);
	if (ages) {
		swgr_jw_key(jw, "heartbeatAgeSecs");
		swgr_jw_double(jw, age_secs(v, i));
	}
	swgr_jw_key(jw, "periodSecs");
	swgr_jw_double(jw, (double)v->h[i].period_ms / 1000.0);
	swgr_jw_key(jw, "stale");
	swgr_jw_bool(jw, stale(v, i));
}

static const struct swgr_node_status *
row_of(const struct view *v, size_t i, const struct swgr_pubkey *pk)
{
	size_t k;

	for (k = 0; k < v->ns[i]; k++)
		if (memcmp(v->s[i][k].pk.b, pk->b, sizeof(pk->b)) == 0)
			return &v->s[i][k];
	return NULL;
}

static void
put_ms(struct swgr_jw *jw, int64_t us)
{
	if (us < 0)
		swgr_jw_null(jw);
	else
		swgr_jw_double(jw, (double)us / 1000.0);
}

/* The invoice outcomes swgr-lnurl counted on the monitor's host, or null. */
static void
put_invoices(struct swgr_jw *jw, const struct swgr_node_status *s)
{
	swgr_jw_key(jw, "invoices");
	if (s == NULL || !s->has_invoices) {
		swgr_jw_null(jw);
		return;
	}
	swgr_jw_obj_open(jw);
	swgr_jw_key(jw, "since");
	put_ms_time(jw, s->inv_since_ms);
	swgr_jw_key(jw, "issued");
	swgr_jw_u64(jw, s->inv_issued);
	swgr_jw_key(jw, "failed");
	swgr_jw_u64(jw, s->inv_failed);
	swgr_jw_key(jw, "timedOut");
	swgr_jw_u64(jw, s->inv_timeout);
	swgr_jw_key(jw, "wrongInvoice");
	swgr_jw_u64(jw, s->inv_wrong);
	swgr_jw_key(jw, "latencyP50Ms");
	put_ms(jw, s->inv_p50_us);
	swgr_jw_key(jw, "latencyP99Ms");
	put_ms(jw, s->inv_p99_us);
	swgr_jw_obj_close(jw);
}

/* What instance i says of backend b: its row, or "unchecked" and nulls. */
static void
put_node(struct swgr_jw *jw, const struct view *v, size_t i, const struct swgr_backend *b,
    bool ages)
{
	const struct swgr_node_status *s = row_of(v, i, &b->pk);

	swgr_jw_obj_open(jw);
	put_beat(jw, v, i, ages);
	swgr_jw_key(jw, "state");
	swgr_jw_str(jw, s == NULL ? "unchecked" : s->healthy ? "healthy" : "unhealthy");
	swgr_jw_key(jw, "healthy");
	s != NULL ? swgr_jw_bool(jw, s->healthy) : swgr_jw_null(jw);
	swgr_jw_key(jw, "consecutiveSuccesses");
	s != NULL ? swgr_jw_u64(jw, s->successes) : swgr_jw_null(jw);
	swgr_jw_key(jw, "consecutiveFailures");
	s != NULL ? swgr_jw_u64(jw, s->failures) : swgr_jw_null(jw);
	swgr_jw_key(jw, "inboundMsat");
	s != NULL && s->has_inbound ? swgr_jw_u64(jw, s->inbound_msat) : swgr_jw_null(jw);
	swgr_jw_key(jw, "lastChecked");
	if (s != NULL)
		put_ms_time(jw, s->checked_ms);
	else
		swgr_jw_null(jw);
	swgr_jw_key(jw, "checkLatencyMs");
	s != NULL ? swgr_jw_double(jw, (double)s->latency_us / 1000.0) : swgr_jw_null(jw);
	swgr_jw_key(jw, "lastError");
	s != NULL && s->last_error != NULL ? swgr_jw_str(jw, s->last_error) : swgr_jw_null(jw);
	put_invoices(jw, s);
	swgr_jw_obj_close(jw);
}

static void
put_backend(struct swgr_jw *jw, const struct view *v, const struct swgr_backend *b, bool ages)
{
	char pk[SWGR_PUBKEY_STRLEN + 1];
	size_t i;

	swgr_pubkey_format(&b->pk, pk);
	swgr_jw_obj_open(jw);
	swgr_jw_key(jw, "publicKey");
	swgr_jw_str(jw, pk);
	swgr_jw_key(jw, "name");
	b->name != NULL ? swgr_jw_str(jw, b->name) : swgr_jw_null(jw);
	swgr_jw_key(jw, "enabled");
	swgr_jw_bool(jw, b->enabled);
	swgr_jw_key(jw, "partitions");
	swgr_jw_arr_open(jw);
	for (i = 0; i < b->npartitions; i++)
		swgr_jw_str(jw, b->partitions[i]);
	swgr_jw_arr_close(jw);
	swgr_jw_key(jw, "instances");
	swgr_jw_arr_open(jw);
	for (i = 0; i < v->nh; i++)
		put_node(jw, v, i, b, ages);
	swgr_jw_arr_close(jw);
	swgr_jw_obj_close(jw);
}

/* The answer: {"monitors": [...], "backends": [...]}. */
static void
put_view(struct swgr_buf *out, const struct view *v, bool ages)
{
	struct swgr_jw jw;
	size_t i;

	swgr_jw_init(&jw, out, false);
	swgr_jw_obj_open(&jw);
	swgr_jw_key(&jw, "monitors");
	swgr_jw_arr_open(&jw);
	for (i = 0; i < v->nh; i++) {
		swgr_jw_obj_open(&jw);
		put_beat(&jw, v, i, ages);
		swgr_jw_obj_close(&jw);
	}
	swgr_jw_arr_close(&jw);
	swgr_jw_key(&jw, "backends");
	swgr_jw_arr_open(&jw);
	for (i = 0; i < v->nb; i++)
		put_backend(&jw, v, &v->b[i], ages);
	swgr_jw_arr_close(&jw);
	swgr_jw_obj_close(&jw);
}

/*
 * The ETag: the first 8 bytes of the SHA-256 of the answer without its
 * ages, so that it moves with every row, heartbeat, backend and stale flag
 * but not with the clock alone.
 */
static bool
view_etag(const struct view *v, uint64_t *etag)
{
	uint8_t h[SWGR_SHA256_LEN];
	struct swgr_buf b = { 0 };
	size_t i;

	put_view(&b, v, false);
	if (!swgr_buf_ok(&b)) {
		swgr_buf_free(&b);
		return false;
	}
	swgr_sha256(b.p, b.len, h);
	swgr_buf_free(&b);
	*etag = 0;
	for (i = 0; i < 8; i++)
		*etag = *etag << 8 | h[i];
	return true;
}

/* A refused request with its reason in a text/plain body. */
static void
refuse(struct swgr_ctx *c, enum swgr_rc rc, const struct swgr_err *err)
{
	swgr_ctx_fail(c, rc, err);
	swgr_resp_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
	swgr_buf_printf(&c->resp->body, "%s\n", err->msg);
}

/*
 * GET /discovery/status[?instance=NAME]: 200 with the view and its ETag,
 * 304 for an If-None-Match equal to it; an instance without a heartbeat is
 * 404 (a name mistyped in a check must not read as "all healthy"); 404 too
 * over an HTTP store, which has no status to read.
 */
void
disc_status(struct swgr_ctx *c)
{
	const char *instance = NULL;
	struct view v = { 0 };
	struct swgr_err err = { 0 };
	uint64_t want, etag;
	enum swgr_rc rc;
	size_t nq;
	bool has;

	if ((nq = swgr_query_count(&c->req->q, "instance", &instance)) > 1 ||
	    (nq == 1 && instance[0] == '\0')) {
		swgr_err_set(&err, SWGR_EINVAL, "instance: give one monitor instance name");
		refuse(c, SWGR_EINVAL, &err);
		return;
	}
	if (!swgr_store_is_database(c->store)) {
		/* not a 5xx: nothing failed, there is no such resource here */
		swgr_resp_reset(c->resp, 404);
		swgr_resp_header(c->resp, "Content-Type", "text/plain; charset=utf-8");
		swgr_buf_puts(&c->resp->body, "node status is not served over a remote admin "
		    "service (store.discover.type: http): ask the discovery service of the "
		    "monitors' database\n");
		return;
	}
	if (!disc_if_none_match(c, &has, &want))
		return;
	if ((rc = view_load(c->store, instance, &v, &err)) != SWGR_OK) {
		if (rc == SWGR_NOTFOUND)
			refuse(c, rc, &err);
		else
			swgr_ctx_store_fail(c, rc, &err, NULL);
		goto out;
	}
	if (!view_etag(&v, &etag)) {
		swgr_err_set(&err, SWGR_ENOMEM, "writing node status: out of memory");
		swgr_ctx_store_fail(c, SWGR_ENOMEM, &err, NULL);
		goto out;
	}
	disc_etag_headers(c, etag);
	if (has && etag == want) {
		c->resp->status = 304;
		goto out;
	}
	swgr_resp_json(c->resp);
	put_view(&c->resp->body, &v, true);
out:
	view_free(&v);
}
