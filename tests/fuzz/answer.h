/*
 * For the fuzz targets whose parsers run behind a network call: the fuzz
 * input is handed back as the remote side's answers.  A target that includes
 * this links with -Wl,--wrap=swgr_http_do (its FUZZ_LDFLAGS line), so every
 * call of swgr_http_do from the library lands in __wrap_swgr_http_do below.
 *
 * The answers are the input whole, or (split) its parts between NUL bytes,
 * taken in turn.  An HTTP answer is a byte choosing the status (the table
 * below), optionally "ETag: <value>\n", then the body.  No answer left: the
 * call fails as a refused connection would.
 */
#ifndef SWGR_FUZZ_ANSWER_H
#define SWGR_FUZZ_ANSWER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "net/http.h"

static const uint8_t *fuzz_ans, *fuzz_ans_end;
static bool fuzz_ans_split, fuzz_ans_done;

static inline void
fuzz_answer_set(const uint8_t *p, size_t n, bool split)
{
	fuzz_ans = p;
	fuzz_ans_end = p + n;
	fuzz_ans_split = split;
	fuzz_ans_done = false;
}

/* The next answer into *p, *n; false when there is none left. */
static inline bool
fuzz_answer_next(const uint8_t **p, size_t *n)
{
	const uint8_t *e;

	if (fuzz_ans_done)
		return false;
	e = fuzz_ans_split ? memchr(fuzz_ans, 0, fuzz_ans_end - fuzz_ans) : NULL;
	*p = fuzz_ans;
	if (e == NULL) {
		*n = fuzz_ans_end - fuzz_ans;
		fuzz_ans_done = true;
	} else {
		*n = e - fuzz_ans;
		fuzz_ans = e + 1;
	}
	return true;
}

enum swgr_rc __wrap_swgr_http_do(struct swgr_http_client *c, const struct swgr_http_req *q,
		    struct swgr_http_resp *r, struct swgr_err *err);

enum swgr_rc
__wrap_swgr_http_do(struct swgr_http_client *c, const struct swgr_http_req *q,
    struct swgr_http_resp *r, struct swgr_err *err)
{
	static const long status[] = { 200, 201, 204, 304, 400, 401, 403, 404, 409, 412, 422,
	    500, 502, 503, 302, 299 };
	struct swgr_buf url = { 0 };
	const uint8_t *p, *nl;
	size_t n, i;

	memset(r, 0, sizeof(*r));
	swgr_buf_puts(&url, swgr_http_client_base(c));
	for (i = 0; i < q->nsegs; i++) {
		swgr_buf_putc(&url, '/');
		swgr_buf_puts(&url, q->segs[i]);
	}
	if (q->query != NULL) {
		swgr_buf_putc(&url, '?');
		swgr_buf_puts(&url, q->query);
	}
	if ((r->url = swgr_buf_take(&url, NULL)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	if (!fuzz_answer_next(&p, &n) || n == 0)
		return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: Couldn't connect to server",
		    q->what != NULL ? q->what : q->method, r->url);
	r->status = status[p[0] % (sizeof(status) / sizeof(status[0]))];
	p++;
	n--;
	if (n > 6 && memcmp(p, "ETag: ", 6) == 0 && (nl = memchr(p, '\n', n)) != NULL) {
		if ((r->etag = strndup((const char *)p + 6, nl - p - 6)) == NULL)
			return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		n -= nl + 1 - p;
		p = nl + 1;
	}
	swgr_buf_put(&r->body, p, n);
	if (!swgr_buf_ok(&r->body))
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	return SWGR_OK;
}

#endif
