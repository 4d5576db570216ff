/* HTTP(S) requests over libcurl, opened with dlopen; a small pool of handles per client. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dlfcn.h>
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/base64.h"
#include "core/dl.h"
#include "core/status.h"
#include "net/http.h"
#include "net/trust.h"

#define HTTP_BODY_MAX	(64 * 1024 * 1024)
#define HTTP_ROOTS_MAX	(16 * 1024 * 1024)
#define HTTP_TOKEN_MAX	(64 * 1024)
#define HTTP_IDLE_MAX	8	/* kept-alive handles per client */

/* libcurl, opened by the first client: the functions used. */
static struct {
	CURLcode		 (*global_init)(long);
	CURL			*(*easy_init)(void);
	CURLcode		 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode		 (*easy_perform)(CURL *);
	CURLcode		 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void			 (*easy_cleanup)(CURL *);
	void			 (*easy_reset)(CURL *);
	const char		*(*easy_strerror)(CURLcode);
	struct curl_slist	*(*slist_append)(struct curl_slist *, const char *);
	void			 (*slist_free_all)(struct curl_slist *);
} cu;
static pthread_once_t	 cu_once = PTHREAD_ONCE_INIT;
static char		 cu_nolib[320];

static void
cu_load(void)
{
	void *h;

	if ((h = swgr_dlopen("libcurl.so.4", "libcurl4", cu_nolib, sizeof(cu_nolib))) == NULL)
		return;
#define BIND(f)								\
	if ((cu.f = (__typeof__(cu.f))dlsym(h, "curl_" #f)) == NULL) {	\
		snprintf(cu_nolib, sizeof(cu_nolib), "libcurl.so.4 lacks curl_%s", #f); \
		return;							\
	}
	BIND(global_init) BIND(easy_init) BIND(easy_setopt) BIND(easy_perform)
	BIND(easy_getinfo) BIND(easy_cleanup) BIND(easy_reset) BIND(easy_strerror)
	BIND(slist_append) BIND(slist_free_all)
#undef BIND
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(cu_nolib, sizeof(cu_nolib), "curl_global_init failed");
		return;
	}
	cu_nolib[0] = '\0';
}

struct swgr_http_client {
	char		*base;			/* without trailing '/' */
	char		*auth;			/* header line, or NULL */
	char		*roots;			/* CA bundle given to curl, or NULL */
	size_t		 rootslen;
	long		 connect_ms;
	long		 total_ms;
	pthread_mutex_t	 mu;
	CURL		*idle[HTTP_IDLE_MAX];	/* under mu */
	unsigned	 nidle;
};

static long
to_ms(double secs)
{
	long ms;

	if (!(secs > 0))
		return 1000;
	if (secs > 86400)
		secs = 86400;
	ms = (long)(secs * 1000.0 + 0.5);
	return ms < 1 ? 1 : ms;
}

/* True if the PEM text holds a certificate. */
static bool
has_cert(const char *pem, size_t len)
{
	X509 *x = swgr_trust_pem_first(pem, len);

	X509_free(x);
	return x != NULL;
}

/*
 * The CA bundle: the system's roots followed by those of the trusted-roots
 * file (path, or NULL) and by the PEM text pem (or NULL).
 */
static enum swgr_rc
load_roots(struct swgr_http_client *c, const char *path, const char *pem, struct swgr_err *err)
{
	struct swgr_buf extra = { 0 }, b = { 0 };
	enum swgr_rc rc = SWGR_OK;
	int e;

	if (path != NULL && (e = swgr_buf_read_file(&extra, path, HTTP_ROOTS_MAX)) != 0) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "cannot read trusted roots '%s': %s", path,
		    strerror(e));
		goto out;
	}
	if (path != NULL && !has_cert(extra.p, extra.len)) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "trusted roots '%s': no PEM certificate in it",
		    path);
		goto out;
	}
	if (pem != NULL && !has_cert(pem, strlen(pem))) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "trusted roots: no PEM certificate in the "
		    "roots given");
		goto out;
	}
	swgr_trust_system_pem(&b);
	swgr_buf_putc(&b, '\n');
	if (path != NULL)
		swgr_buf_put(&b, extra.p, extra.len);
	if (pem != NULL) {
		swgr_buf_putc(&b, '\n');
		swgr_buf_puts(&b, pem);
	}
	if ((c->roots = swgr_buf_take(&b, &c->rootslen)) == NULL)
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
out:
	swgr_buf_free(&extra);
	swgr_buf_free(&b);
	return rc;
}

