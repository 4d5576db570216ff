/* Unit tests of backend selection: weights, interleaving, weight 0, filtering, consistent placement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "model/model.h"
#include "pay/select.h"
#include "t.h"

#define CRC32(crc, p, len)	((uint32_t)crc32_z((crc), (const Bytef *)(p), (len)))

static bool
accept_all(size_t i, void *arg)
{
	(void)i;
	(void)arg;
	return true;
}

static bool
accept_mask(size_t i, void *arg)
{
	return ((const bool *)arg)[i];
}

static void
mkkeys(struct swgr_select_backend *v, size_t n, const uint32_t *w)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(v[i].pk, 0, sizeof(v[i].pk));
		v[i].pk[0] = 2;
		v[i].pk[1] = (uint8_t)(i + 1);
		v[i].pk[32] = (uint8_t)(i * 7 + 3);
		v[i].weight = w[i];
	}
}

/* CRC-32 (IEEE 802.3, reflected 0xedb88320) bit by bit, as the reference for the fast one. */
static uint32_t
crc32_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	int k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	return ~crc;
}

/* The CRC32 of the consistent ring (zlib's): the published check values, chaining, and the bitwise reference. */
static void
test_crc32(void)
{
	static const struct { const char *in; uint32_t crc; } known[] = {
		{ "", 0x00000000u },
		{ "a", 0xe8b7be43u },
		{ "abc", 0x352441c2u },
		{ "123456789", 0xcbf43926u },
		{ "message digest", 0x20159d7fu },
		{ "The quick brown fox jumps over the lazy dog", 0x414fa339u },
	};
	uint8_t buf[512];
	size_t i, n, bad = 0;
	uint32_t x = 1;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		CHECK_INT(CRC32(0, known[i].in, strlen(known[i].in)), known[i].crc);
	for (i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;
	CHECK_INT(CRC32(0, buf, 256), 0x29058c73u);
	CHECK_INT(CRC32(CRC32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	for (n = 0; n < sizeof(buf); n++) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		bad += CRC32(0, buf, n) != crc32_bitwise(0, buf, n);
		bad += CRC32(0x12345678u, buf, n) != crc32_bitwise(0x12345678u, buf, n);
	}
	CHECK_INT(bad, 0);
}

static void
test_hashes(void)
{
	uint8_t buf[41] = { 33 };
	uint8_t pk[33];
	char addr[48];
	const char *hex = "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619";
	size_t i;

	/* SipHash-1-3 (key 0) as computed by CPython 3.11's bytes hash. */
	CHECK(swgr_siphash13("abc", 3) == 13851880170939887858ULL);
	for (i = 0; i < 33; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		pk[i] = (uint8_t)v;
	}
	memcpy(buf + 8, pk, 33);
	CHECK(swgr_siphash13(buf, sizeof(buf)) == 3406435846104399066ULL);
	swgr_select_addr(pk, addr);
	CHECK_STR(addr, "::2f46:175a:9d35:bcda");
}

static void
test_round_robin(void)
{
	struct swgr_select_backend v[3];
	uint32_t w[3] = { 3, 1, 0 };
	struct swgr_selector *s;
	size_t order[3], counts[3] = { 0 }, i, m, run = 0, maxrun = 0, prev = 9, bad;
	bool mask[3] = { false, true, true };

	mkkeys(v, 3, w);
	CHECK(swgr_selector_new(SWGR_SELECT_ROUND_ROBIN, 3, v, 3, &s, NULL) == SWGR_OK);
	for (i = 0, bad = 0; i < 400; i++) {
		m = swgr_select(s, "", 0, accept_all, NULL, order);
		bad += m != 3;
		counts[order[0]]++;
		run = order[0] == prev ? run + 1 : 1;
		prev = order[0];
		if (order[0] == 0 && run > maxrun)
			maxrun = run;
		if (i == 0) {
			/* the weight-0 backend is tried last */
			CHECK_INT(order[2], 2);
		}
	}
	CHECK_INT(bad, 0);	/* every selection offered all three */
	CHECK_INT(counts[0], 300);
	CHECK_INT(counts[1], 100);
	CHECK_INT(counts[2], 0);
	/* smooth: weight 3 against 1 gives at most 3 in a row, never runs of 100 */
	CHECK(maxrun <= 3);
	/* filtering: only 1 and 2 accepted; 1 first, 2 as fallback */
	m = swgr_select(s, "", 0, accept_mask, mask, order);
	CHECK_INT(m, 2);
	CHECK_INT(order[0], 1);
	CHECK_INT(order[1], 2);
	/* only the weight-0 one accepted: still usable, no crash */
	mask[1] = false;
	m = swgr_select(s, "", 0, accept_mask, mask, order);
	CHECK_INT(m, 1);
	CHECK_INT(order[0], 2);
	mask[2] = false;
	CHECK_INT(swgr_select(s, "", 0, accept_mask, mask, order), 0);
	swgr_selector_free(s);

	/* all weights 0: no division by zero, every backend still a candidate */
	w[0] = w[1] = 0;
	mkkeys(v, 3, w);
	CHECK(swgr_selector_new(SWGR_SELECT_ROUND_ROBIN, 3, v, 3, &s, NULL) == SWGR_OK);
	CHECK_INT(swgr_select(s, "", 0, accept_all, NULL, order), 3);
	swgr_selector_free(s);
}

static void
test_random(void)
{
	struct swgr_select_backend v[3];
	uint32_t w[3] = { 1, 3, 0 };
	struct swgr_selector *s;
	size_t order[3], counts[3] = { 0 }, i, bad;

	mkkeys(v, 3, w);
	CHECK(swgr_selector_new(SWGR_SELECT_RANDOM, 3, v, 3, &s, NULL) == SWGR_OK);
	for (i = 0, bad = 0; i < 20000; i++) {
		bad += swgr_select(s, "", 0, accept_all, NULL, order) != 3;
		counts[order[0]]++;
	}
	CHECK_INT(bad, 0);
	CHECK(counts[2] == 0);
	/* 25% / 75% within 2 points over 20000 draws */
	CHECK(counts[0] > 4600 && counts[0] < 5400);
	CHECK(counts[1] > 14600 && counts[1] < 15400);
	swgr_selector_free(s);
}

static void
test_consistent(void)
{
	struct swgr_select_backend v[4];
	uint32_t w[4] = { 1, 1, 1, 0 };
	struct swgr_selector *s;
	size_t order[4], first, i, counts[4] = { 0 }, bad;
	bool mask[4] = { true, true, true, true };
	char key[16];

	mkkeys(v, 4, w);
	CHECK(swgr_selector_new(SWGR_SELECT_CONSISTENT, 100, v, 4, &s, NULL) == SWGR_OK);
	CHECK_INT(swgr_select(s, "alice", 5, accept_all, NULL, order), 4);
	first = order[0];
	for (i = 0, bad = 0; i < 10; i++) {
		swgr_select(s, "alice", 5, accept_all, NULL, order);
		bad += order[0] != first;
	}
	CHECK_INT(bad, 0);	/* the same key sticks to one backend */
	/* the weight-0 backend is not on the ring: it comes last */
	CHECK_INT(order[3], 3);
	/* that node down: the next one on the ring, and the same one every time */
	mask[first] = false;
	swgr_select(s, "alice", 5, accept_mask, mask, order);
	CHECK(order[0] != first);
	i = order[0];
	swgr_select(s, "alice", 5, accept_mask, mask, order);
	CHECK_INT(order[0], i);
	/* keys spread over the weighted backends */
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		swgr_select(s, key, strlen(key), accept_all, NULL, order);
		counts[order[0]]++;
	}
	CHECK(counts[0] > 500 && counts[1] > 500 && counts[2] > 500);
	CHECK_INT(counts[3], 0);
	swgr_selector_free(s);
}

/* weights whose exact ring would take gigabytes: at most 2^20 points (plus one per backend), shares kept */
static void
test_consistent_huge(void)
{
	struct swgr_select_backend v[3];
	uint32_t w[3] = { 3000000, 1000000, 0 }, wmax[2] = { SWGR_WEIGHT_MAX, SWGR_WEIGHT_MAX };
	struct swgr_selector *s;
	size_t order[3], i, counts[3] = { 0 };
	char key[16];

	mkkeys(v, 3, w);
	CHECK(swgr_selector_new(SWGR_SELECT_CONSISTENT, 100, v, 3, &s, NULL) == SWGR_OK);
	if (s == NULL)
		return;
	CHECK(swgr_selector_ring_size(s) <= (1u << 20) + 3);
	CHECK(swgr_selector_ring_size(s) > (1u << 20) - 1000);	/* few crc32 duplicates */
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "h%zu", i);
		CHECK_INT(swgr_select(s, key, strlen(key), accept_all, NULL, order), 3);
		counts[order[0]]++;
	}
	/* 3:1 within a few percent: 15000 / 5000 */
	CHECK(counts[0] > 14200 && counts[0] < 15800);
	CHECK(counts[1] > 4200 && counts[1] < 5800);
	CHECK_INT(counts[2], 0);
	swgr_selector_free(s);

	/* the largest weights an admin may set, twice: still bounded, still even */
	mkkeys(v, 2, wmax);
	CHECK(swgr_selector_new(SWGR_SELECT_CONSISTENT, 100, v, 2, &s, NULL) == SWGR_OK);
	if (s == NULL)
		return;
	CHECK(swgr_selector_ring_size(s) <= (1u << 20) + 2);
	counts[0] = counts[1] = 0;
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "h%zu", i);
		swgr_select(s, key, strlen(key), accept_all, NULL, order);
		counts[order[0]]++;
	}
	CHECK(counts[0] > 9200 && counts[1] > 9200);
	swgr_selector_free(s);

	/* a tiny weight next to a huge one keeps its one point on the ring */
	w[0] = SWGR_WEIGHT_MAX;
	w[1] = 1;
	mkkeys(v, 2, w);
	CHECK(swgr_selector_new(SWGR_SELECT_CONSISTENT, 100, v, 2, &s, NULL) == SWGR_OK);
	if (s == NULL)
		return;
	CHECK(swgr_selector_ring_size(s) >= 2 && swgr_selector_ring_size(s) <= (1u << 20) + 2);
	swgr_selector_free(s);
}

