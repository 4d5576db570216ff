/* UTF-8: validity, code points, and Rust's notion of an alphanumeric character. */
#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <wctype.h>

#include "core/utf8.h"

/* Unicode 15 table 3-7: well-formed UTF-8 byte sequences. */
bool
swgr_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k;
	unsigned char lo, hi;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			if (s[i] == 0xe0)
				lo = 0xa0;
			else if (s[i] == 0xed)
				hi = 0x9f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			if (s[i] == 0xf0)
				lo = 0x90;
			else if (s[i] == 0xf4)
				hi = 0x8f;
		} else
			return false;
		if (len - i <= n)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += n + 1;
	}
	return true;
}

/* The code point at s[*i] of valid UTF-8; advances *i. */
uint32_t
swgr_utf8_next(const char *str, size_t len, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c = s[*i];
	size_t n = 0, k;

	if (c >= 0xf0) {
		c &= 0x07;
		n = 3;
	} else if (c >= 0xe0) {
		c &= 0x0f;
		n = 2;
	} else if (c >= 0xc0) {
		c &= 0x1f;
		n = 1;
	}
	for (k = 1; k <= n && *i + k < len; k++)
		c = c << 6 | (s[*i + k] & 0x3f);
	*i += k;
	return c;
}

static pthread_once_t	 ctype_once = PTHREAD_ONCE_INIT;
static locale_t		 ctype_utf8;

static void
ctype_init(void)
{
	ctype_utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

bool
swgr_unicode_alnum(uint32_t c)
{
	if (c < 0x80)
		return isalnum((int)c) != 0;
	pthread_once(&ctype_once, ctype_init);
	if (ctype_utf8 == (locale_t)0)
		return c != 0xfffd;	/* no locale: any character but the replacement one */
	return iswalnum_l((wint_t)c, ctype_utf8) != 0;
}
