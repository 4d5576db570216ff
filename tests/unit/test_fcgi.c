/* Unit tests of the FastCGI request parsers and the response builder. */
#include <stdlib.h>
#include <string.h>

#include "fcgi/fcgi.h"
#include "t.h"

/* A reader stream over a memory buffer that reports end of input when it runs dry. */
static void
eof_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

static void
mem_stream(FCGX_Stream *s, unsigned char *p, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->rdNext = s->stopUnget = p;
	s->stop = s->wrNext = p + len;
	s->isReader = 1;
	s->fillBuffProc = eof_fill;
}

/* Decodes s and compares with want (NULL: must fail with SWGR_EINVAL). */
static void
check_decode(const char *s, bool form, const char *want)
{
	char *out = NULL;
	enum swgr_rc rc = swgr_pct_decode(s, strlen(s), form, &out);

	if (want == NULL) {
		CHECK_INT(rc, SWGR_EINVAL);
		CHECK(out == NULL);
	} else {
		CHECK_INT(rc, SWGR_OK);
		CHECK_STR(out, want);
	}
	free(out);
}

static void
test_decode(void)
{
	check_decode("a%20b", false, "a b");
	check_decode("a+b", false, "a+b");
	check_decode("%41%6a%6A", false, "Ajj");
	check_decode("%C3%A9", false, "\xc3\xa9");
	check_decode("%2F", false, "/");
	check_decode("", false, "");
	check_decode("%zz", false, NULL);
	check_decode("%4", false, NULL);
	check_decode("%", false, NULL);
	check_decode("ab%", false, NULL);
	check_decode("%00", false, NULL);
	check_decode("%FF", false, NULL);	/* not UTF-8 */
	check_decode("%C3", false, NULL);	/* truncated UTF-8 */

	check_decode("a+b", true, "a b");
	check_decode("a%2Bb", true, "a+b");
	check_decode("%zz", true, "%zz");
	check_decode("%4", true, "%4");
	check_decode("100%", true, "100%");
	check_decode("1%00", true, "1%00");
	check_decode("%FF", true, "\xff");
}

static void
test_split(void)
{
	char **seg;
	size_t n;

	CHECK_INT(swgr_path_split("/", &seg, &n), SWGR_OK);
	CHECK_INT(n, 0);
	free(seg);

	CHECK_INT(swgr_path_split("/discovery", &seg, &n), SWGR_OK);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(seg[0], "discovery");
	free(seg);

	CHECK_INT(swgr_path_split("/discovery/", &seg, &n), SWGR_OK);
	CHECK_INT(n, 2);
	if (n == 2)
		CHECK_STR(seg[1], "");
	free(seg);

	CHECK_INT(swgr_path_split("/offers/a%2Fb/c%20d", &seg, &n), SWGR_OK);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(seg[1], "a/b");
		CHECK_STR(seg[2], "c d");
		CHECK(seg[3] == NULL);
	}
	free(seg);

	CHECK_INT(swgr_path_split("//x", &seg, &n), SWGR_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(seg[0], "");
		CHECK_STR(seg[1], "x");
	}
	free(seg);

	CHECK_INT(swgr_path_split("noslash", &seg, &n), SWGR_EINVAL);
	CHECK_INT(swgr_path_split("", &seg, &n), SWGR_EINVAL);
	CHECK_INT(swgr_path_split("/a/%zz", &seg, &n), SWGR_EINVAL);
	CHECK(seg == NULL && n == 0);
	CHECK_INT(swgr_path_split("/a/b%00", &seg, &n), SWGR_EINVAL);
}

