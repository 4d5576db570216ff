/* BOLT #11 invoices: decoding with signature check, and the check against an LNURL-pay request. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "core/bech32.h"
#include "pay/bolt11.h"
#include "pay/bolt11_wire.h"
#include "core/sha256.h"
#include "core/hex.h"
#include "core/utf8.h"

static const char *const networks[] = { "bc", "tb", "tbs", "bcrt", "sb" };

/* Feature bits BOLT #9 allows in invoices, even (required) form. */
static const unsigned known_even_features[] = { 8, 14, 16, 24, 36, 48 };

/* Which once-only fields the decoder has taken. */
struct seen {
	bool	 p, s, d, h, n, x, c, f9, m;
};

/*
 * The n words as bytes, trailing padding bits dropped: floor(5n / 8) bytes
 * into out, which holds swgr_bech32_convertbits_len(n, 5, 8).
 */
static size_t
words_to_bytes(const uint8_t *w, size_t n, uint8_t *out)
{
	size_t outlen;

	if (swgr_bech32_convertbits(w, n, 5, 8, true, out, &outlen) != SWGR_OK)
		return 0;
	return n * 5 / 8;
}

/* Parses the amount after the currency prefix (hrp text) into msat. */
static enum swgr_rc
parse_amount(const char *a, struct swgr_bolt11 *out, struct swgr_err *err)
{
	uint64_t v = 0, mul;
	const char *p;

	if (*a == '\0')
		return SWGR_OK;
	if (*a == '0')
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: amount \"%s\" has a leading zero", a);
	for (p = a; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (*p - '0')) / 10)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: amount \"%s\" is too large", a);
		v = v * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0':
		mul = MSAT_PER_BTC;
		break;
	case 'm':
		mul = MSAT_PER_BTC / 1000;
		break;
	case 'u':
		mul = MSAT_PER_BTC / 1000000;
		break;
	case 'n':
		mul = MSAT_PER_BTC / 1000000000;
		break;
	case 'p':
		if (v % 10 != 0)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: amount \"%s\" is not a whole number of "
			    "millisatoshis", a);
		v /= 10;
		mul = 1;
		break;
	default:
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: amount \"%s\" has an unknown multiplier", a);
	}
	if (*p != '\0' && p[1] != '\0')
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: amount \"%s\" has trailing characters", a);
	if (v > UINT64_MAX / mul)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: amount \"%s\" is too large", a);
	out->has_amount = true;
	out->amount_msat = v * mul;
	return SWGR_OK;
}

/* Parses "ln" + currency prefix + optional amount. */
static enum swgr_rc
parse_hrp(const char *hrp, struct swgr_bolt11 *out, struct swgr_err *err)
{
	size_t i, n;

	if (strncmp(hrp, "ln", 2) != 0)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: prefix \"%s\" does not start with \"ln\"", hrp);
	n = strcspn(hrp + 2, "0123456789");
	for (i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		if (strlen(networks[i]) == n &&
		    strncmp(hrp + 2, networks[i], n) == 0)
			break;
	if (i == sizeof(networks) / sizeof(networks[0]))
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: unknown currency prefix in \"%s\"", hrp);
	snprintf(out->network, sizeof(out->network), "%s", networks[i]);
	return parse_amount(hrp + 2 + n, out, err);
}

/*
 * The big-endian value of n words of a field that must be minimal (no
 * leading zero word) and fit in max.
 */
static enum swgr_rc
field_uint(char tag, const uint8_t *w, size_t n, uint64_t max, uint64_t *v,
    struct swgr_err *err)
{
	size_t i;

	*v = 0;
	if (n > 0 && w[0] == 0)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: '%c' field is not minimally encoded", tag);
	for (i = 0; i < n; i++) {
		if (*v > (max >> 5))
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: '%c' field is too large", tag);
		*v = (*v << 5) | w[i];
	}
	if (*v > max)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: '%c' field is too large", tag);
	return SWGR_OK;
}

/* Checks the '9' feature vector and keeps its bits 0..63. */
static enum swgr_rc
parse_features(const uint8_t *w, size_t n, struct swgr_bolt11 *out,
    struct swgr_err *err)
{
	const size_t nknown = sizeof(known_even_features) /
	    sizeof(known_even_features[0]);
	size_t bit, k;

	if (n > 0 && w[0] == 0)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: '9' field is not minimally encoded");
	for (bit = 0; bit < n * 5; bit++) {
		if (!((w[n - 1 - bit / 5] >> (bit % 5)) & 1))
			continue;
		if (bit < 64)
			out->features |= UINT64_C(1) << bit;
		if (bit % 2 == 1)
			continue;
		for (k = 0; k < nknown && known_even_features[k] != bit; k++)
			continue;
		if (k == nknown)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: requires unknown feature bit %zu", bit);
	}
	return SWGR_OK;
}

