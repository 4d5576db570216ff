/* The fleet: the node clients of this instance's backends, kept in line with the discovery store (spec §9.1, §9.2). */
#ifndef SWGR_FLEET_H
#define SWGR_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/gate.h"
#include "core/pubkey.h"
#include "ln/ln.h"
#include "model/model.h"
#include "store/store.h"

/*
 * One backend's node client and the definition it was made from (key and
 * implementation JSON), shared by reference.  Immutable once made: its
 * client is thread-safe, so the fleet, snapshots of it and worker threads
 * may hold the same node.
 */
struct swgr_fleet_node;

/* One backend of the fleet as the store listed it, with its node. */
struct swgr_fleet_member {
	struct swgr_backend b;
	struct swgr_fleet_node *node;	/* never NULL; its client may be (see swgr_fleet_reload) */
};

struct swgr_fleet;

/*
 * A fleet over store (its role discovery), for the backends that share a
 * partition with partitions[0..npartitions) (lnurl-service.partitions).
 * Clients are made with opts (copied; the strings it points to must outlive
 * every node).  Messages are logged under target.  store, partitions and
 * target must outlive the fleet.  Empty until the first swgr_fleet_reload.
 * Free with swgr_fleet_free.
 */
enum swgr_rc	 swgr_fleet_new(struct swgr_store *store, char *const *partitions,
		    size_t npartitions, const struct swgr_ln_opts *opts, const char *target,
		    struct swgr_fleet **out, struct swgr_err *err);
/* Drops the fleet's references to its nodes; nodes held elsewhere live on. */
void		 swgr_fleet_free(struct swgr_fleet *f);

/*
 * Brings the fleet in line with the store: asks for the ETag and, on the
 * first call or when it moved, lists the backends again and keeps those
 * that share a partition with ours, in store order.  A member's node is
 * the previous list's node of the same key when its implementation is
 * unchanged (swgr_ln_impl_equal) and its client was made; otherwise a new
 * node, whose client is made now (certificate, key and macaroon files read):
 * one that cannot be made is logged at ERROR ("Failed to connect to backend
 * <key>: <cause>") and leaves the member with no client, tried again at the
 * next list.  So comparing node pointers tells a consumer whether a
 * backend's definition changed.  *changed is true when the list was read
 * again.  Not thread-safe: one thread reloads and reads the members.  On a
 * store error (or SWGR_ENOMEM) the fleet is as before.
 */
enum swgr_rc	 swgr_fleet_reload(struct swgr_fleet *f, bool *changed, struct swgr_err *err);
/* The next reload lists again, ETag moved or not (a consumer could not apply the last list). */
void		 swgr_fleet_invalidate(struct swgr_fleet *f);
/* The members of the last list, valid until the next reload or free. */
const struct swgr_fleet_member *swgr_fleet_members(const struct swgr_fleet *f, size_t *n);

/* Another reference to n (returned); each is dropped with swgr_fleet_node_put. */
struct swgr_fleet_node *swgr_fleet_node_ref(struct swgr_fleet_node *n);
void		 swgr_fleet_node_put(struct swgr_fleet_node *n);
/* The node's client, or NULL when it could not be made. */
struct swgr_ln_client *swgr_fleet_node_client(const struct swgr_fleet_node *n);
/* Why the node has no client (a file or url refused, ...), or NULL when it has one. */
const char	*swgr_fleet_node_error(const struct swgr_fleet_node *n);
/*
 * The node's gate (core/gate.h), shared by a process's threads: swgr-lnurl
 * holds one of its lnurl-service.node-concurrency places per invoice call.
 */
struct swgr_gate *swgr_fleet_node_gate(struct swgr_fleet_node *n);
/* The backend's public key, hex, for messages. */
const char	*swgr_fleet_node_name(const struct swgr_fleet_node *n);
/*
 * A new node with n's definition and a new client (its files read again):
 * spec §9.2 drops a connection after an error and dials afresh.  Not part
 * of any fleet; release with swgr_fleet_node_put.  The client's error (its
 * message names the backend) when it cannot be made now.
 */
enum swgr_rc	 swgr_fleet_node_redial(const struct swgr_fleet_node *n,
		    struct swgr_fleet_node **out, struct swgr_err *err);

/*
 * Partition membership, the one rule every part uses: names compare exactly.
 * Whether p is one of v[0..n); whether a and b share a partition.
 */
bool		 swgr_fleet_partition_in(char *const *v, size_t n, const char *p);
bool		 swgr_fleet_partitions_meet(char *const *a, size_t na, char *const *b, size_t nb);

#endif
