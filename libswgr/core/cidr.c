/* IP addresses and CIDR blocks: parsing "10.0.0.0/8", "::1", "127.0.0.1", matching an address against a list. */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "core/cidr.h"

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parses the address text s (NUL-terminated) into out with the full prefix. */
static bool
parse_addr(const char *s, struct swgr_cidr *out)
{
	uint8_t a[16];

	memset(out, 0, sizeof(*out));
	/* glibc's inet_pton takes only the canonical dotted quad: no leading zeros, no octal. */
	if (inet_pton(AF_INET, s, a) == 1) {
		memcpy(out->addr, a, 4);
		out->bits = 32;
		return true;
	}
	if (strchr(s, ':') == NULL || inet_pton(AF_INET6, s, a) != 1)
		return false;
	if (memcmp(a, v4_mapped, sizeof(v4_mapped)) == 0) {
		memcpy(out->addr, a + 12, 4);
		out->bits = 32;
		return true;
	}
	memcpy(out->addr, a, 16);
	out->v6 = true;
	out->bits = 128;
	return true;
}

bool
swgr_cidr_addr(const char *s, struct swgr_cidr *out)
{
	if (s == NULL || strlen(s) >= SWGR_CIDR_STRMAX)
		return false;
	return parse_addr(s, out);
}

/* True if the bits of c->addr past its prefix are all zero. */
static bool
host_bits_clear(const struct swgr_cidr *c)
{
	unsigned i, len = c->v6 ? 16 : 4;

	for (i = 0; i < len; i++) {
		if (i * 8 + 8 <= c->bits)
			continue;
		if (i * 8 >= c->bits) {
			if (c->addr[i] != 0)
				return false;
		} else if (c->addr[i] & (0xffu >> (c->bits - i * 8)))
			return false;
	}
	return true;
}

enum swgr_rc
swgr_cidr_parse(const char *s, struct swgr_cidr *out, struct swgr_err *err)
{
	char a[SWGR_CIDR_STRMAX];
	const char *slash, *p;
	unsigned long bits = 0;
	size_t len;
	bool mapped;

	if ((slash = strchr(s, '/')) == NULL)
		len = strlen(s);
	else
		len = (size_t)(slash - s);
	if (len == 0)
		return swgr_err_set(err, SWGR_EINVAL, "'%.80s' is not an IP address or CIDR "
		    "block: no address", s);
	if (len >= sizeof(a))
		return swgr_err_set(err, SWGR_EINVAL, "'%.80s...' is not an IP address or CIDR "
		    "block: too long", s);
	memcpy(a, s, len);
	a[len] = '\0';
	if (!parse_addr(a, out))
		return swgr_err_set(err, SWGR_EINVAL, "'%.80s' is not an IP address or CIDR "
		    "block: '%s' is no IPv4 or IPv6 address", s, a);
	if (slash == NULL)
		return SWGR_OK;
	p = slash + 1;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0'))
		goto badbits;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || bits > 128)
			goto badbits;
		bits = bits * 10 + (unsigned long)(*p - '0');
	}
	/* An IPv4-mapped block: its prefix counts the 96 bits of ::ffff:0:0/96. */
	mapped = !out->v6 && strchr(a, ':') != NULL;
	if (mapped) {
		if (bits > 128 || bits < 96)
			return swgr_err_set(err, SWGR_EINVAL, "'%.80s': an IPv4-mapped block needs "
			    "a prefix of 96 to 128 bits", s);
		bits -= 96;
	}
	if (bits > (out->v6 ? 128u : 32u))
		return swgr_err_set(err, SWGR_EINVAL, "'%.80s': prefix length %lu is over %u",
		    s, bits, out->v6 ? 128u : 32u);
	out->bits = (unsigned)bits;
	if (!host_bits_clear(out))
		return swgr_err_set(err, SWGR_EINVAL, "'%.80s': the address has bits set past the "
		    "/%s prefix (write the block's first address, or the address alone)", s,
		    slash + 1);
	return SWGR_OK;
badbits:
	return swgr_err_set(err, SWGR_EINVAL, "'%.80s': the prefix length after '/' must be a "
	    "number of bits, 0 to %u", s, out->v6 ? 128u : 32u);
}

bool
swgr_cidr_contains(const struct swgr_cidr *c, const struct swgr_cidr *a)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (c->v6 != a->v6)
		return false;
	if (memcmp(c->addr, a->addr, full) != 0)
		return false;
	return rest == 0 || ((c->addr[full] ^ a->addr[full]) & (0xffu << (8 - rest)) & 0xff) == 0;
}

bool
swgr_cidr_match(const struct swgr_cidr *list, size_t n, const char *addr)
{
	struct swgr_cidr a;
	size_t i;

	if (n == 0 || !swgr_cidr_addr(addr, &a))
		return false;
	for (i = 0; i < n; i++)
		if (swgr_cidr_contains(&list[i], &a))
			return true;
	return false;
}
