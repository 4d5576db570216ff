/* FastCGI requests and responses: parsing of untrusted input (path, query, headers, body) and the reply. */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcgi/fcgi.h"
#include "core/hex.h"
#include "core/status.h"
#include "core/utf8.h"

/* Decodes s[0..len) into p (room for len + 1 bytes); *n is the decoded length. */
static enum swgr_rc
pct_decode_into(const char *s, size_t len, bool form, char *p, size_t *np)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+' && form) {
			p[n++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			p[n++] = s[i];
			continue;
		}
		hi = i + 1 < len ? swgr_hex_digit((unsigned char)s[i + 1]) : -1;
		lo = i + 2 < len ? swgr_hex_digit((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			if (!form)
				return SWGR_EINVAL;
			p[n++] = s[i];
			continue;
		}
		p[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	p[n] = '\0';
	*np = n;
	if (!form && !swgr_utf8_valid(p, n))
		return SWGR_EINVAL;
	return SWGR_OK;
}

enum swgr_rc
swgr_pct_decode(const char *s, size_t len, bool form, char **out)
{
	enum swgr_rc rc;
	size_t n;
	char *p;

	*out = NULL;
	if ((p = malloc(len + 1)) == NULL)
		return SWGR_ENOMEM;
	if ((rc = pct_decode_into(s, len, form, p, &n)) != SWGR_OK) {
		free(p);
		return rc;
	}
	*out = p;
	return SWGR_OK;
}

enum swgr_rc
swgr_path_split(const char *path, char ***segv, size_t *nsegv)
{
	char **seg, *chars;
	size_t n = 0, max = 1, len, plen, dlen;
	const char *p, *end;
	enum swgr_rc rc;

	*segv = NULL;
	*nsegv = 0;
	if (path[0] != '/')
		return SWGR_EINVAL;
	if (path[1] == '\0')
		return SWGR_OK;
	for (p = path + 1; *p != '\0'; p++)
		if (*p == '/')
			max++;
	plen = (size_t)(p - path);
	/*
	 * One block: max pointers and a NULL after the last segment, then the
	 * decoded segments (together never longer than the path).
	 */
	if ((seg = malloc((max + 1) * sizeof(*seg) + plen + max)) == NULL)
		return SWGR_ENOMEM;
	chars = (char *)(seg + max + 1);
	for (p = path + 1;; p = end + 1) {
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if ((rc = pct_decode_into(p, len, false, chars, &dlen)) != SWGR_OK) {
			free(seg);
			return rc;
		}
		seg[n++] = chars;
		chars += dlen + 1;
		if (*end == '\0')
			break;
	}
	seg[n] = NULL;
	*segv = seg;
	*nsegv = n;
	return SWGR_OK;
}

void
swgr_query_free(struct swgr_query *q)
{
	swgr_strv_free(q->names, q->n);
	swgr_strv_free(q->values, q->n);
	q->names = q->values = NULL;
	q->n = 0;
}

enum swgr_rc
swgr_query_parse(const char *qs, struct swgr_query *q)
{
	const char *p, *end, *eq;
	size_t max = 1, len;
	enum swgr_rc rc;

	memset(q, 0, sizeof(*q));
	if (*qs == '\0')
		return SWGR_OK;		/* nothing to allocate */
	for (p = qs; *p != '\0'; p++)
		if (*p == '&')
			max++;
	q->names = calloc(max, sizeof(*q->names));
	q->values = calloc(max, sizeof(*q->values));
	if (q->names == NULL || q->values == NULL) {
		rc = SWGR_ENOMEM;
		goto fail;
	}
	for (p = qs; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		if ((end = strchr(p, '&')) == NULL)
			end = p + strlen(p);
		if (end == p)
			continue;
		len = (size_t)(end - p);
		if ((eq = memchr(p, '=', len)) == NULL)
			eq = end;
		if ((rc = swgr_pct_decode(p, (size_t)(eq - p), true, &q->names[q->n])) != SWGR_OK)
			goto fail;
		rc = eq == end ? swgr_pct_decode("", 0, true, &q->values[q->n]) :
		    swgr_pct_decode(eq + 1, (size_t)(end - eq - 1), true, &q->values[q->n]);
		if (rc != SWGR_OK) {
			free(q->names[q->n]);
			q->names[q->n] = NULL;
			goto fail;
		}
		q->n++;
	}
	return SWGR_OK;
fail:
	swgr_query_free(q);
	return rc;
}

size_t
swgr_query_count(const struct swgr_query *q, const char *name, const char **value)
{
	size_t i, n = 0;

	for (i = 0; i < q->n; i++) {
		if (strcmp(q->names[i], name) != 0)
			continue;
		if (n++ == 0 && value != NULL)
			*value = q->values[i];
	}
	return n;
}

enum swgr_rc
swgr_query_u64(const struct swgr_query *q, const char *name, bool required, uint64_t *out)
{
	const char *v = NULL, *p;
	uint64_t n = 0;
	size_t c;

	if ((c = swgr_query_count(q, name, &v)) == 0)
		return required ? SWGR_EINVAL : SWGR_OK;
	if (c > 1)
		return SWGR_EINVAL;
	p = *v == '+' ? v + 1 : v;
	if (*p == '\0')
		return SWGR_EINVAL;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return SWGR_EINVAL;
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return SWGR_EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*out = n;
	return SWGR_OK;
}

enum swgr_rc
swgr_query_bool(const struct swgr_query *q, const char *name, bool required, bool *out)
{
	const char *v = NULL;
	size_t c;

	if ((c = swgr_query_count(q, name, &v)) == 0)
		return required ? SWGR_EINVAL : SWGR_OK;
	if (c > 1)
		return SWGR_EINVAL;
	if (strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0)
		*out = false;
	else
		return SWGR_EINVAL;
	return SWGR_OK;
}

/* RFC 9110 tchar. */
static bool
istchar(int c)
{
	return c > 0x20 && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parameters after the media type: *(OWS ";" OWS token "=" (token / quoted-string)) OWS. */
static bool
ctype_params_ok(const char *p)
{
	for (;;) {
		p = skip_ows(p);
		if (*p == '\0')
			return true;
		if (*p++ != ';')
			return false;
		p = skip_ows(p);
		if (!istchar((unsigned char)*p))
			return false;
		while (istchar((unsigned char)*p))
			p++;
		if (*p++ != '=')
			return false;
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '\0')
					return false;
			}
			p++;
		} else {
			if (!istchar((unsigned char)*p))
				return false;
			while (istchar((unsigned char)*p))
				p++;
		}
	}
}

