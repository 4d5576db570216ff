/* The swgr command's admin HTTP client: options, environment, requests, records fetched, changes told. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "core/json.h"

#define TIMEOUT_MS	1000	/* the original's connect and total timeouts */

/* The option value, else the environment variable <env>_STORE_HTTP_<name>, else NULL. */
static const char *
option_or_env(const char *opt, const char *env, const char *name,
    char *var, size_t varsz)
{
	const char *v;

	snprintf(var, varsz, "%s_STORE_HTTP_%s", env, name);
	if (opt != NULL)
		return opt;
	v = getenv(var);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* SWGR_HTTP_TIMEOUT_SECS, or the default. */
static enum swgr_rc
timeout_ms(long *out, struct swgr_err *err)
{
	const char *v = getenv("SWGR_HTTP_TIMEOUT_SECS");
	char *end;
	double d;

	*out = TIMEOUT_MS;
	if (v == NULL || v[0] == '\0')
		return SWGR_OK;
	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !(d > 0.0) || d > 86400.0)
		return swgr_err_set(err, SWGR_EINTERNAL, "invalid "
		    "SWGR_HTTP_TIMEOUT_SECS '%s': want seconds > 0", v);
	*out = (long)(d * 1000.0 + 0.5);
	if (*out < 1)
		*out = 1;
	return SWGR_OK;
}

enum swgr_rc
cli_http_open(const char *env, const struct cli_client *c,
    struct swgr_http_client **out, struct swgr_err *err)
{
	struct swgr_http_opts o = { 0 };
	const char *auth;
	char var[64], *hdr = NULL;
	enum swgr_rc rc;
	long ms;

	*out = NULL;
	if ((o.base_url = option_or_env(c->base_url, env, "BASE_URL", var,
	    sizeof(var))) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "Missing %s", var);
	if (strncmp(o.base_url, "http://", 7) != 0 && strncmp(o.base_url, "https://", 8) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "parsing %s: not an "
		    "http:// or https:// URL", o.base_url);
	if ((auth = option_or_env(c->auth_path, env, "AUTHORIZATION", var,
	    sizeof(var))) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "Missing %s", var);
	o.trusted_roots = option_or_env(c->roots_path, env, "TRUSTED_ROOTS", var,
	    sizeof(var));
	if ((rc = timeout_ms(&ms, err)) != SWGR_OK ||
	    (rc = swgr_http_bearer_file(auth, &hdr, err)) != SWGR_OK)
		return rc;
	o.connect_timeout_secs = o.total_timeout_secs = (double)ms / 1000.0;
	o.auth_header = hdr;
	rc = swgr_http_client_new(&o, out, err);
	swgr_http_header_free(hdr);
	return rc;
}

enum swgr_rc
cli_http_request(struct swgr_http_client *h, const struct swgr_http_req *q,
    struct swgr_http_resp *r, struct swgr_err *err)
{
	enum swgr_rc rc;

	rc = swgr_http_do(h, q, r, err);
	cli_log(SWGR_LOG_DEBUG, "%s %s", q->method, r->url != NULL ? r->url : "");
	if (rc == SWGR_OK)
		cli_log(SWGR_LOG_DEBUG, "%s %s: http status %ld", q->method, r->url,
		    r->status);
	return rc;
}

/*
 * Splits a JSON array text into the compact texts of its elements
 * (*elems and each element malloc'd; free with swgr_strv_free).
 */
static enum swgr_rc
cli_json_array(const char *text, size_t len, char ***elems, size_t *n,
    struct swgr_err *err)
{
	json_object *arr;
	const char *s;
	size_t i, cnt;
	char **v;
	enum swgr_rc rc;

	*elems = NULL;
	*n = 0;
	if ((rc = swgr_json_parse(text, len, &arr, NULL)) == SWGR_ENOMEM)
		return swgr_err_set(err, rc, "out of memory");
	if (rc != SWGR_OK || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return swgr_err_set(err, SWGR_ESYNTAX, "response is not a JSON array");
	}
	cnt = json_object_array_length(arr);
	if ((v = calloc(cnt + 1, sizeof(*v))) == NULL)
		goto oom;
	for (i = 0; i < cnt; i++) {
		s = json_object_to_json_string_ext(json_object_array_get_idx(arr, i),
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s == NULL || (v[i] = strdup(s)) == NULL) {
			swgr_strv_free(v, i);
			goto oom;
		}
	}
	json_object_put(arr);
	*elems = v;
	*n = cnt;
	return SWGR_OK;
oom:
	json_object_put(arr);
	return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
}


