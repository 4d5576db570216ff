/* Lightning Address names (LUD-16): usernames and domains checked and lowercased into their canonical form. */
#include <stdbool.h>
#include <string.h>

#include "core/lnaddr.h"

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

enum swgr_rc
swgr_lnaddr_username(const char *s, size_t len, char out[SWGR_LNADDR_USER_MAX + 1],
    struct swgr_err *e)
{
	size_t i;
	char c;

	out[0] = '\0';
	if (len == 0)
		return swgr_err_set(e, SWGR_EINVAL, "empty");
	if (len > SWGR_LNADDR_USER_MAX)
		return swgr_err_set(e, SWGR_EINVAL, "%zu characters, over %d", len,
		    SWGR_LNADDR_USER_MAX);
	for (i = 0; i < len; i++) {
		c = lower(s[i]);
		if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
			return swgr_err_set(e, SWGR_EINVAL, "character %zu is not one of "
			    "a-z 0-9 - _ . (LUD-16)", i + 1);
		out[i] = c;
	}
	out[len] = '\0';
	if (out[0] == '.' || out[len - 1] == '.')
		return swgr_err_set(e, SWGR_EINVAL, "must not start or end with '.'");
	return SWGR_OK;
}

/* The port after a domain's ':' (len bytes at p): 1 to 65535, no leading zero. */
static bool
port_ok(const char *p, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5 || p[0] == '0')
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v <= 65535;
}

enum swgr_rc
swgr_lnaddr_domain(const char *s, size_t len, char out[SWGR_LNADDR_DOMAIN_MAX + 1],
    struct swgr_err *e)
{
	const char *colon = memchr(s, ':', len);
	size_t host = colon != NULL ? (size_t)(colon - s) : len, i, label = 0;
	char c;

	out[0] = '\0';
	if (host == 0)
		return swgr_err_set(e, SWGR_EINVAL, "no host name");
	if (host > SWGR_LNADDR_HOST_MAX)
		return swgr_err_set(e, SWGR_EINVAL, "host name of %zu characters, over %d",
		    host, SWGR_LNADDR_HOST_MAX);
	if (colon != NULL && !port_ok(colon + 1, len - host - 1))
		return swgr_err_set(e, SWGR_EINVAL, "the port after ':' must be 1 to 65535, "
		    "without a leading zero");
	for (i = 0; i < host; i++) {
		c = lower(s[i]);
		if (c == '.') {
			if (label == 0)
				return swgr_err_set(e, SWGR_EINVAL, "empty label at character "
				    "%zu", i + 1);
			if (out[i - 1] == '-')
				return swgr_err_set(e, SWGR_EINVAL, "label ending with '-' at "
				    "character %zu", i);
			label = 0;
		} else if (is_alnum(c) || c == '-') {
			if (c == '-' && label == 0)
				return swgr_err_set(e, SWGR_EINVAL, "label starting with '-' at "
				    "character %zu", i + 1);
			if (++label > 63)
				return swgr_err_set(e, SWGR_EINVAL, "label over 63 characters "
				    "at character %zu", i + 1);
		} else
			return swgr_err_set(e, SWGR_EINVAL, "character %zu is not a letter, "
			    "digit, '-' or '.'", i + 1);
		out[i] = c;
	}
	if (label == 0)
		return swgr_err_set(e, SWGR_EINVAL, "must not end with '.'");
	if (out[host - 1] == '-')
		return swgr_err_set(e, SWGR_EINVAL, "label ending with '-' at character %zu",
		    host);
	memcpy(out + host, s + host, len - host);
	out[len] = '\0';
	return SWGR_OK;
}
