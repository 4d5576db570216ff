/* A small BOLT #11 encoder for the tests (libswgr ships only the decoder). */
#ifndef SWGR_TESTS_BOLT11_ENCODE_H
#define SWGR_TESTS_BOLT11_ENCODE_H

#include <stdint.h>

#include "core/err.h"
#include "pay/bolt11.h"

/*
 * Encodes and signs inv with the 32-byte secret key seckey.  Used: network,
 * has_amount/amount_msat (shortest multiplier), timestamp, payment_secret,
 * payment_hash, description if not NULL else description_hash (one is
 * required), expiry (omitted if 3600), min_final_cltv (omitted if 18),
 * features (if not 0), metadata (if not NULL) and has_payee_field (writes
 * 'n' with the key of seckey); payee is ignored.  Fields are written in that
 * order.  On SWGR_OK *out is a malloc'd lowercase invoice the caller frees.
 */
enum swgr_rc	 bolt11_encode(const struct swgr_bolt11 *inv, const uint8_t seckey[32],
		    char **out, struct swgr_err *err);

#endif
