/* Parsing and formatting of the scalar types of the API: UUIDs, public keys, times, base64, e-mail. */
#ifndef SWGR_VALID_H
#define SWGR_VALID_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"

struct swgr_uuid {
	uint8_t	 b[16];
};

/* A secp256k1 public key in compressed form (spec §2). */
struct swgr_pubkey {
	uint8_t	 b[33];
};

/* An instant: seconds since the Unix epoch (UTC) and nanoseconds. */
struct swgr_time {
	int64_t	 sec;
	int32_t	 nsec;
};

#define SWGR_UUID_STRLEN	36	/* hyphenated, without NUL */
#define SWGR_PUBKEY_STRLEN	66
#define SWGR_TIME_STRMAX	40	/* buffer size that holds any formatted time */

/*
 * UUID input: hyphenated, 32-hex simple, {braced}, urn:uuid:, any case.
 * Returns SWGR_OK or SWGR_EINVAL.  Output is lowercase hyphenated.
 */
enum swgr_rc	 swgr_uuid_parse(const char *s, size_t len, struct swgr_uuid *out);
void		 swgr_uuid_format(const struct swgr_uuid *u, char out[SWGR_UUID_STRLEN + 1]);
/* A random (version 4) UUID. */
enum swgr_rc	 swgr_uuid_random(struct swgr_uuid *out);
int		 swgr_uuid_cmp(const struct swgr_uuid *a, const struct swgr_uuid *b);

/*
 * Public key input: 66 hex (compressed) or 130 hex (uncompressed), any case,
 * which must be a point on secp256k1.  Returns SWGR_OK or SWGR_EINVAL.
 */
enum swgr_rc	 swgr_pubkey_parse(const char *s, size_t len, struct swgr_pubkey *out);
/* Checks 33 raw bytes are a valid compressed point. */
bool		 swgr_pubkey_valid(const struct swgr_pubkey *pk);
void		 swgr_pubkey_format(const struct swgr_pubkey *pk, char out[SWGR_PUBKEY_STRLEN + 1]);

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
/* Seconds on CLOCK_MONOTONIC: for intervals and deadlines, not for dates. */
double		 swgr_mono_now(void);
/* *ts = secs from now on CLOCK_MONOTONIC (now when secs <= 0). */
void		 swgr_mono_after(struct timespec *ts, double secs);
/*
 * Initialises cv so that pthread_cond_timedwait takes CLOCK_MONOTONIC
 * deadlines (swgr_mono_after): a step of the wall clock moves them not.
 */
void		 swgr_mono_cond_init(pthread_cond_t *cv);
int		 swgr_time_cmp(const struct swgr_time *a, const struct swgr_time *b);

/* Standard base64 with '=' padding (strict: padding required, no whitespace). */
enum swgr_rc	 swgr_base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);
char		*swgr_base64_encode(const uint8_t *p, size_t len);
/* base64url without padding (JWS). */
enum swgr_rc	 swgr_base64url_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);
char		*swgr_base64url_encode(const uint8_t *p, size_t len);

/*
 * E-mail syntax as the original's validator (spec §7.2).  On success, if
 * addr is not NULL, *addr receives a malloc'd "local@domain" (the display form
 * "Name <local@domain>" reduced to its address).
 */
enum swgr_rc	 swgr_email_parse(const char *s, size_t len, char **addr);

/* The value of one hex digit (either case), or -1. */
int		 swgr_hex_digit(int c);
/* Rust's char::is_alphanumeric: ASCII, and beyond it C.UTF-8's classification. */
bool		 swgr_unicode_alnum(uint32_t cp);
/* Lowercase hex; decode accepts either case.  */
void		 swgr_hex_encode(const uint8_t *p, size_t len, char *out);
enum swgr_rc	 swgr_hex_decode(const char *s, size_t len, uint8_t *out, size_t outlen);

/* Valid UTF-8 (no overlongs, no surrogates). */
bool		 swgr_utf8_valid(const char *s, size_t len);

#endif
