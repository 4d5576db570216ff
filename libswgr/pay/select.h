/* Backend selection: round-robin (smooth weighted), weighted random, consistent hashing (spec §9.5-§9.7). */
#ifndef SWGR_SELECT_H
#define SWGR_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"

struct swgr_select_backend {
	uint8_t		 pk[33];
	uint32_t	 weight;
};

/* Tells whether backend i (index into the array given to swgr_selector_new) may take this request. */
typedef bool	(*swgr_select_accept_fn)(size_t i, void *arg);

struct swgr_selector;

/*
 * A selector over n backends.  Backends keep the original's fixed order
 * (ascending SipHash-1-3 of the key); the consistent ring is the original's
 * ketama layout (160 points per unit of weight; weight-0 backends are not on
 * the ring) while that is at most 2^20 points, else 2^20 points shared by
 * weight (each weighted backend at least one).  max_iterations bounds the
 * consistent ring walk.  Thread-safe.
 */
enum swgr_rc	 swgr_selector_new(enum swgr_selection algo, uint32_t max_iterations,
		    const struct swgr_select_backend *v, size_t n, struct swgr_selector **out,
		    struct swgr_err *err);
void		 swgr_selector_free(struct swgr_selector *s);

/*
 * Fills order[] with the accepted backends in the order to try them and
 * returns how many: the first is this request's choice, the rest are the
 * failover candidates.  round-robin: smooth weighted round-robin among the
 * accepted backends with weight > 0 (interleaved, not runs of weight in a
 * row), then the others; random: weighted random without replacement;
 * consistent: owners of successive ring points from CRC32(key).  Weight-0
 * backends are never a first choice while a weighted one is accepted, and
 * come last.  order must hold n entries.
 */
size_t		 swgr_select(struct swgr_selector *s, const void *key, size_t keylen,
		    swgr_select_accept_fn accept, void *arg, size_t *order);

/* Building blocks, exposed for tests. */
size_t		 swgr_selector_ring_size(const struct swgr_selector *s);	/* points on the ring */
uint64_t	 swgr_siphash13(const void *p, size_t len);	/* keys (0, 0) */
/* The original's synthetic address text "<ipv6>" of a backend key. */
void		 swgr_select_addr(const uint8_t pk[33], char out[48]);

#endif