enum swgr_rc
swgr_http_client_new(const struct swgr_http_opts *o, struct swgr_http_client **out,
    struct swgr_err *err)
{
	struct swgr_http_client *c;
	enum swgr_rc rc;
	size_t len;

	*out = NULL;
	if (o->base_url == NULL || (strncmp(o->base_url, "http://", 7) != 0 &&
	    strncmp(o->base_url, "https://", 8) != 0))
		return swgr_err_set(err, SWGR_EINTERNAL, "base URL '%s' is not an http:// or "
		    "https:// URL", o->base_url != NULL ? o->base_url : "");
	pthread_once(&cu_once, cu_load);
	if (cu_nolib[0] != '\0')
		return swgr_err_set(err, SWGR_EINTERNAL, "%s", cu_nolib);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	c->connect_ms = to_ms(o->connect_timeout_secs);
	c->total_ms = to_ms(o->total_timeout_secs);
	if ((c->base = strdup(o->base_url)) == NULL ||
	    (o->auth_header != NULL && (c->auth = strdup(o->auth_header)) == NULL)) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto fail;
	}
	len = strlen(c->base);
	while (len > 0 && c->base[len - 1] == '/')
		c->base[--len] = '\0';
	if ((o->trusted_roots != NULL || o->roots_pem != NULL) &&
	    (rc = load_roots(c, o->trusted_roots, o->roots_pem, err)) != SWGR_OK)
		goto fail;
	*out = c;
	return SWGR_OK;
fail:
	swgr_http_client_free(c);
	return rc;
}

void
swgr_http_client_free(struct swgr_http_client *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nidle; i++)
		cu.easy_cleanup(c->idle[i]);
	pthread_mutex_destroy(&c->mu);
	swgr_http_header_free(c->auth);
	free(c->roots);
	free(c->base);
	free(c);
}

const char *
swgr_http_client_base(const struct swgr_http_client *c)
{
	return c->base;
}

static CURL *
handle_get(struct swgr_http_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->mu);
	if (c->nidle > 0)
		h = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->mu);
	if (h != NULL)
		cu.easy_reset(h);
	else
		h = cu.easy_init();
	return h;
}

static void
handle_put(struct swgr_http_client *c, CURL *h)
{
	pthread_mutex_lock(&c->mu);
	if (c->nidle < HTTP_IDLE_MAX) {
		c->idle[c->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	if (h != NULL)
		cu.easy_cleanup(h);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct swgr_http_resp *r = arg;

	if (r->body.len + size * n > HTTP_BODY_MAX)
		return 0;
	swgr_buf_put(&r->body, p, size * n);
	return swgr_buf_ok(&r->body) ? size * n : 0;
}

/* Keeps the value of an ETag header line (the last one, trimmed). */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct swgr_http_resp *r = arg;
	size_t len = size * n, i = 5;

	if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		while (len > i && strchr(" \t\r\n", p[len - 1]) != NULL)
			len--;
		free(r->etag);
		r->etag = strndup(p + i, len - i);
	}
	return size * n;
}

void
swgr_http_escape(struct swgr_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			swgr_buf_putc(b, (char)ch);
		else {
			swgr_buf_putc(b, '%');
			swgr_buf_putc(b, hex[ch >> 4]);
			swgr_buf_putc(b, hex[ch & 15]);
		}
	}
}

void
swgr_http_form_add(struct swgr_buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		swgr_buf_putc(b, '&');
	swgr_http_escape(b, key, strlen(key));
	swgr_buf_putc(b, '=');
	swgr_http_escape(b, value, strlen(value));
}