bool
swgr_ctype_is_json(const char *ct)
{
	const char *sub, *end;
	size_t len;

	if (ct == NULL)
		return false;
	ct = skip_ows(ct);
	if (strncasecmp(ct, "application/", 12) != 0)
		return false;
	sub = ct + 12;
	for (end = sub; istchar((unsigned char)*end); end++)
		continue;
	len = (size_t)(end - sub);
	if (!(len == 4 && strncasecmp(sub, "json", 4) == 0) &&
	    !(len > 5 && strncasecmp(end - 5, "+json", 5) == 0))
		return false;
	return ctype_params_ok(end);
}

/* Parses s[0..len) (surrounding OWS trimmed) as an IPv4 or IPv6 address into out. */
static bool
ip_parse(const char *s, size_t len, char out[SWGR_IP_STRMAX])
{
	char tmp[SWGR_IP_STRMAX];
	unsigned char addr[16];

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* inet_pton takes only the canonical dotted quad (no leading zeros): it is its own form. */
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		memcpy(out, tmp, len + 1);
		return true;
	}
	if (inet_pton(AF_INET6, tmp, addr) == 1)
		return inet_ntop(AF_INET6, addr, out, SWGR_IP_STRMAX) != NULL;
	return false;
}

/* A Forwarded node: "1.2.3.4", "1.2.3.4:80", "[v6]", "[v6]:80", maybe quoted. */
static bool
ip_parse_node(const char *s, size_t len, char out[SWGR_IP_STRMAX])
{
	const char *c;

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
		s++, len -= 2;
	if (len > 0 && s[0] == '[') {
		if ((c = memchr(s, ']', len)) == NULL)
			return false;
		return ip_parse(s + 1, (size_t)(c - s - 1), out);
	}
	if ((c = memchr(s, ':', len)) != NULL && memchr(c + 1, ':', len - (size_t)(c + 1 - s)) == NULL)
		len = (size_t)(c - s);
	return ip_parse(s, len, out);
}

