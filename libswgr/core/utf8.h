/* UTF-8: validity, code points, and Rust's notion of an alphanumeric character. */
#ifndef SWGR_UTF8_H
#define SWGR_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Valid UTF-8 (no overlongs, no surrogates). */
bool		 swgr_utf8_valid(const char *s, size_t len);
/* The code point at str[*i] of valid UTF-8 (len bytes in all); advances *i. */
uint32_t	 swgr_utf8_next(const char *str, size_t len, size_t *i);
/* Rust's char::is_alphanumeric: ASCII, and beyond it C.UTF-8's classification. */
bool		 swgr_unicode_alnum(uint32_t cp);

#endif
