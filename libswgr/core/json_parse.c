/* JSON text in: the strict reader (serde_json's rules) in front of json-c's tokener. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/utf8.h"

/*
 * The strict reader: a recursive-descent check of the grammar that copies
 * the text to out, turning the integers serde_json reads as floats into
 * floats for json-c ("-0" and literals beyond the 64-bit ranges get ".0").
 */
struct rd {
	const char	*s;
	size_t		 len;
	size_t		 pos;
	size_t		 copied;	/* s[0..copied) is in out */
	struct swgr_buf	*out;
	bool		 nulkey;
	const char	*why;
};

static bool
rd_fail(struct rd *r, const char *why)
{
	r->why = why;
	return false;
}

static void
rd_ws(struct rd *r)
{
	while (r->pos < r->len && strchr(" \t\n\r", r->s[r->pos]) != NULL &&
	    r->s[r->pos] != '\0')
		r->pos++;
}

static bool
rd_hex4(struct rd *r, unsigned *cp)
{
	size_t i;
	int d;
	char c;

	*cp = 0;
	if (r->len - r->pos < 4)
		return rd_fail(r, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		c = r->s[r->pos++];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return rd_fail(r, "invalid \\u escape");
		*cp = *cp << 4 | (unsigned)d;
	}
	return true;
}

/* A string starting at the opening quote. */
static bool
rd_string(struct rd *r, bool key)
{
	unsigned char c;
	unsigned cp, lo;

	r->pos++;
	for (;;) {
		if (r->pos >= r->len)
			return rd_fail(r, "unterminated string");
		c = (unsigned char)r->s[r->pos++];
		if (c == '"')
			return true;
		if (c < 0x20)
			return rd_fail(r, "control character in string");
		if (c != '\\')
			continue;
		if (r->pos >= r->len)
			return rd_fail(r, "unterminated string");
		c = (unsigned char)r->s[r->pos++];
		if (c != 'u') {
			if (c == '\0' || strchr("\"\\/bfnrt", c) == NULL)
				return rd_fail(r, "invalid escape");
			continue;
		}
		if (!rd_hex4(r, &cp))
			return false;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return rd_fail(r, "lone surrogate in \\u escape");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (r->len - r->pos < 2 || r->s[r->pos] != '\\' ||
			    r->s[r->pos + 1] != 'u')
				return rd_fail(r, "lone surrogate in \\u escape");
			r->pos += 2;
			if (!rd_hex4(r, &lo))
				return false;
			if (lo < 0xdc00 || lo > 0xdfff)
				return rd_fail(r, "lone surrogate in \\u escape");
		}
		if (cp == 0 && key)
			r->nulkey = true;
	}
}

static size_t
rd_digits(struct rd *r)
{
	size_t start = r->pos;

	while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
		r->pos++;
	return r->pos - start;
}

/* Whether the number text s[0..n) overflows a double. */
static bool
rd_inf(const char *s, size_t n)
{
	char *t;
	double d;

	if ((t = strndup(s, n)) == NULL)
		return false;
	d = strtod(t, NULL);
	free(t);
	return isinf(d);
}

static bool
rd_number(struct rd *r)
{
	size_t start = r->pos, ds, nd;
	bool neg = false, integer = true, fix = false;

	if (r->s[r->pos] == '-') {
		neg = true;
		r->pos++;
	}
	ds = r->pos;
	if (r->pos < r->len && r->s[r->pos] == '0')
		r->pos++;
	else if (rd_digits(r) == 0)
		return rd_fail(r, "invalid number");
	nd = r->pos - ds;
	if (r->pos < r->len && r->s[r->pos] == '.') {
		integer = false;
		r->pos++;
		if (rd_digits(r) == 0)
			return rd_fail(r, "invalid number");
	}
	if (r->pos < r->len && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
		integer = false;
		r->pos++;
		if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
			r->pos++;
		if (rd_digits(r) == 0)
			return rd_fail(r, "invalid number");
	}
	if (integer) {
		if (neg)
			fix = (nd == 1 && r->s[ds] == '0') || nd > 19 ||
			    (nd == 19 && memcmp(r->s + ds, "9223372036854775808", 19) > 0);
		else
			fix = nd > 20 ||
			    (nd == 20 && memcmp(r->s + ds, "18446744073709551615", 20) > 0);
	}
	if ((fix || !integer) && rd_inf(r->s + start, r->pos - start))
		return rd_fail(r, "number out of range");
	if (fix) {
		swgr_buf_put(r->out, r->s + r->copied, r->pos - r->copied);
		swgr_buf_puts(r->out, ".0");
		r->copied = r->pos;
	}
	return true;
}

