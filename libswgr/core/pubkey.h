/* secp256k1 public keys of the API (spec §2): parsed, checked, compressed. */
#ifndef SWGR_PUBKEY_H
#define SWGR_PUBKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* A secp256k1 public key in compressed form (spec §2). */
struct swgr_pubkey {
	uint8_t	 b[33];
};

#define SWGR_PUBKEY_STRLEN	66

/*
 * Public key input: 66 hex (compressed) or 130 hex (uncompressed), any case,
 * which must be a point on secp256k1.  Returns SWGR_OK or SWGR_EINVAL.
 */
enum swgr_rc	 swgr_pubkey_parse(const char *s, size_t len, struct swgr_pubkey *out);
/* Checks 33 raw bytes are a valid compressed point. */
bool		 swgr_pubkey_valid(const struct swgr_pubkey *pk);
void		 swgr_pubkey_format(const struct swgr_pubkey *pk, char out[SWGR_PUBKEY_STRLEN + 1]);

#endif
