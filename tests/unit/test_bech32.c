/* Unit tests of bech32: the BIP-173 vectors, the LUD-01 example, long strings and bit regrouping. */
#include <stdlib.h>

#include "core/bech32.h"
#include "t.h"

static const char *const valid[] = {
	"A12UEL5L",
	"a12uel5l",
	"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
	"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
	"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
	"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
	"?1ezyfcl",
};

static const char *const invalid[] = {
	"\x20" "1nwldj5",	/* HRP character out of range */
	"\x7f" "1axkwrx",
	"\x80" "1eym55h",
	/* overall max length exceeded */
	"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
	"pzry9x0s0muk",		/* no separator */
	"1pzry9x0s0muk",	/* empty HRP */
	"x1b4n0q5v",		/* invalid data character */
	"li1dgmt3",		/* too short checksum */
	"de1lg7wt\xff",		/* invalid character in checksum */
	"A1G7SGD8",		/* checksum calculated with uppercase HRP */
	"10a06t8",		/* empty HRP */
	"1qzzfhee",		/* empty HRP */
	"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", /* mixed case */
	"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",	/* checksum */
	"",
};

/* BIP-173 segwit vectors: address and scriptPubKey. */
static const struct {
	const char	*addr;
	const char	*spk;
} segwit[] = {
	{ "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
	  "0014751e76e8199196d454941c45d1b3a323f1433bd6" },
	{ "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
	  "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262" },
	{ "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
	  "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6" },
	{ "BC1SW50QA3JX3S", "6002751e" },
	{ "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", "5210751e76e8199196d454941c45d1b3a323" },
	{ "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
	  "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433" },
};

/* Segwit addresses whose checksum is right but whose program regroups badly. */
static const char *const bad_padding[] = {
	"bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",	/* more than 4 bits of padding */
	"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", /* non-zero padding */
};

#define LNURL_URL	"https://service.com/api?q=3fc3645b439ce8e7f2553a69e5267081d96dcd340693afabe04be7b0ccd178df"
#define LNURL_STR	"LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS"

static void
hexstr(const uint8_t *p, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * len] = '\0';
}

static void
test_valid(void)
{
	struct swgr_bech32 b;
	struct swgr_err err;
	char *s;
	size_t i, k;
	bool upper;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		CHECK_INT(swgr_bech32_decode5(valid[i], strlen(valid[i]),
		    SWGR_BECH32_MAXLEN, &b, &err), SWGR_OK);
		/* Re-encoding gives the same string in the same case. */
		upper = valid[i][0] == 'A';
		CHECK_INT(swgr_bech32_encode5(b.hrp, b.data, b.len,
		    upper ? SWGR_BECH32_UPPER : SWGR_BECH32_LOWER,
		    SWGR_BECH32_MAXLEN, &s, &err), SWGR_OK);
		CHECK_STR(s, valid[i]);
		free(s);
		/* Any one flipped data character breaks the checksum. */
		for (k = strlen(b.hrp) + 1; k < strlen(valid[i]); k++) {
			char copy[100];
			struct swgr_bech32 b2;

			snprintf(copy, sizeof(copy), "%s", valid[i]);
			copy[k] = copy[k] == 'q' || copy[k] == 'Q' ?
			    (upper ? 'P' : 'p') : (upper ? 'Q' : 'q');
			CHECK_INT(swgr_bech32_decode5(copy, strlen(copy),
			    SWGR_BECH32_MAXLEN, &b2, NULL), SWGR_EINVAL);
		}
		swgr_bech32_free(&b);
	}
}

static void
test_invalid(void)
{
	struct swgr_bech32 b;
	struct swgr_err err;
	size_t i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		err.msg[0] = '\0';
		CHECK_INT(swgr_bech32_decode5(invalid[i], strlen(invalid[i]),
		    SWGR_BECH32_MAXLEN, &b, &err), SWGR_EINVAL);
		CHECK(err.msg[0] != '\0');
		CHECK(b.data == NULL);
	}
	CHECK_INT(swgr_bech32_decode5("a12uel5l", 8, 7, &b, &err), SWGR_EINVAL);
	/* An embedded NUL counts (len is given). */
	CHECK_INT(swgr_bech32_decode5("a12u\0el5l", 9, 90, &b, &err), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_decode5("A12uEL5L", 8, 90, &b, &err), SWGR_EINVAL);
	CHECK(strstr(err.msg, "mixed case") != NULL);
}

