/*
 * Tests of swgr-lnurl's offer and address caches (fcgi/lnurl/offers.c, addresses.c) as
 * last known good, over a
 * real HTTP offer store: tests/unit/http_peer.py plays the remote offer service
 * (/lkg/offers/...), whose answers the test sets per offer (200, 404, 503) or for all,
 * and which the test stops (connection refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/uuid.h"
#include "store/store.h"
#include "extern.h"
#include "kit.h"
#include "t.h"

#define PART	"p"

static const char *srcdir, *tmpdir;
static char peerdir[400], base[96];
static pid_t peer;

static void
peer_start(void)
{
	char script[600], portfile[500], log[500];
	double until;
	FILE *f;
	int port = 0;

	snprintf(script, sizeof(script), "%s/tests/unit/http_peer.py", srcdir);
	snprintf(peerdir, sizeof(peerdir), "%s/peer", tmpdir);
	snprintf(portfile, sizeof(portfile), "%s/port", peerdir);
	snprintf(log, sizeof(log), "%s.log", peerdir);
	peer = kit_spawn(log, KIT_PYTHON, script, "--dir", peerdir, (char *)NULL);
	for (until = swgr_mono_now() + 60; swgr_mono_now() < until; usleep(50 * 1000)) {
		if (kit_exited(&peer))
			break;
		if ((f = fopen(portfile, "r")) == NULL)
			continue;
		if (fscanf(f, "%d", &port) != 1)
			port = 0;
		fclose(f);
		snprintf(base, sizeof(base), "http://127.0.0.1:%d/lkg/", port);
		return;
	}
	kit_no_start("http_peer.py", log);
}

/* The remote's answer for offer id ("all" for every offer): a status, or NULL for 200. */
static void
answer(const char *id, const char *status)
{
	char path[600], dir[500];

	snprintf(dir, sizeof(dir), "%s/lkg", peerdir);
	(void)mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	if (status == NULL)
		(void)unlink(path);
	else
		kit_write(path, status, 0644);
}

static struct swgr_store *
open_store(void)
{
	struct swgr_store_cfg cfg = { 0 };
	struct swgr_store *st = NULL;
	struct swgr_err err = { 0 };
	char tok[500];

	snprintf(tok, sizeof(tok), "%s/token", tmpdir);
	kit_write(tok, "test-token\n", 0600);
	cfg.type = SWGR_STORE_HTTP;
	cfg.base_url = base;
	cfg.authorization = tok;
	cfg.connect_timeout_secs = 2;
	cfg.total_timeout_secs = 5;
	if (swgr_store_open(&cfg, NULL, SWGR_STORE_ROLE_OFFER, &st, &err) != SWGR_OK)
		fprintf(stderr, "opening the http store: %s\n", err.msg);
	return st;
}

/* The id of offer number i, as text and parsed. */
static void
id_of(unsigned i, char s[SWGR_UUID_STRLEN + 1], struct swgr_uuid *u)
{
	snprintf(s, SWGR_UUID_STRLEN + 1, "00000000-0000-4000-8000-%012x", i + 1);
	if (swgr_uuid_parse(s, strlen(s), u) != SWGR_OK)
		FAIL("uuid");
}

/* offer_get of offer i: its result code; on SWGR_OK checks the metadata of offer i. */
static enum swgr_rc
get(struct offer_cache *c, struct swgr_store *st, unsigned i)
{
	struct cached_offer *o;
	struct swgr_err err = { 0 };
	struct swgr_uuid u;
	char s[SWGR_UUID_STRLEN + 1], want[128];
	enum swgr_rc rc;

	id_of(i, s, &u);
	if ((rc = offer_get(c, st, PART, &u, &o, &err)) != SWGR_OK)
		return rc;
	snprintf(want, sizeof(want), "[[\"text/plain\",\"offer %s\"]]", s);
	/* the part a Lightning Address writes its identifier after, in both forms */
	if (strcmp(o->metadata, want) != 0 || o->max_sendable != 100000 ||
	    o->base_len != strlen(want) - 1 || o->base_json_len != o->metadata_json_len - 2 ||
	    memcmp(o->metadata_json, "\"[[\\\"text/plain", 15) != 0) {
		fprintf(stderr, "offer %u: metadata %s\n", i, o->metadata);
		rc = SWGR_EINTERNAL;
	}
	offer_put(c, o);
	return rc;
}