/* The for= node of one Forwarded element (pairs separated by ';'). */
static bool
forwarded_for(const char *s, size_t len, char out[SWGR_IP_STRMAX])
{
	const char *p = s, *end = s + len, *semi;

	while (p < end) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		while (p < semi && (*p == ' ' || *p == '\t'))
			p++;
		if (semi - p > 4 && strncasecmp(p, "for=", 4) == 0)
			return ip_parse_node(p + 4, (size_t)(semi - p - 4), out);
		p = semi + 1;
	}
	return false;
}

/* The right-most comma-separated element of v that pick() accepts. */
static bool
rightmost(const char *v, bool (*pick)(const char *, size_t, char *), char out[SWGR_IP_STRMAX])
{
	const char *end = v + strlen(v), *p;

	for (;;) {
		for (p = end; p > v && p[-1] != ','; p--)
			continue;
		if (pick(p, (size_t)(end - p), out))
			return true;
		if (p == v)
			return false;
		end = p - 1;
	}
}

/* The swgr_param names, in enum order. */
static const struct { const char *name; size_t len; } env_names[SWGR_P_COUNT] = {
#define N(s)	{ s, sizeof(s) - 1 }
	N("REQUEST_METHOD"), N("SERVER_PROTOCOL"), N("QUERY_STRING"), N("REQUEST_URI"),
	N("SCRIPT_NAME"), N("PATH_INFO"), N("REMOTE_ADDR"), N("HTTP_CF_CONNECTING_IP"),
	N("HTTP_CLOUDFRONT_VIEWER_ADDRESS"), N("HTTP_FLY_CLIENT_IP"), N("HTTP_X_REAL_IP"),
	N("HTTP_TRUE_CLIENT_IP"), N("HTTP_FORWARDED"), N("HTTP_X_FORWARDED_FOR"),
	N("HTTP_X_FORWARDED_HOST"), N("HTTP_HOST"), N("HTTP_X_FORWARDED_PROTO"), N("HTTPS"),
	N("REQUEST_SCHEME"),
#undef N
};

/*
 * The names by length: env_bylen[len] lists their indexes, ending with
 * SWGR_P_COUNT.  Most parameters have a length no name has, and cost one
 * look-up.
 */
#define ENV_LEN_MAX	31
#define ENV_PER_LEN	5
static unsigned char env_bylen[ENV_LEN_MAX + 1][ENV_PER_LEN];
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void
env_bylen_init(void)
{
	size_t i, len, k;

	memset(env_bylen, SWGR_P_COUNT, sizeof(env_bylen));
	for (i = 0; i < SWGR_P_COUNT; i++) {
		len = env_names[i].len;
		for (k = 0; env_bylen[len][k] != SWGR_P_COUNT; k++)
			;
		if (k < ENV_PER_LEN - 1)	/* else test_fcgi finds that name missing */
			env_bylen[len][k] = (unsigned char)i;
	}
}

void
swgr_env_index(char **envp, struct swgr_env *e)
{
	const unsigned char *cand;
	const char *eq;
	size_t len;

	pthread_once(&env_once, env_bylen_init);
	memset(e, 0, sizeof(*e));
	e->envp = envp;
	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		if ((len = (size_t)(eq - *envp)) > ENV_LEN_MAX)
			continue;
		for (cand = env_bylen[len]; *cand != SWGR_P_COUNT; cand++)
			if (e->v[*cand] == NULL && memcmp(*envp, env_names[*cand].name, len) == 0) {
				e->v[*cand] = eq + 1;
				break;
			}
	}
}

