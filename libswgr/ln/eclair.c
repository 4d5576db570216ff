/* Eclair over its HTTP API: createinvoice with descriptionHash, getinfo, usablebalances, listreceivedpayments. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/json.h"
#include "core/sha256.h"
#include "ln/ln_int.h"
#include "net/http.h"

#define ECLAIR_ERROR_MAX	200	/* bytes of the node's error text kept in a message */

/* The state of an Eclair client: one HTTP client, the Basic credentials in it. */
struct eclair {
	struct swgr_http_client	*http;
};

/*
 * The API password from the file at path: read once, one trailing newline
 * (LF or CRLF) dropped; an empty password or a NUL byte in it is an error
 * naming the file.  *header is the Basic credentials (empty user name).
 */
static enum swgr_rc
read_password(const struct swgr_ln_opts *opts, const char *path, char **header,
    struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	enum swgr_rc rc;

	*header = NULL;
	if ((rc = swgr_ln_impl_cred(&b, opts, SWGR_CRED_PASSWORD,
	    "auth.passwordPath", path, err)) != SWGR_OK)
		goto out;
	if (b.len > 0 && b.p[b.len - 1] == '\n')
		b.len--;
	if (b.len > 0 && b.p[b.len - 1] == '\r')
		b.len--;
	b.p[b.len] = '\0';
	if (b.len == 0)
		rc = swgr_err_set(err, SWGR_EINTERNAL, "passwordPath '%s' is empty (a newline only)",
		    path);
	else if (memchr(b.p, '\0', b.len) != NULL)
		rc = swgr_err_set(err, SWGR_EINTERNAL, "passwordPath '%s': a NUL byte in the password",
		    path);
	else
		rc = swgr_http_basic("", b.p, header, err);
out:
	swgr_ln_impl_wipe(&b);
	return rc;
}

/*
 * {"type":"eclairHttp","url":"http(s)://host:port/","auth":{"type":"path",
 * "passwordPath":...,"caCertPath":...}}: HTTPS servers are checked against
 * the system roots, ln-trusted-roots and caCertPath (all optional).
 */
static enum swgr_rc
eclair_open(struct swgr_ln_client *c, json_object *impl, const struct swgr_ln_opts *opts,
    struct swgr_err *err)
{
	struct swgr_http_opts ho = { 0 };
	struct swgr_buf roots = { 0 };
	struct eclair *e;
	json_object *auth;
	const char *url, *pwpath, *ca;
	char *header = NULL;
	enum swgr_rc rc;

