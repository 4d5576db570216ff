/* Bech32 strings (BIP-173, original checksum), without BIP-173's length limit when asked. */
#ifndef SWGR_BECH32_H
#define SWGR_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SWGR_BECH32_MAXLEN		90	/* BIP-173's limit (addresses) */
#define SWGR_BECH32_LNURL_MAXLEN	1023	/* LUD-01's limit for "lnurl" strings */
#define SWGR_BECH32_HRP_MAX		83	/* BIP-173: 1 to 83 characters */
#define SWGR_BECH32_CHECKSUM_LEN	6

enum swgr_bech32_case {
	SWGR_BECH32_LOWER,
	SWGR_BECH32_UPPER
};

/*
 * A decoded string: the HRP in lowercase and the 5-bit words (each 0..31) of
 * the data part, checksum removed.  data is malloc'd (NULL if len is 0).
 */
struct swgr_bech32 {
	char	 hrp[SWGR_BECH32_HRP_MAX + 1];
	uint8_t	*data;
	size_t	 len;
};

/*
 * Encodes hrp (1 to 83 characters 33..126; uppercase letters are folded)
 * and the 5-bit words data5 in the given case.  Refuses (SWGR_EINVAL) a
 * result longer than maxlen characters or a word over 31.  On SWGR_OK *out is
 * a malloc'd NUL-terminated string the caller frees.
 */
enum swgr_rc	 swgr_bech32_encode5(const char *hrp, const uint8_t *data5, size_t len,
		    enum swgr_bech32_case cs, size_t maxlen, char **out, struct swgr_err *err);
/* The same for 8-bit data, regrouped into 5-bit words with zero padding. */
enum swgr_rc	 swgr_bech32_encode(const char *hrp, const uint8_t *data, size_t len,
		    enum swgr_bech32_case cs, size_t maxlen, char **out, struct swgr_err *err);

/*
 * Decodes s (len bytes, no NUL needed) as BIP-173 says: characters 33..126,
 * all lowercase or all uppercase, the last '1' ending an HRP of 1 to 83
 * characters, a data part of at least six characters from the bech32 set, a
 * valid checksum, and at most maxlen characters in all.  Returns SWGR_OK or
 * SWGR_EINVAL (the reason in err) or SWGR_ENOMEM.  Must be matched by
 * swgr_bech32_free() if and only if the return value is SWGR_OK.
 */
enum swgr_rc	 swgr_bech32_decode5(const char *s, size_t len, size_t maxlen,
		    struct swgr_bech32 *out, struct swgr_err *err);
/*
 * The same, then regroups the words into bytes strictly (padding under five
 * bits, all zero).  On SWGR_OK, hrp holds the lowercase HRP and *data a
 * malloc'd buffer of *datalen bytes (NULL if empty) the caller frees.
 */
enum swgr_rc	 swgr_bech32_decode(const char *s, size_t len, size_t maxlen,
		    char hrp[SWGR_BECH32_HRP_MAX + 1], uint8_t **data, size_t *datalen,
		    struct swgr_err *err);
void		 swgr_bech32_free(struct swgr_bech32 *b);

/*
 * Regroups inlen values of frombits bits into values of tobits bits (both 1
 * to 8), big-endian, as BIP-173's reference convertbits.  With pad, a last
 * partial group is zero-padded; without, leftover bits must be fewer than
 * frombits and zero.  out must hold swgr_bech32_convertbits_len(inlen,
 * frombits, tobits) values.  Returns SWGR_OK or SWGR_EINVAL (an input value
 * too wide, or bad padding); *outlen is the count written.
 */
enum swgr_rc	 swgr_bech32_convertbits(const uint8_t *in, size_t inlen, unsigned frombits,
		    unsigned tobits, bool pad, uint8_t *out, size_t *outlen);
/* The largest output count of swgr_bech32_convertbits (the padded one). */
size_t		 swgr_bech32_convertbits_len(size_t inlen, unsigned frombits, unsigned tobits);

#endif