void
swgr_client_ip(const struct swgr_env *e, char out[SWGR_IP_STRMAX])
{
	static const enum swgr_param direct[] = { SWGR_P_CF_CONNECTING_IP,
	    SWGR_P_CLOUDFRONT_VIEWER_ADDRESS, SWGR_P_FLY_CLIENT_IP, SWGR_P_X_REAL_IP,
	    SWGR_P_TRUE_CLIENT_IP };
	const char *v, *c;
	size_t i;

	for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		if ((v = e->v[direct[i]]) == NULL)
			continue;
		if (direct[i] != SWGR_P_CLOUDFRONT_VIEWER_ADDRESS) {
			if (ip_parse(v, strlen(v), out))
				return;
			continue;
		}
		/* CloudFront-Viewer-Address: "<ip>:<port>", IPv6 unbracketed. */
		if ((c = strrchr(v, ':')) != NULL && ip_parse(v, (size_t)(c - v), out))
			return;
	}
	if ((v = e->v[SWGR_P_FORWARDED]) != NULL && rightmost(v, forwarded_for, out))
		return;
	if ((v = e->v[SWGR_P_X_FORWARDED_FOR]) != NULL && rightmost(v, ip_parse, out))
		return;
	if ((v = e->v[SWGR_P_REMOTE_ADDR]) != NULL && ip_parse(v, strlen(v), out))
		return;
	strcpy(out, "-");
}

bool
swgr_hdr_value_ok(const char *v)
{
	for (; *v != '\0'; v++)
		if (!((*v >= 0x20 && *v < 0x7f) || *v == '\t'))
			return false;
	return true;
}

void
swgr_hdr_encode(struct swgr_buf *b, const char *s)
{
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f)
			swgr_buf_putc(b, (char)c);
		else
			swgr_buf_printf(b, "%%%02X", c);
	}
}

static unsigned
method_bit(const char *m)
{
	static const struct { const char *name; unsigned bit; } tab[] = {
		{ "GET", SWGR_M_GET }, { "HEAD", SWGR_M_HEAD }, { "POST", SWGR_M_POST },
		{ "PUT", SWGR_M_PUT }, { "PATCH", SWGR_M_PATCH }, { "DELETE", SWGR_M_DELETE },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(m, tab[i].name) == 0)
			return tab[i].bit;
	return 0;
}

const char *
swgr_req_param(const struct swgr_req *r, const char *name)
{
	return FCGX_GetParam(name, r->envp);
}

enum swgr_rc
swgr_req_init(struct swgr_req *r, char **envp, FCGX_Stream *in)
{
	const char *uri, *qs, *sn, *pi;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->envp = envp;
	r->in = in;
	r->path_rc = SWGR_EINVAL;
	swgr_env_index(envp, &r->env);
	if ((r->method = r->env.v[SWGR_P_REQUEST_METHOD]) == NULL)
		r->method = "";
	r->mbit = method_bit(r->method);
	if ((r->protocol = r->env.v[SWGR_P_SERVER_PROTOCOL]) == NULL)
		r->protocol = "-";
	swgr_client_ip(&r->env, r->client_ip);

	qs = r->env.v[SWGR_P_QUERY_STRING];
	if ((uri = r->env.v[SWGR_P_REQUEST_URI]) != NULL && *uri != '\0') {
		len = strcspn(uri, "?");
		r->path = strndup(uri, len);
		r->target = strdup(uri);
		if (qs == NULL && uri[len] == '?')
			qs = uri + len + 1;
	} else {
		sn = r->env.v[SWGR_P_SCRIPT_NAME];
		pi = r->env.v[SWGR_P_PATH_INFO];
		if (asprintf(&r->path, "%s%s", sn ? sn : "", pi ? pi : "") < 0)
			r->path = NULL;
		else if (asprintf(&r->target, "%s%s%s", r->path, qs && *qs ? "?" : "",
		    qs && *qs ? qs : "") < 0)
			r->target = NULL;
	}
	r->query = qs != NULL ? qs : "";
	if (r->path == NULL || r->target == NULL)
		return SWGR_ENOMEM;
	r->path_rc = swgr_path_split(r->path, &r->seg, &r->nseg);
	if (r->path_rc == SWGR_ENOMEM)
		return SWGR_ENOMEM;
	return swgr_query_parse(r->query, &r->q);
}

