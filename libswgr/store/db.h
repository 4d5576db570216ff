/* The thin SQL layer the stores are written once against; one driver per database. */
#ifndef SWGR_DB_H
#define SWGR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum swgr_db_dialect { SWGR_DB_SQLITE, SWGR_DB_POSTGRES, SWGR_DB_MYSQL };

enum swgr_db_type { SWGR_DBT_NULL, SWGR_DBT_INT, SWGR_DBT_TEXT, SWGR_DBT_BLOB };

/*
 * A parameter or a result value.  As a parameter p/len need not be
 * NUL-terminated and are only borrowed.  As a result the rows own the bytes
 * and TEXT/BLOB values are NUL-terminated (BLOB's NUL is not counted in len).
 * Drivers report integer and boolean columns as INT, binary columns (bytea,
 * BLOB, BINARY) as BLOB, everything else as TEXT.
 */
struct swgr_db_val {
	enum swgr_db_type type;
	int64_t		 i;
	const void	*p;
	size_t		 len;
};

struct swgr_db_rows {
	size_t		 nrows;
	size_t		 ncols;
	struct swgr_db_val *v;		/* nrows * ncols, row-major */
	int64_t		 affected;	/* rows matched by INSERT/UPDATE/DELETE */
	void		*mem;		/* private */
};

/*
 * One connection of a driver.  SQL text uses $1, $2, ... placeholders for
 * every dialect (a driver rewrites them as it needs; a number may repeat).
 * exec() prepares each distinct SQL text once per connection and caches the
 * statement (keyed by the text's address: pass string literals), binds,
 * executes and fetches every row into *out (which may be NULL).
 * script() runs constant SQL without parameters (DDL, BEGIN/COMMIT).
 * Errors: SWGR_CONFLICT unique/primary-key violation; SWGR_EREFERENCE
 * foreign-key violation; SWGR_EINVAL a value the column cannot hold (too long,
 * out of range); SWGR_ERETRY busy/deadlock/serialization failure (the caller rolls
 * back and retries); SWGR_EUPSTREAM connection lost or refused (the connection
 * is then marked broken and will be reopened); SWGR_EINTERNAL otherwise.
 * Messages never contain the password of the URI.
 */
struct swgr_db_driver {
	const char	*name;
	enum swgr_db_dialect dialect;
	enum swgr_rc	(*connect)(const char *uri, void **conn, struct swgr_err *err);
	/* The URI read as connect reads it, nothing opened: SWGR_OK or why not. */
	enum swgr_rc	(*check)(const char *uri, struct swgr_err *err);
	void		(*close)(void *conn);
	enum swgr_rc	(*exec)(void *conn, const char *sql, const struct swgr_db_val *params,
			    size_t nparams, struct swgr_db_rows *out, struct swgr_err *err);
	enum swgr_rc	(*script)(void *conn, const char *sql, struct swgr_err *err);
	bool		(*broken)(void *conn);
};

extern const struct swgr_db_driver swgr_db_sqlite;
extern const struct swgr_db_driver swgr_db_postgres;
extern const struct swgr_db_driver swgr_db_mysql;

/* The driver for a URI by its scheme: sqlite:, postgres:/postgresql:, mysql:/mariadb:. */
const struct swgr_db_driver *swgr_db_driver_for(const char *uri);

/* Whether uri names a driver and that driver can read it; no connection is made. */
enum swgr_rc	 swgr_db_check(const char *uri, struct swgr_err *err);

/* A pool of up to max connections, opened lazily, shared by threads. */
struct swgr_db;
enum swgr_rc	 swgr_db_open(const char *uri, unsigned max, struct swgr_db **out, struct swgr_err *err);
void		 swgr_db_close(struct swgr_db *db);
enum swgr_db_dialect swgr_db_dialect(const struct swgr_db *db);
/* Borrow a connection (waits while all are busy); give it back with release. */
enum swgr_rc	 swgr_db_acquire(struct swgr_db *db, void **conn, struct swgr_err *err);
void		 swgr_db_release(struct swgr_db *db, void *conn);
/*
 * Counts a failed statement or transaction of db in swgr_db_errors_total:
 * SWGR_EUPSTREAM (unavailable), SWGR_ERETRY (retry), SWGR_EINTERNAL or
 * SWGR_ENOMEM (internal); other codes are answers, not errors.  A failed
 * connect is counted by swgr_db_acquire (connect).
 */
void		 swgr_db_count_error(struct swgr_db *db, enum swgr_rc rc);
const struct swgr_db_driver *swgr_db_get_driver(const struct swgr_db *db);

/*
 * Result rows own their bytes: v is malloc'd, each TEXT/BLOB p is malloc'd on
 * its own, mem (when not NULL) is one malloc'd block; swgr_db_rows_free
 * releases all three and leaves r zeroed (safe to call twice).
 * Drivers build rows with init, then push every value in row-major order
 * (bytes copied, NUL added); nrows counts the complete rows.
 */
void		 swgr_db_rows_init(struct swgr_db_rows *r, size_t ncols);
enum swgr_rc	 swgr_db_rows_push(struct swgr_db_rows *r, const struct swgr_db_val *v,
		    struct swgr_err *err);
void		 swgr_db_rows_free(struct swgr_db_rows *r);
const struct swgr_db_val *swgr_db_at(const struct swgr_db_rows *r, size_t row, size_t col);
/* Lenient accessors: INT from TEXT digits ("t"/"f"/"true"/"false" too). */
enum swgr_rc	 swgr_db_get_int(const struct swgr_db_rows *r, size_t row, size_t col, int64_t *out);
bool		 swgr_db_is_null(const struct swgr_db_rows *r, size_t row, size_t col);

/*
 * What the drivers share.  A statement cache is an array of n slots of size
 * bytes, each beginning with a struct swgr_db_slot: the SQL text pointer it
 * is keyed by (exec's sql) and a copy of the text, to notice a reused
 * address.  swgr_db_slot_find returns the slot of the text at sql with *hit
 * set when it still holds that text; else the slot to prepare sql into: the
 * one of the same address (new text), else a free one (key NULL), else with
 * max slots the one at victim % max, else NULL (the caller appends a slot).
 */
struct swgr_db_slot {
	const char	*key;
	char		*sql;
};
void		*swgr_db_slot_find(void *slots, size_t n, size_t size, size_t max,
		    unsigned victim, const char *sql, bool *hit);
/* A call on a connection marked broken: SWGR_EUPSTREAM "<driver> <where>: connection lost". */
enum swgr_rc	 swgr_db_lost(struct swgr_err *err, const char *driver, const char *where);
/* The roots that check a server when the URI names none: $SSL_CERT_FILE, else the system's. */
const char	*swgr_db_roots(void);

/* Parameter constructors. */
struct swgr_db_val swgr_db_int(int64_t i);
struct swgr_db_val swgr_db_text(const char *s);		/* NULL gives SQL NULL */
struct swgr_db_val swgr_db_textn(const char *s, size_t len);
struct swgr_db_val swgr_db_blob(const void *p, size_t len);
struct swgr_db_val swgr_db_null(void);

#endif