/* Copies a byte field (d or m) into a malloc'd, NUL-terminated buffer. */
static enum swgr_rc
field_bytes(const uint8_t *w, size_t n, uint8_t **out, size_t *outlen,
    struct swgr_err *err)
{
	if ((*out = malloc(swgr_bech32_convertbits_len(n, 5, 8) + 1)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "invoice: out of memory");
	*outlen = words_to_bytes(w, n, *out);
	(*out)[*outlen] = '\0';
	return SWGR_OK;
}

/* Applies one tagged field of n data words w. */
static enum swgr_rc
parse_field(unsigned type, const uint8_t *w, size_t n, struct swgr_bolt11 *out,
    struct seen *seen, struct swgr_err *err)
{
	uint8_t b[34];
	uint64_t v;
	enum swgr_rc rc;

	switch (type) {
	case TAG_P:
	case TAG_S:
	case TAG_H:
		if (n != HASH_WORDS)
			return SWGR_OK;		/* skipped, see bolt11.h */
		words_to_bytes(w, n, b);
		if (type == TAG_P && !seen->p) {
			memcpy(out->payment_hash, b, 32);
			seen->p = true;
		} else if (type == TAG_S && !seen->s) {
			memcpy(out->payment_secret, b, 32);
			seen->s = true;
		} else if (type == TAG_H) {
			if (seen->h)
				return swgr_err_set(err, SWGR_EINVAL,
				    "invoice: more than one 'h' field");
			memcpy(out->description_hash, b, 32);
			seen->h = out->has_description_hash = true;
		}
		return SWGR_OK;
	case TAG_N:
		if (n != PUBKEY_WORDS || seen->n)
			return SWGR_OK;
		words_to_bytes(w, n, b);
		memcpy(out->payee, b, sizeof(out->payee));
		seen->n = out->has_payee_field = true;
		return SWGR_OK;
	case TAG_D:
		if (seen->d)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: more than one 'd' field");
		if ((rc = field_bytes(w, n, (uint8_t **)&out->description,
		    &out->description_len, err)) != SWGR_OK)
			return rc;
		seen->d = true;
		if (!swgr_utf8_valid(out->description, out->description_len))
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: description is not valid UTF-8");
		return SWGR_OK;
	case TAG_M:
		if (seen->m)
			return SWGR_OK;
		seen->m = true;
		return field_bytes(w, n, &out->metadata, &out->metadata_len, err);
	case TAG_X:
		if (seen->x)
			return SWGR_OK;
		seen->x = true;
		return field_uint('x', w, n, UINT64_MAX, &out->expiry, err);
	case TAG_C:
		if (seen->c)
			return SWGR_OK;
		seen->c = true;
		if ((rc = field_uint('c', w, n, UINT32_MAX, &v, err)) != SWGR_OK)
			return rc;
		out->min_final_cltv = v;
		return SWGR_OK;
	case TAG_9:
		if (seen->f9)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: more than one '9' field");
		seen->f9 = true;
		return parse_features(w, n, out, err);
	default:
		return SWGR_OK;		/* f, r and unknown fields */
	}
}

/*
 * Checks the signature sig (65 bytes) over sha256(hrp || words as bytes) and
 * sets out->payee: verified against 'n' (low-S only) if there was one, else
 * recovered.
 */
static pthread_once_t selftest_once = PTHREAD_ONCE_INIT;

static void
selftest(void)
{
	secp256k1_selftest();
}

static enum swgr_rc
check_signature(const char *hrp, const uint8_t *w, size_t n, const uint8_t *sig,
    struct swgr_bolt11 *out, struct swgr_err *err)
{
	const secp256k1_context *ctx = secp256k1_context_static;
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_ecdsa_signature nsig;
	secp256k1_pubkey pk;
	uint8_t hash[32], *msg = NULL;
	size_t hlen, mlen, clen = sizeof(out->payee);
	enum swgr_rc rc = SWGR_EINVAL;

	/* libsecp256k1 asks for its self-test before the static context is used. */
	pthread_once(&selftest_once, selftest);
	hlen = strlen(hrp);
	if ((msg = malloc(hlen + swgr_bech32_convertbits_len(n, 5, 8))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "invoice: out of memory");
	memcpy(msg, hrp, hlen);
	swgr_bech32_convertbits(w, n, 5, 8, true, msg + hlen, &mlen);
	swgr_sha256(msg, hlen + mlen, hash);

	if (sig[64] > 3) {
		swgr_err_set(err, rc, "invoice: recovery id %u out of range", sig[64]);
		goto out;
	}
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig,
	    sig, sig[64])) {
		swgr_err_set(err, rc, "invoice: malformed signature");
		goto out;
	}
	if (out->has_payee_field) {
		if (!secp256k1_ec_pubkey_parse(ctx, &pk, out->payee, sizeof(out->payee))) {
			swgr_err_set(err, rc, "invoice: 'n' field is not a valid public key");
			goto out;
		}
		secp256k1_ecdsa_recoverable_signature_convert(ctx, &nsig, &rsig);
		if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &nsig)) {
			swgr_err_set(err, rc, "invoice: high-S signature with an 'n' field");
			goto out;
		}
		if (!secp256k1_ecdsa_verify(ctx, &nsig, hash, &pk)) {
			swgr_err_set(err, rc,
			    "invoice: signature does not verify against the 'n' field");
			goto out;
		}
	} else {
		if (!secp256k1_ecdsa_recover(ctx, &pk, &rsig, hash)) {
			swgr_err_set(err, rc, "invoice: signature is not recoverable");
			goto out;
		}
		secp256k1_ec_pubkey_serialize(ctx, out->payee, &clen, &pk,
		    SECP256K1_EC_COMPRESSED);
	}
	rc = SWGR_OK;
