/* Unit tests of fleet.c: the node clients of our partitions' backends kept in line with a real (SQLite) discovery store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/pubkey.h"
#include "fleet/fleet.h"
#include "store/store.h"
#include "kit.h"
#include "t.h"

static const char *tf_dir;
static char tf_db[300], tf_log[300], tf_mac[300], tf_mac2[300];

static struct swgr_pubkey
tf_pk(int n)
{
	struct swgr_pubkey pk;

	memset(pk.b, 0x11 * n, sizeof(pk.b));
	pk.b[0] = 0x02;
	return pk;
}

static char *
tf_name(int n, char out[SWGR_PUBKEY_STRLEN + 1])
{
	struct swgr_pubkey pk = tf_pk(n);

	swgr_pubkey_format(&pk, out);
	return out;
}

/*
 * An LND implementation on port (plaintext, nothing listens: clients
 * connect lazily) reading the macaroon at mac; spaced and in another key
 * order when odd, the same client as far as swgr_ln_impl_equal goes.
 */
static char *
tf_impl(int port, const char *mac, int odd)
{
	char buf[600];

	if (odd)
		snprintf(buf, sizeof(buf), "{ \"url\": \"http://127.0.0.1:%d/\", \"type\": "
		    "\"lndGrpc\", \"ampInvoice\": false, \"auth\": { \"macaroonPath\": \"%s\", "
		    "\"type\": \"path\" } }", port, mac);
	else
		snprintf(buf, sizeof(buf), "{\"ampInvoice\":false,\"auth\":{\"macaroonPath\":"
		    "\"%s\",\"type\":\"path\"},\"type\":\"lndGrpc\",\"url\":"
		    "\"http://127.0.0.1:%d/\"}", mac, port);
	return strdup(buf);
}

/* Stores backend n (weight n) in the given partitions with an implementation. */
static void
tf_put(struct swgr_store *st, int n, const char *p1, const char *p2, char *impl, bool enabled)
{
	struct swgr_err err = { 0 };
	struct swgr_backend b;
	bool created;

	memset(&b, 0, sizeof(b));
	b.pk = tf_pk(n);
	b.partitions = calloc(3, sizeof(char *));
	b.partitions[b.npartitions++] = strdup(p1);
	if (p2 != NULL)
		b.partitions[b.npartitions++] = strdup(p2);
	b.weight = n;
	b.enabled = enabled;
	b.implementation = impl;
	CHECK_INT(swgr_store_backend_put(st, &b, &created, &err), SWGR_OK);
	swgr_backend_free(&b);
}

static bool
tf_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

static const struct swgr_fleet_member *
tf_find(const struct swgr_fleet *f, int n)
{
	const struct swgr_fleet_member *v;
	struct swgr_pubkey pk = tf_pk(n);
	size_t nv, i;

	v = swgr_fleet_members(f, &nv);
	for (i = 0; i < nv; i++)
		if (memcmp(v[i].b.pk.b, pk.b, sizeof(pk.b)) == 0)
			return &v[i];
	return NULL;
}

/* The node of backend n in the fleet, NULL if it is not a member. */
static struct swgr_fleet_node *
tf_node(const struct swgr_fleet *f, int n)
{
	const struct swgr_fleet_member *m = tf_find(f, n);

	return m != NULL ? m->node : NULL;
}

static int
tf_sql(const char *sql)
{
	char cmd[800];

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' '%s'", tf_db, sql);
	return system(cmd);
}