static void
set(unsigned i, const char *status)
{
	char s[SWGR_UUID_STRLEN + 1];
	struct swgr_uuid u;

	id_of(i, s, &u);
	answer(s, status);
}

static void
past_ttl(void)
{
	usleep((useconds_t)((OFFER_CACHE_TTL + 0.15) * 1e6));
}

/* Stands in while the store fails; a "not found" removes the copy for good. */
static void
test_stand_in_and_not_found(struct swgr_store *st)
{
	struct offer_cache *c = NULL;
	double secs;

	CHECK_INT(offer_cache_new(3600, &c), SWGR_OK);
	CHECK_INT(get(c, st, 1), SWGR_OK);
	CHECK_INT(get(c, st, 2), SWGR_OK);
	CHECK_INT(offer_cache_count(c), 2);
	CHECK(!offer_store_down(c, &secs));
	set(1, "503");
	set(2, "503");
	past_ttl();
	CHECK_INT(get(c, st, 1), SWGR_OK);		/* the copy stands in */
	CHECK(offer_store_down(c, &secs) && secs >= 0 && secs < 1);
	/* down: not asked again within PROBE_EVERY; an offer never read fails at once */
	CHECK_INT(get(c, st, 3), SWGR_EUPSTREAM);
	CHECK_INT(offer_cache_count(c), 2);
	usleep((useconds_t)(OFFER_CACHE_PROBE_EVERY * 1e6));
	CHECK_INT(get(c, st, 3), SWGR_OK);		/* asked: up again */
	CHECK(!offer_store_down(c, &secs));
	set(1, "404");					/* deleted */
	past_ttl();
	CHECK_INT(get(c, st, 1), SWGR_NOTFOUND);
	CHECK_INT(offer_cache_count(c), 2);		/* 2 and 3 */
	set(1, "503");					/* then the store fails */
	CHECK_INT(get(c, st, 1), SWGR_NOTFOUND);	/* the "not found" is remembered */
	past_ttl();
	CHECK_INT(get(c, st, 1), SWGR_EUPSTREAM);	/* never the deleted copy */
	CHECK(offer_store_down(c, &secs));
	CHECK_INT(get(c, st, 2), SWGR_OK);		/* 2 still stands in */
	set(9, "503");
	CHECK_INT(get(c, st, 9), SWGR_EUPSTREAM);	/* never read: nothing to serve */
	CHECK_INT(offer_cache_count(c), 2);		/* failures add nothing */
	/* the probe notices the store's return (the nil offer: 200 here) */
	set(1, NULL);
	set(2, NULL);
	set(9, NULL);
	usleep((useconds_t)(OFFER_CACHE_PROBE_EVERY * 1e6));
	offer_store_probe(c, st, PART);
	CHECK(!offer_store_down(c, &secs));
	offer_cache_free(c);
}

/* How many lines of the remote's record of requests are name. */
static int
hits_of(const char *name)
{
	char path[600], line[128];
	size_t len = strlen(name);
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/lkg.hits", peerdir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, len) == 0 && line[len] == '\n')
			n++;
	fclose(f);
	return n;
}

/* How many times the remote was asked for offer i. */
static int
hits(unsigned i)
{
	char s[SWGR_UUID_STRLEN + 1];
	struct swgr_uuid u;

	id_of(i, s, &u);
	return hits_of(s);
}

/*
 * "Not found" is remembered for OFFER_NEG_TTL: asking again and again for an id
 * that does not exist costs one store call a TTL; an offer created meanwhile is
 * served once it is over; other ids are asked as before.
 */
static void
test_not_found_cached(struct swgr_store *st)
{
	struct offer_cache *c = NULL;
	int k;

	CHECK_INT(offer_cache_new(3600, &c), SWGR_OK);
	set(40, "404");
	for (k = 0; k < 20; k++)
		CHECK_INT(get(c, st, 40), SWGR_NOTFOUND);
	CHECK_INT(hits(40), 1);
	CHECK_INT(offer_cache_count(c), 0);
	CHECK_INT(get(c, st, 41), SWGR_OK);		/* another id: asked */
	CHECK_INT(hits(41), 1);
	set(40, NULL);					/* the offer is created */
	CHECK_INT(get(c, st, 40), SWGR_NOTFOUND);	/* within the TTL: still not found */
	CHECK_INT(hits(40), 1);
	past_ttl();
	CHECK_INT(get(c, st, 40), SWGR_OK);		/* served after it */
	CHECK_INT(hits(40), 2);
	set(40, "404");					/* deleted: a cached copy goes at once */
	past_ttl();
	CHECK_INT(get(c, st, 40), SWGR_NOTFOUND);
	CHECK_INT(get(c, st, 40), SWGR_NOTFOUND);
	CHECK_INT(hits(40), 3);
	set(40, NULL);
	offer_cache_free(c);
}