static void
test_segwit(void)
{
	struct swgr_bech32 b;
	uint8_t prog[64];
	char spk[2 * 66 + 8], got[2 * 64 + 1];
	size_t i, n;

	for (i = 0; i < sizeof(segwit) / sizeof(segwit[0]); i++) {
		CHECK_INT(swgr_bech32_decode5(segwit[i].addr, strlen(segwit[i].addr),
		    SWGR_BECH32_MAXLEN, &b, NULL), SWGR_OK);
		CHECK(b.len > 1);
		CHECK_INT(swgr_bech32_convertbits(b.data + 1, b.len - 1, 5, 8,
		    false, prog, &n), SWGR_OK);
		hexstr(prog, n, got);
		snprintf(spk, sizeof(spk), "%02x%02x%s", b.data[0] == 0 ? 0 :
		    0x50 + b.data[0], (unsigned)n, got);
		CHECK_STR(spk, segwit[i].spk);
		swgr_bech32_free(&b);
	}
	for (i = 0; i < sizeof(bad_padding) / sizeof(bad_padding[0]); i++) {
		CHECK_INT(swgr_bech32_decode5(bad_padding[i], strlen(bad_padding[i]),
		    SWGR_BECH32_MAXLEN, &b, NULL), SWGR_OK);
		CHECK_INT(swgr_bech32_convertbits(b.data + 1, b.len - 1, 5, 8,
		    false, prog, &n), SWGR_EINVAL);
		swgr_bech32_free(&b);
	}
	/* Empty data section: a checksum only, no program. */
	CHECK_INT(swgr_bech32_decode5("bc1gmk9yu", 9, 90, &b, NULL), SWGR_OK);
	CHECK_INT(b.len, 0);
	CHECK(b.data == NULL);
	swgr_bech32_free(&b);
}

static void
test_lnurl(void)
{
	char hrp[SWGR_BECH32_HRP_MAX + 1], *s, url[1024];
	uint8_t *data;
	size_t len, i;
	struct swgr_err err;

	CHECK_INT(swgr_bech32_encode("lnurl", (const uint8_t *)LNURL_URL,
	    strlen(LNURL_URL), SWGR_BECH32_UPPER, SWGR_BECH32_LNURL_MAXLEN,
	    &s, &err), SWGR_OK);
	CHECK_STR(s, LNURL_STR);
	free(s);
	/* The 90-character limit applies only when asked for. */
	CHECK_INT(swgr_bech32_encode("lnurl", (const uint8_t *)LNURL_URL,
	    strlen(LNURL_URL), SWGR_BECH32_UPPER, SWGR_BECH32_MAXLEN,
	    &s, &err), SWGR_EINVAL);
	CHECK(s == NULL);
	CHECK_INT(swgr_bech32_decode(LNURL_STR, strlen(LNURL_STR),
	    SWGR_BECH32_MAXLEN, hrp, &data, &len, &err), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_decode(LNURL_STR, strlen(LNURL_STR),
	    SWGR_BECH32_LNURL_MAXLEN, hrp, &data, &len, &err), SWGR_OK);
	CHECK_STR(hrp, "lnurl");
	CHECK_INT(len, strlen(LNURL_URL));
	CHECK(len == strlen(LNURL_URL) && memcmp(data, LNURL_URL, len) == 0);
	free(data);

	/* The longest URL that fits in 1023 characters, and one byte more. */
	memset(url, 'a', sizeof(url));
	/* 1023 - "lnurl1" - checksum = 1011 words: 631 bytes need 1010, 632 need 1012. */
	len = (SWGR_BECH32_LNURL_MAXLEN - 6 - 6) * 5 / 8;
	CHECK_INT(swgr_bech32_encode("lnurl", (uint8_t *)url, len,
	    SWGR_BECH32_LOWER, SWGR_BECH32_LNURL_MAXLEN, &s, &err), SWGR_OK);
	CHECK(s != NULL && strlen(s) <= SWGR_BECH32_LNURL_MAXLEN);
	if (s != NULL) {
		CHECK_INT(swgr_bech32_decode(s, strlen(s), SWGR_BECH32_LNURL_MAXLEN,
		    hrp, &data, &i, &err), SWGR_OK);
		CHECK_INT(i, len);
		free(data);
	}
	free(s);
	CHECK_INT(swgr_bech32_encode("lnurl", (uint8_t *)url, len + 1,
	    SWGR_BECH32_LOWER, SWGR_BECH32_LNURL_MAXLEN, &s, &err), SWGR_EINVAL);

	/* Encoding refuses bad HRPs and words. */
	CHECK_INT(swgr_bech32_encode("", (uint8_t *)"x", 1, SWGR_BECH32_LOWER,
	    90, &s, &err), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_encode("a b", (uint8_t *)"x", 1, SWGR_BECH32_LOWER,
	    90, &s, &err), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_encode5("a", (uint8_t *)"\x20", 1, SWGR_BECH32_LOWER,
	    90, &s, &err), SWGR_EINVAL);
	CHECK(s == NULL);
	/* Uppercase HRP input is folded, as the checksum requires. */
	CHECK_INT(swgr_bech32_encode5("A", NULL, 0, SWGR_BECH32_LOWER, 90, &s,
	    &err), SWGR_OK);
	CHECK_STR(s, "a12uel5l");
	free(s);
}

