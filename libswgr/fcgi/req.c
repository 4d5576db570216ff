/* One FastCGI request: its parameters indexed, path and query parsed, body read, Content-Type judged. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcgi/fcgi.h"

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

void
swgr_req_drain(FCGX_Stream *in)
{
	drain(in, SWGR_BODY_DRAIN_MAX);
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
