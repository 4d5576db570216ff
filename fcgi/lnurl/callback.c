/*
 * swgr-lnurl's callbacks, what the offer and address routes share: the parameters (the
 * query, or a POST's JSON body, LUD-26), payer data committed to the invoice (LUD-18),
 * the answer with its successAction (LUD-09).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "extern.h"
#include "core/json.h"
#include "core/log.h"
#include "core/sha256.h"

#define LUD_POST_MAX	65536	/* bytes of a POST callback's body */

/* The length of h's name: without a ":port" after it, nor a trailing dot. */
static size_t
name_len(const char *h)
{
	const char *c = h[0] == '[' ? strchr(h, ']') : strrchr(h, ':');
	size_t n = strlen(h);

	if (h[0] == '[')
		n = c != NULL ? (size_t)(c - h) + 1 : n;
	else if (c != NULL && c[1] != '\0' && strspn(c + 1, "0123456789") == strlen(c + 1))
		n = (size_t)(c - h);
	if (n > 1 && h[n - 1] == '.')
		n--;
	return n;
}

/*
 * LUD-09's "the url's domain is the callback's": the names compared whatever
 * their case, ports and a trailing dot aside.
 */
static bool
same_domain(const char *a, const char *b)
{
	size_t n = name_len(a);

	return n == name_len(b) && strncasecmp(a, b, n) == 0;
}

const char *
lud_success_action(const struct lud_extras *x, const char *host)
{
	if (x->success_action == NULL)
		return NULL;
	if (x->sa_host == NULL || same_domain(x->sa_host, host))
		return x->success_action;
	swgr_log(SWGR_LOG_WARN, "swgr::lnurl", "the successAction url of an offer is on %s, not "
	    "on the callback's host %s: left out (LUD-09 wants them on one domain)", x->sa_host,
	    host);
	return NULL;
}

bool
lud_description(struct swgr_ctx *c, const struct lud_extras *x, const char *md, size_t md_len,
    const uint8_t *md_hash, struct swgr_buf *b, uint8_t hash[32], const char **desc,
    size_t *desc_len, const uint8_t **desc_hash)
{
	struct swgr_err err = { 0 };
	const char *pd = NULL;
	size_t n;

	*desc = md;
	*desc_len = md_len;
	*desc_hash = md_hash;
	if (x->payer_asked == 0)	/* not asked: a wallet's payerdata is not committed */
		return true;
	if ((n = swgr_query_count(&c->req->q, "payerdata", &pd)) > 1) {
		fail(c, 400, "payerdata given more than once");
		return false;
	}
	if (n == 0) {
		if (x->payer_mandatory == 0)
			return true;
		pd = "{}";	/* names the first mandatory member missing */
	}
	if (swgr_lnurl_payerdata(pd, strlen(pd), x->payer_asked, x->payer_mandatory,
	    &err) != SWGR_OK) {
		fail(c, 400, err.msg);
		return false;
	}
	swgr_buf_put(b, md, md_len);
	swgr_buf_puts(b, pd);
	if (!swgr_buf_ok(b)) {
		fail(c, 500, "out of memory");
		return false;
	}
	swgr_sha256((const unsigned char *)b->p, b->len, hash);
	*desc = b->p;
	*desc_len = b->len;
	*desc_hash = hash;
	return true;
}

/* A member of the POST body as the query parameter it stands for; NULL: refused. */
static char *
param_of(struct json_object *v, const char *key, struct swgr_err *err)
{
	const char *str;
	char *s = NULL;
	size_t len;

	if (json_object_is_type(v, json_type_string)) {
		str = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (memchr(str, '\0', len) != NULL) {
			swgr_err_set(err, SWGR_EINVAL, "%s in the body: must not contain U+0000", key);
			return NULL;
		}
		s = strndup(str, len);
	} else if (strcmp(key, "amount") == 0 && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0) {
		if (asprintf(&s, "%" PRIu64, json_object_get_uint64(v)) < 0)
			s = NULL;
	} else {
		swgr_err_set(err, SWGR_EINVAL, "%s in the body: expected %s", key,
		    strcmp(key, "amount") == 0 ? "a whole number of millisatoshis" :
		    strcmp(key, "payerdata") == 0 ? "the payer data's JSON text as a string (as "
		    "the query parameter carries it)" : "a string");
		return NULL;
	}
	if (s == NULL)
		swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return s;
}

/* Appends name=value (value malloc'd, taken) to q; false when out of memory. */
static bool
query_add(struct swgr_query *q, const char *name, char *value)
{
	char **nn, **vv, *n;

	if ((n = strdup(name)) == NULL ||
	    (nn = realloc(q->names, (q->n + 1) * sizeof(*nn))) == NULL) {
		free(n);
		free(value);
		return false;
	}
	q->names = nn;
	if ((vv = realloc(q->values, (q->n + 1) * sizeof(*vv))) == NULL) {
		free(n);
		free(value);
		return false;
	}
	q->values = vv;
	q->names[q->n] = n;
	q->values[q->n++] = value;
	return true;
}

