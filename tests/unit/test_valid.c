/* Unit tests of libswgr/core/{hex,uuid,pubkey,time,clock,base64,email,utf8}.c: the scalar types of the API. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "core/uuid.h"
#include "core/pubkey.h"
#include "core/time.h"
#include "core/clock.h"
#include "core/base64.h"
#include "core/utf8.h"
#include "core/email.h"
#include "t.h"

#define S(lit)	(lit), (sizeof(lit) - 1)

static const char G_COMP[] =
    "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798";
static const char G_UNCOMP[] =
    "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
static const char G_LOWER[] =
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

static const char *
uuid_str(const char *s)
{
	static char out[SWGR_UUID_STRLEN + 1];
	struct swgr_uuid u;

	if (swgr_uuid_parse(s, strlen(s), &u) != SWGR_OK)
		return "invalid";
	swgr_uuid_format(&u, out);
	return out;
}

static void
test_uuid(void)
{
	static const uint8_t one[16] = { [15] = 1 }, two[16] = { [15] = 2 };
	const char *want = "67e55044-10b1-426f-9247-bb680e5fe0c8";
	const struct t_str_case rows[] = {
		{ "67e55044-10b1-426f-9247-bb680e5fe0c8", want },
		{ "67E55044-10B1-426F-9247-BB680E5FE0C8", want },
		{ "67e5504410b1426f9247bb680e5fe0c8", want },
		{ "{67e55044-10b1-426f-9247-bb680e5fe0c8}", want },
		{ "urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8", want },
		{ "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000" },
		{ "", "invalid" },
		{ "67e55044-10b1-426f-9247-bb680e5fe0c", "invalid" },
		{ "67e55044-10b1-426f-9247-bb680e5fe0c88", "invalid" },
		{ "67e5504410b1-426f-9247-bb680e5fe0c8-", "invalid" },
		{ "67e55044-10b1-426f-9247-bb680e5fe0cg", "invalid" },
		{ "67e55044+10b1-426f-9247-bb680e5fe0c8", "invalid" },
		{ "{67e55044-10b1-426f-9247-bb680e5fe0c8]", "invalid" },
		{ "{67e5504410b1426f9247bb680e5fe0c8}", "invalid" },
		{ "urn:uid:67e55044-10b1-426f-9247-bb680e5fe0c8", "invalid" },
		{ "67e5504410b1426f9247bb680e5fe0c ", "invalid" },
	};
	struct swgr_uuid a, b;

	CHECK_STR_ROWS(uuid_str, rows);

	CHECK_INT(swgr_uuid_random(&a), SWGR_OK);
	CHECK_INT(swgr_uuid_random(&b), SWGR_OK);
	CHECK_INT(a.b[6] >> 4, 4);
	CHECK_INT(a.b[8] >> 6, 2);
	CHECK(swgr_uuid_cmp(&a, &b) != 0);
	CHECK(swgr_uuid_cmp(&a, &a) == 0);
	/*
	 * a and b still hold the random UUIDs: an unchecked failed parse would
	 * leave them, and the order checks would pass half the time.
	 */
	CHECK_INT(swgr_uuid_parse(S("00000000-0000-0000-0000-000000000001"), &a),
	    SWGR_OK);
	CHECK_INT(swgr_uuid_parse(S("00000000-0000-0000-0000-000000000002"), &b),
	    SWGR_OK);
	CHECK(memcmp(a.b, one, sizeof(one)) == 0);
	CHECK(memcmp(b.b, two, sizeof(two)) == 0);
	CHECK(swgr_uuid_cmp(&a, &b) < 0);
	CHECK(swgr_uuid_cmp(&b, &a) > 0);
}

static const char *
pk_str(const char *s)
{
	static char out[SWGR_PUBKEY_STRLEN + 1];
	struct swgr_pubkey pk;

	if (swgr_pubkey_parse(s, strlen(s), &pk) != SWGR_OK)
		return "invalid";
	swgr_pubkey_format(&pk, out);
	return out;
}

