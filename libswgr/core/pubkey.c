/* secp256k1 public keys of the API (spec §2): parsed, checked, compressed. */
#include <secp256k1.h>

#include "core/hex.h"
#include "core/pubkey.h"

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
