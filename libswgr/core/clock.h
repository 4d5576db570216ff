/* Clocks: the monotonic clock for intervals, deadlines and condition variables; the wall clock for instants stored. */
#ifndef SWGR_CLOCK_H
#define SWGR_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC: for intervals and deadlines, not for dates. */
double		 swgr_mono_now(void);
/* Microseconds on CLOCK_MONOTONIC: the same clock in integer steps. */
int64_t		 swgr_mono_us(void);
/* *ts = secs from now on CLOCK_MONOTONIC (now when secs <= 0). */
void		 swgr_mono_after(struct timespec *ts, double secs);
/*
 * Initialises cv so that pthread_cond_timedwait takes CLOCK_MONOTONIC
 * deadlines (swgr_mono_after): a step of the wall clock moves them not.
 */
void		 swgr_mono_cond_init(pthread_cond_t *cv);

/*
 * Milliseconds and nanoseconds since the Unix epoch on CLOCK_REALTIME: for
 * instants written down or compared across processes (status rows,
 * heartbeats, labels), never for intervals.
 */
int64_t		 swgr_wall_ms(void);
uint64_t	 swgr_wall_ns(void);

#endif
