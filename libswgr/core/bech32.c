/* Bech32 strings (BIP-173, original checksum): encoding, decoding and bit regrouping. */
#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* The BIP-173 checksum constant (bech32m would use 0x2bc830a3). */
#define BECH32_CONST	1

/* One step of the BCH checksum over GF(32). */
static uint32_t
polymod_step(uint32_t pre, uint8_t v)
{
	uint32_t b = pre >> 25;

	return ((pre & 0x1ffffff) << 5) ^ v ^
	    (-((b >> 0) & 1) & 0x3b6a57b2UL) ^
	    (-((b >> 1) & 1) & 0x26508e6dUL) ^
	    (-((b >> 2) & 1) & 0x1ea119faUL) ^
	    (-((b >> 3) & 1) & 0x3d4233ddUL) ^
	    (-((b >> 4) & 1) & 0x2a1462b3UL);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The checksum state after the expanded (lowercase) HRP of hlen characters. */
static uint32_t
polymod_hrp(const char *hrp, size_t hlen)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < hlen; i++)
		chk = polymod_step(chk, (uint8_t)lower(hrp[i]) >> 5);
	chk = polymod_step(chk, 0);
	for (i = 0; i < hlen; i++)
		chk = polymod_step(chk, (uint8_t)lower(hrp[i]) & 0x1f);
	return chk;
}

size_t
swgr_bech32_convertbits_len(size_t inlen, unsigned frombits, unsigned tobits)
{
	return (inlen * frombits + tobits - 1) / tobits;
}

enum swgr_rc
swgr_bech32_convertbits(const uint8_t *in, size_t inlen, unsigned frombits,
    unsigned tobits, bool pad, uint8_t *out, size_t *outlen)
{
	uint32_t acc = 0, maxv;
	unsigned bits = 0;
	size_t i, n = 0;

	*outlen = 0;
	if (frombits < 1 || frombits > 8 || tobits < 1 || tobits > 8)
		return SWGR_EINVAL;
	maxv = (1U << tobits) - 1;
	for (i = 0; i < inlen; i++) {
		if (in[i] >> frombits)
			return SWGR_EINVAL;
		acc = ((acc << frombits) | in[i]) & 0xffff;
		bits += frombits;
		while (bits >= tobits) {
			bits -= tobits;
			out[n++] = (acc >> bits) & maxv;
		}
	}
	if (pad) {
		if (bits > 0)
			out[n++] = (acc << (tobits - bits)) & maxv;
	} else if (bits >= frombits || ((acc << (tobits - bits)) & maxv))
		return SWGR_EINVAL;
	*outlen = n;
	return SWGR_OK;
}

enum swgr_rc
swgr_bech32_encode5(const char *hrp, const uint8_t *data5, size_t len,
    enum swgr_bech32_case cs, size_t maxlen, char **out, struct swgr_err *err)
{
	uint32_t chk;
	size_t hlen, total, i, n = 0;
	char *s, c;

	*out = NULL;
	hlen = strlen(hrp);
	if (hlen < 1 || hlen > SWGR_BECH32_HRP_MAX)
		return swgr_err_set(err, SWGR_EINVAL,
		    "bech32: HRP of %zu characters (1 to %d allowed)",
		    hlen, SWGR_BECH32_HRP_MAX);
	for (i = 0; i < hlen; i++)
		if (hrp[i] < 33 || hrp[i] > 126)
			return swgr_err_set(err, SWGR_EINVAL,
			    "bech32: HRP character 0x%02x out of range",
			    (unsigned char)hrp[i]);
	if (len > maxlen ||
	    (total = hlen + 1 + len + SWGR_BECH32_CHECKSUM_LEN) > maxlen)
		return swgr_err_set(err, SWGR_EINVAL,
		    "bech32: encoding would exceed %zu characters", maxlen);
	if ((s = malloc(total + 1)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "bech32: out of memory");

	chk = polymod_hrp(hrp, hlen);
	for (i = 0; i < hlen; i++)
		s[n++] = lower(hrp[i]);
	s[n++] = '1';
	for (i = 0; i < len; i++) {
		if (data5[i] > 31) {
			free(s);
			return swgr_err_set(err, SWGR_EINVAL,
			    "bech32: data word %zu is over 31", i);
		}
		chk = polymod_step(chk, data5[i]);
		s[n++] = charset[data5[i]];
	}
	for (i = 0; i < SWGR_BECH32_CHECKSUM_LEN; i++)
		chk = polymod_step(chk, 0);
	chk ^= BECH32_CONST;
	for (i = 0; i < SWGR_BECH32_CHECKSUM_LEN; i++)
		s[n++] = charset[(chk >> (5 * (5 - i))) & 0x1f];
	s[n] = '\0';
	if (cs == SWGR_BECH32_UPPER)
		for (i = 0; i < n; i++) {
			c = s[i];
			if (c >= 'a' && c <= 'z')
				s[i] = c - 'a' + 'A';
		}
	*out = s;
	return SWGR_OK;
}

enum swgr_rc
swgr_bech32_encode(const char *hrp, const uint8_t *data, size_t len,
    enum swgr_bech32_case cs, size_t maxlen, char **out, struct swgr_err *err)
{
	enum swgr_rc rc;
	uint8_t *w = NULL;
	size_t wlen;

