/* Instants of the API: RFC 3339 in and out, the databases' text forms. */
#ifndef SWGR_TIME_H
#define SWGR_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* An instant: seconds since the Unix epoch (UTC) and nanoseconds. */
struct swgr_time {
	int64_t	 sec;
	int32_t	 nsec;
};

#define SWGR_TIME_STRMAX	40	/* buffer size that holds any formatted time */

/*
 * RFC 3339 input with any offset (converted to UTC), 'T' or a space between
 * date and time, 't'/'z' in either case.  Returns SWGR_OK or SWGR_EINVAL.
 */
enum swgr_rc	 swgr_time_parse(const char *s, size_t len, struct swgr_time *out);
/*
 * Lenient form for values read from a database: as above, and also a missing
 * offset (UTC), a short offset ("+00") and a fraction of any length.
 */
enum swgr_rc	 swgr_time_parse_db(const char *s, size_t len, struct swgr_time *out);
/* RFC 3339 UTC with 'Z' and 0, 3, 6 or 9 fraction digits (the shortest exact). */
void		 swgr_time_format(const struct swgr_time *t, char out[SWGR_TIME_STRMAX]);
/* Same, but "+00:00" in place of "Z" (the original's SQLite text encoding). */
void		 swgr_time_format_offset(const struct swgr_time *t, char out[SWGR_TIME_STRMAX]);
/* "YYYY-MM-DD HH:MM:SS.ffffff" UTC, for MySQL/MariaDB parameters. */
void		 swgr_time_format_sql(const struct swgr_time *t, char out[SWGR_TIME_STRMAX]);
struct swgr_time swgr_time_now(void);
int		 swgr_time_cmp(const struct swgr_time *a, const struct swgr_time *b);

#endif
