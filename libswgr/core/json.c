/* JSON text: a writer byte-compatible with serde_json, and a strict reader in front of json-c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json.h"
#include "core/utf8.h"

void
swgr_json_escape(struct swgr_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	unsigned char c;
	char esc[7];

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		swgr_buf_put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			swgr_buf_puts(b, "\\\"");
			break;
		case '\\':
			swgr_buf_puts(b, "\\\\");
			break;
		case '\b':
			swgr_buf_puts(b, "\\b");
			break;
		case '\t':
			swgr_buf_puts(b, "\\t");
			break;
		case '\n':
			swgr_buf_puts(b, "\\n");
			break;
		case '\f':
			swgr_buf_puts(b, "\\f");
			break;
		case '\r':
			swgr_buf_puts(b, "\\r");
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			swgr_buf_put(b, esc, 6);
			break;
		}
	}
	swgr_buf_put(b, s + run, len - run);
}

void
swgr_json_string(struct swgr_buf *b, const char *s, size_t len)
{
	swgr_buf_putc(b, '"');
	swgr_json_escape(b, s, len);
	swgr_buf_putc(b, '"');
}

void
swgr_jw_init(struct swgr_jw *jw, struct swgr_buf *b, bool pretty)
{
	memset(jw, 0, sizeof(*jw));
	jw->b = b;
	jw->pretty = pretty;
}

static bool *
has(struct swgr_jw *jw)
{
	int d = jw->depth;

	if (d < 0)
		d = 0;
	if (d >= (int)(sizeof(jw->has) / sizeof(jw->has[0])))
		d = sizeof(jw->has) / sizeof(jw->has[0]) - 1;
	return &jw->has[d];
}

static void
indent(struct swgr_jw *jw)
{
	int i;

	swgr_buf_putc(jw->b, '\n');
	for (i = 0; i < jw->depth; i++)
		swgr_buf_puts(jw->b, "  ");
}

/* What goes before a value or a key: ": " after a key, else a separator. */
static void
sep(struct swgr_jw *jw)
{
	if (jw->after_key) {
		swgr_buf_puts(jw->b, jw->pretty ? ": " : ":");
		jw->after_key = false;
		return;
	}
	if (jw->depth == 0)
		return;
	if (*has(jw))
		swgr_buf_putc(jw->b, ',');
	*has(jw) = true;
	if (jw->pretty)
		indent(jw);
}

static void
jw_open(struct swgr_jw *jw, char c)
{
	sep(jw);
	swgr_buf_putc(jw->b, c);
	jw->depth++;
	*has(jw) = false;
}

static void
jw_close(struct swgr_jw *jw, char c)
{
	bool any = *has(jw);

	jw->depth--;
	if (jw->pretty && any)
		indent(jw);
	swgr_buf_putc(jw->b, c);
}

void
swgr_jw_obj_open(struct swgr_jw *jw)
{
	jw_open(jw, '{');
}

void
swgr_jw_obj_close(struct swgr_jw *jw)
{
	jw_close(jw, '}');
}

void
swgr_jw_arr_open(struct swgr_jw *jw)
{
	jw_open(jw, '[');
}

void
swgr_jw_arr_close(struct swgr_jw *jw)
{
	jw_close(jw, ']');
}

void
swgr_jw_key(struct swgr_jw *jw, const char *key)
{
	sep(jw);
	swgr_json_string(jw->b, key, strlen(key));
	jw->after_key = true;
}

void
swgr_jw_str(struct swgr_jw *jw, const char *s)
{
	swgr_jw_strn(jw, s, strlen(s));
}

void
swgr_jw_strn(struct swgr_jw *jw, const char *s, size_t len)
{
	sep(jw);
	swgr_json_string(jw->b, s, len);
}

void
swgr_jw_u64(struct swgr_jw *jw, uint64_t v)
{
	sep(jw);
	swgr_buf_put_u64(jw->b, v);
}

void
swgr_jw_i64(struct swgr_jw *jw, int64_t v)
{
	sep(jw);
	swgr_buf_printf(jw->b, "%" PRId64, v);
}

/*
 * Formats a finite double as the ryu crate does: the shortest digits that
 * round-trip, then plain notation when the decimal point falls within 16
 * digits (with ".0" for integers), else d.ddde±x.
 */