/* <base>/<escaped seg>...[?query] into r->url. */
static enum swgr_rc
build_url(const struct swgr_http_client *c, const struct swgr_http_req *q,
    struct swgr_http_resp *r, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	size_t i;

	swgr_buf_puts(&b, c->base);
	for (i = 0; i < q->nsegs; i++) {
		swgr_buf_putc(&b, '/');
		swgr_http_escape(&b, q->segs[i], strlen(q->segs[i]));
	}
	if (q->query != NULL) {
		swgr_buf_putc(&b, '?');
		swgr_buf_puts(&b, q->query);
	}
	if ((r->url = swgr_buf_take(&b, NULL)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}

/* The request's header lines; NULL when out of memory. */
static struct curl_slist *
headers(const struct swgr_http_client *c, const struct swgr_http_req *q, int *ok)
{
	struct curl_slist *l = NULL, *n;
	char line[300];

	*ok = 0;
#define ADD(s)								\
	do {								\
		if ((n = cu.slist_append(l, (s))) == NULL)		\
			goto oom;					\
		l = n;							\
	} while (0)
	if (c->auth != NULL)
		ADD(c->auth);
	if (q->body != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s",
		    q->content_type != NULL ? q->content_type : "application/json");
		ADD(line);
	}
	if (q->if_none_match != NULL) {
		snprintf(line, sizeof(line), "If-None-Match: %s", q->if_none_match);
		ADD(line);
	}
	ADD("Expect:");			/* no 100-continue round trip on POST */
#undef ADD
	*ok = 1;
	return l;
oom:
	cu.slist_free_all(l);
	return NULL;
}

enum swgr_rc
swgr_http_do(struct swgr_http_client *c, const struct swgr_http_req *q,
    struct swgr_http_resp *r, struct swgr_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	const char *what = q->what != NULL ? q->what : q->method;
	struct curl_slist *hdrs;
	struct curl_blob blob;
	long total = c->total_ms;
	enum swgr_rc rc;
	CURLcode cc;
	CURL *h;
	int ok;

	memset(r, 0, sizeof(*r));
	if ((rc = build_url(c, q, r, err)) != SWGR_OK)
		return rc;
	if (q->timeout_secs > 0 && to_ms(q->timeout_secs) < total)
		total = to_ms(q->timeout_secs);
	if ((h = handle_get(c)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, r->url);
	if ((hdrs = headers(c, q, &ok)) == NULL && !ok) {
		handle_put(c, h);
		return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, r->url);
	}
	errbuf[0] = '\0';
	cu.easy_setopt(h, CURLOPT_URL, r->url);
	cu.easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	cu.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cu.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cu.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cu.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms < total ? c->connect_ms : total);
	cu.easy_setopt(h, CURLOPT_TIMEOUT_MS, total);
	cu.easy_setopt(h, CURLOPT_USERAGENT, "swgr/" PACKAGE_VERSION);
	cu.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	cu.easy_setopt(h, CURLOPT_WRITEDATA, r);
	cu.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	cu.easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (strcmp(q->method, "HEAD") == 0)
		cu.easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (q->body != NULL) {
		cu.easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
		cu.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->bodylen);
	}
	if (getenv("SSL_CERT_DIR") != NULL && getenv("SSL_CERT_DIR")[0] != '\0')
		cu.easy_setopt(h, CURLOPT_CAPATH, getenv("SSL_CERT_DIR"));
	if (c->roots != NULL) {
		blob.data = c->roots;
		blob.len = c->rootslen;
		blob.flags = CURL_BLOB_NOCOPY;
		cu.easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	} else if (getenv("SSL_CERT_FILE") != NULL && getenv("SSL_CERT_FILE")[0] != '\0')
		cu.easy_setopt(h, CURLOPT_CAINFO, getenv("SSL_CERT_FILE"));

	cc = cu.easy_perform(h);
	if (cc == CURLE_OK)
		cu.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	/* The handle outlives this frame in the pool: nothing may point into it. */
	cu.easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	cu.easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	cu.easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	cu.easy_setopt(h, CURLOPT_HEADERDATA, NULL);
	cu.slist_free_all(hdrs);
	handle_put(c, h);
	if (cc == CURLE_WRITE_ERROR && r->body.len + 1 > HTTP_BODY_MAX)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: response body over %d MiB", what,
		    r->url, HTTP_BODY_MAX >> 20);
	if (cc != CURLE_OK)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: %s", what, r->url,
		    errbuf[0] != '\0' ? errbuf : cu.easy_strerror(cc));
	if (!swgr_buf_ok(&r->body))
		return swgr_err_set(err, SWGR_ENOMEM, "%s %s: out of memory", what, r->url);
	return SWGR_OK;
}

