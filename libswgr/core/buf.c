/* Growable byte buffers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static bool
grow(struct swgr_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return false;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
swgr_buf_put(struct swgr_buf *b, const void *p, size_t n)
{
	if (!grow(b, n))
		return;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
swgr_buf_puts(struct swgr_buf *b, const char *s)
{
	swgr_buf_put(b, s, strlen(s));
}

void
swgr_buf_putc(struct swgr_buf *b, char c)
{
	swgr_buf_put(b, &c, 1);
}

void
swgr_buf_printf(struct swgr_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (!grow(b, 0))
		return;
	/* One pass when the text fits in the room there is; a second after growing. */
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		if (!grow(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *
swgr_u64_dec(char buf[SWGR_U64_DEC_MAX], uint64_t v)
{
	char *p = buf + SWGR_U64_DEC_MAX - 1;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return p;
}

void
swgr_buf_put_u64(struct swgr_buf *b, uint64_t v)
{
	char d[SWGR_U64_DEC_MAX], *p = swgr_u64_dec(d, v);

	swgr_buf_put(b, p, (size_t)(d + sizeof(d) - 1 - p));
}

void
swgr_buf_reset(struct swgr_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

bool
swgr_buf_ok(const struct swgr_buf *b)
{
	return !b->oom;
}

char *
swgr_buf_take(struct swgr_buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		swgr_buf_free(b);
		return NULL;
	}
	if (b->p == NULL) {
		if (!grow(b, 0))
			return NULL;
		b->p[0] = '\0';
	}
	p = b->p;
	if (len != NULL)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

void
swgr_buf_free(struct swgr_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
swgr_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
swgr_buf_read_file(struct swgr_buf *b, const char *path, size_t max)
{
	char chunk[8192];
	size_t n, total = 0;
	FILE *f;
	int e = 0;

	if ((f = fopen(path, "rbe")) == NULL)
		return errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((total += n) > max) {
			e = EFBIG;
			break;
		}
		swgr_buf_put(b, chunk, n);
	}
	if (e == 0 && ferror(f))
		e = errno != 0 ? errno : EIO;
	fclose(f);
	if (e == 0 && !swgr_buf_ok(b))
		e = ENOMEM;
	return e;
}