static void
fmt_double(struct swgr_buf *b, double v)
{
	char tmp[40], digits[20], *e;
	int p, n, kk, i;

	if (!isfinite(v)) {
		swgr_buf_puts(b, "null");
		return;
	}
	if (signbit(v)) {
		swgr_buf_putc(b, '-');
		v = -v;
	}
	if (v == 0) {
		swgr_buf_puts(b, "0.0");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is "d[.ddd]e±xx": gather the digits, drop trailing zeros. */
	for (n = 0, e = tmp; *e != 'e'; e++)
		if (*e != '.')
			digits[n++] = *e;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	kk = atoi(e + 1) + 1;		/* digits then a point at kk */
	if (kk >= n && kk <= 16) {
		swgr_buf_put(b, digits, n);
		for (i = n; i < kk; i++)
			swgr_buf_putc(b, '0');
		swgr_buf_puts(b, ".0");
	} else if (kk > 0 && kk <= 16) {
		swgr_buf_put(b, digits, kk);
		swgr_buf_putc(b, '.');
		swgr_buf_puts(b, digits + kk);
	} else if (kk > -5 && kk <= 0) {
		swgr_buf_puts(b, "0.");
		for (i = kk; i < 0; i++)
			swgr_buf_putc(b, '0');
		swgr_buf_puts(b, digits);
	} else {
		swgr_buf_putc(b, digits[0]);
		if (n > 1) {
			swgr_buf_putc(b, '.');
			swgr_buf_puts(b, digits + 1);
		}
		swgr_buf_printf(b, "e%d", kk - 1);
	}
}

void
swgr_jw_double(struct swgr_jw *jw, double v)
{
	sep(jw);
	fmt_double(jw->b, v);
}

void
swgr_jw_bool(struct swgr_jw *jw, bool v)
{
	sep(jw);
	swgr_buf_puts(jw->b, v ? "true" : "false");
}

void
swgr_jw_null(struct swgr_jw *jw)
{
	sep(jw);
	swgr_buf_puts(jw->b, "null");
}

static int
keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Object members in byte order of their keys. */
static void
value_sorted_obj(struct swgr_jw *jw, struct json_object *v)
{
	const char **keys;
	struct json_object *child;
	size_t n = 0, i;

	keys = calloc((size_t)json_object_object_length(v) + 1, sizeof(*keys));
	if (keys == NULL) {
		jw->b->oom = true;
		return;
	}
	json_object_object_foreach(v, k, c) {
		(void)c;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), keycmp);
	swgr_jw_obj_open(jw);
	for (i = 0; i < n; i++) {
		child = NULL;
		json_object_object_get_ex(v, keys[i], &child);
		swgr_jw_key(jw, keys[i]);
		swgr_jw_value(jw, child, true);
	}
	swgr_jw_obj_close(jw);
	free(keys);
}

void
swgr_jw_value(struct swgr_jw *jw, struct json_object *v, bool sorted)
{
	size_t i, n;
	int64_t i64;
	uint64_t u64;

	switch (json_object_get_type(v)) {
	case json_type_null:
		swgr_jw_null(jw);
		break;
	case json_type_boolean:
		swgr_jw_bool(jw, json_object_get_boolean(v));
		break;
	case json_type_double:
		swgr_jw_double(jw, json_object_get_double(v));
		break;
	case json_type_int:
		i64 = json_object_get_int64(v);
		u64 = json_object_get_uint64(v);
		if (i64 < 0 || u64 <= INT64_MAX)
			swgr_jw_i64(jw, i64);
		else
			swgr_jw_u64(jw, u64);
		break;
	case json_type_string:
		swgr_jw_strn(jw, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		swgr_jw_arr_open(jw);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			swgr_jw_value(jw, json_object_array_get_idx(v, i), sorted);
		swgr_jw_arr_close(jw);
		break;
	case json_type_object:
		if (sorted) {
			value_sorted_obj(jw, v);
			break;
		}
		swgr_jw_obj_open(jw);
		json_object_object_foreach(v, k, c) {
			swgr_jw_key(jw, k);
			swgr_jw_value(jw, c, false);
		}
		swgr_jw_obj_close(jw);
		break;
	}
}

void
swgr_jw_raw(struct swgr_jw *jw, const char *json, size_t len)
{
	struct json_object *v;

	if (jw->pretty && swgr_json_parse(json, len, &v, NULL) == SWGR_OK) {
		swgr_jw_value(jw, v, false);
		json_object_put(v);
		return;
	}
	sep(jw);
	swgr_buf_put(jw->b, json, len);
}

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
