/* The discovery and offer stores (addresses included) and node status: one interface over SQL (SQLite, PostgreSQL, MariaDB) and HTTP (spec §11). */
#ifndef SWGR_STORE_H
#define SWGR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "model/model.h"

/* What a store is opened for: whose tables it reads and writes. */
#define SWGR_STORE_ROLE_DISCOVERY	0x1
#define SWGR_STORE_ROLE_OFFER		0x2
#define SWGR_STORE_ROLE_STATUS		0x4	/* our own: node status and monitor heartbeats */
/*
 * Of those roles, whose tables this process creates or migrates (DDL): the
 * admin services their own, swgr-monitord the node status tables; a role
 * without it runs no DDL (a read-only database role will do) and only looks
 * whether its tables are there (swgr_store_schema_missing).  A memory store
 * (private to its user and configuration file) makes the tables of every role
 * it is opened for.
 */
#define SWGR_STORE_DDL(roles)		((unsigned)(roles) << 4)
#define SWGR_STORE_OWNER(roles)		((unsigned)(roles) | SWGR_STORE_DDL(roles))

struct swgr_store;

/*
 * Opens the store described by cfg for the given roles, and creates or
 * migrates the schema of the roles given SWGR_STORE_DDL (idempotent; versions
 * in seaql_migrations that belong to other roles are left alone, so both
 * stores may share one database).  The tables of a role without it are only
 * looked for, in the database's catalog: a database that cannot be reached
 * fails the open as a migration would, missing tables do not.  While they
 * are missing (looked for again at most once a second), calls of that role
 * fail with SWGR_EUPSTREAM "database schema missing: ..." (discovery,
 * offers), read no node status (an empty list, no heartbeat) or fail with
 * SWGR_NOTFOUND (status writes).
 * type memory: a SQLite database on tmpfs shared by every process of the suite
 * that reads the same configuration file (config_path) as the same user, lost
 * at reboot, in a directory of its own (swgr_store_memory_path) made 0700 and
 * the file 0600; a directory or file that is not ours (another owner, a
 * symlink, open to group or others) is refused (SWGR_EINTERNAL).
 * type database: SQLite, PostgreSQL or MariaDB (the driver by the URI).
 * type http: a client of a remote Switchgear-compatible admin service (spec
 * §11.4); it reads its authorization file and trusted roots now and contacts
 * the remote at the first call, not here.  A remote 4xx is SWGR_EINVAL, a
 * transport error, a 5xx, another 2xx or an answer that is not the promised
 * JSON SWGR_EUPSTREAM.
 * Node status (SWGR_STORE_ROLE_STATUS) lives in cfg->status (store.status)
 * when it is set, else in the store itself, or for type http in a local
 * SQLite database at swgr_store_status_default (its directory made if
 * missing).  Release with swgr_store_close.  Thread-safe: SQL calls borrow a
 * pooled connection, HTTP calls a kept-alive connection of the client.
 */
enum swgr_rc	 swgr_store_open(const struct swgr_store_cfg *cfg, const char *config_path,
		    unsigned roles, struct swgr_store **out, struct swgr_err *err);
void		 swgr_store_close(struct swgr_store *st);
/*
 * What swgr_store_open would refuse in cfg (and its cfg->status) without
 * reaching any database or remote: a database URI its driver cannot read
 * (the file of a SQLite URI is not opened), an http store's authorization
 * file or trusted roots that cannot be read.  The checks of swgr-* -n.
 */
enum swgr_rc	 swgr_store_check(const struct swgr_store_cfg *cfg, struct swgr_err *err);
/*
 * Whether st is a database (type database or memory: SQLite, PostgreSQL,
 * MariaDB), whose SWGR_EUPSTREAM means the database cannot be reached (a
 * server stopped or restarting, a file that cannot be read), not a remote
 * admin service.
 */
bool		 swgr_store_is_database(const struct swgr_store *st);
/*
 * Whether the tables of a discovery or offer role that st does not create
 * were missing at the last look (the call that failed with "database schema
 * missing").  Always false for an HTTP store and for roles opened with DDL.
 */
bool		 swgr_store_schema_missing(const struct swgr_store *st);
/*
 * The SQLite path a memory store of this configuration file uses (for docs
 * and tests): <tmpfs>/swgr-memory-<euid>-<hash of the real path>/store.sqlite.
 */
void		 swgr_store_memory_path(const char *config_path, char *out, size_t outlen);
/*
 * The local node status database of a host whose stores are remote:
 * $STATE_DIRECTORY/status.db (the first directory systemd's StateDirectory=
 * names), else $(localstatedir)/lib/swgr/status.db.
 */
void		 swgr_store_status_default(char *out, size_t outlen);

/*
 * Discovery.  Listing is in creation order, ties by the key bytes.
 * Every successful post, put, patch (row found) and delete (row found)
 * increments the ETag counter in the same transaction.
 */
