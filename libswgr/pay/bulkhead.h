/* The bulkhead of invoice work: at most so many worker threads inside it; when it is full, a request waits only while places are moving. */
#ifndef SWGR_BULKHEAD_H
#define SWGR_BULKHEAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/*
 * A counting gate shared by a process's worker threads: slots requests may
 * be inside at once.  When all are taken, a request waits for a place, at
 * most wait seconds, but only if the last request got in less than wait
 * seconds ago: places are moving (a burst, or a busy fleet that answers),
 * and one is likely to come free within the wait.  When nobody got in for
 * longer (every place held by calls that hang), it is turned away at once,
 * so that the worker threads outside stay free for the routes that must
 * never queue behind invoice work (health, payRequest, bech32, QR).
 */
struct swgr_bulkhead;

/* slots >= 1; wait >= 0 seconds (0: nobody waits). */
enum swgr_rc	 swgr_bulkhead_new(uint32_t slots, double wait, struct swgr_bulkhead **out,
		    struct swgr_err *err);
void		 swgr_bulkhead_free(struct swgr_bulkhead *bh);

/* True with a place held (give it back with swgr_bulkhead_leave); false: full. */
bool		 swgr_bulkhead_enter(struct swgr_bulkhead *bh);
void		 swgr_bulkhead_leave(struct swgr_bulkhead *bh);

/*
 * The default places of a responder with threads workers
 * (lnurl-service.invoice-concurrency): all but a quarter of the threads, and
 * at least one thread kept out when there are two or more.
 */
uint32_t	 swgr_bulkhead_default_slots(uint64_t threads);

#endif