out:
	free(msg);
	return rc;
}

/* Decodes the words of b: timestamp, tagged fields, signature. */
static enum swgr_rc
decode_words(const struct swgr_bech32 *b, struct swgr_bolt11 *out,
    struct swgr_err *err)
{
	struct seen seen = { 0 };
	uint8_t sig[SIG_BYTES + 1];
	size_t i, end, dl, siglen;
	enum swgr_rc rc;

	if (b->len < TIMESTAMP_WORDS + SIG_WORDS)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice: too short for a timestamp and a signature");
	end = b->len - SIG_WORDS;
	for (i = 0; i < TIMESTAMP_WORDS; i++)
		out->timestamp = (out->timestamp << 5) | b->data[i];
	for (i = TIMESTAMP_WORDS; i < end; i += 3 + dl) {
		if (end - i < 3)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: truncated tagged field at word %zu", i);
		dl = b->data[i + 1] * 32 + b->data[i + 2];
		if (dl > end - i - 3)
			return swgr_err_set(err, SWGR_EINVAL,
			    "invoice: tagged field at word %zu overruns the data", i);
		if ((rc = parse_field(b->data[i], b->data + i + 3, dl, out,
		    &seen, err)) != SWGR_OK)
			return rc;
	}
	if (!seen.p)
		return swgr_err_set(err, SWGR_EINVAL, "invoice: no payment hash ('p')");
	if (!seen.s)
		return swgr_err_set(err, SWGR_EINVAL, "invoice: no payment secret ('s')");
	if (seen.d == seen.h)
		return swgr_err_set(err, SWGR_EINVAL, "invoice: %s",
		    seen.d ? "both 'd' and 'h' fields" : "neither a 'd' nor an 'h' field");
	if (swgr_bech32_convertbits(b->data + end, SIG_WORDS, 5, 8, false, sig,
	    &siglen) != SWGR_OK || siglen != SIG_BYTES)
		return swgr_err_set(err, SWGR_EINVAL, "invoice: malformed signature");
	return check_signature(b->hrp, b->data, end, sig, out, err);
}

enum swgr_rc
swgr_bolt11_decode(const char *invoice, size_t len, struct swgr_bolt11 *out,
    struct swgr_err *err)
{
	struct swgr_bech32 b;
	enum swgr_rc rc;

	memset(out, 0, sizeof(*out));
	out->expiry = SWGR_BOLT11_DEFAULT_EXPIRY;
	out->min_final_cltv = SWGR_BOLT11_DEFAULT_CLTV;
	if ((rc = swgr_bech32_decode5(invoice, len, SWGR_BOLT11_MAXLEN, &b, err)) != SWGR_OK) {
		swgr_err_wrap(err, "invoice");
		return rc;
	}
	if ((rc = parse_hrp(b.hrp, out, err)) == SWGR_OK)
		rc = decode_words(&b, out, err);
	swgr_bech32_free(&b);
	if (rc != SWGR_OK)
		swgr_bolt11_free(out);
	return rc;
}

void
swgr_bolt11_free(struct swgr_bolt11 *inv)
{
	if (inv == NULL)
		return;
	free(inv->description);
	free(inv->metadata);
	inv->description = NULL;
	inv->metadata = NULL;
	inv->description_len = inv->metadata_len = 0;
}

enum swgr_rc
swgr_bolt11_check(const struct swgr_bolt11 *inv, uint64_t amount_msat,
    const uint8_t description_hash[32], const uint8_t payee[33],
    struct swgr_err *err)
{
	char got[67], want[67];

	if (!inv->has_amount)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice amount mismatch: the invoice has no amount, "
		    "requested %" PRIu64 " msat", amount_msat);
	if (inv->amount_msat != amount_msat)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice amount mismatch: invoice %" PRIu64 " msat, "
		    "requested %" PRIu64 " msat", inv->amount_msat, amount_msat);
	swgr_hex_encode(description_hash, 32, want);
	if (!inv->has_description_hash)
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice description hash mismatch: the invoice has no 'h' "
		    "field, expected %s", want);
	if (memcmp(inv->description_hash, description_hash, 32) != 0) {
		swgr_hex_encode(inv->description_hash, 32, got);
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice description hash mismatch: invoice %s, expected %s",
		    got, want);
	}
	if (memcmp(inv->payee, payee, 33) != 0) {
		swgr_hex_encode(inv->payee, 33, got);
		swgr_hex_encode(payee, 33, want);
		return swgr_err_set(err, SWGR_EINVAL,
		    "invoice payee mismatch: invoice %s, backend key %s", got, want);
	}
	return SWGR_OK;
}
