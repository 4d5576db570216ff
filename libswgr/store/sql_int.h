/* Private to the store: the SQL store's layer (schema.c: SQL, transactions, encodings) as sql*.c and status.c use it. */
#ifndef SWGR_SQL_INT_H
#define SWGR_SQL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "store/db.h"
#include "store/store_int.h"

/*
 * Value encodings, chosen once here (st_enc_* write, st_get_* read):
 *
 *   UUID     SQLite, MySQL: a 16-byte BLOB (as the original).  PostgreSQL:
 *            canonical TEXT, an untyped parameter the server reads as uuid.
 *   time     SQLite: TEXT "2024-01-01T00:00:00.25+00:00" (the original's
 *            sqlx text).  PostgreSQL: RFC 3339 TEXT with Z (the server keeps
 *            microseconds, rounding).  MySQL: "YYYY-MM-DD HH:MM:SS.000000"
 *            UTC truncated to whole seconds, which is what a timestamp
 *            column keeps (the driver sets the session time_zone '+00:00').
 *            Read back with swgr_time_parse_db.
 *   boolean  SQLite, MySQL: INT 0/1.  PostgreSQL: TEXT 'true'/'false', an
 *            untyped literal the server reads as bool (an INT parameter
 *            may be typed int8, which PostgreSQL will not assign to bool).
 *            Read back with swgr_db_get_int (INT, or "t"/"f" text).
 *   u64      INT holding the two's-complement int64.
 *   JSON     TEXT: partitions (a sorted array of strings) and offer
 *            metadata (OfferMetadataSparse); read back as TEXT or BLOB.
 *   key, implementation  BLOB (33 bytes; the compact JSON bytes).
 *   domain, username  TEXT, canonical lowercase (core/lnaddr.h).
 *
 * SQL is written once with "double-quoted" identifiers ($N placeholders);
 * for MySQL the quotes become backticks when the store opens.  Only DDL,
 * transaction starts and the migration lock differ per dialect (schema.c).
 */

enum st_sql {
	ST_ETAG_GET,
	ST_ETAG_INIT,
	ST_ETAG_BUMP,
	ST_BACKEND_LIST,
	ST_BACKEND_GET,
	ST_BACKEND_INSERT,
	ST_BACKEND_UPDATE,
	ST_BACKEND_PATCH,
	ST_BACKEND_DELETE,
	ST_META_GET,
	ST_META_PAGE,
	ST_META_INSERT,
	ST_META_UPDATE,
	ST_META_DELETE,
	ST_OFFER_GET,
	ST_OFFER_PAGE,
	ST_OFFER_INSERT,
	ST_OFFER_UPDATE,
	ST_OFFER_DELETE,
	ST_ADDR_GET,
	ST_ADDR_PAGE,
	ST_ADDR_INSERT,
	ST_ADDR_UPDATE,
	ST_ADDR_DELETE,
	ST_STATUS_UPDATE,
	ST_STATUS_INSERT,
	ST_STATUS_LIST,
	ST_STATUS_LIST_ALL,
	ST_STATUS_DELETE,
	ST_BEAT_UPDATE,
	ST_BEAT_INSERT,
	ST_BEAT_GET,
	ST_BEAT_LIST,
	ST_INV_INSERT,
	ST_INV_GET,
	ST_INV_PAGE,
	ST_INV_EXPIRE,
	ST_MIG_HAS,
	ST_MIG_ADD,
	ST_NSQL
};

/*
 * The offer role's address table, looked for apart from the offer tables
 * (in need and missing, never in the roles a caller passes): a process
 * without DDL whose database role cannot see it yet keeps serving offers,
 * and only address calls fail.  The offer role's migrations make it.
 */
#define ST_ROLE_ADDRESS		0x8
#define ST_ROLE_INVOICE		0x100	/* ours, beside the offer role: the invoice records */

struct st_dialect;