static void
test_convertbits(void)
{
	const uint8_t in[] = { 0xff, 0x00, 0x80 };
	uint8_t w[8], back[8];
	size_t n, m;

	CHECK_INT(swgr_bech32_convertbits_len(3, 8, 5), 5);
	CHECK_INT(swgr_bech32_convertbits(in, 3, 8, 5, true, w, &n), SWGR_OK);
	CHECK_INT(n, 5);
	CHECK(w[0] == 31 && w[1] == 28 && w[2] == 0 && w[3] == 8 && w[4] == 0);
	CHECK_INT(swgr_bech32_convertbits(w, n, 5, 8, false, back, &m), SWGR_OK);
	CHECK(m == 3 && memcmp(back, in, 3) == 0);
	/* Without padding, non-zero leftover bits are an error. */
	CHECK_INT(swgr_bech32_convertbits((const uint8_t *)"\xff\x00\x81", 3,
	    8, 5, false, w, &n), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_convertbits(in, 3, 8, 5, false, w, &n), SWGR_OK);
	CHECK_INT(n, 4);
	/* A value wider than frombits. */
	w[0] = 32;
	CHECK_INT(swgr_bech32_convertbits(w, 1, 5, 8, true, back, &m), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_convertbits(w, 1, 0, 8, true, back, &m), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_convertbits(w, 1, 5, 9, true, back, &m), SWGR_EINVAL);
	CHECK_INT(swgr_bech32_convertbits(NULL, 0, 5, 8, false, back, &m), SWGR_OK);
	CHECK_INT(m, 0);
}

/* Every value round-trips in both cases; every other printable character is refused. */
static void
test_alphabet(void)
{
	static const char cs[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	struct swgr_err err = { 0 };
	struct swgr_bech32 b;
	uint8_t all[32];
	char *s = NULL, bad[16];
	size_t i, bad_ok = 0;
	int c, upper;

	for (i = 0; i < 32; i++)
		all[i] = (uint8_t)i;
	for (upper = 0; upper < 2; upper++) {
		CHECK_INT(swgr_bech32_encode5("a", all, 32, upper ? SWGR_BECH32_UPPER :
		    SWGR_BECH32_LOWER, 90, &s, &err), SWGR_OK);
		CHECK_INT(swgr_bech32_decode5(s, strlen(s), 90, &b, &err), SWGR_OK);
		CHECK(b.len == 32 && b.data != NULL && memcmp(b.data, all, 32) == 0);
		swgr_bech32_free(&b);
		free(s);
		s = NULL;
	}
	for (c = 33; c < 127; c++) {
		if (strchr(cs, c) != NULL || strchr(cs, c + ('a' - 'A')) != NULL || c == '1')
			continue;
		snprintf(bad, sizeof(bad), "a1%cqqqqqq", c);
		bad_ok += swgr_bech32_decode5(bad, strlen(bad), 90, &b, &err) == SWGR_OK;
		CHECK(strstr(err.msg, "invalid data character") != NULL ||
		    strstr(err.msg, "mixed case") != NULL);
	}
	CHECK_INT(bad_ok, 0);
}

int
main(void)
{
	test_alphabet();
	test_valid();
	test_invalid();
	test_segwit();
	test_lnurl();
	test_convertbits();
	return t_done("test_bech32");
}
