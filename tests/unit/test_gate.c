/* Unit tests of the gate of the bulkheads (core/gate.c): places, waiting only while places move, the waits' bounds, many threads, defaults. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/gate.h"
#include "t.h"

struct waiter {
	struct swgr_gate *g;
	uint32_t	 slots;
	double		 gap, max_wait;
	bool		 ok;
	double		 took;
};

static void *
wait_main(void *arg)
{
	struct waiter *w = arg;
	double t = swgr_mono_now();

	w->ok = swgr_gate_enter(w->g, w->slots, w->gap, w->max_wait);
	w->took = swgr_mono_now() - t;
	return NULL;
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
	struct swgr_gate g;
	double t;

	swgr_gate_init(&g);
	CHECK(swgr_gate_enter(&g, 2, 0.3, 0));
	CHECK(swgr_gate_enter(&g, 2, 0.3, 0));
	t = swgr_mono_now();
	CHECK(!swgr_gate_enter(&g, 2, 0.3, 0));	/* full, max_wait 0: at once */
	CHECK(swgr_mono_now() - t < 0.1);
	CHECK(swgr_gate_enter(&g, 3, 0.3, 0));	/* the places are the caller's: 3 */
	swgr_gate_leave(&g);
	swgr_gate_leave(&g);
	CHECK(swgr_gate_enter(&g, 2, 0.3, 0));	/* a place given back is taken again */
	swgr_gate_leave(&g);
	swgr_gate_leave(&g);
	CHECK(swgr_gate_enter(&g, 2, 0.3, 0) && swgr_gate_enter(&g, 2, 0.3, 0));
	swgr_gate_leave(&g);
	swgr_gate_leave(&g);
	swgr_gate_destroy(&g);
}

static void
test_waiting(void)
{
	struct swgr_gate g;
	struct waiter a, b, c;
	pthread_t ta, tb;
	double t;

	swgr_gate_init(&g);
	a = b = c = (struct waiter){ .g = &g, .slots = 1, .gap = 0.3, .max_wait = 0.3 };

	/* Places moving (one just got in): a waiter gets the place given back. */
	CHECK(swgr_gate_enter(&g, 1, 0.3, 0));
	pthread_create(&ta, NULL, wait_main, &a);
	nap(50);
	swgr_gate_leave(&g);
	pthread_join(ta, NULL);
	CHECK(a.ok);
	CHECK(a.took < 0.3);

	/* a got in just now: b waits the whole gap (its max_wait too), then is turned away. */
	pthread_create(&tb, NULL, wait_main, &b);
	pthread_join(tb, NULL);
	CHECK(!b.ok);
	CHECK(b.took >= 0.25);
	CHECK(b.took < 1.0);

	/* Nobody got in for longer than the gap: stuck, turned away at once. */
	t = swgr_mono_now();
	wait_main(&c);
	CHECK(!c.ok);
	CHECK(swgr_mono_now() - t < 0.1);
	swgr_gate_leave(&g);			/* a's place */
	CHECK(swgr_gate_enter(&g, 1, 0.3, 0));	/* free: in, however long ago the last one */
	swgr_gate_leave(&g);
	swgr_gate_destroy(&g);
}

/*
 * A long max_wait on a gate whose places keep moving (one place, a holder
 * giving it back and taking it again every 100 ms, within the gap of 0.3 s):
 * a waiter goes on waiting beyond one gap, and gets in.
 */
struct holder {
	struct swgr_gate *g;
	int		 rounds;
};

static void *
hold_main(void *arg)
{
	struct holder *h = arg;
	int i;

	for (i = 0; i < h->rounds; i++) {
		if (swgr_gate_enter(h->g, 1, 0.3, 1.0)) {
			nap(100);
			swgr_gate_leave(h->g);
		}
		nap(1);
	}
	return NULL;
}

static void
test_moving(void)
{
	struct swgr_gate g;
	struct holder h = { .g = &g, .rounds = 12 };
	struct waiter w;
	pthread_t th, tw;
	int got = 0, i;

	swgr_gate_init(&g);
	pthread_create(&th, NULL, hold_main, &h);
	nap(20);
	for (i = 0; i < 3; i++) {
		w = (struct waiter){ .g = &g, .slots = 1, .gap = 0.3, .max_wait = 2.0 };
		pthread_create(&tw, NULL, wait_main, &w);
		pthread_join(tw, NULL);
		if (w.ok) {
			got++;
			swgr_gate_leave(&g);
		}
		CHECK(w.took < 2.0);
	}
	pthread_join(th, NULL);
	CHECK_INT(got, 3);
	swgr_gate_destroy(&g);
}

/* Many threads through a small gate: never more inside than its places. */
struct churn {
	struct swgr_gate *g;
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
		if (!swgr_gate_enter(c->g, 3, 0.05, 0.05))
			continue;
		c->entered++;
		now = __atomic_add_fetch(c->inside, 1, __ATOMIC_ACQ_REL);
		if (now > __atomic_load_n(c->most, __ATOMIC_ACQUIRE))
			__atomic_store_n(c->most, now, __ATOMIC_RELEASE);
		__atomic_sub_fetch(c->inside, 1, __ATOMIC_ACQ_REL);
		swgr_gate_leave(c->g);
	}
	return NULL;
}

static void
test_churn(void)
{
	struct swgr_gate g;
	struct churn c[8];
	pthread_t th[8];
	int inside = 0, most = 0, total = 0, i;

	swgr_gate_init(&g);
	for (i = 0; i < 8; i++) {
		c[i] = (struct churn){ .g = &g, .inside = &inside, .most = &most };
		pthread_create(&th[i], NULL, churn_main, &c[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		total += c[i].entered;
	}
	CHECK(most >= 1 && most <= 3);
	CHECK(total > 0);
	/* every place was given back */
	CHECK(swgr_gate_enter(&g, 3, 0.05, 0) && swgr_gate_enter(&g, 3, 0.05, 0) &&
	    swgr_gate_enter(&g, 3, 0.05, 0));
	CHECK(!swgr_gate_enter(&g, 3, 0.05, 0));
	for (i = 0; i < 3; i++)
		swgr_gate_leave(&g);
	swgr_gate_destroy(&g);
}

static void
test_defaults(void)
{
	CHECK_INT(swgr_gate_default_slots(32), 24);
	CHECK_INT(swgr_gate_default_slots(8), 6);
	CHECK_INT(swgr_gate_default_slots(4), 3);
	CHECK_INT(swgr_gate_default_slots(2), 1);
	CHECK_INT(swgr_gate_default_slots(1), 1);
}

int
main(void)
{
	test_places();
	test_waiting();
	test_moving();
	test_churn();
	test_defaults();
	return t_done("test_gate");
}
