/* The admin HTTP client of the swgr command (libcurl): options, TLS roots, requests, status errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"

#define TIMEOUT_MS	1000	/* the original's connect and total timeouts */
#define BODY_MAX	(64 * 1024 * 1024)

struct cli_http {
	CURL			*curl;
	char			*base;		/* without trailing '/' */
	char			*auth;		/* "Authorization: Bearer ..." */
	char			*roots;		/* CA bundle given to curl, or NULL */
	size_t			 rootslen;
	long			 timeout_ms;
	char			 errbuf[CURL_ERROR_SIZE];
};

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

/* The bearer token from path, trimmed of ASCII whitespace, as a header line. */
static enum swgr_rc
auth_header(const char *path, char **out, struct swgr_err *err)
{
	enum swgr_rc rc;
	char *tok, *s, *e;
	size_t len, i;

	*out = NULL;
	if ((rc = cli_read(path, "authorization file", &tok, &len, err)) != SWGR_OK)
		return rc;
	s = tok;
	e = tok + len;
	while (s < e && strchr(" \t\r\n\f\v", *s) != NULL && *s != '\0')
		s++;
	while (e > s && strchr(" \t\r\n\f\v", e[-1]) != NULL && e[-1] != '\0')
		e--;
	rc = SWGR_EINTERNAL;
	if (s == e) {
		swgr_err_set(err, rc, "reading authorization file: %s: empty", path);
		goto out;
	}
	for (i = 0; s + i < e; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e) {
			swgr_err_set(err, rc, "reading authorization file: %s: "
			    "the token contains whitespace or control characters",
			    path);
			goto out;
		}
	}
	if (asprintf(out, "Authorization: Bearer %.*s", (int)(e - s), s) == -1) {
		*out = NULL;
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	rc = SWGR_OK;
out:
	OPENSSL_cleanse(tok, len);
	free(tok);
	return rc;
}

/* Counts the certificates of a PEM text; 0 if it holds none or is malformed. */
static int
count_certs(const char *pem, size_t len)
{
	X509 *x;
	BIO *bio;
	int n = 0;

	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return 0;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	return n;
}

/*
 * The CA bundle: the system roots (SSL_CERT_FILE, else curl's default
 * bundle) followed by the extra roots file.  Only built when extra roots
 * are given; otherwise curl's own settings apply.
 */
static enum swgr_rc
load_roots(struct cli_http *h, const char *path, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	const char *sys = getenv("SSL_CERT_FILE");
	char *extra = NULL, *base = NULL, *dflt = NULL;
	size_t extralen, baselen;
	enum swgr_rc rc;

	if ((rc = cli_read(path, "trusted roots", &extra, &extralen, err)) != SWGR_OK)
		return rc;
	if (count_certs(extra, extralen) == 0) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "parsing root certificate: "
		    "%s: no PEM certificate found", path);
		goto out;
	}
	if (sys == NULL || sys[0] == '\0') {
		if (curl_easy_getinfo(h->curl, CURLINFO_CAINFO, &dflt) == CURLE_OK)
			sys = dflt;
	}
	if (sys != NULL && cli_read(sys, "system roots", &base, &baselen,
	    NULL) == SWGR_OK) {
		swgr_buf_put(&b, base, baselen);
		swgr_buf_putc(&b, '\n');
	}
	swgr_buf_put(&b, extra, extralen);
	if ((h->roots = swgr_buf_take(&b, &h->rootslen)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
out:
	free(base);
	free(extra);
	swgr_buf_free(&b);
	return rc;
}

enum swgr_rc
cli_http_open(const char *env, const struct cli_client *c,
    struct cli_http **out, struct swgr_err *err)
{
	struct cli_http *h;
	const char *base, *auth, *roots;
	char var[64];
	enum swgr_rc rc;
	size_t len;

	*out = NULL;
	if ((base = option_or_env(c->base_url, env, "BASE_URL", var,
	    sizeof(var))) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "Missing %s", var);
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "parsing %s: not an "
		    "http:// or https:// URL", base);
	if ((auth = option_or_env(c->auth_path, env, "AUTHORIZATION", var,
	    sizeof(var))) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "Missing %s", var);
	roots = option_or_env(c->roots_path, env, "TRUSTED_ROOTS", var,
	    sizeof(var));

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	if ((rc = timeout_ms(&h->timeout_ms, err)) != SWGR_OK)
		goto fail;
	rc = SWGR_ENOMEM;
	if ((h->base = strdup(base)) == NULL || (h->curl = curl_easy_init()) == NULL) {
		swgr_err_set(err, rc, "creating http client: out of memory");
		goto fail;
	}
	len = strlen(h->base);
	while (len > 0 && h->base[len - 1] == '/')
		h->base[--len] = '\0';
	if ((rc = auth_header(auth, &h->auth, err)) != SWGR_OK)
		goto fail;
	if (roots != NULL && (rc = load_roots(h, roots, err)) != SWGR_OK)
		goto fail;
	*out = h;
	return SWGR_OK;
fail:
	cli_http_close(h);
	return rc;
}