void
swgr_req_free(struct swgr_req *r)
{
	free(r->path);
	free(r->target);
	free(r->seg);
	swgr_query_free(&r->q);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

bool
swgr_req_match(const struct swgr_req *r, const char *pattern)
{
	const char *p = pattern, *end;
	size_t i = 0, len;

	if (r->path_rc != SWGR_OK || *p++ != '/')
		return false;
	if (*p == '\0')
		return r->nseg == 0;
	for (;; p = end + 1, i++) {
		if ((end = strchr(p, '/')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (i >= r->nseg)
			return false;
		if (len == 1 && *p == '*') {
			if (r->seg[i][0] == '\0')
				return false;
		} else if (strlen(r->seg[i]) != len || strncmp(r->seg[i], p, len) != 0)
			return false;
		if (*end == '\0')
			return i + 1 == r->nseg;
	}
}

/* Reads and throws away up to max bytes of the body. */
static void
drain(FCGX_Stream *in, uint64_t max)
{
	char tmp[16384];
	int n;

	while (in != NULL && max > 0) {
		n = FCGX_GetStr(tmp, max < sizeof(tmp) ? (int)max : (int)sizeof(tmp), in);
		if (n <= 0)
			return;
		max -= (uint64_t)n;
	}
}

enum swgr_rc
swgr_req_body(struct swgr_req *r, struct swgr_err *err)
{
	const char *cl = swgr_req_param(r, "CONTENT_LENGTH");
	uint64_t want = SWGR_BODY_MAX + 1;
	struct swgr_buf b = { 0 };
	bool announced = false;
	const char *p;
	char tmp[16384];
	int n, chunk;

	if (r->body != NULL)
		return SWGR_OK;
	if (cl != NULL && *cl != '\0') {
		want = 0;
		for (p = cl; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || want > UINT64_MAX / 10 - 1)
				return swgr_err_set(err, SWGR_EINVAL, "malformed CONTENT_LENGTH '%s'", cl);
			want = want * 10 + (uint64_t)(*p - '0');
		}
		announced = true;
		if (want > SWGR_BODY_MAX) {
			drain(r->in, want < SWGR_BODY_DRAIN_MAX ? want : SWGR_BODY_DRAIN_MAX);
			return swgr_err_set(err, SWGR_ETOOBIG, "request body of %" PRIu64
			    " bytes is over the limit of %d", want, SWGR_BODY_MAX);
		}
	}
	while (r->in != NULL && b.len < want) {
		chunk = want - b.len < sizeof(tmp) ? (int)(want - b.len) : (int)sizeof(tmp);
		if ((n = FCGX_GetStr(tmp, chunk, r->in)) <= 0)
			break;
		swgr_buf_put(&b, tmp, (size_t)n);
	}
	if ((r->body = swgr_buf_take(&b, &r->body_len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory for the request body");
	if (!announced && r->body_len > SWGR_BODY_MAX) {
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		drain(r->in, SWGR_BODY_DRAIN_MAX);
		return swgr_err_set(err, SWGR_ETOOBIG, "request body is over the limit of %d",
		    SWGR_BODY_MAX);
	}
	if (announced && r->body_len < want)
		return swgr_err_set(err, SWGR_EINVAL, "request body ended after %zu of %" PRIu64
		    " bytes", r->body_len, want);
	return SWGR_OK;
}

void
swgr_resp_init(struct swgr_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
}

void
swgr_resp_free(struct swgr_resp *r)
{
	swgr_buf_free(&r->head);
	swgr_buf_free(&r->body);
	swgr_buf_free(&r->wire);
}

/* Empties b, keeping its memory unless it is large or failed. */
static void
buf_recycle(struct swgr_buf *b)
{
	if (b->oom || b->cap > SWGR_RESP_KEEP)
		swgr_buf_free(b);
	else
		swgr_buf_reset(b);
}

void
swgr_resp_recycle(struct swgr_resp *r)
{
	buf_recycle(&r->head);
	buf_recycle(&r->body);
	buf_recycle(&r->wire);
	r->bad = false;
	r->status = 200;
}

void
swgr_resp_reset(struct swgr_resp *r, int status)
{
	buf_recycle(&r->head);
	buf_recycle(&r->body);
	r->bad = false;
	r->status = status;
}

enum swgr_rc
swgr_resp_header(struct swgr_resp *r, const char *name, const char *value)
{
	if (!swgr_hdr_value_ok(name) || strpbrk(name, ": \t") != NULL || *name == '\0' ||
	    !swgr_hdr_value_ok(value)) {
		r->bad = true;
		return SWGR_EINVAL;
	}
	swgr_buf_puts(&r->head, name);
	swgr_buf_put(&r->head, ": ", 2);
	swgr_buf_puts(&r->head, value);
	swgr_buf_put(&r->head, "\r\n", 2);
	return SWGR_OK;
}

void
swgr_resp_nocache(struct swgr_resp *r)
{
	swgr_resp_header(r, "Cache-Control", "no-store, no-cache, must-revalidate");
	swgr_resp_header(r, "Expires", "Thu, 01 Jan 1970 00:00:00 GMT");
	swgr_resp_header(r, "Pragma", "no-cache");
}

void
swgr_resp_json(struct swgr_resp *r)
{
	swgr_resp_header(r, "Content-Type", "application/json");
}

const char *
swgr_status_reason(int status)
{
	const char *s = swgr_reason_phrase(status);

	return s != NULL ? s : "Unknown";
}

/* The status line, the headers and the blank line; whether a body follows (unless HEAD). */
static bool
resp_head(struct swgr_resp *r, struct swgr_buf *out)
{
	bool body;

	if (r->bad || !swgr_buf_ok(&r->head) || !swgr_buf_ok(&r->body))
		swgr_resp_reset(r, 500);
	body = r->status >= 200 && r->status != 204 && r->status != 304;
	swgr_buf_put(out, "Status: ", 8);
	swgr_buf_put_u64(out, (uint64_t)r->status);
	swgr_buf_putc(out, ' ');
	swgr_buf_puts(out, swgr_status_reason(r->status));
	swgr_buf_put(out, "\r\n", 2);
	if (r->head.len > 0)
		swgr_buf_put(out, r->head.p, r->head.len);
	if (body) {
		swgr_buf_put(out, "Content-Length: ", 16);
		swgr_buf_put_u64(out, r->body.len);
		swgr_buf_put(out, "\r\n", 2);
	}
	swgr_buf_puts(out, "\r\n");
	return body;
}

void
swgr_resp_serialise(struct swgr_resp *r, bool head_only, struct swgr_buf *out)
{
	if (resp_head(r, out) && !head_only && r->body.len > 0)
		swgr_buf_put(out, r->body.p, r->body.len);
}

bool
swgr_resp_send(struct swgr_resp *r, bool head_only, FCGX_Stream *out)
{
	struct swgr_buf *b = &r->wire;
	bool body;

	/* The body goes out from its own buffer: no copy of it (libfcgi buffers the stream). */
	swgr_buf_reset(b);
	body = resp_head(r, b) && !head_only && r->body.len > 0;
	return swgr_buf_ok(b) && b->len <= INT32_MAX &&
	    FCGX_PutStr(b->p, (int)b->len, out) == (int)b->len &&
	    (!body || (r->body.len <= INT32_MAX &&
	    FCGX_PutStr(r->body.p, (int)r->body.len, out) == (int)r->body.len));
}
