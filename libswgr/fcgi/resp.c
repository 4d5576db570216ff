/* The reply to a request: headers checked as they are added, the CGI response written out. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "fcgi/fcgi.h"

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
