/* UUIDs as the uuid crate reads and writes them. */
#include <string.h>

#include <openssl/rand.h>

#include "core/hex.h"
#include "core/uuid.h"

/*
 * UUIDs, as the uuid crate reads them: 32 hex digits, or the hyphenated
 * 8-4-4-4-12 form bare, in braces or after a lowercase "urn:uuid:".
 */
enum swgr_rc
swgr_uuid_parse(const char *s, size_t len, struct swgr_uuid *out)
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	char hex[32];
	size_t i, j, k;

	if (len == 32)
		return swgr_hex_decode(s, len, out->b, sizeof(out->b));
	if (len == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		len -= 2;
	} else if (len == 45 && strncmp(s, "urn:uuid:", 9) == 0) {
		s += 9;
		len -= 9;
	}
	if (len != 36)
		return SWGR_EINVAL;
	for (i = j = k = 0; i < len; i++) {
		if (k < 4 && i == dash[k]) {
			if (s[i] != '-')
				return SWGR_EINVAL;
			k++;
			continue;
		}
		hex[j++] = s[i];
	}
	return swgr_hex_decode(hex, sizeof(hex), out->b, sizeof(out->b));
}

void
swgr_uuid_format(const struct swgr_uuid *u, char out[SWGR_UUID_STRLEN + 1])
{
	swgr_hex_encode(u->b, 4, out);
	out[8] = '-';
	swgr_hex_encode(u->b + 4, 2, out + 9);
	out[13] = '-';
	swgr_hex_encode(u->b + 6, 2, out + 14);
	out[18] = '-';
	swgr_hex_encode(u->b + 8, 2, out + 19);
	out[23] = '-';
	swgr_hex_encode(u->b + 10, 6, out + 24);
}

enum swgr_rc
swgr_uuid_random(struct swgr_uuid *out)
{
	if (RAND_bytes(out->b, sizeof(out->b)) != 1)
		return SWGR_EINTERNAL;
	out->b[6] = (out->b[6] & 0x0f) | 0x40;
	out->b[8] = (out->b[8] & 0x3f) | 0x80;
	return SWGR_OK;
}

int
swgr_uuid_cmp(const struct swgr_uuid *a, const struct swgr_uuid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}