/* One SQL store: a pool of connections to one database. */
struct sql_store {
	struct swgr_db	*db;
	unsigned	 need;		/* SWGR_STORE_ROLE_*: tables used, not made by us */
	_Atomic unsigned missing;	/* of need: the roles missing a table at the last look */
	pthread_mutex_t	 look_mu;	/* the next look: */
	bool		 look_init;
	bool		 looking;
	double		 looked;	/* swgr_mono_now of the last look */
	enum swgr_db_dialect dialect;
	const struct st_dialect *d;
	const char	*sql[ST_NSQL];	/* this dialect's text of each statement */
	char		*owned[ST_NSQL];	/* the MySQL copies, freed at close */
};

/* One borrowed connection, inside or outside a transaction. */
struct st_tx {
	struct sql_store *st;
	void		*conn;
};

enum st_mode {
	ST_SINGLE,	/* one statement, autocommit */
	ST_READ,	/* a consistent snapshot of several reads */
	ST_WRITE	/* a write transaction, retried when transient */
};

/*
 * Runs fn in a transaction of the given mode on a pooled connection: commits
 * on SWGR_OK, rolls back otherwise; SWGR_ERETRY (busy, deadlock, a racing
 * insert) reruns the whole transaction a bounded number of times after a
 * short random sleep, and SWGR_EUPSTREAM once on a fresh connection (a stale
 * pooled one).  fn must reset its outputs when called again.
 */
typedef enum swgr_rc (*st_fn)(struct st_tx *tx, void *arg, struct swgr_err *err);
enum swgr_rc	 st_run(struct sql_store *st, enum st_mode mode, st_fn fn, void *arg,
		    struct swgr_err *err);
enum swgr_rc	 st_exec(struct st_tx *tx, enum st_sql q, const struct swgr_db_val *p,
		    size_t np, struct swgr_db_rows *out, struct swgr_err *err);

/* The statement table and the migrations of the given roles. */
enum swgr_rc	 st_schema_init(struct sql_store *st, struct swgr_err *err);
void		 st_schema_free(struct sql_store *st);
enum swgr_rc	 st_schema_migrate(struct sql_store *st, unsigned roles, struct swgr_err *err);

/*
 * The catalog (catalog.c), for the roles in st->need.  At open: looks for
 * their tables, logs (WARN) the roles short of one; only a look that fails
 * (the database cannot be reached) is an error.  Before a call of role:
 * SWGR_OK when its tables are there, else SWGR_NOTFOUND "database schema
 * missing: ..." (looked for again at most once a second, by one thread), or
 * the error of a look that failed.
 */
enum swgr_rc	 st_catalog_open(struct sql_store *st, struct swgr_err *err);
enum swgr_rc	 st_catalog_ready(struct sql_store *st, unsigned role, struct swgr_err *err);
const char	*st_begin_sql(const struct sql_store *st, enum st_mode mode);

/* Encoders: buf must outlive the exec that uses the value. */
struct swgr_db_val st_enc_uuid(const struct sql_store *st, const struct swgr_uuid *u,
		    char buf[SWGR_UUID_STRLEN + 1]);
struct swgr_db_val st_enc_time(const struct sql_store *st, const struct swgr_time *t,
		    char buf[SWGR_TIME_STRMAX]);
struct swgr_db_val st_enc_bool(const struct sql_store *st, bool b);

/* Decoders of one cell; errors are SWGR_EINTERNAL naming the column (st_bad). */
enum swgr_rc	 st_bad(struct swgr_err *err, size_t col, const char *what);
enum swgr_rc	 st_get_uuid(const struct swgr_db_rows *r, size_t row, size_t col,
		    struct swgr_uuid *out, struct swgr_err *err);
enum swgr_rc	 st_get_time(const struct swgr_db_rows *r, size_t row, size_t col,
		    struct swgr_time *out, struct swgr_err *err);
enum swgr_rc	 st_get_int(const struct swgr_db_rows *r, size_t row, size_t col,
		    int64_t *out, struct swgr_err *err);
/* TEXT or BLOB bytes (NUL-terminated by the rows); *p NULL for SQL NULL. */
enum swgr_rc	 st_get_bytes(const struct swgr_db_rows *r, size_t row, size_t col,
		    const char **p, size_t *len, struct swgr_err *err);
/* A malloc'd copy of TEXT/BLOB bytes; *out NULL for SQL NULL. */
enum swgr_rc	 st_get_dup(const struct swgr_db_rows *r, size_t row, size_t col,
		    char **out, struct swgr_err *err);

