/*
 * A small BOLT #11 encoder for the tests: it writes and signs the invoices
 * that test the decoder of libswgr/pay/bolt11.c.  It spells the spec's
 * constants (field tags, word counts, networks, multipliers) out itself
 * rather than sharing the decoder's, so that a wrong constant there shows as
 * a failing test instead of agreeing with itself.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "bolt11_encode.h"
#include "core/bech32.h"
#include "core/buf.h"
#include "core/sha256.h"
#include "pay/bolt11_wire.h"

static const char *const networks[] = { "bc", "tb", "tbs", "bcrt", "sb" };

/* Appends v as n big-endian words. */
static void
put_uint(struct swgr_buf *w, uint64_t v, size_t n)
{
	while (n-- > 0)
		swgr_buf_putc(w, (v >> (5 * n)) & 0x1f);
}

/* Appends a field holding v in the fewest words. */
static void
put_field_uint(struct swgr_buf *w, unsigned tag, uint64_t v)
{
	size_t n = 0;

	while (n < 13 && (v >> (5 * n)) != 0)
		n++;
	put_uint(w, tag, 1);
	put_uint(w, n, 2);
	put_uint(w, v, n);
}

/* Appends a field holding len bytes, zero-padded to whole words. */
static bool
put_field_bytes(struct swgr_buf *w, unsigned tag, const uint8_t *p, size_t len)
{
	uint8_t words[FIELD_MAX_WORDS + 2];
	size_t n;

	if (swgr_bech32_convertbits_len(len, 8, 5) > FIELD_MAX_WORDS)
		return false;
	swgr_bech32_convertbits(p, len, 8, 5, true, words, &n);
	put_uint(w, tag, 1);
	put_uint(w, n, 2);
	swgr_buf_put(w, words, n);
	return true;
}

/* Writes "ln" + network + the shortest amount into hrp. */
static enum swgr_rc
encode_hrp(const struct swgr_bolt11 *inv, char *hrp, size_t sz,
    struct swgr_err *err)
{
	static const struct { uint64_t div; const char *mul; } units[] = {
		{ MSAT_PER_BTC, "" }, { MSAT_PER_BTC / 1000, "m" },
		{ MSAT_PER_BTC / 1000000, "u" }, { 100, "n" }
	};
	size_t i;

	for (i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		if (strcmp(inv->network, networks[i]) == 0)
			break;
	if (i == sizeof(networks) / sizeof(networks[0]))
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: unknown network \"%s\"", inv->network);
	if (!inv->has_amount) {
		snprintf(hrp, sz, "ln%s", inv->network);
		return SWGR_OK;
	}
	if (inv->amount_msat == 0)
		return swgr_err_set(err, SWGR_EINVAL, "invoice: amount of 0 msat");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (inv->amount_msat % units[i].div == 0) {
			snprintf(hrp, sz, "ln%s%" PRIu64 "%s", inv->network,
			    inv->amount_msat / units[i].div, units[i].mul);
			return SWGR_OK;
		}
	/* Pico-bitcoin: ten per millisatoshi, which can overflow. */
	if (inv->amount_msat > UINT64_MAX / 10)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: cannot encode an amount of %" PRIu64 " msat",
		    inv->amount_msat);
	snprintf(hrp, sz, "ln%s%" PRIu64 "p", inv->network, inv->amount_msat * 10);
	return SWGR_OK;
}

/* Signs sha256(hrp || words) with seckey and appends the 104 signature words. */
static enum swgr_rc
sign(secp256k1_context *ctx, const char *hrp, struct swgr_buf *w,
    const uint8_t seckey[32], struct swgr_err *err)
{
	secp256k1_ecdsa_recoverable_signature sig;
	uint8_t msg[SWGR_BOLT11_MAXLEN + 64], hash[32], raw[SIG_BYTES];
	uint8_t words[SIG_WORDS + 1];
	size_t hlen = strlen(hrp), mlen, n;
	int recid;

	if (w->len > SWGR_BOLT11_MAXLEN)
		return swgr_err_set(err, SWGR_EINVAL, "invoice: too long to encode");
	memcpy(msg, hrp, hlen);
	swgr_bech32_convertbits((uint8_t *)w->p, w->len, 5, 8, true, msg + hlen, &mlen);
	swgr_sha256(msg, hlen + mlen, hash);
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash, seckey, NULL, NULL))
		return swgr_err_set(err, SWGR_EINVAL, "invoice: signing failed");
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, raw, &recid, &sig);
	raw[64] = recid;
	swgr_bech32_convertbits(raw, SIG_BYTES, 8, 5, true, words, &n);
	swgr_buf_put(w, words, n);
	return SWGR_OK;
}

enum swgr_rc
bolt11_encode(const struct swgr_bolt11 *inv, const uint8_t seckey[32],
    char **out, struct swgr_err *err)
{
	secp256k1_context *ctx;
	secp256k1_pubkey pk;
	struct swgr_buf w = { 0 };
	uint8_t payee[33];
	size_t plen = sizeof(payee);
	char hrp[40];
	bool ok = true;
	enum swgr_rc rc;

	*out = NULL;
	if ((ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "invoice: out of memory");
	if ((rc = encode_hrp(inv, hrp, sizeof(hrp), err)) != SWGR_OK)
		goto out;
	rc = SWGR_EINVAL;
	if (!secp256k1_ec_pubkey_create(ctx, &pk, seckey)) {
		swgr_err_set(err, rc, "invoice: invalid secret key");
		goto out;
	}
	secp256k1_ec_pubkey_serialize(ctx, payee, &plen, &pk, SECP256K1_EC_COMPRESSED);
	if (inv->timestamp >> 35) {
		swgr_err_set(err, rc, "invoice: timestamp out of range");
		goto out;
	}
	if (inv->description == NULL && !inv->has_description_hash) {
		swgr_err_set(err, rc, "invoice: no description and no description hash");
		goto out;
	}

	put_uint(&w, inv->timestamp, TIMESTAMP_WORDS);
	put_field_bytes(&w, TAG_S, inv->payment_secret, 32);
	put_field_bytes(&w, TAG_P, inv->payment_hash, 32);
	if (inv->description != NULL)
		ok = put_field_bytes(&w, TAG_D, (const uint8_t *)inv->description,
		    strlen(inv->description));
	else
		put_field_bytes(&w, TAG_H, inv->description_hash, 32);
	if (inv->expiry != SWGR_BOLT11_DEFAULT_EXPIRY)
		put_field_uint(&w, TAG_X, inv->expiry);
	if (inv->min_final_cltv != SWGR_BOLT11_DEFAULT_CLTV)
		put_field_uint(&w, TAG_C, inv->min_final_cltv);
	if (inv->features != 0)
		put_field_uint(&w, TAG_9, inv->features);
	if (inv->metadata != NULL)
		ok = ok && put_field_bytes(&w, TAG_M, inv->metadata, inv->metadata_len);
	if (inv->has_payee_field)
		put_field_bytes(&w, TAG_N, payee, sizeof(payee));
	if (!ok) {
		swgr_err_set(err, rc, "invoice: a field is over 639 bytes");
		goto out;
	}
	if (!swgr_buf_ok(&w)) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "invoice: out of memory");
		goto out;
	}
	if ((rc = sign(ctx, hrp, &w, seckey, err)) != SWGR_OK)
		goto out;
	rc = swgr_bech32_encode5(hrp, (uint8_t *)w.p, w.len, SWGR_BECH32_LOWER,
	    SWGR_BOLT11_MAXLEN, out, err);
out:
	swgr_buf_free(&w);
	secp256k1_context_destroy(ctx);
	return rc;
}