	*out = NULL;
	if (len > maxlen)
		return swgr_err_set(err, SWGR_EINVAL,
		    "bech32: encoding would exceed %zu characters", maxlen);
	if ((w = malloc(swgr_bech32_convertbits_len(len, 8, 5) + 1)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "bech32: out of memory");
	if ((rc = swgr_bech32_convertbits(data, len, 8, 5, true, w, &wlen)) != SWGR_OK) {
		swgr_err_set(err, rc, "bech32: cannot regroup data");
		goto out;
	}
	rc = swgr_bech32_encode5(hrp, w, wlen, cs, maxlen, out, err);
out:
	free(w);
	return rc;
}

/* The value of each bech32 character (either case), -1 for the others: charset inverted. */
static const signed char charvals[128] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	15, -1, 10, 17, 21, 20, 26, 30,  7,  5, -1, -1, -1, -1, -1, -1,
	-1, 29, -1, 24, 13, 25,  9,  8, 23, -1, 18, 22, 31, 27, 19, -1,
	 1,  0,  3, 16, 11, 28, 12, 14,  6,  4,  2, -1, -1, -1, -1, -1,
	-1, 29, -1, 24, 13, 25,  9,  8, 23, -1, 18, 22, 31, 27, 19, -1,
	 1,  0,  3, 16, 11, 28, 12, 14,  6,  4,  2, -1, -1, -1, -1, -1,
};

/* The value of bech32 character c (either case), or -1. */
static int
charval(char c)
{
	return (unsigned char)c < 128 ? charvals[(unsigned char)c] : -1;
}

enum swgr_rc
swgr_bech32_decode5(const char *s, size_t len, size_t maxlen,
    struct swgr_bech32 *out, struct swgr_err *err)
{
	uint32_t chk;
	size_t i, sep, dlen;
	bool has_lower = false, has_upper = false;
	int v;

	memset(out, 0, sizeof(*out));
	if (len > maxlen)
		return swgr_err_set(err, SWGR_EINVAL,
		    "bech32: %zu characters, over the limit of %zu", len, maxlen);
	for (i = 0; i < len; i++) {
		if (s[i] < 33 || s[i] > 126)
			return swgr_err_set(err, SWGR_EINVAL,
			    "bech32: character 0x%02x at position %zu out of range",
			    (unsigned char)s[i], i);
		if (s[i] >= 'a' && s[i] <= 'z')
			has_lower = true;
		if (s[i] >= 'A' && s[i] <= 'Z')
			has_upper = true;
	}
	if (has_lower && has_upper)
		return swgr_err_set(err, SWGR_EINVAL, "bech32: mixed case");
	for (sep = len; sep > 0 && s[sep - 1] != '1'; sep--)
		continue;
	if (sep == 0)
		return swgr_err_set(err, SWGR_EINVAL, "bech32: no separator '1'");
	sep--;
	if (sep < 1 || sep > SWGR_BECH32_HRP_MAX)
		return swgr_err_set(err, SWGR_EINVAL,
		    "bech32: HRP of %zu characters (1 to %d allowed)",
		    sep, SWGR_BECH32_HRP_MAX);
	dlen = len - sep - 1;
	if (dlen < SWGR_BECH32_CHECKSUM_LEN)
		return swgr_err_set(err, SWGR_EINVAL,
		    "bech32: data part of %zu characters is shorter than the checksum",
		    dlen);

	for (i = 0; i < sep; i++)
		out->hrp[i] = lower(s[i]);
	out->hrp[sep] = '\0';
	out->len = dlen - SWGR_BECH32_CHECKSUM_LEN;
	if (out->len > 0 && (out->data = malloc(out->len)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "bech32: out of memory");
	chk = polymod_hrp(s, sep);
	for (i = 0; i < dlen; i++) {
		if ((v = charval(s[sep + 1 + i])) < 0) {
			swgr_err_set(err, SWGR_EINVAL,
			    "bech32: invalid data character '%c' at position %zu",
			    s[sep + 1 + i], sep + 1 + i);
			goto fail;
		}
		chk = polymod_step(chk, v);
		if (i < out->len)
			out->data[i] = v;
	}
	if (chk != BECH32_CONST) {
		swgr_err_set(err, SWGR_EINVAL, "bech32: checksum mismatch");
		goto fail;
	}
	return SWGR_OK;
fail:
	swgr_bech32_free(out);
	return SWGR_EINVAL;
}

enum swgr_rc
swgr_bech32_decode(const char *s, size_t len, size_t maxlen,
    char hrp[SWGR_BECH32_HRP_MAX + 1], uint8_t **data, size_t *datalen,
    struct swgr_err *err)
{
	struct swgr_bech32 b;
	enum swgr_rc rc;
	uint8_t *p = NULL;
	size_t n = 0;

	*data = NULL;
	*datalen = 0;
	if ((rc = swgr_bech32_decode5(s, len, maxlen, &b, err)) != SWGR_OK)
		return rc;
	if (b.len > 0 && (p = malloc(swgr_bech32_convertbits_len(b.len, 5, 8))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "bech32: out of memory");
		goto out;
	}
	if (swgr_bech32_convertbits(b.data, b.len, 5, 8, false, p, &n) != SWGR_OK) {
		rc = swgr_err_set(err, SWGR_EINVAL,
		    "bech32: invalid padding of the data part");
		goto out;
	}
	memcpy(hrp, b.hrp, sizeof(b.hrp));
	*data = n > 0 ? p : NULL;
	*datalen = n;
	if (n > 0)
		p = NULL;
out:
	free(p);
	swgr_bech32_free(&b);
	return rc;
}

void
swgr_bech32_free(struct swgr_bech32 *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
