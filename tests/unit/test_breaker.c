/* Unit tests of the per-node circuit breaker: every transition, thresholds, disabled, the one probe among threads, its log lines. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "pay/breaker.h"
#include "kit.h"
#include "t.h"

#define COOL	10.0

static struct swgr_pubkey
key(uint8_t n)
{
	struct swgr_pubkey pk;

	memset(pk.b, n, sizeof(pk.b));
	pk.b[0] = 0x02;
	return pk;
}

static struct swgr_breaker *
made(uint32_t threshold)
{
	struct swgr_breaker *br = NULL;
	struct swgr_err err;

	CHECK_INT(swgr_breaker_new(threshold, COOL, &br, &err), SWGR_OK);
	return br;
}

/* One call to pk at now with outcome rc, through claim and done: the ticket it had. */
static enum swgr_breaker_ticket
call(struct swgr_breaker *br, const struct swgr_pubkey *pk, enum swgr_rc rc, double now)
{
	enum swgr_breaker_ticket t = swgr_breaker_claim(br, pk, now);

	swgr_breaker_done(br, pk, t, rc, now);
	return t;
}

/* Closed -> open at the threshold, open -> half-open after the cool-down, probe -> closed or open again. */
static void
test_transitions(void)
{
	struct swgr_breaker *br = made(3);
	struct swgr_pubkey a = key(1), b = key(2);
	enum swgr_breaker_ticket t;

	/* closed: failures under the threshold keep it closed; a success resets the count */
	CHECK(swgr_breaker_admits(br, &a, 0));
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 1), SWGR_BREAKER_PASS);
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 2), SWGR_BREAKER_PASS);
	CHECK_INT(call(br, &a, SWGR_OK, 3), SWGR_BREAKER_PASS);
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 4), SWGR_BREAKER_PASS);
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 5), SWGR_BREAKER_PASS);
	CHECK(swgr_breaker_admits(br, &a, 5));
	/* a refusal (the request's fault) neither counts nor resets */
	CHECK_INT(call(br, &a, SWGR_EINVAL, 6), SWGR_BREAKER_PASS);
	CHECK(swgr_breaker_admits(br, &a, 6));
	/* the third consecutive failure opens it: skipped for the cool-down, others unaffected */
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 10), SWGR_BREAKER_PASS);
	CHECK(!swgr_breaker_admits(br, &a, 10));
	CHECK(!swgr_breaker_admits(br, &a, 10 + COOL - 0.001));
	CHECK_INT(swgr_breaker_claim(br, &a, 10 + COOL - 0.001), SWGR_BREAKER_SKIP);
	CHECK(swgr_breaker_admits(br, &b, 10));
	/* a late failure of a call let through before it opened changes nothing */
	swgr_breaker_done(br, &a, SWGR_BREAKER_PASS, SWGR_EUPSTREAM, 15);
	CHECK(!swgr_breaker_admits(br, &a, 10 + COOL - 0.001));
	/* half-open after the cool-down: one probe, the others skip while it is out */
	CHECK(swgr_breaker_admits(br, &a, 10 + COOL));
	CHECK_INT(t = swgr_breaker_claim(br, &a, 10 + COOL), SWGR_BREAKER_PROBE);
	CHECK(!swgr_breaker_admits(br, &a, 10 + COOL));
	CHECK_INT(swgr_breaker_claim(br, &a, 10 + COOL + 1), SWGR_BREAKER_SKIP);
	/* a failed probe opens it for another cool-down, from the probe's end */
	swgr_breaker_done(br, &a, t, SWGR_EUPSTREAM, 22);
	CHECK(!swgr_breaker_admits(br, &a, 22 + COOL - 0.001));
	CHECK_INT(swgr_breaker_claim(br, &a, 22 + COOL - 0.001), SWGR_BREAKER_SKIP);
	/* a probe the node refused (EINVAL) is released: the next request probes */
	CHECK_INT(t = swgr_breaker_claim(br, &a, 22 + COOL), SWGR_BREAKER_PROBE);
	swgr_breaker_done(br, &a, t, SWGR_EINVAL, 22 + COOL);
	CHECK(swgr_breaker_admits(br, &a, 22 + COOL));
	/* a successful probe closes it: admitted again, three more failures to open */
	CHECK_INT(call(br, &a, SWGR_OK, 33), SWGR_BREAKER_PROBE);
	CHECK(swgr_breaker_admits(br, &a, 33));
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 34), SWGR_BREAKER_PASS);
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 35), SWGR_BREAKER_PASS);
	CHECK(swgr_breaker_admits(br, &a, 35));
	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 36), SWGR_BREAKER_PASS);
	CHECK(!swgr_breaker_admits(br, &a, 36));
	/* a success of a call let through before it opened closes it too (the node answers) */
	swgr_breaker_done(br, &a, SWGR_BREAKER_PASS, SWGR_OK, 37);
	CHECK(swgr_breaker_admits(br, &a, 37));
	CHECK_INT(swgr_breaker_claim(br, &a, 37), SWGR_BREAKER_PASS);
	/* a SKIP ticket reports nothing */
	swgr_breaker_done(br, &b, SWGR_BREAKER_SKIP, SWGR_EUPSTREAM, 38);
	swgr_breaker_done(br, &b, SWGR_BREAKER_SKIP, SWGR_EUPSTREAM, 38);
	swgr_breaker_done(br, &b, SWGR_BREAKER_SKIP, SWGR_EUPSTREAM, 38);
	CHECK(swgr_breaker_admits(br, &b, 38));
	swgr_breaker_free(br);
}

