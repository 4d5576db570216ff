/* JSON text out: the writer byte-compatible with serde_json; JSON text rewritten canonical or pretty. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/json.h"

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

enum swgr_rc
swgr_json_canonical(const char *text, size_t len, char **out, struct swgr_err *err)
{
	struct json_object *v;
	struct swgr_buf b = { 0 };
	struct swgr_jw jw;
	enum swgr_rc rc;

	*out = NULL;
	if ((rc = swgr_json_parse(text, len, &v, err)) != SWGR_OK)
		return rc;
	swgr_jw_init(&jw, &b, false);
	swgr_jw_value(&jw, v, true);
	json_object_put(v);
	if ((*out = swgr_buf_take(&b, NULL)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "JSON: out of memory");
	return SWGR_OK;
}

enum swgr_rc
swgr_json_pretty(const char *text, size_t len, struct swgr_buf *out,
    struct swgr_err *err)
{
	struct json_object *v;
	struct swgr_jw jw;
	enum swgr_rc rc;

	if ((rc = swgr_json_parse(text, len, &v, err)) != SWGR_OK)
		return rc;
	swgr_jw_init(&jw, out, true);
	swgr_jw_value(&jw, v, false);
	json_object_put(v);
	if (!swgr_buf_ok(out))
		return swgr_err_set(err, SWGR_ENOMEM, "JSON: out of memory");
	return SWGR_OK;
}
