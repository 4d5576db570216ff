/* Parsing and formatting of the scalar types of the API: UUIDs, public keys, times, base64, e-mail. */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include <openssl/rand.h>
#include <secp256k1.h>

#include "core/valid.h"

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

/* Hex of a 33- or 65-byte serialised point that libsecp256k1 accepts. */
enum swgr_rc
swgr_pubkey_parse(const char *s, size_t len, struct swgr_pubkey *out)
{
	uint8_t raw[65];
	secp256k1_pubkey pk;
	size_t n, outlen;

	if (len != 66 && len != 130)
		return SWGR_EINVAL;
	n = len / 2;
	if (swgr_hex_decode(s, len, raw, n) != SWGR_OK)
		return SWGR_EINVAL;
	if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, raw, n))
		return SWGR_EINVAL;
	outlen = sizeof(out->b);
	if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, out->b,
	    &outlen, &pk, SECP256K1_EC_COMPRESSED) || outlen != sizeof(out->b))
		return SWGR_EINTERNAL;
	return SWGR_OK;
}

bool
swgr_pubkey_valid(const struct swgr_pubkey *k)
{
	secp256k1_pubkey pk;

	if (k->b[0] != 0x02 && k->b[0] != 0x03)
		return false;
	return secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk,
	    k->b, sizeof(k->b)) == 1;
}

void
swgr_pubkey_format(const struct swgr_pubkey *pk, char out[SWGR_PUBKEY_STRLEN + 1])
{
	swgr_hex_encode(pk->b, sizeof(pk->b), out);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return dim[m - 1];
}

/* Reads exactly n decimal digits at s[*i]; advances *i. */
static bool
num(const char *s, size_t len, size_t *i, size_t n, int *out)
{
	int v = 0;
	size_t k;

	if (len - *i < n)
		return false;
	for (k = 0; k < n; k++) {
		if (!isdigit((unsigned char)s[*i + k]))
			return false;
		v = v * 10 + (s[*i + k] - '0');
	}
	*i += n;
	*out = v;
	return true;
}

static bool
lit(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return false;
	(*i)++;
	return true;
}

/* Parses an offset after its sign; lenient adds "+hh", "+hhmm" and "+hh:mm:ss". */
static bool
offset(const char *s, size_t len, size_t *i, bool lenient, int *secs)
{
	int hh, mm = 0, ss = 0;

	if (!num(s, len, i, 2, &hh))
		return false;
	if (*i == len && lenient)
		;
	else if (lit(s, len, i, ':')) {
		if (!num(s, len, i, 2, &mm))
			return false;
		if (lenient && lit(s, len, i, ':') && !num(s, len, i, 2, &ss))
			return false;
	} else if (!lenient || !num(s, len, i, 2, &mm))
		return false;
	if (hh > 23 || mm > 59 || ss > 59)
		return false;
	*secs = hh * 3600 + mm * 60 + ss;
	return true;
}

/*
 * Reads "YYYY-MM-DD[Tt ]HH:MM:SS[.f](Z|z|±hh:mm)".  Strict mode takes 1-9
 * fraction digits and requires the offset; lenient mode is described in
 * valid.h.
 */
static enum swgr_rc
time_parse(const char *s, size_t len, bool lenient, struct swgr_time *out)
{
	size_t i = 0, nd;
	int y, mo, d, h, mi, sec, nsec = 0, off = 0;
	bool neg;

	if (!num(s, len, &i, 4, &y) || !lit(s, len, &i, '-') ||
	    !num(s, len, &i, 2, &mo) || !lit(s, len, &i, '-') ||
	    !num(s, len, &i, 2, &d))
		return SWGR_EINVAL;
	if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return SWGR_EINVAL;
	i++;
	if (!num(s, len, &i, 2, &h) || !lit(s, len, &i, ':') ||
	    !num(s, len, &i, 2, &mi) || !lit(s, len, &i, ':') ||
	    !num(s, len, &i, 2, &sec))
		return SWGR_EINVAL;
	if (lit(s, len, &i, '.')) {
		for (nd = 0; i < len && isdigit((unsigned char)s[i]); i++, nd++)
			if (nd < 9)
				nsec = nsec * 10 + (s[i] - '0');
		if (nd == 0 || (nd > 9 && !lenient))
			return SWGR_EINVAL;
		for (; nd < 9; nd++)
			nsec *= 10;
	}
	if (i == len) {
		if (!lenient)
			return SWGR_EINVAL;
	} else if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		neg = s[i++] == '-';
		if (!offset(s, len, &i, lenient, &off))
			return SWGR_EINVAL;
		if (neg)
			off = -off;
	} else
		return SWGR_EINVAL;
	if (i != len)
		return SWGR_EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return SWGR_EINVAL;
	/* Local time is UTC plus the offset. */
	out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - off;
	out->nsec = nsec;
	return SWGR_OK;
}

