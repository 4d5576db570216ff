/*
 * BOLT #11 wire constants: the tagged field types and the fixed field sizes,
 * shared by the decoder (bolt11.c) and the tests' encoder
 * (tests/unit/bolt11_encode.c) so that the two cannot disagree.
 */
#ifndef SWGR_BOLT11_WIRE_H
#define SWGR_BOLT11_WIRE_H

#include <stdint.h>

/* Tagged field types: the value of their bech32 character. */
enum swgr_bolt11_tag {
	TAG_P = 1,	/* payment hash */
	TAG_R = 3,	/* route hint */
	TAG_9 = 5,	/* features */
	TAG_X = 6,	/* expiry */
	TAG_F = 9,	/* fallback address */
	TAG_D = 13,	/* description */
	TAG_S = 16,	/* payment secret */
	TAG_N = 19,	/* payee */
	TAG_H = 23,	/* description hash */
	TAG_C = 24,	/* min_final_cltv_expiry_delta */
	TAG_M = 27	/* payment metadata */
};

#define TIMESTAMP_WORDS	7	/* 35 bits */
#define SIG_WORDS	104	/* 520 bits: r || s || recovery id */
#define SIG_BYTES	65
#define HASH_WORDS	52	/* a 256-bit field */
#define PUBKEY_WORDS	53	/* a 264-bit field */
#define FIELD_MAX_WORDS	1023

#define MSAT_PER_BTC	UINT64_C(100000000000)

#endif