static void
test_query(void)
{
	struct swgr_query q;
	const char *v = NULL;
	uint64_t u;
	bool b;

	CHECK_INT(swgr_query_parse("start=1&count=2&a+b=c+d&x&&=e&dup=1&dup=2&", &q), SWGR_OK);
	CHECK_INT(q.n, 7);
	CHECK_INT(swgr_query_count(&q, "start", &v), 1);
	CHECK_STR(v, "1");
	CHECK_INT(swgr_query_count(&q, "a b", &v), 1);
	CHECK_STR(v, "c d");
	CHECK_INT(swgr_query_count(&q, "x", &v), 1);
	CHECK_STR(v, "");
	CHECK_INT(swgr_query_count(&q, "", &v), 1);
	CHECK_STR(v, "e");
	CHECK_INT(swgr_query_count(&q, "dup", &v), 2);
	CHECK_STR(v, "1");
	CHECK_INT(swgr_query_count(&q, "missing", NULL), 0);

	u = 7;
	CHECK_INT(swgr_query_u64(&q, "count", true, &u), SWGR_OK);
	CHECK_INT(u, 2);
	u = 7;
	CHECK_INT(swgr_query_u64(&q, "missing", false, &u), SWGR_OK);
	CHECK_INT(u, 7);
	CHECK_INT(swgr_query_u64(&q, "missing", true, &u), SWGR_EINVAL);
	CHECK_INT(swgr_query_u64(&q, "dup", false, &u), SWGR_EINVAL);
	CHECK_INT(swgr_query_u64(&q, "x", false, &u), SWGR_EINVAL);	/* empty value */
	swgr_query_free(&q);
	CHECK(q.names == NULL && q.n == 0);

	CHECK_INT(swgr_query_parse("a=-1&b=%2B5&c=18446744073709551615&d=18446744073709551616"
	    "&e=1%00&f=1x&g=+&h=0", &q), SWGR_OK);
	CHECK_INT(swgr_query_u64(&q, "a", false, &u), SWGR_EINVAL);
	CHECK_INT(swgr_query_u64(&q, "b", false, &u), SWGR_OK);
	CHECK_INT(u, 5);
	CHECK_INT(swgr_query_u64(&q, "c", false, &u), SWGR_OK);
	CHECK(u == UINT64_MAX);
	CHECK_INT(swgr_query_u64(&q, "d", false, &u), SWGR_EINVAL);
	CHECK_INT(swgr_query_u64(&q, "e", false, &u), SWGR_EINVAL);
	CHECK_INT(swgr_query_u64(&q, "f", false, &u), SWGR_EINVAL);
	CHECK_INT(swgr_query_u64(&q, "g", false, &u), SWGR_EINVAL);	/* "+" is a space */
	CHECK_INT(swgr_query_u64(&q, "h", false, &u), SWGR_OK);
	CHECK_INT(u, 0);
	swgr_query_free(&q);

	CHECK_INT(swgr_query_parse("t=true&f=false&T=True&one=1&d=true&d=false", &q), SWGR_OK);
	b = false;
	CHECK_INT(swgr_query_bool(&q, "t", false, &b), SWGR_OK);
	CHECK(b == true);
	CHECK_INT(swgr_query_bool(&q, "f", false, &b), SWGR_OK);
	CHECK(b == false);
	CHECK_INT(swgr_query_bool(&q, "T", false, &b), SWGR_EINVAL);
	CHECK_INT(swgr_query_bool(&q, "one", false, &b), SWGR_EINVAL);
	CHECK_INT(swgr_query_bool(&q, "d", false, &b), SWGR_EINVAL);
	b = true;
	CHECK_INT(swgr_query_bool(&q, "sparse", false, &b), SWGR_OK);
	CHECK(b == true);
	CHECK_INT(swgr_query_bool(&q, "sparse", true, &b), SWGR_EINVAL);
	swgr_query_free(&q);

	CHECK_INT(swgr_query_parse("", &q), SWGR_OK);
	CHECK_INT(q.n, 0);
	swgr_query_free(&q);
}