enum swgr_rc
swgr_time_parse(const char *s, size_t len, struct swgr_time *out)
{
	return time_parse(s, len, false, out);
}

enum swgr_rc
swgr_time_parse_db(const char *s, size_t len, struct swgr_time *out)
{
	return time_parse(s, len, true, out);
}

/* "YYYY-MM-DD?HH:MM:SS" of t into out, sep between date and time. */
static int
time_base(const struct swgr_time *t, char sep, char *out, size_t sz)
{
	int64_t days, secs, y;
	int m, d;

	days = t->sec / 86400;
	secs = t->sec % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	return snprintf(out, sz, "%04lld-%02d-%02d%c%02d:%02d:%02d",
	    (long long)y, m, d, sep, (int)(secs / 3600),
	    (int)(secs / 60 % 60), (int)(secs % 60));
}

/* RFC 3339 UTC with the shortest exact fraction of 0, 3, 6 or 9 digits, then zone. */
static void
time_format(const struct swgr_time *t, const char *zone, char out[SWGR_TIME_STRMAX])
{
	int n, ns = t->nsec;

	n = time_base(t, 'T', out, SWGR_TIME_STRMAX);
	if (n < 0 || n >= SWGR_TIME_STRMAX)
		n = 0;
	if (ns == 0)
		snprintf(out + n, SWGR_TIME_STRMAX - n, "%s", zone);
	else if (ns % 1000000 == 0)
		snprintf(out + n, SWGR_TIME_STRMAX - n, ".%03d%s", ns / 1000000, zone);
	else if (ns % 1000 == 0)
		snprintf(out + n, SWGR_TIME_STRMAX - n, ".%06d%s", ns / 1000, zone);
	else
		snprintf(out + n, SWGR_TIME_STRMAX - n, ".%09d%s", ns, zone);
}

void
swgr_time_format(const struct swgr_time *t, char out[SWGR_TIME_STRMAX])
{
	time_format(t, "Z", out);
}

void
swgr_time_format_offset(const struct swgr_time *t, char out[SWGR_TIME_STRMAX])
{
	time_format(t, "+00:00", out);
}

void
swgr_time_format_sql(const struct swgr_time *t, char out[SWGR_TIME_STRMAX])
{
	int n;

	n = time_base(t, ' ', out, SWGR_TIME_STRMAX);
	if (n < 0 || n >= SWGR_TIME_STRMAX)
		n = 0;
	snprintf(out + n, SWGR_TIME_STRMAX - n, ".%06d", t->nsec / 1000);
}

struct swgr_time
swgr_time_now(void)
{
	struct timespec ts;
	struct swgr_time t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t.sec = ts.tv_sec;
	t.nsec = (int32_t)ts.tv_nsec;
	return t;
}

double
swgr_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
swgr_mono_after(struct timespec *ts, double secs)
{
	time_t whole;

	clock_gettime(CLOCK_MONOTONIC, ts);
	if (!(secs > 0))
		return;
	whole = (time_t)secs;
	ts->tv_sec += whole;
	ts->tv_nsec += (long)((secs - (double)whole) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void
swgr_mono_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

int
swgr_time_cmp(const struct swgr_time *a, const struct swgr_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

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
static uint32_t
utf8_next(const char *str, size_t len, size_t *i)
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
		if (!is_atext(utf8_next(s, len, &i)))
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
		c = utf8_next(s, len, &i);
		if (c == '\\') {
			if (i >= len)
				return false;
			c = utf8_next(s, len, &i);
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

	if (len == 0 || !swgr_unicode_alnum(utf8_next(s, len, &i)))
		return false;
	for (i = len - 1; i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80; i--)
		;
	last = i;
	if (!swgr_unicode_alnum(utf8_next(s, len, &last)))
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
			c = utf8_next(s, len - 1, &i);
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
		if (*len == 0 || !is_space(utf8_next(*s, *len, &i)))
			break;
		*s += i;
		*len -= i;
	}
	while (*len > 0) {
		for (i = *len - 1; i > 0 &&
		    ((unsigned char)(*s)[i] & 0xc0) == 0x80; i--)
			;
		j = i;
		if (!is_space(utf8_next(*s, *len, &j)))
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
