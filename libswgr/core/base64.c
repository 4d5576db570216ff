/* base64 (standard, padded) and base64url (unpadded), strict as the base64 crate. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64val(const char *alpha, unsigned char c)
{
	const char *p;

	if (c == '\0' || c == '=' || (p = strchr(alpha, c)) == NULL)
		return -1;
	return (int)(p - alpha);
}

/*
 * Decodes base64 in the given alphabet.  With pad, the length must be a
 * multiple of 4 with canonical '=' padding; without, '=' is refused.
 * Non-zero trailing bits are refused either way (the base64 crate's
 * STANDARD and URL_SAFE_NO_PAD engines).  *out is malloc'd (never NULL).
 */
static enum swgr_rc
b64_decode(const char *alpha, bool pad, const char *s, size_t len,
    uint8_t **out, size_t *outlen)
{
	uint8_t *p;
	size_t i, n = 0, rem;
	uint32_t acc = 0;
	int v, bits = 0;

	if (pad) {
		if (len % 4 != 0)
			return SWGR_EINVAL;
		if (len > 0 && s[len - 1] == '=')
			len -= (len > 1 && s[len - 2] == '=') ? 2 : 1;
	}
	rem = len % 4;
	if (rem == 1)
		return SWGR_EINVAL;
	if ((p = malloc(len / 4 * 3 + 3)) == NULL)
		return SWGR_ENOMEM;
	for (i = 0; i < len; i++) {
		if ((v = b64val(alpha, s[i])) < 0)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			p[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		goto bad;
	*out = p;
	*outlen = n;
	return SWGR_OK;
bad:
	free(p);
	return SWGR_EINVAL;
}

static char *
b64_encode(const char *alpha, bool pad, const uint8_t *p, size_t len)
{
	char *out, *o;
	size_t i;
	uint32_t v;

	if ((out = o = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = alpha[v >> 18];
		*o++ = alpha[v >> 12 & 63];
		*o++ = alpha[v >> 6 & 63];
		*o++ = alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		*o++ = alpha[v >> 18];
		*o++ = alpha[v >> 12 & 63];
		if (pad) {
			*o++ = '=';
			*o++ = '=';
		}
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		*o++ = alpha[v >> 18];
		*o++ = alpha[v >> 12 & 63];
		*o++ = alpha[v >> 6 & 63];
		if (pad)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

enum swgr_rc
swgr_base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	return b64_decode(b64std, true, s, len, out, outlen);
}

char *
swgr_base64_encode(const uint8_t *p, size_t len)
{
	return b64_encode(b64std, true, p, len);
}

enum swgr_rc
swgr_base64url_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	return b64_decode(b64url, false, s, len, out, outlen);
}

char *
swgr_base64url_encode(const uint8_t *p, size_t len)
{
	return b64_encode(b64url, false, p, len);
}