enum swgr_rc	 swgr_store_backend_etag(struct swgr_store *st, uint64_t *etag, struct swgr_err *err);
enum swgr_rc	 swgr_store_backend_list(struct swgr_store *st, uint64_t *etag,
		    struct swgr_backend **out, size_t *n, struct swgr_err *err);
enum swgr_rc	 swgr_store_backend_get(struct swgr_store *st, const struct swgr_pubkey *pk,
		    struct swgr_backend *out, struct swgr_err *err);		/* SWGR_NOTFOUND */
enum swgr_rc	 swgr_store_backend_post(struct swgr_store *st, const struct swgr_backend *b,
		    struct swgr_err *err);					/* SWGR_CONFLICT */
enum swgr_rc	 swgr_store_backend_put(struct swgr_store *st, const struct swgr_backend *b,
		    bool *created, struct swgr_err *err);
enum swgr_rc	 swgr_store_backend_patch(struct swgr_store *st, const struct swgr_pubkey *pk,
		    const struct swgr_backend_patch *p, struct swgr_err *err);	/* SWGR_NOTFOUND */
enum swgr_rc	 swgr_store_backend_delete(struct swgr_store *st, const struct swgr_pubkey *pk,
		    struct swgr_err *err);					/* SWGR_NOTFOUND */

/*
 * Offers and metadata, keyed by (partition, id).  An offer's metadata must
 * exist in the same partition (SWGR_EINVAL otherwise); metadata referenced by
 * an offer cannot be deleted (SWGR_EINVAL).  Pages are in creation order,
 * ties by id bytes.  Updates keep the creation time.
 */
enum swgr_rc	 swgr_store_offer_get(struct swgr_store *st, const char *partition,
		    const struct swgr_uuid *id, bool with_metadata, struct swgr_offer *out,
		    struct swgr_err *err);
enum swgr_rc	 swgr_store_offer_page(struct swgr_store *st, const char *partition,
		    uint64_t start, uint64_t count, struct swgr_offer **out, size_t *n,
		    struct swgr_err *err);
enum swgr_rc	 swgr_store_offer_post(struct swgr_store *st, const struct swgr_offer *o,
		    struct swgr_err *err);
enum swgr_rc	 swgr_store_offer_put(struct swgr_store *st, const struct swgr_offer *o,
		    bool *created, struct swgr_err *err);
enum swgr_rc	 swgr_store_offer_delete(struct swgr_store *st, const char *partition,
		    const struct swgr_uuid *id, struct swgr_err *err);

enum swgr_rc	 swgr_store_metadata_get(struct swgr_store *st, const char *partition,
		    const struct swgr_uuid *id, struct swgr_metadata *out, struct swgr_err *err);
enum swgr_rc	 swgr_store_metadata_page(struct swgr_store *st, const char *partition,
		    uint64_t start, uint64_t count, struct swgr_metadata **out, size_t *n,
		    struct swgr_err *err);
enum swgr_rc	 swgr_store_metadata_post(struct swgr_store *st, const struct swgr_metadata *m,
		    struct swgr_err *err);
enum swgr_rc	 swgr_store_metadata_put(struct swgr_store *st, const struct swgr_metadata *m,
		    bool *created, struct swgr_err *err);
enum swgr_rc	 swgr_store_metadata_delete(struct swgr_store *st, const char *partition,
		    const struct swgr_uuid *id, struct swgr_err *err);

/*
 * Lightning Addresses, keyed by (domain, username) in their canonical
 * lowercase form (core/lnaddr.h; the store compares them byte for byte).
 * An address's offer must exist in its partition (SWGR_EINVAL otherwise);
 * an offer an address uses cannot be deleted (swgr_store_offer_delete:
 * SWGR_EINVAL).  Pages are a domain's addresses in creation order, ties
 * by username.  Updates keep the creation time.
 */
enum swgr_rc	 swgr_store_address_get(struct swgr_store *st, const char *domain,
		    const char *username, struct swgr_address *out,
		    struct swgr_err *err);					/* SWGR_NOTFOUND */
enum swgr_rc	 swgr_store_address_page(struct swgr_store *st, const char *domain,
		    uint64_t start, uint64_t count, struct swgr_address **out, size_t *n,
		    struct swgr_err *err);
enum swgr_rc	 swgr_store_address_post(struct swgr_store *st, const struct swgr_address *a,
		    struct swgr_err *err);					/* SWGR_CONFLICT */
enum swgr_rc	 swgr_store_address_put(struct swgr_store *st, const struct swgr_address *a,
		    bool *created, struct swgr_err *err);
enum swgr_rc	 swgr_store_address_delete(struct swgr_store *st, const char *domain,
		    const char *username, struct swgr_err *err);		/* SWGR_NOTFOUND */

/*
 * Ours: the invoice records of a database store (the offer role's table
 * swgr_invoice; another store: SWGR_EINVAL).  put inserts the n records in
 * one transaction, a payment hash already recorded left as it is (a batch
 * written again after a failure adds nothing twice).  A page is a
 * partition's records from since_ms (inclusive) to until_ms (exclusive) in
 * creation order, ties by payment hash, narrowed to an offer (offer not
 * NULL) or an address (domain, username not NULL).  expire deletes the
 * records created before before_ms, *deleted how many.
 */
