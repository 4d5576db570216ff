/* The bulkhead of invoice work: at most so many worker threads inside it; when it is full, a request waits only while places are moving. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "pay/bulkhead.h"

struct swgr_bulkhead {
	uint32_t	 slots;
	double		 wait;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* a place was given back; CLOCK_MONOTONIC */
	uint32_t	 inside;	/* under mu */
	uint32_t	 waiting;	/* under mu */
	struct timespec	 entered;	/* under mu: when the last request got in */
};

enum swgr_rc
swgr_bulkhead_new(uint32_t slots, double wait, struct swgr_bulkhead **out, struct swgr_err *err)
{
	struct swgr_bulkhead *bh;
	pthread_condattr_t ca;

	if (slots == 0 || !(wait >= 0))
		return swgr_err_set(err, SWGR_EINVAL, "bulkhead: slots must be >= 1 and wait >= 0");
	if ((bh = calloc(1, sizeof(*bh))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	bh->slots = slots;
	bh->wait = wait;
	pthread_mutex_init(&bh->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&bh->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = bh;
	return SWGR_OK;
}

void
swgr_bulkhead_free(struct swgr_bulkhead *bh)
{
	if (bh == NULL)
		return;
	pthread_cond_destroy(&bh->cv);
	pthread_mutex_destroy(&bh->mu);
	free(bh);
}

static double
seconds(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

/* In: a place taken at now.  Under mu. */
static bool
take(struct swgr_bulkhead *bh, const struct timespec *now)
{
	bh->inside++;
	bh->entered = *now;
	return true;
}

bool
swgr_bulkhead_enter(struct swgr_bulkhead *bh)
{
	struct timespec now, until;
	double whole;
	bool ok = false;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&bh->mu);
	if (bh->inside < bh->slots) {
		ok = take(bh, &now);
		pthread_mutex_unlock(&bh->mu);
		return ok;
	}
	/* Full.  Nobody got in for a whole wait: the places are stuck, do not wait for one. */
	if (bh->wait <= 0 || seconds(&now) - seconds(&bh->entered) >= bh->wait) {
		pthread_mutex_unlock(&bh->mu);
		return false;
	}
	bh->waiting++;
	until = now;
	until.tv_nsec += (long)(modf(bh->wait, &whole) * 1e9);
	until.tv_sec += (time_t)whole + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	for (;;) {
		if (bh->inside < bh->slots) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			ok = take(bh, &now);
			break;
		}
		if (pthread_cond_timedwait(&bh->cv, &bh->mu, &until) == ETIMEDOUT) {
			if (bh->inside < bh->slots)
				ok = take(bh, &until);
			break;
		}
	}
	bh->waiting--;
	pthread_mutex_unlock(&bh->mu);
	return ok;
}

void
swgr_bulkhead_leave(struct swgr_bulkhead *bh)
{
	pthread_mutex_lock(&bh->mu);
	bh->inside--;
	if (bh->waiting > 0)
		pthread_cond_signal(&bh->cv);
	pthread_mutex_unlock(&bh->mu);
}

uint32_t
swgr_bulkhead_default_slots(uint64_t threads)
{
	uint64_t spare = threads / 4;

	if (threads <= 1)
		return 1;
	if (spare == 0)
		spare = 1;
	return threads - spare > UINT32_MAX ? UINT32_MAX : (uint32_t)(threads - spare);
}