static void
test_ctype(void)
{
	CHECK(swgr_ctype_is_json("application/json"));
	CHECK(swgr_ctype_is_json("Application/JSON"));
	CHECK(swgr_ctype_is_json("application/json; charset=utf-8"));
	CHECK(swgr_ctype_is_json("application/json;charset=\"utf-8\""));
	CHECK(swgr_ctype_is_json(" application/json "));
	CHECK(swgr_ctype_is_json("application/problem+json"));
	CHECK(swgr_ctype_is_json("application/vnd.api+JSON; v=1; x=y"));
	CHECK(!swgr_ctype_is_json(NULL));
	CHECK(!swgr_ctype_is_json(""));
	CHECK(!swgr_ctype_is_json("json"));
	CHECK(!swgr_ctype_is_json("text/json"));
	CHECK(!swgr_ctype_is_json("text/plain"));
	CHECK(!swgr_ctype_is_json("application/jsonx"));
	CHECK(!swgr_ctype_is_json("application/x-json"));
	CHECK(!swgr_ctype_is_json("application/json-patch"));
	CHECK(!swgr_ctype_is_json("application/+json"));
	CHECK(!swgr_ctype_is_json("application/"));
	CHECK(!swgr_ctype_is_json("application/json x"));
	CHECK(!swgr_ctype_is_json("application/json; charset"));
	CHECK(!swgr_ctype_is_json("application/json; a=\"open"));
	CHECK(!swgr_ctype_is_json("application/x-www-form-urlencoded"));
}

static void
check_ip(char **envp, const char *want)
{
	char out[SWGR_IP_STRMAX];
	struct swgr_env e;

	memset(out, 'x', sizeof(out));
	swgr_env_index(envp, &e);
	swgr_client_ip(&e, out);
	CHECK_STR(out, want);
}

/* Every name is found, whatever the lengths the names share. */
static void
test_env_index_all(void)
{
	char *envp[] = { "REQUEST_METHOD=0", "SERVER_PROTOCOL=1", "QUERY_STRING=2",
	    "REQUEST_URI=3", "SCRIPT_NAME=4", "PATH_INFO=5", "REMOTE_ADDR=6",
	    "HTTP_CF_CONNECTING_IP=7", "HTTP_CLOUDFRONT_VIEWER_ADDRESS=8",
	    "HTTP_FLY_CLIENT_IP=9", "HTTP_X_REAL_IP=10", "HTTP_TRUE_CLIENT_IP=11",
	    "HTTP_FORWARDED=12", "HTTP_X_FORWARDED_FOR=13", "HTTP_X_FORWARDED_HOST=14",
	    "HTTP_HOST=15", "HTTP_X_FORWARDED_PROTO=16", "HTTPS=17", "REQUEST_SCHEME=18",
	    "HTTP_X_VERY_LONG_HEADER_NAME_OVER_THIRTY_ONE=x", "HTTP_HOSX=no", NULL };
	struct swgr_env e;
	char want[8];
	size_t i;

	swgr_env_index(envp, &e);
	for (i = 0; i < SWGR_P_COUNT; i++) {
		snprintf(want, sizeof(want), "%zu", i);
		CHECK_STR(e.v[i] != NULL ? e.v[i] : "(absent)", want);
	}
}

/* One pass finds every name read per request; the first of a repeated name counts. */
static void
test_env_index(void)
{
	char *envp[] = { "HTTP_HOSTX=c", "JUNK", "HTTP_HOST=a", "HTTP_HOST=b", "HTTPS=on",
	    "HTTP_HOST", "REQUEST_METHOD=", "HTTP_X_FORWARDED_PROTO=https", NULL };
	struct swgr_env e;
	size_t i, set = 0;

	swgr_env_index(envp, &e);
	CHECK(e.envp == envp);
	CHECK_STR(e.v[SWGR_P_HOST], "a");
	CHECK_STR(e.v[SWGR_P_HTTPS], "on");
	CHECK_STR(e.v[SWGR_P_REQUEST_METHOD], "");
	CHECK_STR(e.v[SWGR_P_X_FORWARDED_PROTO], "https");
	for (i = 0; i < SWGR_P_COUNT; i++)
		set += e.v[i] != NULL;
	CHECK_INT(set, 4);
	swgr_env_index(NULL, &e);
	CHECK(e.v[SWGR_P_HOST] == NULL);
	test_env_index_all();
}

