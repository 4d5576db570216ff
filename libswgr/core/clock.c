/* Clocks: the monotonic clock for intervals, deadlines and condition variables; the wall clock for instants stored. */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "core/clock.h"

double
swgr_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Clock id read in units of 1/per_sec seconds (per_sec divides 10^9). */
static int64_t
ticks(clockid_t id, int64_t per_sec)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * per_sec + ts.tv_nsec / (1000000000 / per_sec);
}

int64_t
swgr_mono_us(void)
{
	return ticks(CLOCK_MONOTONIC, 1000000);
}

void
swgr_mono_after(struct timespec *ts, double secs)
{
	time_t whole;

	clock_gettime(CLOCK_MONOTONIC, ts);
	if (!(secs > 0))
		return;
	whole = (time_t)secs;
	ts->tv_sec += whole;
	ts->tv_nsec += (long)((secs - (double)whole) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void
swgr_mono_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

int64_t
swgr_wall_ms(void)
{
	return ticks(CLOCK_REALTIME, 1000);
}

uint64_t
swgr_wall_ns(void)
{
	return (uint64_t)ticks(CLOCK_REALTIME, 1000000000);
}