static void
test_pubkey(void)
{
	struct swgr_pubkey pk;
	char bad[131];

	CHECK_STR(pk_str(G_COMP), G_LOWER);
	CHECK_STR(pk_str(G_LOWER), G_LOWER);
	CHECK_STR(pk_str(G_UNCOMP), G_LOWER);
	/* x = p is out of range; 05 is no prefix; 64 and 65 digits; a non-hex digit. */
	CHECK_STR(pk_str("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"),
	    "invalid");
	CHECK_STR(pk_str("0579be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
	    "invalid");
	CHECK_STR(pk_str("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
	    "invalid");
	CHECK_STR(pk_str("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179"),
	    "invalid");
	CHECK_STR(pk_str("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f8179x"),
	    "invalid");
	CHECK_STR(pk_str(""), "invalid");
	/* The uncompressed point with a wrong y. */
	memcpy(bad, G_UNCOMP, sizeof(bad));
	bad[129] = '9';
	CHECK_STR(pk_str(bad), "invalid");

	CHECK_INT(swgr_pubkey_parse(S(G_COMP), &pk), SWGR_OK);
	CHECK(swgr_pubkey_valid(&pk));
	pk.b[0] = 0x04;
	CHECK(!swgr_pubkey_valid(&pk));
	memset(pk.b + 1, 0xff, 32);
	pk.b[0] = 0x02;
	CHECK(!swgr_pubkey_valid(&pk));
}

static const char *
t_fmt(const char *s, bool db)
{
	static char out[SWGR_TIME_STRMAX];
	struct swgr_time t;
	enum swgr_rc rc;

	rc = db ? swgr_time_parse_db(s, strlen(s), &t) :
	    swgr_time_parse(s, strlen(s), &t);
	if (rc != SWGR_OK)
		return "invalid";
	swgr_time_format(&t, out);
	return out;
}

static const char *
t_strict(const char *s)
{
	return t_fmt(s, false);
}

static const char *
t_db(const char *s)
{
	return t_fmt(s, true);
}

/* Timestamps of the API (RFC 3339) and how they are written back ("invalid": refused). */
static const struct t_str_case strict_times[] = {
	{ "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z" },
	{ "2024-01-01t01:30:00+01:30", "2024-01-01T00:00:00Z" },
	{ "2023-12-31 22:00:00-02:00", "2024-01-01T00:00:00Z" },
	{ "2024-01-01T00:00:00z", "2024-01-01T00:00:00Z" },
	{ "2024-01-01T00:00:00.25Z", "2024-01-01T00:00:00.250Z" },
	{ "2024-01-01T00:00:00.000001Z", "2024-01-01T00:00:00.000001Z" },
	{ "2024-01-01T00:00:00.123456789Z", "2024-01-01T00:00:00.123456789Z" },
	{ "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z" },
	{ "2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z" },
	{ "2000-02-29T12:00:00Z", "2000-02-29T12:00:00Z" },
	{ "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z" },
	{ "0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z" },
	{ "1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z" },
	{ "2024-01-01T00:00:00", "invalid" },
	{ "2024-01-01T00:00:00+01", "invalid" },
	{ "2024-01-01T00:00:00+0100", "invalid" },
	{ "2024-01-01T00:00:00.1234567891Z", "invalid" },
	{ "2024-01-01T00:00:00.Z", "invalid" },
	{ "2023-02-29T00:00:00Z", "invalid" },
	{ "1900-02-29T00:00:00Z", "invalid" },
	{ "2024-02-30T00:00:00Z", "invalid" },
	{ "2024-04-31T00:00:00Z", "invalid" },
	{ "2024-13-01T00:00:00Z", "invalid" },
	{ "2024-00-01T00:00:00Z", "invalid" },
	{ "2024-01-00T00:00:00Z", "invalid" },
	{ "2024-01-01T24:00:00Z", "invalid" },
	{ "2024-01-01T00:60:00Z", "invalid" },
	{ "2024-01-01T00:00:60Z", "invalid" },
	{ "2024-01-01T00:00:00+24:00", "invalid" },
	{ "2024-01-01T00:00:00+01:60", "invalid" },
	{ "2024-01-01T00:00:00ZZ", "invalid" },
	{ "2024-01-01X00:00:00Z", "invalid" },
	{ "2024-1-01T00:00:00Z", "invalid" },
	{ "+2024-01-01T00:00:00Z", "invalid" },
	{ "2024-01-01", "invalid" },
	{ "", "invalid" },
};

/* The lenient database form of them. */
static const struct t_str_case db_times[] = {
	{ "2024-01-01 00:00:00", "2024-01-01T00:00:00Z" },
	{ "2024-01-01 01:00:00+01", "2024-01-01T00:00:00Z" },
	{ "2024-01-01 01:00:00+0100", "2024-01-01T00:00:00Z" },
	{ "2024-01-01 01:00:00+01:00", "2024-01-01T00:00:00Z" },
	{ "2024-01-01 00:00:00+00:00:00", "2024-01-01T00:00:00Z" },
	{ "2024-01-01T00:00:00.250+00:00", "2024-01-01T00:00:00.250Z" },
	{ "2024-01-01 00:00:00.1234567891", "2024-01-01T00:00:00.123456789Z" },
	{ "2024-01-01 00:00:00.000000", "2024-01-01T00:00:00Z" },
	{ "2024-02-30 00:00:00", "invalid" },
	{ "2024-01-01 00:00:00+1", "invalid" },
	{ "2024-01-01 00:00:00 UTC", "invalid" },
	{ "2024-01-01 00:00:00.", "invalid" },
};

static void
test_time_parse(void)
{
	struct swgr_time t;

	CHECK_INT(swgr_time_parse(S("2024-01-01T00:00:00Z"), &t), SWGR_OK);
	CHECK_INT(t.sec, 1704067200);
	CHECK_INT(t.nsec, 0);
	CHECK_INT(swgr_time_parse(S("1970-01-01T00:00:00-00:01"), &t), SWGR_OK);
	CHECK_INT(t.sec, 60);
	CHECK_INT(swgr_time_parse(S("1969-12-31T23:59:59.5Z"), &t), SWGR_OK);
	CHECK_INT(t.sec, -1);
	CHECK_INT(t.nsec, 500000000);
	CHECK_INT(swgr_time_parse(S("0000-01-01T00:00:00Z"), &t), SWGR_OK);
	CHECK_INT(t.sec, -62167219200LL);
	CHECK_INT(swgr_time_parse(S("9999-12-31T23:59:59Z"), &t), SWGR_OK);
	CHECK_INT(t.sec, 253402300799LL);

	CHECK_STR_ROWS(t_strict, strict_times);

	CHECK_INT(swgr_time_parse("2024-01-01T00:00:00Z", 19, &t), SWGR_EINVAL);

	/* The lenient database form. */
	CHECK_STR_ROWS(t_db, db_times);
}

static void
test_time_format(void)
{
	struct swgr_time t = { 1704067200, 0 }, u;
	char s[SWGR_TIME_STRMAX];

	swgr_time_format(&t, s);
	CHECK_STR(s, "2024-01-01T00:00:00Z");
	swgr_time_format_offset(&t, s);
	CHECK_STR(s, "2024-01-01T00:00:00+00:00");
	swgr_time_format_sql(&t, s);
	CHECK_STR(s, "2024-01-01 00:00:00.000000");
	t.nsec = 250000000;
	swgr_time_format(&t, s);
	CHECK_STR(s, "2024-01-01T00:00:00.250Z");
	swgr_time_format_offset(&t, s);
	CHECK_STR(s, "2024-01-01T00:00:00.250+00:00");
	swgr_time_format_sql(&t, s);
	CHECK_STR(s, "2024-01-01 00:00:00.250000");
	t.nsec = 123456000;
	swgr_time_format(&t, s);
	CHECK_STR(s, "2024-01-01T00:00:00.123456Z");
	t.nsec = 1;
	swgr_time_format(&t, s);
	CHECK_STR(s, "2024-01-01T00:00:00.000000001Z");
	swgr_time_format_sql(&t, s);
	CHECK_STR(s, "2024-01-01 00:00:00.000000");
	t.sec = 1709164800 + 86399;	/* 2024-02-29T23:59:59 */
	t.nsec = 0;
	swgr_time_format(&t, s);
	CHECK_STR(s, "2024-02-29T23:59:59Z");

	/* Round trip of the offset form through the lenient parser. */
	t.sec = 951782400;
	t.nsec = 999000000;
	swgr_time_format_offset(&t, s);
	CHECK_INT(swgr_time_parse_db(s, strlen(s), &u), SWGR_OK);
	CHECK_INT(swgr_time_cmp(&t, &u), 0);
	swgr_time_format_sql(&t, s);
	CHECK_INT(swgr_time_parse_db(s, strlen(s), &u), SWGR_OK);
	CHECK_INT(swgr_time_cmp(&t, &u), 0);

	u = t;
	u.nsec++;
	CHECK(swgr_time_cmp(&t, &u) < 0);
	CHECK(swgr_time_cmp(&u, &t) > 0);
	u.sec--;
	CHECK(swgr_time_cmp(&t, &u) > 0);
	u = swgr_time_now();
	CHECK(u.sec > 1700000000);
	CHECK(u.nsec >= 0 && u.nsec < 1000000000);
}

static const char *
b64(const char *s, bool url)
{
	static char out[64];
	uint8_t *p;
	size_t n;
	enum swgr_rc rc;

	rc = url ? swgr_base64url_decode(s, strlen(s), &p, &n) :
	    swgr_base64_decode(s, strlen(s), &p, &n);
	if (rc != SWGR_OK)
		return "invalid";
	swgr_hex_encode(p, n, out);
	free(p);
	return out;
}

static void
test_base64(void)
{
	const uint8_t raw[] = { 0x00, 0x01, 0xfb, 0xff };
	char *s;

	CHECK_STR((s = swgr_base64_encode(raw, 0)), "");
	free(s);
	CHECK_STR((s = swgr_base64_encode(raw, 2)), "AAE=");
	free(s);
	CHECK_STR((s = swgr_base64_encode((const uint8_t *)"f", 1)), "Zg==");
	free(s);
	CHECK_STR((s = swgr_base64_encode((const uint8_t *)"foo", 3)), "Zm9v");
	free(s);
	CHECK_STR((s = swgr_base64_encode(raw + 2, 2)), "+/8=");
	free(s);
	CHECK_STR((s = swgr_base64url_encode(raw + 2, 2)), "-_8");
	free(s);
	CHECK_STR((s = swgr_base64url_encode((const uint8_t *)"fo", 2)), "Zm8");
	free(s);

	CHECK_STR(b64("", false), "");
	CHECK_STR(b64("AAE=", false), "0001");
	CHECK_STR(b64("Zg==", false), "66");
	CHECK_STR(b64("Zm8=", false), "666f");
	CHECK_STR(b64("Zm9vYmFy", false), "666f6f626172");
	CHECK_STR(b64("+/8=", false), "fbff");
	CHECK_STR(b64("Zg", false), "invalid");
	CHECK_STR(b64("Zg=", false), "invalid");
	CHECK_STR(b64("Zh==", false), "invalid");
	CHECK_STR(b64("Zm9=", false), "invalid");
	CHECK_STR(b64("Z===", false), "invalid");
	CHECK_STR(b64("====", false), "invalid");
	CHECK_STR(b64("Zg=a", false), "invalid");
	CHECK_STR(b64("Z=g=", false), "invalid");
	CHECK_STR(b64(" Zg=", false), "invalid");
	CHECK_STR(b64("Zm9v\nYmFy", false), "invalid");
	CHECK_STR(b64("-_8=", false), "invalid");
	CHECK_STR(b64("Zg==Zg==", false), "invalid");

	CHECK_STR(b64("-_8", true), "fbff");
	CHECK_STR(b64("Zm9v", true), "666f6f");
	CHECK_STR(b64("", true), "");
	CHECK_STR(b64("-_8=", true), "invalid");
	CHECK_STR(b64("+/8", true), "invalid");
	CHECK_STR(b64("A", true), "invalid");
	CHECK_STR(b64("-_9", true), "invalid");
	CHECK_STR(b64("Zg", true), "66");
}

static const char *
email(const char *s)
{
	static char out[512];
	char *a = NULL;

	if (swgr_email_parse(s, strlen(s), &a) != SWGR_OK)
		return "invalid";
	snprintf(out, sizeof(out), "%s", a);
	free(a);
	return out;
}

static void
test_email(void)
{
	char buf[400];

	CHECK_STR(email("email@example.com"), "email@example.com");
	CHECK_STR(email("user@localhost"), "user@localhost");
	CHECK_STR(email("a.b+c!#$%&'*/=?^_`{|}~-@x-y.example"),
	    "a.b+c!#$%&'*/=?^_`{|}~-@x-y.example");
	CHECK_STR(email("\"quoted local\"@example.com"), "\"quoted local\"@example.com");
	CHECK_STR(email("\"a@b\"@example.com"), "\"a@b\"@example.com");
	CHECK_STR(email("\"a\\\"b\"@example.com"), "\"a\\\"b\"@example.com");
	CHECK_STR(email("user@[127.0.0.1]"), "user@[127.0.0.1]");
	CHECK_STR(email("Name <user@example.com>"), "user@example.com");
	CHECK_STR(email("A \"B\" <c> <user@example.com>"), "user@example.com");
	CHECK_STR(email(" <user@example.com>"), "user@example.com");
	CHECK_STR(email("jos\xc3\xa9@ex\xc3\xa4mple.com"), "jos\xc3\xa9@ex\xc3\xa4mple.com");
	CHECK_STR(email("1@2.3"), "1@2.3");

	CHECK_STR(email(""), "invalid");
	CHECK_STR(email("userexample.com"), "invalid");
	CHECK_STR(email("@example.com"), "invalid");
	CHECK_STR(email("user@"), "invalid");
	CHECK_STR(email("a@b@example.com"), "invalid");
	CHECK_STR(email("user name@example.com"), "invalid");
	CHECK_STR(email(".user@example.com"), "invalid");
	CHECK_STR(email("user.@example.com"), "invalid");
	CHECK_STR(email("a..b@example.com"), "invalid");
	CHECK_STR(email("\"\"@example.com"), "invalid");
	CHECK_STR(email("\"@example.com"), "invalid");
	CHECK_STR(email("\"a\\\"@example.com"), "invalid");
	CHECK_STR(email("user@-example.com"), "invalid");
	CHECK_STR(email("user@example-.com"), "invalid");
	CHECK_STR(email("user@exa_mple.com"), "user@exa_mple.com");	/* '_' is atext */
	CHECK_STR(email("user@exa,mple.com"), "invalid");
	CHECK_STR(email("user@exa(mple.com"), "invalid");
	CHECK_STR(email("user@example..com"), "invalid");
	CHECK_STR(email("user@.example.com"), "invalid");
	CHECK_STR(email("user@example.com."), "invalid");
	CHECK_STR(email("user@[1.2.3.4"), "invalid");
	CHECK_STR(email("user@[a[b]"), "invalid");
	CHECK_STR(email("<user@example.com>"), "invalid");
	CHECK_STR(email("Name <user@example.com"), "invalid");
	CHECK_STR(email("Name <user@example.com >"), "invalid");
	CHECK_STR(email("\xe2\x82\xac@example.com"), "invalid");
	CHECK_STR(email("user@\xe2\x82\xac.com"), "invalid");
	CHECK_STR(email("\"\xc3\xa9\"@example.com"), "invalid");
	CHECK_STR(email("us\xffr@example.com"), "invalid");
	CHECK_INT(swgr_email_parse("a\0b@example.com", 15, NULL), SWGR_EINVAL);
	CHECK_INT(swgr_email_parse(S("a@example.com"), NULL), SWGR_OK);

	/* Local part 64 bytes, label 63 bytes, domain 254 bytes. */
	memset(buf, 'a', 64);
	strcpy(buf + 64, "@example.com");
	CHECK_STR(email(buf), buf);
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@example.com");
	CHECK_STR(email(buf), "invalid");
	strcpy(buf, "u@");
	memset(buf + 2, 'b', 63);
	strcpy(buf + 65, ".com");
	CHECK_STR(email(buf), buf);
	strcpy(buf, "u@");
	memset(buf + 2, 'b', 64);
	strcpy(buf + 66, ".com");
	CHECK_STR(email(buf), "invalid");
	strcpy(buf, "u@");
	/* 3 labels of 63 plus one of 62 and 3 dots: 254. */
	memset(buf + 2, 'c', 254);
	buf[2 + 63] = buf[2 + 127] = buf[2 + 191] = '.';
	buf[2 + 254] = '\0';
	CHECK_STR(email(buf), buf);
	memset(buf + 2, 'c', 255);
	buf[2 + 63] = buf[2 + 127] = buf[2 + 191] = '.';
	buf[2 + 255] = '\0';
	CHECK_STR(email(buf), "invalid");
}

static void
test_utf8_hex(void)
{
	uint8_t b[4];
	char s[9];

	CHECK(swgr_utf8_valid(S("plain ascii")));
	CHECK(swgr_utf8_valid(S("")));
	CHECK(swgr_utf8_valid(S("\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xf4\x8f\xbf\xbf")));
	CHECK(swgr_utf8_valid(S("\xed\x9f\xbf \xee\x80\x80")));
	CHECK(swgr_utf8_valid("a\0b", 3));
	CHECK(!swgr_utf8_valid(S("\xc0\xaf")));
	CHECK(!swgr_utf8_valid(S("\xc1\xbf")));
	CHECK(!swgr_utf8_valid(S("\xe0\x9f\xbf")));
	CHECK(!swgr_utf8_valid(S("\xf0\x8f\xbf\xbf")));
	CHECK(!swgr_utf8_valid(S("\xed\xa0\x80")));
	CHECK(!swgr_utf8_valid(S("\xf4\x90\x80\x80")));
	CHECK(!swgr_utf8_valid(S("\xf5\x80\x80\x80")));
	CHECK(!swgr_utf8_valid(S("\xe2\x82")));
	CHECK(!swgr_utf8_valid(S("x\xe2\x82")));
	CHECK(!swgr_utf8_valid(S("\x80")));
	CHECK(!swgr_utf8_valid(S("\xc3\x28")));
	CHECK(!swgr_utf8_valid(S("\xff")));

	CHECK_INT(swgr_hex_decode(S("00Ff7a10"), b, 4), SWGR_OK);
	CHECK_INT(b[1], 0xff);
	CHECK_INT(b[2], 0x7a);
	swgr_hex_encode(b, 4, s);
	CHECK_STR(s, "00ff7a10");
	CHECK_INT(swgr_hex_decode(S("00ff7a1"), b, 4), SWGR_EINVAL);
	CHECK_INT(swgr_hex_decode(S("00ff7a1g"), b, 4), SWGR_EINVAL);
	CHECK_INT(swgr_hex_decode(S("00ff7a10aa"), b, 4), SWGR_EINVAL);
}

/* Deadlines on the monotonic clock, and a condition variable that waits for them. */
static void
test_mono(void)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv;
	struct timespec now, ts;
	double d, t0;
	int rc;

	CHECK_INT(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	swgr_mono_after(&ts, 1.75);
	d = (double)(ts.tv_sec - now.tv_sec) + (ts.tv_nsec - now.tv_nsec) / 1e9;
	CHECK(d >= 1.75 && d < 1.85);
	CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	swgr_mono_after(&ts, -3);
	d = (double)(ts.tv_sec - now.tv_sec) + (ts.tv_nsec - now.tv_nsec) / 1e9;
	CHECK(d >= 0 && d < 0.1);

	swgr_mono_cond_init(&cv);
	t0 = swgr_mono_now();
	swgr_mono_after(&ts, 0.2);
	pthread_mutex_lock(&mu);
	/* 0 is a wakeup (spurious); any other error would have looped forever. */
	while ((rc = pthread_cond_timedwait(&cv, &mu, &ts)) == 0)
		;
	pthread_mutex_unlock(&mu);
	CHECK_INT(rc, ETIMEDOUT);
	d = swgr_mono_now() - t0;
	CHECK(d >= 0.19 && d < 5);	/* a realtime condition would not wait at all */
	pthread_cond_destroy(&cv);
}

int
main(void)
{
	test_mono();
	test_uuid();
	test_pubkey();
	test_time_parse();
	test_time_format();
	test_base64();
	test_email();
	test_utf8_hex();
	return t_done("test_valid");
}
