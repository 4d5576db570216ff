/* Growable byte buffers, always NUL-terminated, for building text and bodies. */
#ifndef SWGR_BUF_H
#define SWGR_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A zero-initialised struct swgr_buf is an empty buffer.  Appends never fail
 * silently: on allocation failure the buffer is marked oom, further appends are
 * ignored and swgr_buf_ok() returns false.  Release with swgr_buf_free().
 */
struct swgr_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 oom;
};

void	 swgr_buf_put(struct swgr_buf *b, const void *p, size_t n);
void	 swgr_buf_puts(struct swgr_buf *b, const char *s);
void	 swgr_buf_putc(struct swgr_buf *b, char c);
void	 swgr_buf_printf(struct swgr_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* v in decimal, without printf. */
void	 swgr_buf_put_u64(struct swgr_buf *b, uint64_t v);
/* Room for a uint64_t in decimal and its NUL. */
#define SWGR_U64_DEC_MAX	21
/* Writes v in decimal, NUL-terminated, at the end of buf; returns its first digit. */
char	*swgr_u64_dec(char buf[SWGR_U64_DEC_MAX], uint64_t v);
void	 swgr_buf_reset(struct swgr_buf *b);
bool	 swgr_buf_ok(const struct swgr_buf *b);
/* Returns the bytes (caller frees) and leaves b empty; NULL after oom. */
char	*swgr_buf_take(struct swgr_buf *b, size_t *len);
void	 swgr_buf_free(struct swgr_buf *b);

/*
 * Appends the whole file at path to b.  Returns 0, or an errno value: the
 * file's own when it cannot be opened or read, EFBIG when it holds more than
 * max bytes, ENOMEM when b cannot grow.  On error b may hold part of the file.
 */
int	 swgr_buf_read_file(struct swgr_buf *b, const char *path, size_t max);

/* Frees the n strings of v and v itself; v may be NULL. */
void	 swgr_strv_free(char **v, size_t n);

#endif