	/* The url was read by swgr_ln_impl_vet: one host, http or https, no user information. */
	if ((rc = swgr_ln_impl_need(impl, "", "url", &url, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_auth(impl, &auth, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_need(auth, "auth.", "passwordPath", &pwpath, err)) != SWGR_OK ||
	    (rc = swgr_ln_impl_opt(auth, "auth.", "caCertPath", &ca, err)) != SWGR_OK)
		return rc;
	if (opts->trusted_roots != NULL && (rc = swgr_ln_impl_roots(&roots, NULL, "ln-trusted-roots",
	    opts->trusted_roots, err)) != SWGR_OK)
		goto out;
	if (ca != NULL && (rc = swgr_ln_impl_roots(&roots, opts, "auth.caCertPath", ca, err)) != SWGR_OK)
		goto out;
	if ((rc = read_password(opts, pwpath, &header, err)) != SWGR_OK)
		goto out;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	c->priv = e;
	ho.base_url = url;
	ho.roots_pem = roots.len > 0 ? roots.p : NULL;
	ho.connect_timeout_secs = c->timeout_secs;
	ho.total_timeout_secs = c->timeout_secs;
	ho.auth_header = header;
	rc = swgr_http_client_new(&ho, &e->http, err);
out:
	swgr_http_header_free(header);
	swgr_buf_free(&roots);
	return rc;
}

static void
eclair_close(void *priv)
{
	struct eclair *e = priv;

	if (e == NULL)
		return;
	swgr_http_client_free(e->http);	/* wipes the credentials */
	free(e);
}

/*
 * The node's own words from an error answer {"error": "..."}, on one line,
 * at most ECLAIR_ERROR_MAX bytes (cut at a character boundary); "" when the
 * body holds none.
 */
static void
node_error(const struct swgr_http_resp *r, char *out, size_t outlen)
{
	json_object *v = NULL;
	const char *s;
	size_t n, max = outlen - 3 < ECLAIR_ERROR_MAX ? outlen - 3 : ECLAIR_ERROR_MAX, i;

	out[0] = '\0';
	if (r->body.len == 0 || swgr_json_parse(r->body.p, r->body.len, &v, NULL) != SWGR_OK)
		return;
	if ((s = swgr_ln_impl_str(v, "error")) != NULL && *s != '\0') {
		if ((n = strlen(s)) > max)
			for (n = max; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
				;
		out[0] = ':';
		out[1] = ' ';
		for (i = 0; i < n; i++)
			out[2 + i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
		out[2 + n] = '\0';
	}
	json_object_put(v);
}

/*
 * POST <url>/<call> with the form body (may be empty), within timeout_secs;
 * on a 200 answer with a JSON value, *out holds it (json_object_put it).
 * Errors per spec §10.4: 400 (the node refused the request) is SWGR_EINVAL;
 * 401 is "authentication failed", after Eclair's 1 s pause; the rest, and
 * every transport failure, SWGR_EUPSTREAM.  Messages name the backend.
 */
static enum swgr_rc
post(struct swgr_ln_client *c, const char *call, const struct swgr_buf *form,
    double timeout_secs, json_object **out, struct swgr_err *err)
{
	struct eclair *e = c->priv;
	struct swgr_http_req q = { 0 };
	struct swgr_http_resp r;
	char why[ECLAIR_ERROR_MAX + 8];
	enum swgr_rc rc;

	*out = NULL;
	q.method = "POST";
	q.segs = &call;
	q.nsegs = 1;
	q.content_type = "application/x-www-form-urlencoded";
	q.body = form->len > 0 ? form->p : "";
	q.bodylen = form->len;
	q.timeout_secs = timeout_secs;
	q.what = call;
	if ((rc = swgr_http_do(e->http, &q, &r, err)) != SWGR_OK) {
		swgr_err_wrap(err, "backend %s (eclair)", c->name);
		goto out;
	}
	node_error(&r, why, sizeof(why));
	if (r.status == 401)
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): %s %s: authentication "
		    "failed (401 %s): auth.passwordPath does not hold the node's eclair.api.password",
		    c->name, call, r.url, swgr_http_reason(r.status));
	else if (r.status == 400)
		rc = swgr_err_set(err, SWGR_EINVAL, "backend %s (eclair): %s refused the request "
		    "(400 %s)%s", c->name, call, swgr_http_reason(r.status), why);
	else if (r.status != 200)
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): %s %s: http status "
		    "%ld %s%s", c->name, call, r.url, r.status, swgr_http_reason(r.status), why);
	else if (swgr_json_parse(r.body.p, r.body.len, out, NULL) != SWGR_OK || *out == NULL) {
		json_object_put(*out);
		*out = NULL;
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): %s %s: the answer is "
		    "not JSON", c->name, call, r.url);
	}
out:
	swgr_http_resp_free(&r);
	return rc;
}

static enum swgr_rc
eclair_invoice(struct swgr_ln_client *c, double timeout_secs, uint64_t amount_msat,
    const char *description, size_t desclen, uint64_t expiry_secs, char **bolt11,
    struct swgr_err *err)
{
	struct swgr_buf form = { 0 };
	uint8_t hash[SWGR_SHA256_LEN];
	char hex[2 * SWGR_SHA256_LEN + 1], num[SWGR_U64_DEC_MAX];
	json_object *v;
	const char *pr;
	enum swgr_rc rc;

