/*
 * libFuzzer harness for a request as swgr-lnurl sees it: the FastCGI
 * parameters and the body (libswgr/fcgi/req.c, url.c, client_ip.c), then what
 * the pay handlers read from them: host, scheme and callback URL, amount and
 * comment (libswgr/pay/lnurl.c), and the answer's headers (resp.c).
 *
 * Input: "NAME=value" lines (the parameters, in order; a line without '='
 * is passed as it is), an empty line, then the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/cidr.h"
#include "core/err.h"
#include "core/time.h"
#include "fcgi/fcgi.h"
#include "pay/lnurl.h"

#define MAXPARAMS	64

/* The end of the body: the stream closes, as libfcgi's does at the end of FCGI_STDIN. */
static void
fill_eof(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/*
 * Every call of swgr_lnurl_host, swgr_lnurl_scheme and
 * swgr_lnurl_cache_headers is in this one function, as in the handlers
 * (fcgi/lnurl/main.c offer_begin, offer_url, cache_headers): the place to
 * change when their parameters change.
 */
static void
lnurl_calls(const struct swgr_req *r, struct swgr_resp *resp, const char *partition,
    const char *id)
{
	static char *const allowed[] = { "example.com", "[::1]:8080", "pay.example.org:8443" };
	struct swgr_cidr proxies[2];
	struct swgr_lnurl_cfg lc = { .trusted_proxies = proxies, .ntrusted_proxies = 2 };
	char hostbuf[SWGR_LNURL_HOST_MAX];
	struct swgr_time now = swgr_time_now(), exp = now;
	struct swgr_err err = { 0 };
	struct swgr_buf url = { 0 };
	const char *host, *scheme;
	bool fwd;
	size_t i;

	(void)swgr_cidr_parse("127.0.0.0/8", &proxies[0], NULL);
	(void)swgr_cidr_parse("fd00::/8", &proxies[1], NULL);
	swgr_lnurl_cache_headers(resp, NULL, &now, false);
	exp.sec += 3600;
	swgr_lnurl_cache_headers(resp, &exp, &now, partition[0] == 'p');
	fwd = swgr_lnurl_fwd_trusted(&lc, &r->env);
	swgr_lnurl_vary(resp, &lc);
	if ((host = swgr_lnurl_host(&r->env, fwd, hostbuf)) == NULL)
		return;
	for (i = 0; i < 2; i++) {
		scheme = swgr_lnurl_scheme(&r->env, fwd, i == 1);
		(void)swgr_lnurl_host_allowed(host, scheme, allowed,
		    sizeof(allowed) / sizeof(allowed[0]));
		(void)swgr_lnurl_url(&url, scheme, host, partition, id, i ? "/invoice" : "", &err);
		if (swgr_buf_ok(&url))
			(void)swgr_resp_header(resp, "Location", url.p != NULL ? url.p : "");
		swgr_buf_free(&url);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *p, *nl, *envp[MAXPARAMS + 1];
	const char *v, *use;
	struct swgr_req r;
	struct swgr_resp resp;
	struct swgr_err err = { 0 };
	struct swgr_buf out = { 0 }, hdr = { 0 };
	FCGX_Stream in = { 0 };
	uint64_t u;
	bool b;
	size_t n = 0, bodylen = 0;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; n < MAXPARAMS; p = nl + 1) {
		if ((nl = memchr(p, '\n', size - (p - text))) == NULL)
			nl = text + size;
		if (nl == p) {	/* the empty line: the body follows */
			if (p < text + size)
				p++;
			break;
		}
		*nl = '\0';
		envp[n++] = p;
		if (nl == text + size) {
			p = nl;
			break;
		}
	}
	envp[n] = NULL;
	if (p > text + size)
		p = text + size;
	bodylen = size - (p - text);
	in.rdNext = in.stopUnget = (unsigned char *)p;
	in.stop = (unsigned char *)p + bodylen;
	in.isReader = 1;
	in.fillBuffProc = fill_eof;

	swgr_resp_init(&resp);
	if (swgr_req_init(&r, envp, &in) != SWGR_OK)
		goto out;
	(void)swgr_req_match(&r, "/offers/*/*");
	(void)swgr_req_match(&r, "/offers/*/*/invoice");
	(void)swgr_req_param(&r, "HTTP_AUTHORIZATION");
	if ((v = swgr_req_param(&r, "CONTENT_TYPE")) != NULL)
		(void)swgr_ctype_is_json(v);
	(void)swgr_query_u64(&r.q, "start", false, &u);
	(void)swgr_query_bool(&r.q, "with_metadata", false, &b);
	(void)swgr_query_count(&r.q, "count", &v);
	(void)swgr_lnurl_amount(&r.q, &u, &err);
	(void)swgr_lnurl_comment(&r.q, 0, &use, &err);
	(void)swgr_lnurl_comment(&r.q, 255, &use, &err);
	if (use != NULL)
		(void)swgr_lnurl_utf8_chars(use, strlen(use));
	if (r.path_rc == SWGR_OK && r.nseg >= 3) {
		swgr_hdr_encode(&hdr, r.seg[1]);
		if (swgr_buf_ok(&hdr) && hdr.p != NULL && !swgr_hdr_value_ok(hdr.p))
			abort();	/* swgr_hdr_encode promises a valid header value */
		lnurl_calls(&r, &resp, r.seg[1], r.seg[2]);
	}
	(void)swgr_req_body(&r, &err);
	swgr_resp_json(&resp);
	if (r.body != NULL)
		swgr_buf_put(&resp.body, r.body, r.body_len);
	swgr_resp_serialise(&resp, r.mbit == SWGR_M_HEAD, &out);
out:
	swgr_req_free(&r);
	swgr_resp_free(&resp);
	swgr_buf_free(&out);
	swgr_buf_free(&hdr);
	free(text);
	return 0;
}
