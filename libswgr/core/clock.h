/* The monotonic clock: intervals, deadlines and condition variables that a wall-clock step does not move. */
#ifndef SWGR_CLOCK_H
#define SWGR_CLOCK_H

#include <pthread.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC: for intervals and deadlines, not for dates. */
double		 swgr_mono_now(void);
/* *ts = secs from now on CLOCK_MONOTONIC (now when secs <= 0). */
void		 swgr_mono_after(struct timespec *ts, double secs);
/*
 * Initialises cv so that pthread_cond_timedwait takes CLOCK_MONOTONIC
 * deadlines (swgr_mono_after): a step of the wall clock moves them not.
 */
void		 swgr_mono_cond_init(pthread_cond_t *cv);

#endif
