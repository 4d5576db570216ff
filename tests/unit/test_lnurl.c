/* Unit tests of lnurl.c: the metadata string, host and scheme rules (forwarding headers believed or not, allowed hosts with ports), URLs, amounts, comments, cache headers and Vary; and the backoff. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pay/balancer.h"
#include "pay/lnurl.h"
#include "model/model.h"
#include "t.h"

/* Builds the metadata string of m and compares it byte for byte. */
static void
check_meta(const struct swgr_metadata *m, const char *want)
{
	struct swgr_buf b = { 0 };

	swgr_lnurl_metadata(&b, m);
	CHECK(swgr_buf_ok(&b));
	CHECK_STR(b.p, want);
	swgr_buf_free(&b);
}

static void
test_metadata(void)
{
	struct swgr_metadata m;
	uint8_t img[] = { 0, 1 };

	memset(&m, 0, sizeof(m));
	m.text = "text";
	check_meta(&m, "[[\"text/plain\",\"text\"]]");
	m.long_text = "long text";
	m.image_kind = SWGR_IMAGE_PNG;
	m.image = img;
	m.image_len = sizeof(img);
	m.ident_kind = SWGR_IDENT_EMAIL;
	m.identifier = "email@example.com";
	/* The example of spec §8, verbatim. */
	check_meta(&m, "[[\"text/plain\",\"text\"],[\"text/long-desc\",\"long text\"],"
	    "[\"image/png;base64\",\"AAE=\"],[\"text/email\",\"email@example.com\"]]");
	m.image_kind = SWGR_IMAGE_JPEG;
	m.ident_kind = SWGR_IDENT_TEXT;
	m.identifier = "Alice <alice@shop.example>";	/* the display form keeps only the address */
	m.long_text = NULL;
	check_meta(&m, "[[\"text/plain\",\"text\"],[\"image/jpeg;base64\",\"AAE=\"],"
	    "[\"text/identifier\",\"alice@shop.example\"]]");
	/* serde_json escaping: \" \\ \b \t \n \f \r, \u00xx lowercase, '/', DEL and UTF-8 raw. */
	memset(&m, 0, sizeof(m));
	m.text = "\"q\" \\ \b\t\n\f\r \x01\x1f / \x7f \xc3\xa9 \xe2\x9c\x93";
	check_meta(&m, "[[\"text/plain\",\"\\\"q\\\" \\\\ \\b\\t\\n\\f\\r \\u0001\\u001f / \x7f "
	    "\xc3\xa9 \xe2\x9c\x93\"]]");
}

static void
test_error_json(void)
{
	struct swgr_buf b = { 0 };

	swgr_lnurl_error_json(&b, "offer not found: \"x\"");
	CHECK_STR(b.p, "{\"status\":\"ERROR\",\"reason\":\"offer not found: \\\"x\\\"\"}");
	swgr_buf_free(&b);
}

/* The host of a request with the parameters envp, its forwarding headers believed if fwd. */
static const char *
host_of(char **envp, bool fwd, char buf[SWGR_LNURL_HOST_MAX])
{
	struct swgr_env e;

	swgr_env_index(envp, &e);
	return swgr_lnurl_host(&e, fwd, buf);
}

static const char *
scheme_of(char **envp, bool fwd, bool tls)
{
	struct swgr_env e;

	swgr_env_index(envp, &e);
	return swgr_lnurl_scheme(&e, fwd, tls);
}