struct swgr_invoice_filter {
	const char	*partition;
	const struct swgr_uuid *offer;	/* NULL: any */
	const char	*domain;	/* NULL: any */
	const char	*username;	/* NULL: any */
	int64_t		 since_ms;
	int64_t		 until_ms;
};
enum swgr_rc	 swgr_store_invoices_put(struct swgr_store *st, const struct swgr_invoice *v,
		    size_t n, struct swgr_err *err);
enum swgr_rc	 swgr_store_invoice_get(struct swgr_store *st, const uint8_t payment_hash[32],
		    struct swgr_invoice *out, struct swgr_err *err);		/* SWGR_NOTFOUND */
enum swgr_rc	 swgr_store_invoice_page(struct swgr_store *st,
		    const struct swgr_invoice_filter *f, uint64_t start, uint64_t count,
		    struct swgr_invoice **out, size_t *n, struct swgr_err *err);
enum swgr_rc	 swgr_store_invoices_expire(struct swgr_store *st, int64_t before_ms,
		    uint64_t *deleted, struct swgr_err *err);

/*
 * Node status, as one monitor instance sees it (written by swgr-monitord
 * only, read by swgr-lnurl).  Identity is (instance, public key); weight is
 * recorded because a weight change makes a backend new (spec §9.1).
 * Times are Unix milliseconds, the same precision on every database.
 */
struct swgr_node_status {
	struct swgr_pubkey pk;
	int64_t		 weight;
	bool		 healthy;
	uint32_t	 successes;	/* consecutive, toward the healthy threshold */
	uint32_t	 failures;	/* consecutive, toward the unhealthy threshold */
	bool		 has_inbound;	/* a check has succeeded since this identity appeared */
	uint64_t	 inbound_msat;
	int64_t		 checked_ms;	/* when the last check ended */
	int64_t		 latency_us;	/* how long it took */
	char		*last_error;	/* NULL after a success */
	/*
	 * The invoice outcomes swgr-lnurl counted for this node on the
	 * monitor's host (monitord/outcomes.c): totals since inv_since_ms
	 * and the latency quantiles of a recent window (-1: no invoice in
	 * it).  has_invoices false: none read (written as NULLs).
	 */
	bool		 has_invoices;
	uint64_t	 inv_issued, inv_failed, inv_timeout, inv_wrong;
	int64_t		 inv_since_ms;
	int64_t		 inv_p50_us, inv_p99_us;
};

void		 swgr_node_status_free(struct swgr_node_status *s);	/* members only */
void		 swgr_node_statuses_free(struct swgr_node_status *v, size_t n);

/* Inserts or replaces the row of (instance, s->pk). */
enum swgr_rc	 swgr_store_status_put(struct swgr_store *st, const char *instance,
		    const struct swgr_node_status *s, struct swgr_err *err);
/* Every row of instance, ordered by key, without the invoice outcomes (has_invoices false). */
enum swgr_rc	 swgr_store_status_list(struct swgr_store *st, const char *instance,
		    struct swgr_node_status **out, size_t *n, struct swgr_err *err);
/* The same with the invoice outcomes (their columns come with swgr-monitord's migration). */
enum swgr_rc	 swgr_store_status_list_all(struct swgr_store *st, const char *instance,
		    struct swgr_node_status **out, size_t *n, struct swgr_err *err);
/* Deletes the rows of instance whose key is not in keep (backends no longer monitored). */
enum swgr_rc	 swgr_store_status_prune(struct swgr_store *st, const char *instance,
		    const struct swgr_pubkey *keep, size_t nkeep, struct swgr_err *err);
/* The monitor's heartbeat: the time of its last round and its period. */
enum swgr_rc	 swgr_store_heartbeat_put(struct swgr_store *st, const char *instance,
		    int64_t beat_ms, int64_t period_ms, struct swgr_err *err);
enum swgr_rc	 swgr_store_heartbeat_get(struct swgr_store *st, const char *instance,
		    int64_t *beat_ms, int64_t *period_ms, struct swgr_err *err);	/* SWGR_NOTFOUND */

/* The heartbeat of one monitor instance, as swgr_store_heartbeat_list reads it. */
struct swgr_heartbeat {
	char		*instance;
	int64_t		 beat_ms;
	int64_t		 period_ms;
};

void		 swgr_heartbeats_free(struct swgr_heartbeat *v, size_t n);
/*
 * Every monitor instance's heartbeat, ordered by instance name (bytes):
 * the instances that write node status.  None while the status tables
 * are missing.  *out freed with swgr_heartbeats_free.
 */
enum swgr_rc	 swgr_store_heartbeat_list(struct swgr_store *st, struct swgr_heartbeat **out,
		    size_t *n, struct swgr_err *err);

#endif