bool
lud_post_query(struct swgr_ctx *c)
{
	static const char *const keys[] = { "amount", "comment", "payerdata" };
	const char *cl = swgr_req_param(c->req, "CONTENT_LENGTH");
	struct json_object *o = NULL, *v;
	struct swgr_err err = { 0 };
	char *val;
	size_t i;
	bool ok = false;

	if (!swgr_ctype_is_json(swgr_req_param(c->req, "CONTENT_TYPE"))) {
		fail(c, 415, "a POST callback (LUD-26) has a JSON body: Content-Type "
		    "application/json");
		return false;
	}
	if (cl != NULL && strtoull(cl, NULL, 10) > LUD_POST_MAX) {
		fail(c, 413, "the body of a POST callback is over 65536 bytes");
		return false;
	}
	if (swgr_req_body(c->req, &err) != SWGR_OK || c->req->body_len > LUD_POST_MAX) {
		fail(c, c->req->body_len > LUD_POST_MAX || err.rc == SWGR_ETOOBIG ? 413 : 400,
		    err.msg[0] != '\0' ? err.msg : "the body of a POST callback is over 65536 bytes");
		return false;
	}
	if (swgr_json_parse(c->req->body, c->req->body_len, &o, &err) != SWGR_OK ||
	    !json_object_is_type(o, json_type_object)) {
		fail(c, 400, "a POST callback's body must be a JSON object of its parameters");
		goto out;
	}
	/* a parameter in another case (payerData) would be ignored, and the hash differ */
	json_object_object_foreach(o, key, member) {
		(void)member;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcasecmp(key, keys[i]) == 0 && strcmp(key, keys[i]) != 0) {
				snprintf(err.msg, sizeof(err.msg), "%s in the body: the parameter is "
				    "%s, in lowercase", key, keys[i]);
				fail(c, 400, err.msg);
				goto out;
			}
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!json_object_object_get_ex(o, keys[i], &v) || v == NULL)
			continue;
		if ((val = param_of(v, keys[i], &err)) == NULL) {
			fail(c, err.rc == SWGR_ENOMEM ? 500 : 400, err.msg);
			goto out;
		}
		if (!query_add(&c->req->q, keys[i], val)) {
			fail(c, 500, "out of memory");
			goto out;
		}
	}
	ok = true;
out:
	json_object_put(o);
	return ok;
}

/*
 * A callback's amount= and comment= (the key to keep, or NULL), from the
 * query or a POST's JSON body (LUD-26).  False with the 4xx made.
 */
bool
callback_query(struct swgr_ctx *c, uint64_t *amount, const char **key)
{
	const struct swgr_lnurl_cfg *lc = &c->cfg->lnurl;
	struct swgr_err err = { 0 };

	if (strcmp(c->req->method, "POST") == 0 && !lud_post_query(c))
		return false;
	if (swgr_lnurl_amount(&c->req->q, amount, &err) != SWGR_OK ||
	    swgr_lnurl_comment(&c->req->q, lc->has_comment_allowed ? lc->comment_allowed : 0,
	    key, &err) != SWGR_OK) {
		fail(c, 400, err.msg);
		return false;
	}
	return true;
}

/*
 * The LUD-06 callback's answer for br (its amount checked against co): the
 * invoice from the balancer, or the error.
 */
void
issue(struct swgr_ctx *c, const struct cached_offer *co, const struct swgr_balancer_req *br,
    const struct cb_src *src)
{
	struct lnurl_state *s = c->state;
	struct swgr_err err = { 0 };
	const char *sa;
	char *pr = NULL, reason[128];
	enum swgr_rc rc;

	if (br->amount_msat < co->min_sendable || br->amount_msat > co->max_sendable) {
		snprintf(reason, sizeof(reason), "Amount %" PRIu64 " is outside valid range [%"
		    PRIu64 ", %" PRIu64 "]", br->amount_msat, co->min_sendable, co->max_sendable);
		fail(c, 400, reason);
		return;
	}
	if ((rc = swgr_balancer_invoice(s->bal, br, &pr, &err)) == SWGR_ERETRY) {
		busy(c, err.msg);
		return;
	}
	if (rc != SWGR_OK) {
		fail(c, rc == SWGR_EINVAL ? 400 : rc == SWGR_EUPSTREAM ? 502 : 500, err.msg);
		return;
	}
	swgr_resp_nocache(c->resp);
	swgr_resp_json(c->resp);
	swgr_buf_puts(&c->resp->body, "{\"pr\":");
	swgr_json_string(&c->resp->body, pr, strlen(pr));
	swgr_buf_puts(&c->resp->body, ",\"routes\":[]");
	records_add(s, br, pr, &co->id, src);
	if ((sa = lud_success_action(&co->lud, src->host)) != NULL) {
		swgr_buf_puts(&c->resp->body, ",\"successAction\":");
		swgr_buf_puts(&c->resp->body, sa);
	}
	swgr_buf_puts(&c->resp->body, "}");
	free(pr);
}