/* stale_max bounds the stand-in; 0 turns it off. */
static void
test_stale_max(struct swgr_store *st)
{
	struct offer_cache *c = NULL;

	CHECK_INT(offer_cache_new(0, &c), SWGR_OK);
	CHECK_INT(get(c, st, 20), SWGR_OK);
	set(20, "503");
	past_ttl();
	CHECK_INT(get(c, st, 20), SWGR_EUPSTREAM);
	offer_cache_free(c);
	set(20, NULL);

	c = NULL;
	CHECK_INT(offer_cache_new(2.0, &c), SWGR_OK);
	CHECK_INT(get(c, st, 21), SWGR_OK);
	set(21, "503");
	past_ttl();
	CHECK_INT(get(c, st, 21), SWGR_OK);		/* 1.15 s old: stands in */
	past_ttl();
	CHECK_INT(get(c, st, 21), SWGR_EUPSTREAM);	/* 2.3 s old: too old */
	CHECK_INT(offer_cache_count(c), 0);		/* and dropped */
	set(21, NULL);
	CHECK_INT(get(c, st, 21), SWGR_EUPSTREAM);	/* back, but not asked again yet */
	usleep((useconds_t)(OFFER_CACHE_PROBE_EVERY * 1e6));
	CHECK_INT(get(c, st, 21), SWGR_OK);
	offer_cache_free(c);
}

/*
 * Many more offers than the old 1024 direct-mapped slots: every one read survives
 * (the table grows), and each stands in when the remote is gone (connection refused).
 */
static void
test_every_offer_survives(struct swgr_store *st)
{
	struct offer_cache *c = NULL;
	unsigned i, n = 3000, ok = 0, bad = 0;

	CHECK_INT(offer_cache_new(3600, &c), SWGR_OK);
	for (i = 100; i < 100 + n; i++)
		bad += get(c, st, i) != SWGR_OK;
	CHECK_INT(bad, 0);
	CHECK_INT(offer_cache_count(c), n);
	kit_stop(&peer);
	past_ttl();
	for (i = 100; i < 100 + n; i++)
		ok += get(c, st, i) == SWGR_OK;
	CHECK_INT(ok, n);
	CHECK_INT(get(c, st, 99), SWGR_EUPSTREAM);
	offer_cache_free(c);
}

/* addr_get of user@shop.example: its result; on SWGR_OK checks the binding, *enabled. */
static enum swgr_rc
aget(struct addr_cache *c, struct swgr_store *st, const char *user, bool *enabled)
{
	char s[SWGR_UUID_STRLEN + 1];
	struct swgr_err err = { 0 };
	struct addr_hit h;
	struct swgr_uuid u;
	enum swgr_rc rc;

	id_of(7, s, &u);
	(void)st;
	if ((rc = addr_get(c, "shop.example", user, &h, &err)) != SWGR_OK)
		return rc;
	if (strcmp(h.partition, PART) != 0 || memcmp(&h.offer, &u, sizeof(u)) != 0)
		rc = SWGR_EINTERNAL;
	if (enabled != NULL)
		*enabled = h.enabled;
	free(h.partition);
	return rc;
}

static int
ahits(const char *user)
{
	char name[80];

	snprintf(name, sizeof(name), "@%s", user);
	return hits_of(name);
}

/*
 * The address cache: one store call per address and TTL, "not found"
 * remembered, the binding standing in while the store fails, never a
 * deleted one, and no stand-in with stale_max 0.
 */
