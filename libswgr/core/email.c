/* E-mail addresses as the original's validator reads them (spec §7.2). */
#include <stdlib.h>
#include <string.h>

#include "core/email.h"
#include "core/utf8.h"

/*
 * email_address 0.2.9's is_utf8_non_ascii: it reads the code point's
 * big-endian bytes as if they were UTF-8, so only a few code points pass.
 */
static bool
is_utf8_non_ascii(uint32_t c)
{
	uint32_t b2 = c >> 8 & 0xff, b3 = c & 0xff;

	return c <= 0xffff && b2 >= 0xc2 && b2 <= 0xdf && b3 >= 0x80 &&
	    b3 <= 0xbf;
}

static bool
is_atext(uint32_t c)
{
	return swgr_unicode_alnum(c) || (c < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~",
	    (int)c) != NULL && c != 0) || is_utf8_non_ascii(c);
}

/* A non-empty run of atext. */
static bool
is_atom(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return false;
	while (i < len)
		if (!is_atext(swgr_utf8_next(s, len, &i)))
			return false;
	return true;
}

static bool
is_dot_atom(const char *s, size_t len)
{
	const char *dot;

	while ((dot = memchr(s, '.', len)) != NULL) {
		if (!is_atom(s, (size_t)(dot - s)))
			return false;
		len -= (size_t)(dot - s) + 1;
		s = dot + 1;
	}
	return is_atom(s, len);
}

static bool
is_qtext(uint32_t c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e) || is_utf8_non_ascii(c);
}

static bool
is_qcontent(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t c;

	while (i < len) {
		c = swgr_utf8_next(s, len, &i);
		if (c == '\\') {
			if (i >= len)
				return false;
			c = swgr_utf8_next(s, len, &i);
			if (c < 0x21 || c > 0x7e)
				return false;
		} else if (c != ' ' && c != '\t' && !is_qtext(c))
			return false;
	}
	return true;
}

static bool
local_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	if (s[0] == '"' && s[len - 1] == '"')
		return len > 2 && is_qcontent(s + 1, len - 2);
	return is_dot_atom(s, len);
}

static bool
label_valid(const char *s, size_t len)
{
	size_t i = 0, last = 0;

	if (len == 0 || !swgr_unicode_alnum(swgr_utf8_next(s, len, &i)))
		return false;
	for (i = len - 1; i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80; i--)
		;
	last = i;
	if (!swgr_unicode_alnum(swgr_utf8_next(s, len, &last)))
		return false;
	return len <= 63 && is_atom(s, len);
}

static bool
domain_valid(const char *s, size_t len)
{
	const char *dot;
	size_t i = 0;
	uint32_t c;

	if (len == 0 || len > 254)
		return false;
	if (s[0] == '[' && s[len - 1] == ']' && len >= 2) {
		/* dtext */
		for (i = 1; i < len - 1;) {
			c = swgr_utf8_next(s, len - 1, &i);
			if (!((c >= 0x21 && c <= 0x5a) ||
			    (c >= 0x5e && c <= 0x7e) || is_utf8_non_ascii(c)))
				return false;
		}
		return true;
	}
	while ((dot = memchr(s, '.', len)) != NULL) {
		if (!label_valid(s, (size_t)(dot - s)))
			return false;
		len -= (size_t)(dot - s) + 1;
		s = dot + 1;
	}
	return label_valid(s, len);
}

/* Rust's str::trim: Unicode White_Space at both ends. */
static bool
is_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

static void
trim(const char **s, size_t *len)
{
	size_t i, j;

	for (;;) {
		i = 0;
		if (*len == 0 || !is_space(swgr_utf8_next(*s, *len, &i)))
			break;
		*s += i;
		*len -= i;
	}
	while (*len > 0) {
		for (i = *len - 1; i > 0 &&
		    ((unsigned char)(*s)[i] & 0xc0) == 0x80; i--)
			;
		j = i;
		if (!is_space(swgr_utf8_next(*s, *len, &j)))
			break;
		*len = i;
	}
}

/*
 * email_address 0.2.9 with default options: an optional display form
 * "Name <addr>" (split at the last " <"), then addr split at its last '@';
 * the local part and the domain are checked as in valid.h.
 */
enum swgr_rc
swgr_email_parse(const char *s, size_t len, char **addr)
{
	const char *email = s, *at, *right, *p;
	size_t elen = len, llen, dlen, rlen;
	char *a;
	bool display = false;

	if (!swgr_utf8_valid(s, len) || memchr(s, '\0', len) != NULL)
		return SWGR_EINVAL;
	for (p = s + len; p > s + 1; p--) {
		if (p[-2] != ' ' || p[-1] != '<')
			continue;
		right = p;
		rlen = (size_t)(s + len - p);
		trim(&right, &rlen);
		if (rlen == 0 || right[rlen - 1] != '>')
			return SWGR_EINVAL;
		email = right;
		elen = rlen - 1;
		right = s;
		rlen = (size_t)(p - 2 - s);
		trim(&right, &rlen);
		display = rlen > 0;
		break;
	}
	for (at = NULL, p = email; p < email + elen; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return SWGR_EINVAL;
	llen = (size_t)(at - email);
	dlen = elen - llen - 1;
	if (!display && llen > 0 && email[0] == '<')
		return SWGR_EINVAL;
	if (!local_valid(email, llen) || !domain_valid(at + 1, dlen))
		return SWGR_EINVAL;
	if (addr != NULL) {
		if ((a = malloc(elen + 1)) == NULL)
			return SWGR_ENOMEM;
		memcpy(a, email, elen);
		a[elen] = '\0';
		*addr = a;
	}
	return SWGR_OK;
}
