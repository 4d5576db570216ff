/* Hex digits and strings: lowercase out, either case in. */
#include "core/hex.h"

int
swgr_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
swgr_hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* Decodes exactly 2 * outlen hex digits of either case. */
enum swgr_rc
swgr_hex_decode(const char *s, size_t len, uint8_t *out, size_t outlen)
{
	size_t i;
	int hi, lo;

	if (len != 2 * outlen)
		return SWGR_EINVAL;
	for (i = 0; i < outlen; i++) {
		if ((hi = swgr_hex_digit(s[2 * i])) < 0 ||
		    (lo = swgr_hex_digit(s[2 * i + 1])) < 0)
			return SWGR_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return SWGR_OK;
}