/*
 * Opening (schema.c): the pool for uri, the statements, the migrations of
 * the roles given SWGR_STORE_DDL, a look for the tables of the others.
 */
enum swgr_rc	 st_sql_open(const char *uri, unsigned max_connections, unsigned roles,
		    struct sql_store **out, struct swgr_err *err);
void		 st_sql_close(struct sql_store *st);

/*
 * The records' shared machinery (sql.c).  A query whose rows become an
 * array of records: rowfn decodes one row, freefn releases n records and the
 * array.  With one set, no row is SWGR_NOTFOUND.  Outputs (v, n) are reset
 * on entry, so a rerun does not leak.
 */
struct st_read {
	enum st_sql	 q;
	const struct swgr_db_val *p;
	size_t		 np;
	size_t		 size;
	enum swgr_rc	(*rowfn)(const struct swgr_db_rows *, size_t, void *, struct swgr_err *);
	void		(*freefn)(void *, size_t);
	bool		 one;
	void		*v;
	size_t		 n;
};

enum swgr_rc	 st_read_rows(struct st_tx *tx, struct st_read *a, struct swgr_err *err);
/* Runs a read and on success hands the array to the caller; frees it otherwise. */
enum swgr_rc	 st_read(struct sql_store *st, struct st_read *a, void **out, size_t *n,
		    struct swgr_err *err);
/* Reads the single record of a (one is set) into out, a struct of a->size bytes. */
enum swgr_rc	 st_read_one(struct sql_store *st, struct st_read *a, void *out,
		    struct swgr_err *err);

/*
 * One page of the records whose first key column is group ($1), LIMIT $2
 * OFFSET $3: a read of a (q, size, rowfn, freefn).  Count 0 reads nothing.
 */
enum swgr_rc	 st_read_page(struct sql_store *st, struct st_read *a, const char *group,
		    uint64_t start, uint64_t count, void **out, size_t *n, struct swgr_err *err);

/*
 * A write: post inserts (a duplicate key is SWGR_CONFLICT); put updates and
 * inserts when no row matched (a racing insert's SWGR_CONFLICT reruns the
 * transaction, which then updates).  bump adds 1 to the discovery ETag.
 * Run with st_run(st, ST_WRITE, st_write_fn, &w, err).
 */
struct st_write {
	bool		 put;
	bool		 bump;
	enum st_sql	 ins, upd;
	const struct swgr_db_val *ip, *up;
	size_t		 nip, nup;
	bool		 created;
};

enum swgr_rc	 st_write_fn(struct st_tx *tx, void *arg, struct swgr_err *err);

/* A change of an existing row (patch, delete): no row matched is SWGR_NOTFOUND. */
struct st_change {
	enum st_sql	 q;
	const struct swgr_db_val *p;
	size_t		 np;
	bool		 bump;
};

enum swgr_rc	 st_change_fn(struct st_tx *tx, void *arg, struct swgr_err *err);

/* Replaces the message of a result equal to when with one naming the record. */
enum swgr_rc	 st_say(enum swgr_rc rc, enum swgr_rc when, struct swgr_err *err,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * A foreign-key violation becomes the caller's SWGR_EINVAL (400) with a
 * message naming the record; other results pass.
 */
enum swgr_rc	 st_refers(enum swgr_rc rc, struct swgr_err *err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* The SQL store's operations (sql_backend.c, sql_offer.c; addresses in sql_address.c). */
extern const struct st_discovery_ops st_sql_discovery;
extern const struct st_offer_ops st_sql_offer;
enum swgr_rc	 st_sql_address_get(void *impl, const char *domain, const char *username,
		    struct swgr_address *out, struct swgr_err *err);
enum swgr_rc	 st_sql_address_page(void *impl, const char *domain, uint64_t start,
		    uint64_t count, struct swgr_address **out, size_t *n, struct swgr_err *err);
enum swgr_rc	 st_sql_address_write(void *impl, const struct swgr_address *a, bool put,
		    bool *created, struct swgr_err *err);
enum swgr_rc	 st_sql_address_delete(void *impl, const char *domain, const char *username,
		    struct swgr_err *err);

#endif