static void
test_host(void)
{
	char buf[SWGR_LNURL_HOST_MAX];
	char *e1[] = { "HTTP_HOST=a.example", "HTTP_X_FORWARDED_HOST=b.example",
	    "HTTP_FORWARDED=for=1.2.3.4;host=\"c.example:8080\";proto=https, host=d.example", NULL };
	char *e2[] = { "HTTP_HOST=a.example", "HTTP_X_FORWARDED_HOST=b.example", NULL };
	char *e3[] = { "HTTP_HOST=a.example", "HTTP_FORWARDED=for=1.2.3.4", NULL };
	char *e4[] = { "HTTP_HOSTX=a.example", "HTTP_X_FORWARDED_HOST=", NULL };
	char *allowed[] = { "Shop.Example", "[::1]", "fe80::2" };

	CHECK_STR(host_of(e1, true, buf), "c.example:8080");
	CHECK_STR(host_of(e2, true, buf), "b.example");
	CHECK_STR(host_of(e3, true, buf), "a.example");
	CHECK(host_of(e4, true, buf) == NULL);
	/* not believed: the Host header only */
	CHECK_STR(host_of(e1, false, buf), "a.example");
	CHECK_STR(host_of(e2, false, buf), "a.example");
	CHECK(host_of(e4, false, buf) == NULL);

	CHECK(swgr_lnurl_host_allowed("shop.example", NULL, allowed, 3));
	CHECK(swgr_lnurl_host_allowed("SHOP.EXAMPLE:8080", "http", allowed, 3));
	CHECK(swgr_lnurl_host_allowed("[::1]:443", "https", allowed, 3));
	CHECK(swgr_lnurl_host_allowed("[::1]", NULL, allowed, 3));
	CHECK(swgr_lnurl_host_allowed("[FE80::2]:80", "http", allowed, 3));
	CHECK(!swgr_lnurl_host_allowed("[::2]", NULL, allowed, 3));
	CHECK(!swgr_lnurl_host_allowed("shop.example.evil", NULL, allowed, 3));
	CHECK(!swgr_lnurl_host_allowed("evil.shop.example", NULL, allowed, 3));
	CHECK(!swgr_lnurl_host_allowed("", NULL, allowed, 3));
	CHECK(swgr_lnurl_host_allowed("anything", NULL, allowed, 0));
	allowed[0] = "";
	CHECK(!swgr_lnurl_host_allowed("shop.example", NULL, allowed, 1));
}