/*
 * Where 200 keys land on the ring of test_consistent, and their whole
 * failover orders: the placements the ring gave when its CRC32 was still
 * written out in select.c (before zlib's), so that a change of hash or ring
 * shows here instead of moving every client's backend.
 */
static void
test_consistent_placement(void)
{
	struct swgr_select_backend v[4];
	uint32_t w[4] = { 1, 1, 1, 0 }, fnv = 2166136261u;
	struct swgr_selector *s;
	size_t order[4], i, j;
	char key[16], first[41] = { 0 };

	mkkeys(v, 4, w);
	CHECK(swgr_selector_new(SWGR_SELECT_CONSISTENT, 100, v, 4, &s, NULL) == SWGR_OK);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		CHECK_INT(swgr_select(s, key, strlen(key), accept_all, NULL, order), 4);
		if (i < 40)
			first[i] = (char)('0' + order[0]);
		for (j = 0; j < 4; j++)
			fnv = (fnv ^ (uint32_t)order[j]) * 16777619u;
	}
	CHECK_STR(first, "1212000202022200021022120020212210022020");
	CHECK_INT(fnv, 0x18f3bb8bu);
	swgr_selector_free(s);
}

int
main(void)
{
	test_crc32();
	test_hashes();
	test_round_robin();
	test_random();
	test_consistent();
	test_consistent_placement();
	test_consistent_huge();
	return t_done("test_select");
}