void
cli_http_close(struct cli_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->auth != NULL) {
		OPENSSL_cleanse(h->auth, strlen(h->auth));
		free(h->auth);
	}
	free(h->roots);
	free(h->base);
	free(h);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct swgr_buf *b = arg;

	if (b->len + size * n > BODY_MAX)
		return 0;
	swgr_buf_put(b, p, size * n);
	return swgr_buf_ok(b) ? size * n : 0;
}

/* <base>/<escaped seg>...[?query] into r->url. */
static enum swgr_rc
build_url(struct cli_http *h, const char *const *segs, size_t nsegs,
    const char *query, struct cli_resp *r, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	char *e;
	size_t i;

	swgr_buf_puts(&b, h->base);
	for (i = 0; i < nsegs; i++) {
		if ((e = curl_easy_escape(h->curl, segs[i], (int)strlen(segs[i]))) == NULL) {
			swgr_buf_free(&b);
			return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		}
		swgr_buf_putc(&b, '/');
		swgr_buf_puts(&b, e);
		curl_free(e);
	}
	if (query != NULL) {
		swgr_buf_putc(&b, '?');
		swgr_buf_puts(&b, query);
	}
	if ((r->url = swgr_buf_take(&b, NULL)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}

enum swgr_rc
cli_http_request(struct cli_http *h, const char *method,
    const char *const *segs, size_t nsegs, const char *query,
    const char *body, size_t bodylen, const char *what,
    struct cli_resp *r, struct swgr_err *err)
{
	struct curl_slist *hdrs = NULL;
	struct curl_blob blob;
	enum swgr_rc rc;
	CURLcode cc;
	CURL *c = h->curl;

	memset(r, 0, sizeof(*r));
	if ((rc = build_url(h, segs, nsegs, query, r, err)) != SWGR_OK)
		return rc;
	curl_easy_reset(c);
	if ((hdrs = curl_slist_append(NULL, h->auth)) == NULL ||
	    (body != NULL && curl_slist_append(hdrs,
	    "Content-Type: application/json") == NULL)) {
		curl_slist_free_all(hdrs);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	h->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "swgr/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
	}
	if (getenv("SSL_CERT_DIR") != NULL && getenv("SSL_CERT_DIR")[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAPATH, getenv("SSL_CERT_DIR"));
	if (h->roots != NULL) {
		blob.data = h->roots;
		blob.len = h->rootslen;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	} else if (getenv("SSL_CERT_FILE") != NULL && getenv("SSL_CERT_FILE")[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, getenv("SSL_CERT_FILE"));

	cli_log(SWGR_LOG_DEBUG, "%s %s", method, r->url);
	cc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: %s", what, r->url,
		    h->errbuf[0] != '\0' ? h->errbuf : curl_easy_strerror(cc));
	if (!swgr_buf_ok(&r->body))
		return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory",
		    what, r->url);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	cli_log(SWGR_LOG_DEBUG, "%s %s: http status %ld", method, r->url,
	    r->status);
	return SWGR_OK;
}

void
cli_resp_free(struct cli_resp *r)
{
	swgr_buf_free(&r->body);
	free(r->url);
	r->url = NULL;
}

/* The canonical reason phrase of a status (as the original prints it). */
static const char *
reason(long status)
{
	static const struct { long code; const char *text; } t[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 206, "Partial Content" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
		{ 411, "Length Required" }, { 413, "Payload Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == status)
			return t[i].text;
	return "<unknown status code>";
}

enum swgr_rc
cli_http_status_error(const struct cli_resp *r, const char *what,
    struct swgr_err *err)
{
	if (r->status >= 200 && r->status < 300)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: unexpected http "
		    "status %ld %s", what, r->url, r->status, reason(r->status));
	if (r->status >= 400 && r->status < 500)
		return swgr_err_set(err, SWGR_EINVAL, "%s %s: invalid input, http "
		    "status: %ld %s", what, r->url, r->status, reason(r->status));
	return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: upstream failure, http "
	    "status: %ld %s", what, r->url, r->status, reason(r->status));
}

enum swgr_rc
cli_json_array(const char *text, size_t len, char ***elems, size_t *n,
    struct swgr_err *err)
{
	json_tokener *tok;
	json_object *arr;
	const char *s;
	size_t i, cnt;
	char **v;

	*elems = NULL;
	*n = 0;
	if ((tok = json_tokener_new()) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	arr = json_tokener_parse_ex(tok, text, (int)len);
	if (arr == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(arr, json_type_array)) {
		json_tokener_free(tok);
		json_object_put(arr);
		return swgr_err_set(err, SWGR_ESYNTAX, "response is not a JSON array");
	}
	json_tokener_free(tok);
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

