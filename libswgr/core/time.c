/* Instants of the API: RFC 3339 in and out, the databases' text forms. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/time.h"

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

int
swgr_time_cmp(const struct swgr_time *a, const struct swgr_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}