	if (amount_msat > INT64_MAX || expiry_secs > INT64_MAX)	/* Eclair's Long */
		return swgr_err_set(err, SWGR_EINVAL, "backend %s (eclair): amount or expiry too "
		    "large", c->name);
	swgr_sha256((const unsigned char *)description, desclen, hash);
	swgr_hex_encode(hash, sizeof(hash), hex);
	swgr_http_form_add(&form, "descriptionHash", hex);
	swgr_http_form_add(&form, "amountMsat", swgr_u64_dec(num, amount_msat));
	swgr_http_form_add(&form, "expireIn", swgr_u64_dec(num, expiry_secs));
	if (!swgr_buf_ok(&form))
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	else if ((rc = post(c, "createinvoice", &form, timeout_secs, &v, err)) == SWGR_OK) {
		if ((pr = swgr_ln_impl_str(v, "serialized")) == NULL || *pr == '\0')
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): malformed "
			    "createinvoice reply: no 'serialized' invoice", c->name);
		else if ((*bolt11 = strdup(pr)) == NULL)
			rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		json_object_put(v);
	}
	swgr_buf_free(&form);
	return rc;
}

/* getinfo answers 200 with an object: the node is up (Eclair binds its API once it is). */
static enum swgr_rc
eclair_health(struct swgr_ln_client *c, double timeout_secs, struct swgr_err *err)
{
	struct swgr_buf none = { 0 };
	json_object *v;
	enum swgr_rc rc;

	if ((rc = post(c, "getinfo", &none, timeout_secs, &v, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(v, json_type_object))
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): malformed getinfo "
		    "reply: not an object", c->name);
	json_object_put(v);
	return rc;
}

/* The sum of canReceive (msat) over the channels of usablebalances; a missing one counts 0. */
static enum swgr_rc
eclair_inbound(struct swgr_ln_client *c, double timeout_secs, uint64_t *msat,
    struct swgr_err *err)
{
	struct swgr_buf none = { 0 };
	json_object *v, *ch, *n;
	uint64_t sum = 0, x;
	size_t i, len;
	enum swgr_rc rc;

	if ((rc = post(c, "usablebalances", &none, timeout_secs, &v, err)) != SWGR_OK)
		return rc;
	if (!json_object_is_type(v, json_type_array)) {
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): malformed "
		    "usablebalances reply: not an array", c->name);
		goto out;
	}
	len = json_object_array_length(v);
	for (i = 0; i < len; i++) {
		ch = json_object_array_get_idx(v, i);
		if (!json_object_is_type(ch, json_type_object)) {
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): malformed "
			    "usablebalances reply: channel %zu is not an object", c->name, i);
			goto out;
		}
		if (!json_object_object_get_ex(ch, "canReceive", &n) || n == NULL)
			continue;
		if (!json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 0) {
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): malformed "
			    "usablebalances reply: canReceive of channel %zu is not a whole number "
			    "of msat", c->name, i);
			goto out;
		}
		x = json_object_get_uint64(n);
		sum = sum > UINT64_MAX - x ? UINT64_MAX : sum + x;
	}
	*msat = sum;
out:
	json_object_put(v);
	return rc;
}

#define ECLAIR_PAGE	500	/* listreceivedpayments: payments per call */

/* A hex member of exactly 32 bytes of o into out. */
static bool
hex32(json_object *o, const char *key, uint8_t out[32])
{
	const char *h = swgr_ln_impl_str(o, key);

	return h != NULL && strlen(h) == 64 && swgr_hex_decode(h, 64, out, 32) == SWGR_OK;
}

/*
 * One IncomingPayment of Eclair's listing into s: {"invoice": {"paymentHash"},
 * "paymentPreimage", "status": {"type": "received", "amount", "receivedAt":
 * {"unix"}}}; false for one not received (or not in that form).
 */