static void
test_partitions(void)
{
	char *ab[] = { "a", "b" }, *c[] = { "c" }, *bc[] = { "b", "c" }, *none[1] = { NULL };

	CHECK(swgr_fleet_partition_in(ab, 2, "a"));
	CHECK(swgr_fleet_partition_in(ab, 2, "b"));
	CHECK(!swgr_fleet_partition_in(ab, 2, "c"));
	CHECK(!swgr_fleet_partition_in(ab, 2, "A"));	/* exact names */
	CHECK(!swgr_fleet_partition_in(ab, 2, "ab"));
	CHECK(!swgr_fleet_partition_in(none, 0, "a"));
	CHECK(swgr_fleet_partitions_meet(ab, 2, bc, 2));
	CHECK(swgr_fleet_partitions_meet(bc, 2, ab, 2));
	CHECK(!swgr_fleet_partitions_meet(ab, 2, c, 1));
	CHECK(!swgr_fleet_partitions_meet(ab, 2, none, 0));
	CHECK(!swgr_fleet_partitions_meet(none, 0, ab, 2));
}

static void
test_fleet(void)
{
	struct swgr_store_cfg cfg = { .type = SWGR_STORE_DATABASE, .max_connections = 2 };
	struct swgr_err err = { 0 };
	struct swgr_ln_opts opts = { .timeout_secs = 0.5 };
	char *creds[1];
	char *ours[] = { "east", "west" }, uri[400], k1[67], k3[67], missing[400], *log;
	const struct swgr_fleet_member *v, *m1, *m2, *m3;
	struct swgr_fleet_node *n1 = NULL, *n2 = NULL, *held = NULL, *re;
	struct swgr_store *st = NULL;
	struct swgr_fleet *f = NULL;
	bool changed;
	size_t n;

	snprintf(uri, sizeof(uri), "sqlite://%s?mode=rwc", tf_db);
	cfg.database_uri = uri;
	creds[0] = (char *)tf_dir;	/* the macaroons are written there */
	opts.cred_dirs.dirs = creds;
	opts.cred_dirs.n = 1;
	snprintf(missing, sizeof(missing), "%s/no-such.macaroon", tf_dir);
	if (swgr_store_open(&cfg, NULL, SWGR_STORE_OWNER(SWGR_STORE_ROLE_DISCOVERY), &st,
	    &err) != SWGR_OK) {
		FAIL(err.msg);
		return;
	}
	/* 1: east; 2: west and north; 3: east with a macaroon that is not there; 4: south only. */
	tf_put(st, 1, "east", NULL, tf_impl(1, tf_mac, 0), true);
	tf_put(st, 2, "north", "west", tf_impl(2, tf_mac, 0), false);
	tf_put(st, 3, "east", NULL, tf_impl(3, missing, 0), true);
	tf_put(st, 4, "south", NULL, tf_impl(4, tf_mac, 0), true);

	CHECK_INT(swgr_fleet_new(st, ours, 2, &opts, "swgr::test", &f, &err), SWGR_OK);
	v = swgr_fleet_members(f, &n);
	CHECK(n == 0);			/* empty until the first reload */
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(changed);
	v = swgr_fleet_members(f, &n);
	CHECK(n == 3);			/* 4 shares no partition with us */
	CHECK(tf_find(f, 4) == NULL);
	if (n != 3) {
		FAIL("no point going on");
		goto out;
	}
	/* In store order, the backend as listed. */
	CHECK(v[0].b.pk.b[1] == 0x11 && v[1].b.pk.b[1] == 0x22 && v[2].b.pk.b[1] == 0x33);
	CHECK(v[0].b.enabled && !v[1].b.enabled);
	CHECK(v[1].b.weight == 2 && v[1].b.npartitions == 2);
	m1 = &v[0];
	m3 = &v[2];
	CHECK(swgr_fleet_node_client(m1->node) != NULL);
	CHECK(swgr_fleet_node_client(v[1].node) != NULL);
	CHECK_STR(swgr_fleet_node_name(m1->node), tf_name(1, k1));
	/* 3's client cannot be made: a member with no client, logged once with the cause. */
	CHECK(swgr_fleet_node_client(m3->node) == NULL);
	log = kit_slurp(tf_log);
	tf_name(3, k3);
	{
		char want[200], twice[200];

		snprintf(want, sizeof(want), "Failed to connect to backend %s: ", k3);
		snprintf(twice, sizeof(twice), "backend %s: backend", k3);
		CHECK(strstr(log, want) != NULL);
		CHECK(strstr(log, "no-such.macaroon") != NULL);
		CHECK(strstr(log, twice) == NULL);	/* the key is named once */
		CHECK(strstr(log, "swgr::test") != NULL);
	}
	free(log);

	/* Each node has its own gate, kept with the node. */
	CHECK(swgr_gate_enter(swgr_fleet_node_gate(m1->node), 1, 0.1, 0));
	CHECK(!swgr_gate_enter(swgr_fleet_node_gate(m1->node), 1, 0.1, 0));
	CHECK(swgr_gate_enter(swgr_fleet_node_gate(v[1].node), 1, 0.1, 0));
	swgr_gate_leave(swgr_fleet_node_gate(v[1].node));
	swgr_gate_leave(swgr_fleet_node_gate(m1->node));

	/* ETag unchanged: nothing read, the same nodes (held, so no address is reused). */
	n1 = swgr_fleet_node_ref(m1->node);
	n2 = swgr_fleet_node_ref(v[1].node);
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(!changed);
	v = swgr_fleet_members(f, &n);
	CHECK(n == 3 && v[0].node == n1 && v[1].node == n2);

	/*
	 * A change that leaves definitions alone (enablement; 1's implementation
	 * written with other spacing and key order): listed again, nodes kept;
	 * 3's client is tried again and still fails.
	 */
	held = swgr_fleet_node_ref(m3->node);
	tf_put(st, 1, "east", NULL, tf_impl(1, tf_mac, 1), false);
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(changed);
	v = swgr_fleet_members(f, &n);
	CHECK(n == 3);
	m1 = tf_find(f, 1);
	m3 = tf_find(f, 3);
	CHECK(m1 != NULL && m1->node == n1 && !m1->b.enabled);
	CHECK(tf_node(f, 2) == n2);
	CHECK(m3 != NULL && m3->node != held && swgr_fleet_node_client(m3->node) == NULL);
	swgr_fleet_node_put(held);

	/* 3's macaroon appears: at the next list its client is made. */
	CHECK(tf_write(missing, "\x02\x01\x03"));
	tf_put(st, 4, "south", NULL, tf_impl(5, tf_mac, 0), true);	/* moves the ETag only */
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	m3 = tf_find(f, 3);
	CHECK(changed && m3 != NULL && swgr_fleet_node_client(m3->node) != NULL);

	/* A new definition: a new node for that backend only; the old one lives while held. */
	tf_put(st, 2, "north", "west", tf_impl(2, tf_mac2, 0), false);
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	m2 = tf_find(f, 2);
	CHECK(changed && m2 != NULL && m2->node != n2);
	CHECK(swgr_fleet_node_client(m2->node) != NULL);
	CHECK(tf_node(f, 1) == n1);
	CHECK_STR(swgr_fleet_node_name(n2), tf_name(2, k1));
	CHECK(swgr_fleet_node_client(n2) != NULL);
	swgr_fleet_node_put(n2);
	n2 = NULL;

	/* Redial: a new node with the same definition, apart from the fleet. */
	CHECK_INT(swgr_fleet_node_redial(n1, &re, &err), SWGR_OK);
	CHECK(re != NULL && re != n1 && swgr_fleet_node_client(re) != NULL);
	CHECK(re != NULL && swgr_fleet_node_client(re) != swgr_fleet_node_client(n1));
	CHECK_STR(re != NULL ? swgr_fleet_node_name(re) : "", tf_name(1, k1));
	swgr_fleet_node_put(re);
	/* ... whose files are read again: the macaroon gone, the client's error. */
	CHECK(unlink(missing) == 0);
	memset(&err, 0, sizeof(err));
	CHECK(tf_node(f, 3) != NULL && swgr_fleet_node_redial(tf_node(f, 3), &re, &err) != SWGR_OK);
	CHECK(re == NULL);
	CHECK(strstr(err.msg, k3) != NULL && strstr(err.msg, "no-such.macaroon") != NULL);

	/* Leaving our partitions: 1 is gone from the fleet. */
	tf_put(st, 1, "south", NULL, tf_impl(1, tf_mac, 0), true);
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(changed && tf_find(f, 1) == NULL && tf_find(f, 2) != NULL);
	swgr_fleet_members(f, &n);
	CHECK(n == 2);

	/* Invalidated: listed again with the ETag unchanged, nodes kept. */
	n2 = tf_node(f, 2) != NULL ? swgr_fleet_node_ref(tf_node(f, 2)) : NULL;
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(!changed);
	swgr_fleet_invalidate(f);
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(changed && n2 != NULL && tf_node(f, 2) == n2);

	/* Store errors leave the fleet as it was. */
	CHECK(tf_sql("ALTER TABLE \"discovery_backend_etag\" RENAME TO \"etag_away\"") == 0);
	memset(&err, 0, sizeof(err));
	CHECK(swgr_fleet_reload(f, &changed, &err) != SWGR_OK);
	CHECK(!changed && err.msg[0] != '\0');
	swgr_fleet_members(f, &n);
	CHECK(n == 2 && tf_node(f, 2) == n2);
	CHECK(tf_sql("ALTER TABLE \"etag_away\" RENAME TO \"discovery_backend_etag\"") == 0);
	/* The ETag moves but the list cannot be read: as before, and listed once it can. */
	tf_put(st, 2, "east", NULL, tf_impl(2, tf_mac2, 0), true);
	CHECK(tf_sql("ALTER TABLE \"discovery_backend\" RENAME TO \"backends_away\"") == 0);
	memset(&err, 0, sizeof(err));
	CHECK(swgr_fleet_reload(f, &changed, &err) != SWGR_OK);
	CHECK(!changed);
	CHECK(tf_find(f, 2) != NULL && !tf_find(f, 2)->b.enabled && tf_node(f, 2) == n2);
	CHECK(tf_sql("ALTER TABLE \"backends_away\" RENAME TO \"discovery_backend\"") == 0);
	CHECK_INT(swgr_fleet_reload(f, &changed, &err), SWGR_OK);
	CHECK(changed && tf_find(f, 2) != NULL && tf_find(f, 2)->b.enabled);
	CHECK(tf_node(f, 2) == n2);	/* partitions and enablement are not the definition */

	/* A node held past the fleet's end stays usable. */
	held = n2;
	n2 = NULL;
out:
	swgr_fleet_free(f);
	if (held != NULL) {
		CHECK_STR(swgr_fleet_node_name(held), tf_name(2, k1));
		CHECK(swgr_fleet_node_client(held) != NULL);
		swgr_fleet_node_put(held);
	}
	swgr_fleet_node_put(n1);
	swgr_fleet_node_put(n2);
	swgr_store_close(st);
}

int
main(void)
{
	tf_dir = kit_tmpdir("fleet");
	snprintf(tf_db, sizeof(tf_db), "%s/fleet.db", tf_dir);
	snprintf(tf_log, sizeof(tf_log), "%s/log", tf_dir);
	snprintf(tf_mac, sizeof(tf_mac), "%s/a.macaroon", tf_dir);
	snprintf(tf_mac2, sizeof(tf_mac2), "%s/b.macaroon", tf_dir);
	if (!tf_write(tf_mac, "\x02\x01\x02") || !tf_write(tf_mac2, "\x02\x01\x04"))
		return 1;
	swgr_log_open(tf_log, getenv("VERBOSE") ? SWGR_LOG_DEBUG : SWGR_LOG_INFO, NULL);
	test_partitions();
	test_fleet();
	swgr_log_close();
	return t_done("test_fleet");
}
