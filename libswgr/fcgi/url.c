/* The URL of a request: %-decoding, path segments, query strings and their typed parameters. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/utf8.h"
#include "fcgi/fcgi.h"

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