void
swgr_http_resp_free(struct swgr_http_resp *r)
{
	swgr_buf_free(&r->body);
	free(r->url);
	free(r->etag);
	r->url = r->etag = NULL;
}

const char *
swgr_http_reason(long status)
{
	const char *s = swgr_reason_phrase(status);

	return s != NULL ? s : "<unknown status code>";
}

enum swgr_rc
swgr_http_status_error(const struct swgr_http_resp *r, const char *what, struct swgr_err *err)
{
	if (r->status >= 200 && r->status < 300)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: unexpected http status %ld %s",
		    what, r->url, r->status, swgr_http_reason(r->status));
	if (r->status >= 400 && r->status < 500)
		return swgr_err_set(err, SWGR_EINVAL, "%s %s: invalid input, http status: %ld %s",
		    what, r->url, r->status, swgr_http_reason(r->status));
	return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: upstream failure, http status: %ld %s",
	    what, r->url, r->status, swgr_http_reason(r->status));
}

enum swgr_rc
swgr_http_bearer_file(const char *path, char **header, struct swgr_err *err)
{
	struct swgr_buf b = { 0 };
	enum swgr_rc rc = SWGR_EINTERNAL;
	const char *s, *e;
	int errn;

	*header = NULL;
	if ((errn = swgr_buf_read_file(&b, path, HTTP_TOKEN_MAX)) != 0) {
		swgr_err_set(err, rc, "reading authorization file: %s: %s", path, strerror(errn));
		goto out;
	}
	s = b.p;
	e = b.p + b.len;
	while (s < e && strchr(" \t\r\n\f\v", *s) != NULL && *s != '\0')
		s++;
	while (e > s && strchr(" \t\r\n\f\v", e[-1]) != NULL && e[-1] != '\0')
		e--;
	if (s == e) {
		swgr_err_set(err, rc, "reading authorization file: %s: empty", path);
		goto out;
	}
	for (const char *p = s; p < e; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
			swgr_err_set(err, rc, "reading authorization file: %s: the token contains "
			    "whitespace or control characters", path);
			goto out;
		}
	if (asprintf(header, "Authorization: Bearer %.*s", (int)(e - s), s) == -1) {
		*header = NULL;
		rc = swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		goto out;
	}
	rc = SWGR_OK;
out:
	if (b.p != NULL)
		OPENSSL_cleanse(b.p, b.len);
	swgr_buf_free(&b);
	return rc;
}

enum swgr_rc
swgr_http_basic(const char *user, const char *password, char **header, struct swgr_err *err)
{
	size_t ul = strlen(user), pl = strlen(password);
	char *pair, *b64;
	int n;

	*header = NULL;
	if ((pair = malloc(ul + pl + 2)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	memcpy(pair, user, ul);
	pair[ul] = ':';
	memcpy(pair + ul + 1, password, pl + 1);
	b64 = swgr_base64_encode((const uint8_t *)pair, ul + pl + 1);
	OPENSSL_cleanse(pair, ul + pl + 1);
	free(pair);
	if (b64 == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	n = asprintf(header, "Authorization: Basic %s", b64);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	if (n == -1) {
		*header = NULL;
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	return SWGR_OK;
}

void
swgr_http_header_free(char *header)
{
	if (header == NULL)
		return;
	OPENSSL_cleanse(header, strlen(header));
	free(header);
}
