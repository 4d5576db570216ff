/*
 * BOLT #11 invoices: decoding with signature check, and the check against an
 * LNURL-pay request (the tests' encoder is tests/unit/bolt11_encode.c).
 */
#ifndef SWGR_BOLT11_H
#define SWGR_BOLT11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SWGR_BOLT11_MAXLEN		8192	/* characters; far above any node's invoice */
#define SWGR_BOLT11_DEFAULT_EXPIRY	3600
#define SWGR_BOLT11_DEFAULT_CLTV	18

/*
 * A decoded invoice.  Fields absent from the invoice hold their BOLT #11
 * defaults (expiry 3600, min_final_cltv 18) or zero.  description and
 * metadata are malloc'd and released by swgr_bolt11_free().
 */
struct swgr_bolt11 {
	char		 network[8];	/* currency prefix: bc, tb, tbs, bcrt or sb */
	bool		 has_amount;
	uint64_t	 amount_msat;
	uint64_t	 timestamp;	/* seconds since the epoch */
	uint8_t		 payment_hash[32];
	uint8_t		 payment_secret[32];
	bool		 has_description_hash;
	uint8_t		 description_hash[32];
	char		*description;	/* 'd', NUL-terminated UTF-8, or NULL */
	size_t		 description_len;
	uint8_t		*metadata;	/* 'm', or NULL */
	size_t		 metadata_len;
	bool		 has_payee_field; /* 'n' present: the signature was verified against it */
	uint8_t		 payee[33];	/* compressed key: from 'n' or recovered */
	uint64_t	 expiry;	/* seconds after timestamp */
	uint32_t	 min_final_cltv;
	uint64_t	 features;	/* bits 0..63 of '9' (higher odd bits are ignored) */
};

/*
 * Decodes invoice (len bytes; either case, not mixed; at most
 * SWGR_BOLT11_MAXLEN) and checks its signature.  The reader rules of BOLT #11
 * apply: a known currency prefix; an amount without leading zeros, with a
 * known multiplier and no sub-millisatoshi part; a 'p' and an 's' (the first
 * of each is used); exactly one of 'd' (valid UTF-8) or 'h'; minimal 'x', 'c'
 * and '9'; no unknown even feature bit.  A 'p', 'h', 's' or 'n' of another
 * length is skipped, as the spec's "fields which must be ignored" example
 * demands (the 2025 text says to fail instead).  With an 'n' field the
 * signature must verify against it and be low-S; without one the payee is
 * recovered and high-S is accepted.  Returns SWGR_OK, SWGR_EINVAL (the reason
 * in err) or SWGR_ENOMEM.  Must be matched by swgr_bolt11_free() if and only
 * if the return value is SWGR_OK.
 */
enum swgr_rc	 swgr_bolt11_decode(const char *invoice, size_t len, struct swgr_bolt11 *out,
		    struct swgr_err *err);
void		 swgr_bolt11_free(struct swgr_bolt11 *inv);

/*
 * The check made on every invoice a node returns for an LNURL-pay request:
 * the amount equals amount_msat, the 'h' field equals description_hash
 * (sha256 of the metadata string) and the payee equals payee (the backend's
 * key).  Returns SWGR_OK, or SWGR_EINVAL with a message naming the first
 * mismatch and both values.
 */
enum swgr_rc	 swgr_bolt11_check(const struct swgr_bolt11 *inv, uint64_t amount_msat,
		    const uint8_t description_hash[32], const uint8_t payee[33],
		    struct swgr_err *err);

#endif
