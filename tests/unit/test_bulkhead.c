/* Unit tests of the invoice bulkhead: places, waiting only while places move, the wait's bound, many threads, defaults. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "pay/bulkhead.h"
#include "t.h"

struct waiter {
	struct swgr_bulkhead *bh;
	bool		 ok;
	double		 took;
};

static void *
wait_main(void *arg)
{
	struct waiter *w = arg;
	double t = swgr_mono_now();

	w->ok = swgr_bulkhead_enter(w->bh);
	w->took = swgr_mono_now() - t;
	return NULL;
}

static struct swgr_bulkhead *
made(uint32_t slots, double wait)
{
	struct swgr_bulkhead *bh = NULL;
	struct swgr_err err;

	CHECK_INT(swgr_bulkhead_new(slots, wait, &bh, &err), SWGR_OK);
	return bh;
}

/* Sleeps ms milliseconds. */
static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
test_places(void)
{
	struct swgr_bulkhead *bh = made(2, 0);
	double t;

	CHECK(swgr_bulkhead_enter(bh));
	CHECK(swgr_bulkhead_enter(bh));
	t = swgr_mono_now();
	CHECK(!swgr_bulkhead_enter(bh));	/* full, and wait 0: at once */
	CHECK(swgr_mono_now() - t < 0.1);
	swgr_bulkhead_leave(bh);
	CHECK(swgr_bulkhead_enter(bh));		/* a place given back is taken again */
	swgr_bulkhead_leave(bh);
	swgr_bulkhead_leave(bh);
	CHECK(swgr_bulkhead_enter(bh) && swgr_bulkhead_enter(bh));
	swgr_bulkhead_leave(bh);
	swgr_bulkhead_leave(bh);
	swgr_bulkhead_free(bh);
}

static void
test_waiting(void)
{
	struct swgr_bulkhead *bh = made(1, 0.3);
	struct waiter a = { .bh = bh }, b = { .bh = bh }, c = { .bh = bh };
	pthread_t ta, tb;
	double t;

	/* Places moving (one just got in): a waiter gets the place given back. */
	CHECK(swgr_bulkhead_enter(bh));
	pthread_create(&ta, NULL, wait_main, &a);
	nap(50);
	swgr_bulkhead_leave(bh);
	pthread_join(ta, NULL);
	CHECK(a.ok);
	CHECK(a.took < 0.3);

	/* a got in just now: b waits, the whole wait, and not much longer, then is turned away. */
	pthread_create(&tb, NULL, wait_main, &b);
	pthread_join(tb, NULL);
	CHECK(!b.ok);
	CHECK(b.took >= 0.29);
	CHECK(b.took < 1.0);

	/* Nobody got in for longer than the wait: stuck, turned away at once. */
	t = swgr_mono_now();
	wait_main(&c);
	CHECK(!c.ok);
	CHECK(swgr_mono_now() - t < 0.1);
	swgr_bulkhead_leave(bh);		/* a's place */
	CHECK(swgr_bulkhead_enter(bh));		/* free: in, however long ago the last one */
	swgr_bulkhead_leave(bh);
	swgr_bulkhead_free(bh);
}

/* Many threads through a small bulkhead: never more inside than its places. */
struct churn {
	struct swgr_bulkhead *bh;
	int		*inside;
	int		*most;
	int		 entered;
};

static void *
churn_main(void *arg)
{
	struct churn *c = arg;
	int i, now;

	for (i = 0; i < 2000; i++) {
		if (!swgr_bulkhead_enter(c->bh))
			continue;
		c->entered++;
		now = __atomic_add_fetch(c->inside, 1, __ATOMIC_ACQ_REL);
		if (now > __atomic_load_n(c->most, __ATOMIC_ACQUIRE))
			__atomic_store_n(c->most, now, __ATOMIC_RELEASE);
		__atomic_sub_fetch(c->inside, 1, __ATOMIC_ACQ_REL);
		swgr_bulkhead_leave(c->bh);
	}
	return NULL;
}

static void
test_churn(void)
{
	struct swgr_bulkhead *bh = made(3, 0.05);
	struct churn c[8];
	pthread_t th[8];
	int inside = 0, most = 0, total = 0, i;

	for (i = 0; i < 8; i++) {
		c[i] = (struct churn){ .bh = bh, .inside = &inside, .most = &most };
		pthread_create(&th[i], NULL, churn_main, &c[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		total += c[i].entered;
	}
	CHECK(most >= 1 && most <= 3);
	CHECK(total > 0);
	/* every place was given back */
	CHECK(swgr_bulkhead_enter(bh) && swgr_bulkhead_enter(bh) && swgr_bulkhead_enter(bh));
	CHECK(!swgr_bulkhead_enter(bh));
	swgr_bulkhead_free(bh);
}

static void
test_defaults(void)
{
	struct swgr_bulkhead *bh = NULL;
	struct swgr_err err;

	CHECK_INT(swgr_bulkhead_default_slots(32), 24);
	CHECK_INT(swgr_bulkhead_default_slots(8), 6);
	CHECK_INT(swgr_bulkhead_default_slots(4), 3);
	CHECK_INT(swgr_bulkhead_default_slots(2), 1);
	CHECK_INT(swgr_bulkhead_default_slots(1), 1);
	CHECK_INT(swgr_bulkhead_new(0, 1, &bh, &err), SWGR_EINVAL);
	CHECK_INT(swgr_bulkhead_new(1, -1, &bh, &err), SWGR_EINVAL);
	CHECK(bh == NULL);
	swgr_bulkhead_free(NULL);
}

int
main(void)
{
	test_places();
	test_waiting();
	test_churn();
	test_defaults();
	return t_done("test_bulkhead");
}
