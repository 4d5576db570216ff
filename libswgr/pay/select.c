/* Backend selection: round-robin (smooth weighted), weighted random, consistent hashing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <zlib.h>

#include "pay/select.h"

#define KETAMA_POINTS	160	/* ring points per unit of weight, as the original */
#define RING_MAX_POINTS	((uint64_t)1 << 20)	/* 8 MiB of ring, whatever the weights */

struct point {
	uint32_t	 hash;
	uint32_t	 idx;
};

struct swgr_selector {
	enum swgr_selection algo;
	uint32_t	 max_iterations;
	size_t		 n;
	uint32_t	*weight;	/* by caller's index */
	size_t		*order;		/* caller's indices in the fixed order */
	int64_t		*current;	/* smooth round-robin state, by caller's index */
	struct point	*ring;
	size_t		 nring;
	pthread_mutex_t	 lock;
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

uint64_t
swgr_siphash13(const void *p, size_t len)
{
	const uint8_t *in = p;
	uint64_t v0 = 0x736f6d6570736575ULL, v1 = 0x646f72616e646f6dULL;
	uint64_t v2 = 0x6c7967656e657261ULL, v3 = 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The original orders backends, and names them on the ring, by this hash. */
static uint64_t
key_hash(const uint8_t pk[33])
{
	uint8_t buf[8 + 33] = { 33 };	/* LE64(33): the slice length prefix */

	memcpy(buf + 8, pk, 33);
	return swgr_siphash13(buf, sizeof(buf));
}

/*
 * The text of the IPv6 address with the upper 64 bits zero and the lower 64
 * bits h, in the standard compressed form (longest run of zero groups, the
 * first on ties, becomes "::"; "::ffff:a.b.c.d" for IPv4-mapped).
 */
static void
addr_text(uint64_t h, char out[48])
{
	uint16_t g[8] = { 0, 0, 0, 0, (uint16_t)(h >> 48), (uint16_t)(h >> 32),
	    (uint16_t)(h >> 16), (uint16_t)h };
	int i, best = -1, bestlen = 0, run, n = 0;

	if (g[4] == 0 && g[5] == 0xffff) {
		snprintf(out, 48, "::ffff:%u.%u.%u.%u", g[6] >> 8, g[6] & 0xff, g[7] >> 8,
		    g[7] & 0xff);
		return;
	}
	for (i = 0; i < 8; i += run ? run : 1) {
		for (run = 0; i + run < 8 && g[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	if (bestlen < 2)
		best = -1;
	out[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			n += snprintf(out + n, 48 - (size_t)n, "::");
			i += bestlen - 1;
			continue;
		}
		n += snprintf(out + n, 48 - (size_t)n, "%s%x",
		    (i > 0 && out[n - 1] != ':') ? ":" : "", g[i]);
	}
}

void
swgr_select_addr(const uint8_t pk[33], char out[48])
{
	addr_text(key_hash(pk), out);
}

static int
cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct keyed {
	uint64_t	 h;
	size_t		 idx;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Ring points of backend i: 160 x weight while the ring stays within
 * RING_MAX_POINTS (the original's ring exactly), else its share of
 * RING_MAX_POINTS by weight, at least one point for a weighted backend (an
 * admin-set weight would otherwise make every process build a ring of
 * gigabytes).  A backend's points are the first of its ketama chain either way.
 */
static uint64_t
ring_points(uint64_t weight, uint64_t total_weight)
{
	uint64_t p;

	if (weight == 0)
		return 0;
	if (total_weight * KETAMA_POINTS <= RING_MAX_POINTS)
		return weight * KETAMA_POINTS;
	p = weight * RING_MAX_POINTS / total_weight;	/* weight < 2^32: no overflow */
	return p > 0 ? p : 1;
}

/* The ketama ring: ring_points() per backend, sorted, duplicates dropped. */
static enum swgr_rc
build_ring(struct swgr_selector *s, const struct swgr_select_backend *v, struct swgr_err *err)
{
	size_t i, k, j;
	uint64_t tw = 0, total = 0, pts;
	char base[64];
	uint8_t buf[64 + 4];
	size_t blen;
	uint32_t prev;

	for (i = 0; i < s->n; i++)
		tw += v[i].weight;
	for (i = 0; i < s->n; i++)
		total += ring_points(v[i].weight, tw);
	if (total == 0)
		return SWGR_OK;
	if ((s->ring = calloc((size_t)total, sizeof(*s->ring))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "consistent ring: out of memory");
	for (i = 0; i < s->n; i++) {
		addr_text(key_hash(v[i].pk), base);
		blen = strlen(base);
		memcpy(buf, base, blen);
		buf[blen++] = '\0';
		buf[blen++] = '1';	/* port 1 */
		prev = 0;
		pts = ring_points(v[i].weight, tw);
		for (k = 0; k < pts; k++) {
			buf[blen] = (uint8_t)prev;
			buf[blen + 1] = (uint8_t)(prev >> 8);
			buf[blen + 2] = (uint8_t)(prev >> 16);
			buf[blen + 3] = (uint8_t)(prev >> 24);
			prev = (uint32_t)crc32_z(0, buf, blen + 4);
			s->ring[s->nring].hash = prev;
			s->ring[s->nring++].idx = (uint32_t)i;
		}
	}
	qsort(s->ring, s->nring, sizeof(*s->ring), cmp_point);
	for (i = 1, j = 1; i < s->nring; i++)
		if (s->ring[i].hash != s->ring[j - 1].hash)
			s->ring[j++] = s->ring[i];
	s->nring = j;
	return SWGR_OK;
}

enum swgr_rc
swgr_selector_new(enum swgr_selection algo, uint32_t max_iterations,
    const struct swgr_select_backend *v, size_t n, struct swgr_selector **out,
    struct swgr_err *err)
{
	struct swgr_selector *s;
	struct keyed *k = NULL;
	enum swgr_rc rc = SWGR_ENOMEM;
	size_t i;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	s->algo = algo;
	s->max_iterations = max_iterations;
	s->n = n;
	pthread_mutex_init(&s->lock, NULL);
	if (n > 0 && ((s->weight = calloc(n, sizeof(*s->weight))) == NULL ||
	    (s->order = calloc(n, sizeof(*s->order))) == NULL ||
	    (s->current = calloc(n, sizeof(*s->current))) == NULL ||
	    (k = calloc(n, sizeof(*k))) == NULL))
		goto fail;
	for (i = 0; i < n; i++) {
		s->weight[i] = v[i].weight;
		k[i].h = key_hash(v[i].pk);
		k[i].idx = i;
	}
	if (n > 0)
		qsort(k, n, sizeof(*k), cmp_keyed);
	for (i = 0; i < n; i++)
		s->order[i] = k[i].idx;
	free(k);
	k = NULL;
	if (algo == SWGR_SELECT_CONSISTENT && (rc = build_ring(s, v, err)) != SWGR_OK)
		goto fail;
	*out = s;
	return SWGR_OK;
fail:
	free(k);
	swgr_selector_free(s);
	return rc == SWGR_ENOMEM ? swgr_err_set(err, SWGR_ENOMEM, "out of memory") : rc;
}

size_t
swgr_selector_ring_size(const struct swgr_selector *s)
{
	return s->nring;
}

void
swgr_selector_free(struct swgr_selector *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->weight);
	free(s->order);
	free(s->current);
	free(s->ring);
	free(s);
}

static uint64_t
rand64(void)
{
	static __thread uint64_t x;

	if (x == 0 && (getrandom(&x, sizeof(x), 0) != sizeof(x) || x == 0))
		x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&x;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* Appends the accepted backends not yet in order[], weighted ones first, in fixed order. */
static size_t
append_rest(const struct swgr_selector *s, const bool *ok, bool *used, size_t *order, size_t m)
{
	int pass;
	size_t i, idx;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->n; i++) {
			idx = s->order[i];
			if (!ok[idx] || used[idx] || (pass == 0) != (s->weight[idx] > 0))
				continue;
			used[idx] = true;
			order[m++] = idx;
		}
	return m;
}

static size_t
select_rr(struct swgr_selector *s, const bool *ok, bool *used, size_t *order)
{
	int64_t total = 0;
	size_t i, idx, best = s->n;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n; i++) {
		idx = s->order[i];
		if (!ok[idx] || s->weight[idx] == 0)
			continue;
		s->current[idx] += s->weight[idx];
		total += s->weight[idx];
		if (best == s->n || s->current[idx] > s->current[best])
			best = idx;
	}
	if (best != s->n)
		s->current[best] -= total;
	pthread_mutex_unlock(&s->lock);
	if (best == s->n)
		return append_rest(s, ok, used, order, 0);
	used[best] = true;
	order[0] = best;
	return append_rest(s, ok, used, order, 1);
}

static size_t
select_random(struct swgr_selector *s, const bool *ok, bool *used, size_t *order)
{
	uint64_t total, r;
	size_t i, idx, m = 0;

	for (;;) {
		total = 0;
		for (i = 0; i < s->n; i++) {
			idx = s->order[i];
			if (ok[idx] && !used[idx])
				total += s->weight[idx];
		}
		if (total == 0)
			break;
		r = rand64() % total;
		for (i = 0; i < s->n; i++) {
			idx = s->order[i];
			if (!ok[idx] || used[idx] || s->weight[idx] == 0)
				continue;
			if (r < s->weight[idx])
				break;
			r -= s->weight[idx];
		}
		used[idx] = true;
		order[m++] = idx;
	}
	return append_rest(s, ok, used, order, m);
}

static size_t
select_consistent(struct swgr_selector *s, const void *key, size_t keylen, const bool *ok,
    bool *used, size_t *order)
{
	uint32_t h = (uint32_t)crc32_z(0, key, keylen);
	size_t lo = 0, hi = s->nring, mid, step, m = 0, idx;

	if (s->nring == 0)
		return append_rest(s, ok, used, order, 0);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->ring[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (step = 0; step < s->max_iterations && step < s->nring; step++) {
		idx = s->ring[(lo + step) % s->nring].idx;
		if (ok[idx] && !used[idx]) {
			used[idx] = true;
			order[m++] = idx;
		}
	}
	return append_rest(s, ok, used, order, m);
}

size_t
swgr_select(struct swgr_selector *s, const void *key, size_t keylen,
    swgr_select_accept_fn accept, void *arg, size_t *order)
{
	bool stack_ok[64], stack_used[64], *ok = stack_ok, *used = stack_used;
	size_t i, m = 0;

	if (s->n == 0)
		return 0;
	if (s->n > 64) {
		ok = calloc(s->n, sizeof(*ok));
		used = calloc(s->n, sizeof(*used));
		if (ok == NULL || used == NULL)
			goto out;
	}
	for (i = 0; i < s->n; i++) {
		ok[i] = accept(i, arg);
		used[i] = false;
	}
	switch (s->algo) {
	case SWGR_SELECT_ROUND_ROBIN:
		m = select_rr(s, ok, used, order);
		break;
	case SWGR_SELECT_RANDOM:
		m = select_random(s, ok, used, order);
		break;
	case SWGR_SELECT_CONSISTENT:
		m = select_consistent(s, key, keylen, ok, used, order);
		break;
	}
out:
	if (ok != stack_ok) {
		free(ok);
		free(used);
	}
	return m;
}