static void
test_client_ip(void)
{
	char *none[] = { NULL };
	char *peer[] = { "REMOTE_ADDR=10.0.0.1", NULL };
	char *peer6[] = { "REMOTE_ADDR=2001:DB8:0:0::1", NULL };
	char *badpeer[] = { "REMOTE_ADDR=unix:", NULL };
	char *all[] = { "HTTP_CF_CONNECTING_IP=8.8.8.8",
	    "HTTP_CLOUDFRONT_VIEWER_ADDRESS=7.7.7.7:443", "HTTP_FLY_CLIENT_IP=6.6.6.6",
	    "HTTP_X_REAL_IP=5.5.5.5", "HTTP_TRUE_CLIENT_IP=4.4.4.4",
	    "HTTP_FORWARDED=for=3.3.3.3", "HTTP_X_FORWARDED_FOR=1.1.1.1, 2.2.2.2",
	    "REMOTE_ADDR=10.0.0.1", NULL };
	char *badcf[] = { "HTTP_CF_CONNECTING_IP=nonsense", "HTTP_X_REAL_IP= 5.5.5.5 ", NULL };
	char *cf6[] = { "HTTP_CLOUDFRONT_VIEWER_ADDRESS=2001:db8::17:6:58870", NULL };
	char *cfport[] = { "HTTP_CLOUDFRONT_VIEWER_ADDRESS=7.7.7.7", "REMOTE_ADDR=10.0.0.1", NULL };
	char *fwd[] = { "HTTP_FORWARDED=for=1.1.1.1;proto=https, For=\"[2001:db8::2]:4711\";by=x",
	    "HTTP_X_FORWARDED_FOR=9.9.9.9", NULL };
	char *fwdport[] = { "HTTP_FORWARDED=for=\"192.0.2.60:8080\"", NULL };
	char *fwdhidden[] = { "HTTP_FORWARDED=for=1.1.1.1, for=_hidden, proto=http", NULL };
	char *fwdnone[] = { "HTTP_FORWARDED=for=unknown", "HTTP_X_FORWARDED_FOR=1.1.1.1,2.2.2.2",
	    NULL };
	char *xff[] = { "HTTP_X_FORWARDED_FOR=1.1.1.1, 2.2.2.2 ,junk", "REMOTE_ADDR=10.0.0.1",
	    NULL };
	/* IPv4 is taken as written only in its one canonical form. */
	char *lead0[] = { "REMOTE_ADDR=010.0.0.1", NULL };
	char *v4mapped[] = { "REMOTE_ADDR=::FFFF:10.0.0.1", NULL };

	check_ip(none, "-");
	check_ip(peer, "10.0.0.1");
	check_ip(peer6, "2001:db8::1");
	check_ip(badpeer, "-");
	check_ip(all, "8.8.8.8");
	check_ip(all + 1, "7.7.7.7");
	check_ip(all + 2, "6.6.6.6");
	check_ip(all + 3, "5.5.5.5");
	check_ip(all + 4, "4.4.4.4");
	check_ip(all + 5, "3.3.3.3");
	check_ip(all + 6, "2.2.2.2");
	check_ip(all + 7, "10.0.0.1");
	check_ip(badcf, "5.5.5.5");
	check_ip(cf6, "2001:db8::17:6");
	check_ip(cfport, "10.0.0.1");
	check_ip(fwd, "2001:db8::2");
	check_ip(fwdport, "192.0.2.60");
	check_ip(fwdhidden, "1.1.1.1");
	check_ip(fwdnone, "2.2.2.2");
	check_ip(xff, "2.2.2.2");
	check_ip(lead0, "-");
	check_ip(v4mapped, "::ffff:10.0.0.1");
}

static void
check_encode(const char *s, const char *want)
{
	struct swgr_buf b = { 0 };

	swgr_hdr_encode(&b, s);
	CHECK_STR(b.len > 0 ? b.p : "", want);
	CHECK(b.p == NULL || swgr_hdr_value_ok(b.p));
	swgr_buf_free(&b);
}

