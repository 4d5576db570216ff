/* A gate with places, shared by threads: who may wait for a place is decided by whether places are moving. */
#ifndef SWGR_GATE_H
#define SWGR_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * The bulkheads of swgr-lnurl are gates: one for invoice work in a process
 * (lnurl-service.invoice-concurrency), one on each fleet node
 * (node-concurrency).  The number of places is given by each caller, so that
 * a gate can live in a structure that does not know it (a fleet node).
 *
 * When every place is taken, a caller waits for one only while places are
 * moving: someone got in less than gap seconds ago (a burst, or a busy node
 * that answers).  It goes on waiting as long as that holds, at most
 * max_wait seconds in all.  When nobody got in for gap seconds (every place
 * held by calls that hang), it is turned away at once: its thread is not
 * held by a queue that does not move.
 */
struct swgr_gate {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a place was given back; CLOCK_MONOTONIC */
	uint32_t	 inside;	/* under mu */
	uint32_t	 waiting;	/* under mu */
	double		 entered;	/* under mu: when someone last got in (monotonic s) */
};

void		 swgr_gate_init(struct swgr_gate *g);
void		 swgr_gate_destroy(struct swgr_gate *g);

/*
 * True with a place held (given back with swgr_gate_leave); false when all
 * places (slots >= 1) stayed taken.  max_wait 0: no waiting.
 */
bool		 swgr_gate_enter(struct swgr_gate *g, uint32_t slots, double gap, double max_wait);
void		 swgr_gate_leave(struct swgr_gate *g);

/*
 * The default places of invoice work in a responder with threads workers
 * (lnurl-service.invoice-concurrency): all but a quarter of the threads, and
 * at least one thread kept out when there are two or more.
 */
uint32_t	 swgr_gate_default_slots(uint64_t threads);

#endif