/* allowed-hosts entries with a port take that port only; without, any port. */
static void
test_host_ports(void)
{
	char *allowed[] = { "pay.example:8443", "Any.Example", "[::1]:9000", "fe80::2",
	    "tls.example:443", "plain.example:80" };
	size_t n = sizeof(allowed) / sizeof(allowed[0]);

	CHECK(swgr_lnurl_host_allowed("pay.example:8443", "https", allowed, n));
	CHECK(swgr_lnurl_host_allowed("PAY.example:08443", "https", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("pay.example:8444", "https", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("pay.example", "https", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("pay.example:", "https", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("pay.example:x8443", "https", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("pay.example:99999", "https", allowed, n));
	CHECK(swgr_lnurl_host_allowed("any.example", "http", allowed, n));
	CHECK(swgr_lnurl_host_allowed("any.example:1", "http", allowed, n));
	CHECK(swgr_lnurl_host_allowed("any.example:junk", "http", allowed, n));	/* any port: URL building refuses it */
	CHECK(swgr_lnurl_host_allowed("[::1]:9000", "http", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("[::1]:9001", "http", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("[::1]", "http", allowed, n));
	CHECK(swgr_lnurl_host_allowed("[fe80::2]:1234", "http", allowed, n));	/* bare IPv6: no port */
	/* a host without a port has the scheme's default one */
	CHECK(swgr_lnurl_host_allowed("tls.example", "https", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("tls.example", "http", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("tls.example", NULL, allowed, n));
	CHECK(swgr_lnurl_host_allowed("tls.example:443", "http", allowed, n));
	CHECK(swgr_lnurl_host_allowed("plain.example", "http", allowed, n));
	CHECK(!swgr_lnurl_host_allowed("plain.example", "https", allowed, n));
}

/* Whose forwarding headers are believed: everyone's, or trusted-proxies' only. */
static void
test_fwd_trusted(void)
{
	struct swgr_cidr blocks[2];
	struct swgr_err err = { 0 };
	struct swgr_lnurl_cfg lc = { 0 };
	struct swgr_env e;
	char *proxy[] = { "REMOTE_ADDR=10.1.2.3", NULL };
	char *client[] = { "REMOTE_ADDR=203.0.113.7", NULL };
	char *none[] = { NULL };

	CHECK(swgr_cidr_parse("10.0.0.0/8", &blocks[0], &err) == SWGR_OK);
	CHECK(swgr_cidr_parse("::1", &blocks[1], &err) == SWGR_OK);
	swgr_env_index(proxy, &e);
	CHECK(!swgr_lnurl_fwd_trusted(&lc, &e));		/* the default: nobody's */
	lc.trusted_proxies = blocks;
	lc.ntrusted_proxies = 2;
	CHECK(swgr_lnurl_fwd_trusted(&lc, &e));
	swgr_env_index(client, &e);
	CHECK(!swgr_lnurl_fwd_trusted(&lc, &e));
	swgr_env_index(none, &e);
	CHECK(!swgr_lnurl_fwd_trusted(&lc, &e));
	lc.trust_forwarded_headers = true;
	CHECK(swgr_lnurl_fwd_trusted(&lc, &e));
	swgr_env_index(client, &e);
	CHECK(swgr_lnurl_fwd_trusted(&lc, &e));
}

static void
test_scheme(void)
{
	char *fwd[] = { "HTTP_FORWARDED=for=x;Proto=HTTPS", "HTTP_X_FORWARDED_PROTO=http",
	    "HTTPS=", "REQUEST_SCHEME=http", NULL };
	char *xfp[] = { "HTTP_X_FORWARDED_PROTO=https", "REQUEST_SCHEME=http", NULL };
	char *junk[] = { "HTTP_X_FORWARDED_PROTO=gopher", "HTTPS=on", "REQUEST_SCHEME=http", NULL };
	char *rs[] = { "REQUEST_SCHEME=https", NULL };
	char *rs2[] = { "REQUEST_SCHEME=http", NULL };
	char *none[] = { NULL };

	CHECK_STR(scheme_of(fwd, true, false), "https");
	CHECK_STR(scheme_of(xfp, true, false), "https");
	CHECK_STR(scheme_of(junk, true, false), "https");
	CHECK_STR(scheme_of(rs, true, false), "https");
	CHECK_STR(scheme_of(rs2, true, true), "http");
	CHECK_STR(scheme_of(none, true, false), "http");
	CHECK_STR(scheme_of(none, true, true), "https");
	/* not believed: the web server's HTTPS and REQUEST_SCHEME only */
	CHECK_STR(scheme_of(fwd, false, false), "http");
	CHECK_STR(scheme_of(xfp, false, false), "http");
	CHECK_STR(scheme_of(xfp, false, true), "http");
	CHECK_STR(scheme_of(junk, false, false), "https");
}

static void
check_url(const char *scheme, const char *host, const char *part, const char *suffix,
    const char *want)
{
	struct swgr_buf b = { 0 };
	struct swgr_err err = { 0 };
	enum swgr_rc rc;

	rc = swgr_lnurl_url(&b, scheme, host, part, "00000000-0000-0000-0000-000000000001",
	    suffix, &err);
	if (want == NULL) {
		CHECK_INT(rc, SWGR_EINVAL);
		CHECK(strstr(err.msg, "not a valid URL host") != NULL);
	} else {
		CHECK_INT(rc, SWGR_OK);
		CHECK_STR(b.p, want);
	}
	swgr_buf_free(&b);
}

#define ID "/00000000-0000-0000-0000-000000000001"

static void
test_url(void)
{
	check_url("https", "Shop.Example", "default", "/invoice",
	    "https://shop.example/offers/default" ID "/invoice");
	check_url("https", "shop.example:443", "default", "", "https://shop.example/offers/default" ID);
	check_url("http", "shop.example:80", "default", "", "http://shop.example/offers/default" ID);
	check_url("http", "shop.example:443", "default", "", "http://shop.example:443/offers/default" ID);
	check_url("https", "shop.example:08443", "default", "", "https://shop.example:8443/offers/default" ID);
	check_url("https", "shop.example:", "default", "", "https://shop.example/offers/default" ID);
	check_url("https", "[::1]:8080", "default", "", "https://[::1]:8080/offers/default" ID);
	check_url("https", "[FE80::1]", "default", "", "https://[fe80::1]/offers/default" ID);
	check_url("https", "h", "a b\"<>`{}?#\x01\xc3\xa9%/~", "",
	    "https://h/offers/a%20b%22%3C%3E%60%7B%7D%3F%23%01%C3%A9%/~" ID);
	check_url("https", "h", "\x7f!$'()*+,;=@[]^|\\", "",
	    "https://h/offers/%7F!$'()*+,;=@[]^|\\" ID);
	check_url("https", "", "p", "", NULL);
	check_url("https", "a b", "p", "", NULL);
	check_url("https", "a@b", "p", "", NULL);
	check_url("https", "a/b", "p", "", NULL);
	check_url("https", "a:99999", "p", "", NULL);
	check_url("https", "a:8x", "p", "", NULL);
	check_url("https", "[::1", "p", "", NULL);
	check_url("https", "[zz]", "p", "", NULL);
	check_url("https", "[::1]x", "p", "", NULL);
}

/* The origin alone: what a Lightning Address's domain and callback are made from. */
static void
test_origin(void)
{
	static const struct { const char *scheme, *host, *want; } v[] = {
		{ "https", "PAY.Example.COM:443", "https://pay.example.com" },
		{ "http", "pay.example.com:80", "http://pay.example.com" },
		{ "https", "pay.example.com:8443", "https://pay.example.com:8443" },
		{ "https", "pay.example.com:0443", "https://pay.example.com" },
		{ "http", "[::1]:80", "http://[::1]" },
		{ "https", "a b", NULL },
		{ "https", "a:70000", NULL },
	};
	struct swgr_buf b = { 0 };
	struct swgr_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_INT(swgr_lnurl_origin(&b, v[i].scheme, v[i].host, &err),
		    v[i].want != NULL ? SWGR_OK : SWGR_EINVAL);
		if (v[i].want != NULL)
			CHECK_STR(b.p, v[i].want);
		swgr_buf_free(&b);
	}
}

/* Parses qs and runs swgr_lnurl_amount: the result code, and the reason must contain why. */
static void
check_amount(const char *qs, enum swgr_rc want, uint64_t wantv, const char *why)
{
	struct swgr_query q;
	struct swgr_err err = { 0 };
	uint64_t v = 12345;

	memset(&q, 0, sizeof(q));
	CHECK_INT(swgr_query_parse(qs, &q), SWGR_OK);
	CHECK_INT(swgr_lnurl_amount(&q, &v, &err), want);
	if (want == SWGR_OK)
		CHECK(v == wantv);
	else {
		CHECK(v == 12345);
		CHECK(strstr(err.msg, why) != NULL);
	}
	swgr_query_free(&q);
}

/* Queries swgr_lnurl_amount takes, and the amount it reads from them. */
static const struct {
	const char	*qs;
	uint64_t	 msat;
} amounts[] = {
	{ "amount=1000", 1000 }, { "amount=%2B7", 7 }, { "amount=1", 1 },
	{ "amount=18446744073709551615", UINT64_MAX },
};

/* Queries it refuses (SWGR_EINVAL), by a word of the reason it gives. */
static const struct {
	const char	*why;
	const char	*qs[5];
} bad_amounts[] = {
	{ "missing amount", { "x=1", "" } },
	{ "empty", { "amount=" } },
	{ "2 times", { "amount=1&amount=1" } },
	{ "negative", { "amount=-1", "amount=-0" } },
	{ "at least 1 millisatoshi", { "amount=0", "amount=000", "amount=%2B0" } },
	{ "whole number", { "amount=1.5", "amount=1000.0", "amount=1e3" } },
	{ "too large", { "amount=18446744073709551616", "amount=99999999999999999999999" } },
	/* "amount=+5": '+' is a space in a query */
	{ "not a number", { "amount=12ab", "amount=%2B", "amount=+5", "amount=0x10" } },
};

static void
test_amount(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++)
		check_amount(amounts[i].qs, SWGR_OK, amounts[i].msat, NULL);
	for (i = 0; i < sizeof(bad_amounts) / sizeof(bad_amounts[0]); i++)
		for (j = 0; j < sizeof(bad_amounts[i].qs) / sizeof(bad_amounts[i].qs[0]) &&
		    bad_amounts[i].qs[j] != NULL; j++)
			check_amount(bad_amounts[i].qs[j], SWGR_EINVAL, 0, bad_amounts[i].why);
}

static void
check_comment(const char *qs, uint32_t limit, enum swgr_rc want, const char *use, const char *why)
{
	struct swgr_query q;
	struct swgr_err err = { 0 };
	const char *got = "unset";

	memset(&q, 0, sizeof(q));
	CHECK_INT(swgr_query_parse(qs, &q), SWGR_OK);
	CHECK_INT(swgr_lnurl_comment(&q, limit, &got, &err), want);
	if (use == NULL)
		CHECK(got == NULL);
	else
		CHECK_STR(got, use);
	if (why != NULL)
		CHECK(strstr(err.msg, why) != NULL);
	swgr_query_free(&q);
}

static void
test_comment(void)
{
	CHECK_INT(swgr_lnurl_utf8_chars("", 0), 0);
	CHECK_INT(swgr_lnurl_utf8_chars("abc", 3), 3);
	CHECK_INT(swgr_lnurl_utf8_chars("\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80", 9), 3);
	CHECK_INT(swgr_lnurl_utf8_chars("\xff", 1), -1);
	CHECK_INT(swgr_lnurl_utf8_chars("\xc3", 1), -1);
	CHECK_INT(swgr_lnurl_utf8_chars("\xed\xa0\x80", 3), -1);	/* a surrogate */
	CHECK_INT(swgr_lnurl_utf8_chars("\xc0\xaf", 2), -1);		/* overlong */

	check_comment("amount=1", 10, SWGR_OK, NULL, NULL);
	check_comment("comment=hello", 10, SWGR_OK, "hello", NULL);
	check_comment("comment=", 10, SWGR_OK, "", NULL);
	/* 10 characters, 20 bytes: within a limit of 10 characters. */
	check_comment("comment=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9", 10,
	    SWGR_OK, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9", NULL);
	check_comment("comment=12345678901", 10, SWGR_EINVAL, NULL, "limit of 10");
	check_comment("comment=%FF", 10, SWGR_EINVAL, NULL, "UTF-8");
	check_comment("comment=a&comment=b", 10, SWGR_EINVAL, NULL, "2 times");
	/* Not allowed: ignored, whatever it is. */
	check_comment("comment=hello", 0, SWGR_OK, NULL, NULL);
	check_comment("comment=%FF&comment=x", 0, SWGR_OK, NULL, NULL);
}

/* Returns the value of header name in r's head, or NULL (static buffer). */
static const char *
header(const struct swgr_resp *r, const char *name)
{
	static char v[128];
	const char *p, *e;
	size_t n = strlen(name);

	for (p = r->head.p; p != NULL && *p != '\0'; p = e + 2) {
		if ((e = strstr(p, "\r\n")) == NULL)
			break;
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			snprintf(v, sizeof(v), "%.*s", (int)(e - p - n - 2), p + n + 2);
			return v;
		}
	}
	return NULL;
}

static void
test_cache_headers(void)
{
	struct swgr_resp r;
	struct swgr_time exp = { 1893456000, 0 }, now = { 1893455000, 500000000 };

	swgr_resp_init(&r);
	swgr_lnurl_cache_headers(&r, &exp, &now, true);
	CHECK_STR(header(&r, "Cache-Control"), "public, max-age=999");
	CHECK_STR(header(&r, "Expires"), "Tue, 01 Jan 2030 00:00:00 GMT");
	swgr_resp_free(&r);

	/* the default: no shared cache keeps it */
	swgr_resp_init(&r);
	swgr_lnurl_cache_headers(&r, &exp, &now, false);
	CHECK_STR(header(&r, "Cache-Control"), "private, max-age=999");
	CHECK_STR(header(&r, "Expires"), "Tue, 01 Jan 2030 00:00:00 GMT");
	CHECK(header(&r, "Pragma") == NULL);
	swgr_resp_free(&r);

	now.sec = exp.sec + 5;
	swgr_resp_init(&r);
	swgr_lnurl_cache_headers(&r, &exp, &now, false);
	CHECK_STR(header(&r, "Cache-Control"), "private, max-age=0");
	CHECK_STR(header(&r, "Expires"), "Tue, 01 Jan 2030 00:00:00 GMT");
	swgr_resp_free(&r);

	/* Another offer's expiry (the value is remembered per thread: it must follow). */
	exp.sec = 1700000000;
	now.sec = exp.sec - 1234567890;
	now.nsec = 0;
	swgr_resp_init(&r);
	swgr_lnurl_cache_headers(&r, &exp, &now, true);
	CHECK_STR(header(&r, "Cache-Control"), "public, max-age=1234567890");
	CHECK_STR(header(&r, "Expires"), "Tue, 14 Nov 2023 22:13:20 GMT");
	swgr_resp_free(&r);

	swgr_resp_init(&r);
	swgr_lnurl_cache_headers(&r, NULL, &now, true);
	CHECK_STR(header(&r, "Cache-Control"), "no-store, no-cache, must-revalidate");
	CHECK_STR(header(&r, "Expires"), "Thu, 01 Jan 1970 00:00:00 GMT");
	CHECK_STR(header(&r, "Pragma"), "no-cache");
	swgr_resp_free(&r);
}

static void
test_vary(void)
{
	struct swgr_cidr one;
	struct swgr_err err = { 0 };
	struct swgr_lnurl_cfg lc = { 0 };
	struct swgr_resp r;

	swgr_resp_init(&r);
	swgr_lnurl_vary(&r, &lc);
	CHECK_STR(header(&r, "Vary"), "Host");
	swgr_resp_free(&r);

	CHECK(swgr_cidr_parse("127.0.0.1", &one, &err) == SWGR_OK);
	lc.trusted_proxies = &one;
	lc.ntrusted_proxies = 1;
	swgr_resp_init(&r);
	swgr_lnurl_vary(&r, &lc);
	CHECK_STR(header(&r, "Vary"), "Host, Forwarded, X-Forwarded-Host, X-Forwarded-Proto");
	swgr_resp_free(&r);

	lc.ntrusted_proxies = 0;
	lc.trust_forwarded_headers = true;
	swgr_resp_init(&r);
	swgr_lnurl_vary(&r, &lc);
	CHECK_STR(header(&r, "Vary"), "Host, Forwarded, X-Forwarded-Host, X-Forwarded-Proto");
	swgr_resp_free(&r);
}

static void
test_backoff(void)
{
	struct swgr_lnurl_cfg cfg;
	struct swgr_backoff bo;
	double d;

	memset(&cfg, 0, sizeof(cfg));
	cfg.backoff.type = SWGR_BACKOFF_STOP;
	swgr_backoff_init(&bo, &cfg, 100.0);
	CHECK(swgr_backoff_next(&bo, 100.0, 0.5) < 0);

	cfg.backoff.type = SWGR_BACKOFF_EXPONENTIAL;
	cfg.backoff.initial_interval_secs = 0.5;
	cfg.backoff.randomization_factor = 0.5;
	cfg.backoff.multiplier = 1.5;
	cfg.backoff.max_interval_secs = 1.0;
	cfg.backoff.has_max_elapsed_time = true;
	cfg.backoff.max_elapsed_time_secs = 2.5;
	swgr_backoff_init(&bo, &cfg, 100.0);
	d = swgr_backoff_next(&bo, 100.0, 0.0);		/* 0.5 - 0.25 */
	CHECK(d > 0.2499 && d < 0.2501);
	d = swgr_backoff_next(&bo, 100.3, 0.999999);	/* 0.75 + 0.375 */
	CHECK(d > 1.12 && d < 1.1251);
	d = swgr_backoff_next(&bo, 101.0, 0.5);		/* capped at 1.0 */
	CHECK(d > 0.9999 && d < 1.0001);
	CHECK(swgr_backoff_next(&bo, 102.0, 0.5) < 0);	/* 2.0 + 1.0 > 2.5 */
	CHECK(swgr_backoff_next(&bo, 102.6, 0.0) < 0);	/* elapsed > 2.5 */
}

/* payerdata= (LUD-18): members checked, mandatory ones required, the rest left alone. */
static const struct { const char *pd; unsigned asked, mand; const char *msg; } payer_rows[] = {
	{ "{\"name\":\"Bob\"}", SWGR_PAYER_NAME, SWGR_PAYER_NAME, NULL },
	{ "{\"name\":\"Bob\",\"x\":[1],\"auth\":{\"k1\":\"00\"}}", SWGR_PAYER_NAME, 0, NULL },
	{ "{}", SWGR_PAYER_NAME | SWGR_PAYER_EMAIL, SWGR_PAYER_EMAIL,
	    "payerdata.email: missing, and this pay request asks for it" },
	{ "{}", SWGR_PAYER_NAME, 0, NULL },
	{ "{\"email\":\"bob@bob.example\",\"identifier\":\"bob@bob.example\","
	    "\"pubkey\":\"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\"}",
	    SWGR_PAYER_EMAIL | SWGR_PAYER_IDENTIFIER | SWGR_PAYER_PUBKEY, SWGR_PAYER_PUBKEY, NULL },
	{ "{\"pubkey\":\"02ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"}",
	    SWGR_PAYER_PUBKEY, 0, "payerdata.pubkey: expected a compressed secp256k1 public key in "
	    "hex (66 digits)" },
	{ "{\"email\":\"not an address\"}", SWGR_PAYER_EMAIL, 0,
	    "payerdata.email: expected an address as user@domain" },
	{ "{\"name\":7}", SWGR_PAYER_NAME, 0, "payerdata.name: expected a string" },
	{ "{\"name\":\"\"}", SWGR_PAYER_NAME, 0, "payerdata.name: expected 1 to 256 characters" },
	{ "{\"name\":null}", SWGR_PAYER_NAME, SWGR_PAYER_NAME,
	    "payerdata.name: missing, and this pay request asks for it" },
	{ "[\"name\"]", SWGR_PAYER_NAME, 0, "payerdata: expected a JSON object" },
	{ "{\"name\":\"a\"", SWGR_PAYER_NAME, 0, "payerdata: expected a JSON object: " },
};

static void
test_payerdata(void)
{
	struct swgr_err err = { 0 };
	char big[SWGR_PAYERDATA_MAX + 16];
	enum swgr_rc rc;
	size_t i;

	for (i = 0; i < sizeof(payer_rows) / sizeof(payer_rows[0]); i++) {
		swgr_err_clear(&err);
		rc = swgr_lnurl_payerdata(payer_rows[i].pd, strlen(payer_rows[i].pd),
		    payer_rows[i].asked, payer_rows[i].mand, &err);
		if (payer_rows[i].msg == NULL) {
			CHECK_INT(rc, SWGR_OK);
			continue;
		}
		CHECK_INT(rc, SWGR_EINVAL);
		if (strncmp(err.msg, payer_rows[i].msg, strlen(payer_rows[i].msg)) != 0)
			fprintf(stderr, "payer_rows[%zu]: %s\n", i, err.msg);
		CHECK(strncmp(err.msg, payer_rows[i].msg, strlen(payer_rows[i].msg)) == 0);
	}
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[SWGR_PAYERDATA_MAX] = '}';
	CHECK_INT(swgr_lnurl_payerdata(big, SWGR_PAYERDATA_MAX, SWGR_PAYER_NAME, 0, &err), SWGR_EINVAL);
	CHECK_INT(swgr_lnurl_payerdata(big, SWGR_PAYERDATA_MAX + 1, SWGR_PAYER_NAME, 0, &err),
	    SWGR_EINVAL);
	CHECK_STR(err.msg, "payerdata is 4097 bytes long, over the limit of 4096");
	big[SWGR_PAYERDATA_MAX - 1] = '}';
	CHECK_INT(swgr_lnurl_payerdata(big, SWGR_PAYERDATA_MAX, SWGR_PAYER_NAME, 0, &err), SWGR_OK);
}

int
main(void)
{
	test_metadata();
	test_error_json();
	test_host();
	test_host_ports();
	test_fwd_trusted();
	test_scheme();
	test_url();
	test_origin();
	test_amount();
	test_comment();
	test_payerdata();
	test_cache_headers();
	test_vary();
	test_backoff();
	return t_done("test_lnurl");
}