/* cli_http_request of q; SWGR_OK only for 200 (404 is "<missing><id> not found" if missing). */
static enum swgr_rc
get(struct swgr_http_client *h, const struct swgr_http_req *q, const char *missing,
    struct swgr_http_resp *r, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = cli_http_request(h, q, r, err)) != SWGR_OK)
		return rc;
	if (r->status == 404 && missing != NULL)
		return swgr_err_set(err, SWGR_NOTFOUND, "%s%s not found", missing,
		    q->segs[q->nsegs - 1]);
	if (r->status != 200)
		return swgr_http_status_error(r, q->what, err);
	return SWGR_OK;
}

enum swgr_rc
cli_get_one(struct swgr_http_client *h, const struct swgr_http_req *q,
    const struct cli_rec *rec, const char *missing, const char *parsing,
    struct swgr_buf *out, struct swgr_err *err)
{
	struct swgr_http_resp r;
	enum swgr_rc rc;
	void *v = NULL;

	if ((rc = get(h, q, missing, &r, err)) != SWGR_OK)
		goto out;
	if ((v = calloc(1, rec->size)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	if (rec->parse(r.body.p, r.body.len, SWGR_SHAPE_FULL, v, err) != SWGR_OK) {
		swgr_err_wrap(err, "%s %s", parsing, r.url);
		rc = SWGR_EUPSTREAM;
		goto out;
	}
	rec->write(out, v, true);
	rec->free_one(v);
out:
	free(v);
	swgr_http_resp_free(&r);
	return rc;
}

enum swgr_rc
cli_get_all(struct swgr_http_client *h, const struct swgr_http_req *q,
    const struct cli_rec *rec, const char *parsing, void **out, size_t *nout,
    struct swgr_err *err)
{
	struct swgr_http_resp r;
	enum swgr_rc rc;
	char **elems = NULL, *v = NULL;
	size_t i, n = 0;

	*out = NULL;
	*nout = 0;
	if ((rc = get(h, q, NULL, &r, err)) != SWGR_OK)
		goto out;
	if ((rc = cli_json_array(r.body.p, r.body.len, &elems, &n, err)) != SWGR_OK)
		goto bad;
	if ((v = calloc(n + 1, rec->size)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = rec->parse(elems[i], strlen(elems[i]), SWGR_SHAPE_FULL,
		    v + i * rec->size, err)) != SWGR_OK) {
			rec->free_all(v, i);
			goto bad;
		}
	}
	*out = v;
	*nout = n;
	goto out;
bad:
	swgr_err_wrap(err, "%s %s", parsing, r.url);
	rc = SWGR_EUPSTREAM;
out:
	swgr_strv_free(elems, n);
	swgr_http_resp_free(&r);
	return rc;
}

int
cli_send(const char *env, const struct cli_client *c, const struct swgr_http_req *q,
    const struct cli_outcome *oc, const char *id, const char *label)
{
	struct swgr_http_client *h = NULL;
	struct swgr_http_resp r = { 0 };
	struct swgr_err err;
	const char *ok = NULL;
	int rc;

	if (cli_http_open(env, c, &h, &err) == SWGR_OK &&
	    cli_http_request(h, q, &r, &err) == SWGR_OK) {
		if (r.status == 201 && oc->created != NULL)
			ok = oc->created;
		else if (r.status == 204 && oc->updated != NULL)
			ok = oc->updated;
		else if (r.status == 404 && oc->missing != NULL)
			swgr_err_set(&err, SWGR_NOTFOUND, "%s%s", oc->missing, id);
		else if (r.status == 409 && oc->conflict != NULL)
			swgr_err_set(&err, SWGR_CONFLICT, "%s%s", oc->conflict, id);
		else
			swgr_http_status_error(&r, q->what, &err);
	}
	if (ok == NULL)
		rc = cli_fail(&err);
	else {
		cli_log(SWGR_LOG_INFO, "%s%s", ok, label);
		rc = CLI_EXIT_OK;
	}
	swgr_http_resp_free(&r);
	swgr_http_client_free(h);
	return rc;
}
