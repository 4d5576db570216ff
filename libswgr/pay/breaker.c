/* The per-node circuit breaker of the balancer: invoice outcomes take a failing node out of selection. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pay/breaker.h"
#include "core/log.h"
#include "core/metrics.h"

#define TARGET		"swgr::breaker"

/*
 * A node with a failure.  Closed while !open; open until `until`, then
 * half-open: probing while its one probe is out.
 */
struct entry {
	struct swgr_pubkey pk;
	uint32_t	 failures;	/* consecutive */
	bool		 open;
	bool		 probing;
	double		 until;		/* end of the cool-down (open) */
	double		 touched;	/* last outcome: the eviction order */
};

struct swgr_breaker {
	uint32_t	 threshold;
	double		 cool_down;
	pthread_mutex_t	 mu;
	struct entry	*e;		/* SWGR_BREAKER_MAX, n in use */
	size_t		 n;
};

enum swgr_rc
swgr_breaker_new(uint32_t threshold, double cool_down, struct swgr_breaker **out,
    struct swgr_err *err)
{
	struct swgr_breaker *br;

	if ((br = calloc(1, sizeof(*br))) == NULL ||
	    (threshold > 0 && (br->e = calloc(SWGR_BREAKER_MAX, sizeof(*br->e))) == NULL)) {
		free(br);
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	}
	br->threshold = threshold;
	br->cool_down = cool_down;
	pthread_mutex_init(&br->mu, NULL);
	*out = br;
	return SWGR_OK;
}

void
swgr_breaker_free(struct swgr_breaker *br)
{
	if (br == NULL)
		return;
	pthread_mutex_destroy(&br->mu);
	free(br->e);
	free(br);
}

static struct entry *
find(struct swgr_breaker *br, const struct swgr_pubkey *pk)
{
	size_t i;

	for (i = 0; i < br->n; i++)
		if (memcmp(br->e[i].pk.b, pk->b, sizeof(pk->b)) == 0)
			return &br->e[i];
	return NULL;
}

/* A new closed entry for pk; when the table is full, in place of the least recently touched. */
static struct entry *
add(struct swgr_breaker *br, const struct swgr_pubkey *pk)
{
	struct entry *e = &br->e[0];
	size_t i;

	if (br->n < SWGR_BREAKER_MAX)
		e = &br->e[br->n++];
	else
		for (i = 1; i < br->n; i++)
			if (br->e[i].touched < e->touched)
				e = &br->e[i];
	memset(e, 0, sizeof(*e));
	e->pk = *pk;
	return e;
}

/* Whether e (NULL: closed without failures) may be asked: closed, or half-open with no probe out. */
static bool
available(const struct entry *e, double now)
{
	return e == NULL || !e->open || (now >= e->until && !e->probing);
}

bool
swgr_breaker_admits(struct swgr_breaker *br, const struct swgr_pubkey *pk, double now)
{
	bool ok;

	if (br->threshold == 0)
		return true;
	pthread_mutex_lock(&br->mu);
	ok = available(find(br, pk), now);
	pthread_mutex_unlock(&br->mu);
	return ok;
}

uint32_t
swgr_breaker_failures(struct swgr_breaker *br, const struct swgr_pubkey *pk)
{
	const struct entry *e;
	uint32_t n = 0;

	if (br->threshold == 0)
		return 0;
	pthread_mutex_lock(&br->mu);
	if ((e = find(br, pk)) != NULL)
		n = e->failures;
	pthread_mutex_unlock(&br->mu);
	return n;
}

enum swgr_breaker_ticket
swgr_breaker_claim(struct swgr_breaker *br, const struct swgr_pubkey *pk, double now)
{
	enum swgr_breaker_ticket t = SWGR_BREAKER_PASS;
	struct entry *e;

	if (br->threshold == 0)
		return t;
	pthread_mutex_lock(&br->mu);
	e = find(br, pk);
	if (!available(e, now))
		t = SWGR_BREAKER_SKIP;
	else if (e != NULL && e->open) {
		e->probing = true;
		t = SWGR_BREAKER_PROBE;
	}
	pthread_mutex_unlock(&br->mu);
	return t;
}

void
swgr_breaker_done(struct swgr_breaker *br, const struct swgr_pubkey *pk,
    enum swgr_breaker_ticket t, enum swgr_rc rc, double now)
{
	struct entry *e;
	bool opened = false, closed = false;
	uint32_t failures = 0;
	char name[SWGR_PUBKEY_STRLEN + 1], labels[96];

	if (br->threshold == 0 || t == SWGR_BREAKER_SKIP)
		return;
	pthread_mutex_lock(&br->mu);
	e = find(br, pk);
	if (rc == SWGR_OK) {
		if (e != NULL) {
			closed = e->open;
			*e = br->e[--br->n];	/* closed without failures: no entry */
		}
	} else if (rc == SWGR_EINVAL) {
		if (t == SWGR_BREAKER_PROBE && e != NULL)
			e->probing = false;	/* the next request may probe */
	} else {
		if (e == NULL)
			e = add(br, pk);
		failures = ++e->failures;
		e->touched = now;
		if (t == SWGR_BREAKER_PROBE && e->probing) {
			e->probing = false;	/* still failing: another cool-down */
			e->until = now + br->cool_down;
		} else if (!e->open && e->failures >= br->threshold) {
			e->open = opened = true;
			e->until = now + br->cool_down;
		}
	}
	pthread_mutex_unlock(&br->mu);
	if (!opened && !closed)
		return;
	swgr_pubkey_format(pk, name);
	if (opened) {
		/* rare: a lookup of the metric here costs nothing on the common path */
		snprintf(labels, sizeof(labels), "backend=\"%s\"", name);
		swgr_metric_add(swgr_metric_counter("swgr_breaker_opens_total", labels), 1);
	}
	if (opened)
		swgr_log(SWGR_LOG_WARN, TARGET, "circuit breaker of node %s opened after %u "
		    "consecutive invoice failures: skipped for %g s, then probed", name, failures,
		    br->cool_down);
	else
		swgr_log(SWGR_LOG_INFO, TARGET, "circuit breaker of node %s closed: it gave an "
		    "invoice", name);
}