static void
test_addresses(struct swgr_store *st)
{
	struct addr_cache *c = NULL, *c0 = NULL;
	bool en = true;
	int k;

	CHECK_INT(addr_cache_new("address store", ADDR_CACHE_TTL, 3600, addr_from_store, st, &c),
	    SWGR_OK);
	for (k = 0; k < 20; k++)
		CHECK_INT(aget(c, st, "amy", &en), SWGR_OK);
	CHECK(en);
	CHECK_INT(ahits("amy"), 1);
	CHECK_INT(aget(c, st, "offbob", &en), SWGR_OK);
	CHECK(!en);					/* disabled: the caller's 404 */
	answer("nobody", "404");
	for (k = 0; k < 20; k++)
		CHECK_INT(aget(c, st, "nobody", NULL), SWGR_NOTFOUND);
	CHECK_INT(ahits("nobody"), 1);
	CHECK_INT(addr_cache_count(c), 3);
	answer("nobody", NULL);				/* created: served after the TTL */
	past_ttl();
	CHECK_INT(aget(c, st, "nobody", NULL), SWGR_OK);
	answer("amy", "503");
	answer("newcomer", "503");
	past_ttl();
	CHECK_INT(aget(c, st, "amy", &en), SWGR_OK);	/* the binding stands in */
	CHECK(en);
	CHECK_INT(aget(c, st, "newcomer", NULL), SWGR_EUPSTREAM);	/* never read */
	usleep((useconds_t)(ADDR_CACHE_PROBE_EVERY * 1e6));
	answer("amy", "404");				/* deleted */
	past_ttl();
	CHECK_INT(aget(c, st, "amy", NULL), SWGR_NOTFOUND);
	answer("amy", "503");
	past_ttl();
	CHECK_INT(aget(c, st, "amy", NULL), SWGR_EUPSTREAM);	/* never the deleted binding */
	answer("amy", NULL);
	answer("newcomer", NULL);
	addr_cache_free(c);

	CHECK_INT(addr_cache_new("address store", ADDR_CACHE_TTL, 0, addr_from_store, st, &c0),
	    SWGR_OK);
	CHECK_INT(aget(c0, st, "cy", NULL), SWGR_OK);
	answer("cy", "503");
	past_ttl();
	CHECK_INT(aget(c0, st, "cy", NULL), SWGR_EUPSTREAM);	/* stale_max 0: no stand-in */
	answer("cy", NULL);
	addr_cache_free(c0);

	/* A source's own ttl (the directory's refresh-secs): kept past the store's. */
	CHECK_INT(addr_cache_new("address directory", 3 * ADDR_CACHE_TTL + 1, 0, addr_from_store,
	    st, &c0), SWGR_OK);
	k = ahits("dee");
	CHECK_INT(aget(c0, st, "dee", NULL), SWGR_OK);
	answer("dee", "404");
	past_ttl();
	CHECK_INT(aget(c0, st, "dee", NULL), SWGR_OK);	/* not asked again yet */
	CHECK_INT(ahits("dee"), k + 1);
	addr_cache_free(c0);
	answer("dee", NULL);

	/*
	 * A binding standing in for a source that failed is asked for again
	 * at the next probe, not after the source's whole ttl: a user the
	 * directory removed meanwhile stops resolving then.
	 */
	CHECK_INT(addr_cache_new("address directory", 2.5, 3600, addr_from_store, st, &c0),
	    SWGR_OK);
	CHECK_INT(aget(c0, st, "eve", NULL), SWGR_OK);
	answer("eve", "503");
	usleep(2600000);
	CHECK_INT(aget(c0, st, "eve", NULL), SWGR_OK);	/* stands in */
	answer("eve", "404");
	usleep((useconds_t)((ADDR_CACHE_PROBE_EVERY + 0.15) * 1e6));
	CHECK_INT(aget(c0, st, "eve", NULL), SWGR_NOTFOUND);
	addr_cache_free(c0);
	answer("eve", NULL);
}

int
main(void)
{
	struct swgr_store *st;

	srcdir = kit_srcdir(__FILE__);
	swgr_log_open(NULL, getenv("VERBOSE") ? SWGR_LOG_DEBUG : SWGR_LOG_ERROR, NULL);
	tmpdir = kit_tmpdir("offers");
	peer_start();
	if ((st = open_store()) == NULL) {
		FAIL("no store");
		return 1;
	}
	test_stand_in_and_not_found(st);
	test_stale_max(st);
	test_not_found_cached(st);
	test_addresses(st);
	test_every_offer_survives(st);
	swgr_store_close(st);
	return t_done("test_offers");
}