/* Threshold 1 opens at the first failure; 0 disables the breaker. */
static void
test_thresholds(void)
{
	struct swgr_breaker *br = made(1);
	struct swgr_pubkey a = key(1);
	int i;

	CHECK_INT(call(br, &a, SWGR_EUPSTREAM, 1), SWGR_BREAKER_PASS);
	CHECK(!swgr_breaker_admits(br, &a, 1));
	swgr_breaker_free(br);
	br = made(0);
	for (i = 0; i < 100; i++)
		CHECK_INT(call(br, &a, SWGR_EUPSTREAM, i), SWGR_BREAKER_PASS);
	CHECK(swgr_breaker_admits(br, &a, 100));
	swgr_breaker_free(br);
}

/* A full table drops the least recently touched node (closed again), never a recent one. */
static void
test_bounded(void)
{
	struct swgr_breaker *br = made(2);
	struct swgr_pubkey k;
	int i;

	for (i = 0; i < SWGR_BREAKER_MAX; i++) {
		k = key(1);
		k.b[1] = (uint8_t)(i >> 8);
		k.b[2] = (uint8_t)i;
		call(br, &k, SWGR_EUPSTREAM, 1 + i);	/* one failure each */
	}
	k = key(9);
	call(br, &k, SWGR_EUPSTREAM, 5000);
	call(br, &k, SWGR_EUPSTREAM, 5000);
	CHECK(!swgr_breaker_admits(br, &k, 5000));
	/* the first node's failure was dropped: two more are needed to open it */
	k = key(1);
	k.b[1] = k.b[2] = 0;
	call(br, &k, SWGR_EUPSTREAM, 5001);
	CHECK(swgr_breaker_admits(br, &k, 5001));
	/* (which made room for it by dropping the second); the last node's was kept: one more opens it */
	k.b[1] = (uint8_t)((SWGR_BREAKER_MAX - 1) >> 8);
	k.b[2] = (uint8_t)(SWGR_BREAKER_MAX - 1);
	call(br, &k, SWGR_EUPSTREAM, 5002);
	CHECK(!swgr_breaker_admits(br, &k, 5002));
	swgr_breaker_free(br);
}

#define THREADS	8

struct racer {
	struct swgr_breaker *br;
	pthread_barrier_t *go;
	enum swgr_breaker_ticket t;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct swgr_pubkey a = key(1);

	pthread_barrier_wait(r->go);
	r->t = swgr_breaker_claim(r->br, &a, 100);
	return NULL;
}

/* Half-open, threads claiming at once: exactly one gets the probe, over many rounds. */
static void
test_probe_race(void)
{
	struct swgr_breaker *br = made(1);
	struct swgr_pubkey a = key(1);
	struct racer r[THREADS];
	pthread_t th[THREADS];
	pthread_barrier_t go;
	int round, i, probes, bad = 0;

	for (round = 0; round < 200; round++) {
		call(br, &a, SWGR_EUPSTREAM, 100 - COOL);	/* (re)opened: half-open at 100 */
		pthread_barrier_init(&go, NULL, THREADS);
		for (i = 0; i < THREADS; i++) {
			r[i].br = br;
			r[i].go = &go;
			pthread_create(&th[i], NULL, race, &r[i]);
		}
		probes = 0;
		for (i = 0; i < THREADS; i++) {
			pthread_join(th[i], NULL);
			probes += r[i].t == SWGR_BREAKER_PROBE;
			bad += r[i].t == SWGR_BREAKER_PASS;
		}
		pthread_barrier_destroy(&go);
		if (probes != 1)
			bad++;
		for (i = 0; i < THREADS; i++)
			if (r[i].t == SWGR_BREAKER_PROBE)
				swgr_breaker_done(br, &a, r[i].t, SWGR_EINVAL, 100);
	}
	CHECK_INT(bad, 0);
	swgr_breaker_free(br);
}

/* WARN once when it opens (not at a failed probe), INFO when it closes; the key named. */
static void
test_log(void)
{
	const char *dir = kit_tmpdir("breaker");
	char path[512], *log, *p;
	struct swgr_err err;
	struct swgr_breaker *br = made(2);
	struct swgr_pubkey a = key(0xab);
	enum swgr_breaker_ticket t;
	int n = 0;

	snprintf(path, sizeof(path), "%s/log", dir);
	CHECK_INT(swgr_log_open(path, SWGR_LOG_DEBUG, &err), SWGR_OK);
	call(br, &a, SWGR_EUPSTREAM, 1);
	call(br, &a, SWGR_EUPSTREAM, 2);
	call(br, &a, SWGR_EUPSTREAM, 3);
	t = swgr_breaker_claim(br, &a, 2 + COOL);
	swgr_breaker_done(br, &a, t, SWGR_EUPSTREAM, 2 + COOL);
	call(br, &a, SWGR_OK, 3 + 2 * COOL);
	swgr_log_close();
	swgr_log_open(NULL, SWGR_LOG_ERROR, &err);
	log = kit_slurp(path);
	CHECK(kit_contains(log, " WARN  swgr::breaker] circuit breaker of node "
	    "02abababababababababababababababababababababababababababababababab opened after 2 "
	    "consecutive invoice failures: skipped for 10 s, then probed\n"));
	CHECK(kit_contains(log, " INFO  swgr::breaker] circuit breaker of node "
	    "02abababababababababababababababababababababababababababababababab closed: it gave "
	    "an invoice\n"));
	for (p = log; (p = strstr(p, "opened after")) != NULL; p++)
		n++;
	CHECK_INT(n, 1);
	free(log);
	swgr_breaker_free(br);
}

int
main(void)
{
	test_transitions();
	test_thresholds();
	test_bounded();
	test_probe_race();
	test_log();
	return t_done("test_breaker");
}