static bool
eclair_received(json_object *p, struct swgr_ln_settled *s)
{
	json_object *inv, *st, *n, *at;
	const char *type;

	memset(s, 0, sizeof(*s));
	if (!json_object_object_get_ex(p, "invoice", &inv) ||
	    !json_object_object_get_ex(p, "status", &st) ||
	    (type = swgr_ln_impl_str(st, "type")) == NULL || strcmp(type, "received") != 0 ||
	    !hex32(inv, "paymentHash", s->payment_hash) ||
	    !hex32(p, "paymentPreimage", s->preimage))
		return false;
	if (json_object_object_get_ex(st, "amount", &n) && json_object_is_type(n, json_type_int) &&
	    json_object_get_int64(n) >= 0)
		s->received_msat = json_object_get_uint64(n);
	if (json_object_object_get_ex(st, "receivedAt", &at) &&
	    json_object_object_get_ex(at, "unix", &n) && json_object_is_type(n, json_type_int) &&
	    json_object_get_int64(n) > 0 && json_object_get_int64(n) < INT64_MAX / 1000)
		s->settled_ms = json_object_get_int64(n) * 1000;
	return true;
}

/*
 * listreceivedpayments of the invoices created from since_ms (whole seconds,
 * rounded down) on, ECLAIR_PAGE a call, each received one handed to fn.
 * Eclair lists by creation time, so the caller passes the creation time of
 * the oldest invoice of ours still open on this node.
 */
static enum swgr_rc
eclair_settlements(struct swgr_ln_client *c, uint64_t cursor, int64_t since_ms,
    double wait_secs, const atomic_int *stop, swgr_ln_settled_fn fn, void *arg,
    struct swgr_err *err)
{
	struct swgr_buf form = { 0 };
	struct swgr_ln_settled s;
	char num[SWGR_U64_DEC_MAX];
	json_object *v;
	uint64_t skip = 0;
	size_t i, n = 0;
	enum swgr_rc rc = SWGR_OK;
	int done = 0;

	(void)cursor;
	(void)wait_secs;
	do {
		swgr_buf_reset(&form);
		swgr_http_form_add(&form, "from", swgr_u64_dec(num, since_ms > 0 ?
		    (uint64_t)(since_ms / 1000) : 0));
		swgr_http_form_add(&form, "count", swgr_u64_dec(num, ECLAIR_PAGE));
		swgr_http_form_add(&form, "skip", swgr_u64_dec(num, skip));
		if (!swgr_buf_ok(&form)) {
			rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
			break;
		}
		if ((rc = post(c, "listreceivedpayments", &form, c->timeout_secs, &v, err)) != SWGR_OK)
			break;
		if (!json_object_is_type(v, json_type_array)) {
			json_object_put(v);
			rc = swgr_err_set(err, SWGR_EUPSTREAM, "backend %s (eclair): malformed "
			    "listreceivedpayments reply: not an array", c->name);
			break;
		}
		n = json_object_array_length(v);
		for (i = 0; i < n && !done; i++)
			if (eclair_received(json_object_array_get_idx(v, i), &s))
				done = fn(arg, &s);
		json_object_put(v);
		skip += n;
	} while (n == ECLAIR_PAGE && !done && (stop == NULL || !atomic_load(stop)));
	swgr_buf_free(&form);
	return rc;
}

const struct swgr_ln_kind swgr_ln_kind_eclair = {
	"eclairHttp", "eclair", "eclair-http", "Eclair HTTP",
	"{\"auth\":{\"passwordPath\":\"/path/to/eclair-api-password\",\"type\":\"path\"},"
	"\"type\":\"eclairHttp\",\"url\":\"http://127.0.0.1:8080/\"}",
	eclair_open, eclair_close, eclair_invoice, eclair_health, eclair_inbound,
	eclair_settlements, false, NULL, 1
};