static bool
rd_word(struct rd *r, const char *w)
{
	size_t n = strlen(w);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, w, n) != 0)
		return rd_fail(r, "expected a value");
	r->pos += n;
	return true;
}

static bool	rd_value(struct rd *, int);

/* An array or object starting at its opening bracket. */
static bool
rd_container(struct rd *r, int depth)
{
	char end = r->s[r->pos] == '{' ? '}' : ']';

	if (depth + 1 >= SWGR_JSON_DEPTH_MAX)
		return rd_fail(r, "recursion limit exceeded");
	r->pos++;
	rd_ws(r);
	if (r->pos < r->len && r->s[r->pos] == end) {
		r->pos++;
		return true;
	}
	for (;;) {
		rd_ws(r);
		if (end == '}') {
			if (r->pos >= r->len || r->s[r->pos] != '"')
				return rd_fail(r, "expected a key");
			if (!rd_string(r, true))
				return false;
			rd_ws(r);
			if (r->pos >= r->len || r->s[r->pos] != ':')
				return rd_fail(r, "expected ':'");
			r->pos++;
		}
		if (!rd_value(r, depth + 1))
			return false;
		rd_ws(r);
		if (r->pos >= r->len)
			return rd_fail(r, "unexpected end of input");
		if (r->s[r->pos] == end) {
			r->pos++;
			return true;
		}
		if (r->s[r->pos] != ',')
			return rd_fail(r, "expected ',' or a closing bracket");
		r->pos++;
	}
}

static bool
rd_value(struct rd *r, int depth)
{
	rd_ws(r);
	if (r->pos >= r->len)
		return rd_fail(r, "unexpected end of input");
	switch (r->s[r->pos]) {
	case '{':
	case '[':
		return rd_container(r, depth);
	case '"':
		return rd_string(r, false);
	case 't':
		return rd_word(r, "true");
	case 'f':
		return rd_word(r, "false");
	case 'n':
		return rd_word(r, "null");
	default:
		if (r->s[r->pos] == '-' ||
		    (r->s[r->pos] >= '0' && r->s[r->pos] <= '9'))
			return rd_number(r);
		return rd_fail(r, "expected a value");
	}
}

enum swgr_rc
swgr_json_parse(const char *text, size_t len, struct json_object **out,
    struct swgr_err *err)
{
	struct rd r;
	struct swgr_buf copy = { 0 };
	struct json_tokener *tok = NULL;
	struct json_object *v = NULL;
	enum swgr_rc rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.s = text;
	r.len = len;
	r.out = &copy;
	if (!swgr_utf8_valid(text, len)) {
		rc = swgr_err_set(err, SWGR_ESYNTAX, "JSON: invalid UTF-8");
		goto out;
	}
	if (!rd_value(&r, 0) || (rd_ws(&r), r.pos != r.len)) {
		if (r.why == NULL)
			r.why = "trailing characters";
		rc = swgr_err_set(err, SWGR_ESYNTAX, "JSON: %s at byte %zu",
		    r.why, r.pos);
		goto out;
	}
	if (r.nulkey) {
		rc = swgr_err_set(err, SWGR_ESHAPE,
		    "JSON: object key contains U+0000");
		goto out;
	}
	swgr_buf_put(&copy, text + r.copied, len - r.copied);
	if (!swgr_buf_ok(&copy) ||
	    (tok = json_tokener_new_ex(SWGR_JSON_DEPTH_MAX * 2)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "JSON: out of memory");
		goto out;
	}
	v = json_tokener_parse_ex(tok, copy.p != NULL ? copy.p : "", -1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		rc = swgr_err_set(err, SWGR_ESYNTAX, "JSON: %s",
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	*out = v;
	v = NULL;
	rc = SWGR_OK;
out:
	json_object_put(v);
	if (tok != NULL)
		json_tokener_free(tok);
	swgr_buf_free(&copy);
	return rc;
}