static void
test_header_safety(void)
{
	CHECK(swgr_hdr_value_ok("default/6a38ebdd-0000-0000-0000-000000000000"));
	CHECK(swgr_hdr_value_ok("Bearer realm=\"x\", error=\"y\"\t"));
	CHECK(swgr_hdr_value_ok(""));
	CHECK(!swgr_hdr_value_ok("a\r\nSet-Cookie: x"));
	CHECK(!swgr_hdr_value_ok("a\nb"));
	CHECK(!swgr_hdr_value_ok("\x7f"));
	CHECK(!swgr_hdr_value_ok("caf\xc3\xa9"));

	check_encode("default", "default");
	check_encode("a b/c%_\\\"'); --", "a b/c%_\\\"'); --");
	check_encode("x\r\nLocation: evil", "x%0D%0ALocation: evil");
	check_encode("caf\xc3\xa9", "caf%C3%A9");
	check_encode("t\tb\x7f", "t%09b%7F");
	check_encode("", "");
}

/* A request from FastCGI parameters, as the web server would send them. */
static void
test_request(void)
{
	char *ng[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/offers/my%20part/x?sparse=false&a=1",
	    "QUERY_STRING=sparse=false&a=1", "SERVER_PROTOCOL=HTTP/1.1",
	    "REMOTE_ADDR=127.0.0.1", NULL };
	char *cgi[] = { "REQUEST_METHOD=OPTIONS", "SCRIPT_NAME=/discovery", "PATH_INFO=/abc",
	    "QUERY_STRING=x=1", NULL };
	char *noq[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/health?z=9", NULL };
	char *bad[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/discovery/%G0", NULL };
	char *empty[] = { NULL };
	struct swgr_req r;
	bool b = true;

	CHECK_INT(swgr_req_init(&r, ng, NULL), SWGR_OK);
	CHECK_STR(r.method, "HEAD");
	CHECK_INT(r.mbit, SWGR_M_HEAD);
	CHECK_STR(r.path, "/offers/my%20part/x");
	CHECK_STR(r.target, "/offers/my%20part/x?sparse=false&a=1");
	CHECK_STR(r.query, "sparse=false&a=1");
	CHECK_STR(r.protocol, "HTTP/1.1");
	CHECK_STR(r.client_ip, "127.0.0.1");
	CHECK_INT(r.path_rc, SWGR_OK);
	CHECK_INT(r.nseg, 3);
	if (r.nseg == 3)
		CHECK_STR(r.seg[1], "my part");
	CHECK(swgr_req_match(&r, "/offers/*/*"));
	CHECK(!swgr_req_match(&r, "/offers/*"));
	CHECK(!swgr_req_match(&r, "/offers/*/*/*"));
	CHECK(!swgr_req_match(&r, "/offers"));
	CHECK(!swgr_req_match(&r, "/metadata/*/*"));
	CHECK(swgr_req_match(&r, "/offers/my part/x"));
	CHECK_INT(swgr_query_bool(&r.q, "sparse", false, &b), SWGR_OK);
	CHECK(b == false);
	CHECK_STR(swgr_req_param(&r, "REMOTE_ADDR"), "127.0.0.1");
	CHECK(swgr_req_param(&r, "HTTP_AUTHORIZATION") == NULL);
	swgr_req_free(&r);

	CHECK_INT(swgr_req_init(&r, cgi, NULL), SWGR_OK);
	CHECK_INT(r.mbit, 0);
	CHECK_STR(r.path, "/discovery/abc");
	CHECK_STR(r.target, "/discovery/abc?x=1");
	CHECK_STR(r.protocol, "-");
	CHECK_STR(r.client_ip, "-");
	CHECK(swgr_req_match(&r, "/discovery/*"));
	swgr_req_free(&r);

	/* Without QUERY_STRING the query comes from REQUEST_URI. */
	CHECK_INT(swgr_req_init(&r, noq, NULL), SWGR_OK);
	CHECK_STR(r.query, "z=9");
	CHECK(swgr_req_match(&r, "/health"));
	CHECK(!swgr_req_match(&r, "/"));
	swgr_req_free(&r);

	CHECK_INT(swgr_req_init(&r, bad, NULL), SWGR_OK);
	CHECK_INT(r.path_rc, SWGR_EINVAL);
	CHECK(!swgr_req_match(&r, "/discovery/*"));
	swgr_req_free(&r);

	/* No parameters at all: an empty path, which matches nothing. */
	CHECK_INT(swgr_req_init(&r, empty, NULL), SWGR_OK);
	CHECK_STR(r.method, "");
	CHECK_INT(r.path_rc, SWGR_EINVAL);
	CHECK(!swgr_req_match(&r, "/"));
	swgr_req_free(&r);
}

static void
test_body(void)
{
	char *cl5[] = { "REQUEST_URI=/", "CONTENT_LENGTH=5", NULL };
	char *cl20[] = { "REQUEST_URI=/", "CONTENT_LENGTH=20", NULL };
	char *clbig[] = { "REQUEST_URI=/", "CONTENT_LENGTH=2097153", NULL };
	char *clmax[] = { "REQUEST_URI=/", "CONTENT_LENGTH=2097152", NULL };
	char *clbad[] = { "REQUEST_URI=/", "CONTENT_LENGTH=12a", NULL };
	char *nocl[] = { "REQUEST_URI=/", NULL };
	unsigned char data[] = "{\"a\":1}trailing";
	unsigned char *big;
	struct swgr_err err = { 0 };
	struct swgr_req r;
	FCGX_Stream s;

	mem_stream(&s, data, sizeof(data) - 1);
	swgr_req_init(&r, cl5, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_OK);
	CHECK_INT(r.body_len, 5);
	CHECK_STR(r.body, "{\"a\":");
	swgr_req_free(&r);

	mem_stream(&s, data, 7);
	swgr_req_init(&r, nocl, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_OK);
	CHECK_STR(r.body, "{\"a\":1}");
	swgr_req_free(&r);

	mem_stream(&s, data, 7);
	swgr_req_init(&r, cl20, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_EINVAL);	/* shorter than announced */
	swgr_req_free(&r);

	mem_stream(&s, data, 7);
	swgr_req_init(&r, clbad, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_EINVAL);
	swgr_req_free(&r);

	swgr_req_init(&r, nocl, NULL);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_OK);
	CHECK_INT(r.body_len, 0);
	CHECK_STR(r.body, "");
	swgr_req_free(&r);

	if ((big = malloc(SWGR_BODY_MAX + 100)) == NULL)
		return;
	memset(big, ' ', SWGR_BODY_MAX + 100);
	mem_stream(&s, big, SWGR_BODY_MAX + 100);
	swgr_req_init(&r, clbig, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_ETOOBIG);
	CHECK(r.body == NULL);
	CHECK(s.rdNext == big + SWGR_BODY_MAX + 1);	/* announced bytes discarded, no more */
	swgr_req_free(&r);

	mem_stream(&s, big, SWGR_BODY_MAX + 100);
	swgr_req_init(&r, clmax, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_OK);
	CHECK_INT(r.body_len, SWGR_BODY_MAX);
	swgr_req_free(&r);

	mem_stream(&s, big, SWGR_BODY_MAX + 100);
	swgr_req_init(&r, nocl, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_ETOOBIG);
	CHECK(r.body == NULL && r.body_len == 0);
	CHECK(s.rdNext == big + SWGR_BODY_MAX + 100);	/* the rest discarded */
	swgr_req_free(&r);

	mem_stream(&s, big, SWGR_BODY_MAX);
	swgr_req_init(&r, nocl, &s);
	CHECK_INT(swgr_req_body(&r, &err), SWGR_OK);
	CHECK_INT(r.body_len, SWGR_BODY_MAX);
	swgr_req_free(&r);

	/* what a handler left unread is read to its end before the answer */
	mem_stream(&s, big, SWGR_BODY_MAX + 100);
	swgr_req_drain(&s);
	CHECK(s.rdNext == big + SWGR_BODY_MAX + 100);
	CHECK(s.isClosed);
	mem_stream(&s, data, 0);			/* an empty body */
	swgr_req_drain(&s);
	CHECK(s.isClosed);
	swgr_req_drain(NULL);
	free(big);
}

static void
check_resp(struct swgr_resp *r, bool head, const char *want)
{
	struct swgr_buf b = { 0 };

	swgr_resp_serialise(r, head, &b);
	CHECK_STR(b.p, want);
	swgr_buf_free(&b);
}

static void
test_response(void)
{
	struct swgr_resp r;
	size_t i;

	swgr_resp_init(&r);
	swgr_resp_json(&r);
	swgr_resp_nocache(&r);
	swgr_resp_header(&r, "ETag", "00000000000000ff");
	swgr_buf_puts(&r.body, "[]");
	check_resp(&r, false, "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store, no-cache, must-revalidate\r\n"
	    "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\nPragma: no-cache\r\n"
	    "ETag: 00000000000000ff\r\nContent-Length: 2\r\n\r\n[]");
	check_resp(&r, true, "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store, no-cache, must-revalidate\r\n"
	    "Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\nPragma: no-cache\r\n"
	    "ETag: 00000000000000ff\r\nContent-Length: 2\r\n\r\n");
	swgr_resp_free(&r);

	swgr_resp_init(&r);
	r.status = 204;
	check_resp(&r, false, "Status: 204 No Content\r\n\r\n");
	swgr_resp_reset(&r, 304);
	swgr_resp_header(&r, "ETag", "0000000000000001");
	check_resp(&r, false, "Status: 304 Not Modified\r\nETag: 0000000000000001\r\n\r\n");
	swgr_resp_reset(&r, 201);
	check_resp(&r, false, "Status: 201 Created\r\nContent-Length: 0\r\n\r\n");
	swgr_resp_free(&r);

	swgr_resp_init(&r);
	r.status = 201;
	swgr_buf_puts(&r.body, "x");
	CHECK_INT(swgr_resp_header(&r, "Location", "a\r\nSet-Cookie: x"), SWGR_EINVAL);
	CHECK_INT(swgr_resp_header(&r, "Bad Name", "v"), SWGR_EINVAL);
	check_resp(&r, false, "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
	CHECK_INT(r.status, 500);
	swgr_resp_free(&r);

	swgr_resp_init(&r);
	swgr_resp_reset(&r, 405);
	swgr_resp_header(&r, "Allow", "GET,HEAD,POST");
	check_resp(&r, false, "Status: 405 Method Not Allowed\r\nAllow: GET,HEAD,POST\r\n"
	    "Content-Length: 0\r\n\r\n");
	swgr_resp_free(&r);

	/* A worker's response, recycled: empty and 200 again, small buffers kept, large ones not. */
	swgr_resp_init(&r);
	swgr_resp_reset(&r, 404);
	swgr_resp_header(&r, "X-A", "1");
	swgr_buf_puts(&r.body, "gone");
	check_resp(&r, false, "Status: 404 Not Found\r\nX-A: 1\r\nContent-Length: 4\r\n\r\ngone");
	swgr_resp_recycle(&r);
	CHECK_INT(r.status, 200);
	CHECK(r.head.p != NULL && r.head.len == 0 && r.body.p != NULL && r.body.len == 0);
	for (i = 0; i < SWGR_RESP_KEEP; i++)
		swgr_buf_putc(&r.body, 'x');
	CHECK_INT(swgr_resp_header(&r, "Bad Name", "v"), SWGR_EINVAL);
	swgr_resp_recycle(&r);
	CHECK(r.body.p == NULL && r.body.cap == 0 && !r.bad);
	check_resp(&r, false, "Status: 200 OK\r\nContent-Length: 0\r\n\r\n");
	swgr_resp_free(&r);

	CHECK_STR(swgr_status_reason(415), "Unsupported Media Type");
	CHECK_STR(swgr_status_reason(422), "Unprocessable Entity");
	CHECK_STR(swgr_status_reason(599), "Unknown");
}

int
main(void)
{
	test_decode();
	test_split();
	test_query();
	test_ctype();
	test_env_index();
	test_client_ip();
	test_header_safety();
	test_request();
	test_body();
	test_response();
	return t_done("test_fcgi");
}
