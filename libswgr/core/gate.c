/* A gate with places, shared by threads: who may wait for a place is decided by whether places are moving. */
#include <errno.h>
#include <math.h>

#include "core/gate.h"

void
swgr_gate_init(struct swgr_gate *g)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	g->inside = g->waiting = 0;
	g->entered = -INFINITY;
}

void
swgr_gate_destroy(struct swgr_gate *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct timespec
at(double s)
{
	struct timespec t;
	double whole, frac = modf(s, &whole);

	t.tv_sec = (time_t)whole;
	t.tv_nsec = (long)(frac * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

bool
swgr_gate_enter(struct swgr_gate *g, uint32_t slots, double gap, double max_wait)
{
	double now = now_s(), end = now + max_wait, until;
	struct timespec ts;
	bool ok = false;

	pthread_mutex_lock(&g->mu);
	g->waiting++;
	for (;;) {
		if (g->inside < slots) {
			g->inside++;
			g->entered = now;
			ok = true;
			break;
		}
		/* Nobody got in for a whole gap: the places are stuck. */
		if (now >= end || now - g->entered >= gap)
			break;
		until = g->entered + gap < end ? g->entered + gap : end;
		ts = at(until);
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		now = now_s();
	}
	g->waiting--;
	pthread_mutex_unlock(&g->mu);
	return ok;
}

void
swgr_gate_leave(struct swgr_gate *g)
{
	bool wake;

	pthread_mutex_lock(&g->mu);
	g->inside--;
	wake = g->waiting > 0;
	pthread_mutex_unlock(&g->mu);
	/*
	 * Signalled after the unlock: the waiter woken finds the mutex free
	 * instead of blocking on it again (a second futex round per hand-off
	 * under load).  It re-checks the places under the mutex, so a wake-up
	 * that comes late or finds them taken again costs one more wait only.
	 */
	if (wake)
		pthread_cond_signal(&g->cv);
}

uint32_t
swgr_gate_default_slots(uint64_t threads)
{
	uint64_t spare = threads / 4;

	if (threads <= 1)
		return 1;
	if (spare == 0)
		spare = 1;
	return threads - spare > UINT32_MAX ? UINT32_MAX : (uint32_t)(threads - spare);
}
