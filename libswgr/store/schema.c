/*
 * What the store knows of each database: SQL text, the original's schema, migrations, transactions, encodings.
 * long: the statements, the DDL of the three dialects and the migration that runs it are one
 * table of what each database holds; split, a column would be named in two files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/time.h"
#include "core/uuid.h"
#include "store/sql_int.h"

#define VERSION_DISCOVERY	"m20220101_000001_create_table"
#define VERSION_OFFER		"m20250724_182058_create_table"
#define VERSION_ADDRESS		"swgr_m20261203_000001_address"	/* ours, after it */
#define VERSION_INVOICE		"swgr_m20261204_000001_invoice"	/* ours, after it */
#define VERSION_STATUS		"swgr_m20261121_000001_node_status"	/* ours */
#define VERSION_OUTCOMES	"swgr_m20261202_000001_invoice_outcomes"	/* ours, after it */
#define ST_RETRIES		12	/* reruns of a transient failure, ~1 s in all at most */
#define ST_ROLES		(SWGR_STORE_ROLE_DISCOVERY | SWGR_STORE_ROLE_OFFER | \
				    SWGR_STORE_ROLE_STATUS)

/* The columns of an invoice record, in the order sql_invoice.c reads and writes them. */
#define ST_INV_COLS "\"payment_hash\", \"bolt11\", \"partition\", \"offer\", \"domain\", " \
	"\"username\", \"backend\", \"amount_msat\", \"comment\", \"payer_data\", \"created_ms\", " \
	"\"expires_ms\""
#define ST_INV_INSERT_BODY " INTO \"swgr_invoice\" (" ST_INV_COLS ") VALUES ($1, $2, $3, $4, " \
	"$5, $6, $7, $8, $9, $10, $11, $12)"
#define ST_INV_INSERT_UNLESS "INSERT INTO \"swgr_invoice\" (" ST_INV_COLS ") SELECT $1, $2, $3, " \
	"$4, $5, $6, $7, $8, $9, $10, $11, $12 FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM " \
	"\"swgr_invoice\" WHERE \"payment_hash\" = $1)"

/* The statements, written once; for MySQL the double quotes become backticks. */
static const char *const st_sql_text[ST_NSQL] = {
	[ST_ETAG_GET] = "SELECT \"value\" FROM \"discovery_backend_etag\" WHERE \"id\" = 1",
	[ST_ETAG_INIT] = "INSERT INTO \"discovery_backend_etag\" (\"id\", \"value\") VALUES (1, 0)",
	[ST_ETAG_BUMP] = "UPDATE \"discovery_backend_etag\" SET \"value\" = \"value\" + 1 "
	    "WHERE \"id\" = 1",
	[ST_BACKEND_LIST] = "SELECT \"partitions\", \"id\", \"name\", \"weight\", \"enabled\", "
	    "\"implementation\", \"created_at\", \"updated_at\" FROM \"discovery_backend\" "
	    "ORDER BY \"created_at\", \"id\"",
	[ST_BACKEND_GET] = "SELECT \"partitions\", \"id\", \"name\", \"weight\", \"enabled\", "
	    "\"implementation\", \"created_at\", \"updated_at\" FROM \"discovery_backend\" "
	    "WHERE \"id\" = $1",
	[ST_BACKEND_INSERT] = "INSERT INTO \"discovery_backend\" (\"partitions\", \"id\", "
	    "\"name\", \"weight\", \"enabled\", \"implementation\", \"created_at\", "
	    "\"updated_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	[ST_BACKEND_UPDATE] = "UPDATE \"discovery_backend\" SET \"partitions\" = $1, "
	    "\"name\" = $2, \"weight\" = $3, \"enabled\" = $4, \"implementation\" = $5, "
	    "\"updated_at\" = $6 WHERE \"id\" = $7",
	[ST_BACKEND_PATCH] = "UPDATE \"discovery_backend\" SET "
	    "\"partitions\" = COALESCE($1, \"partitions\"), \"name\" = COALESCE($2, \"name\"), "
	    "\"weight\" = COALESCE($3, \"weight\"), \"enabled\" = COALESCE($4, \"enabled\"), "
	    "\"updated_at\" = $5 WHERE \"id\" = $6",
	[ST_BACKEND_DELETE] = "DELETE FROM \"discovery_backend\" WHERE \"id\" = $1",
	[ST_META_GET] = "SELECT \"id\", \"partition\", \"metadata\", \"created_at\", "
	    "\"updated_at\" FROM \"offer_metadata_table\" WHERE \"partition\" = $1 AND \"id\" = $2",
	[ST_META_PAGE] = "SELECT \"id\", \"partition\", \"metadata\", \"created_at\", "
	    "\"updated_at\" FROM \"offer_metadata_table\" WHERE \"partition\" = $1 "
	    "ORDER BY \"created_at\", \"id\" LIMIT $2 OFFSET $3",
	[ST_META_INSERT] = "INSERT INTO \"offer_metadata_table\" (\"id\", \"partition\", "
	    "\"metadata\", \"created_at\", \"updated_at\") VALUES ($1, $2, $3, $4, $5)",
	[ST_META_UPDATE] = "UPDATE \"offer_metadata_table\" SET \"metadata\" = $3, "
	    "\"updated_at\" = $4 WHERE \"partition\" = $1 AND \"id\" = $2",
	[ST_META_DELETE] = "DELETE FROM \"offer_metadata_table\" WHERE \"partition\" = $1 "
	    "AND \"id\" = $2",
	[ST_OFFER_GET] = "SELECT \"id\", \"partition\", \"max_sendable\", \"min_sendable\", "
	    "\"metadata_id\", \"timestamp\", \"expires\", \"created_at\", \"updated_at\" "
	    "FROM \"offer_record_table\" WHERE \"partition\" = $1 AND \"id\" = $2",
	[ST_OFFER_PAGE] = "SELECT \"id\", \"partition\", \"max_sendable\", \"min_sendable\", "
	    "\"metadata_id\", \"timestamp\", \"expires\", \"created_at\", \"updated_at\" "
	    "FROM \"offer_record_table\" WHERE \"partition\" = $1 "
	    "ORDER BY \"created_at\", \"id\" LIMIT $2 OFFSET $3",
	[ST_OFFER_INSERT] = "INSERT INTO \"offer_record_table\" (\"id\", \"partition\", "
	    "\"max_sendable\", \"min_sendable\", \"metadata_id\", \"timestamp\", \"expires\", "
	    "\"created_at\", \"updated_at\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[ST_OFFER_UPDATE] = "UPDATE \"offer_record_table\" SET \"max_sendable\" = $3, "
	    "\"min_sendable\" = $4, \"metadata_id\" = $5, \"timestamp\" = $6, \"expires\" = $7, "
	    "\"updated_at\" = $8 WHERE \"partition\" = $1 AND \"id\" = $2",
	[ST_OFFER_DELETE] = "DELETE FROM \"offer_record_table\" WHERE \"partition\" = $1 "
	    "AND \"id\" = $2",
	[ST_ADDR_GET] = "SELECT \"domain\", \"username\", \"partition\", \"offer\", "
	    "\"enabled\", \"created_at\", \"updated_at\" FROM \"swgr_address\" "
	    "WHERE \"domain\" = $1 AND \"username\" = $2",
	[ST_ADDR_PAGE] = "SELECT \"domain\", \"username\", \"partition\", \"offer\", "
	    "\"enabled\", \"created_at\", \"updated_at\" FROM \"swgr_address\" "
	    "WHERE \"domain\" = $1 ORDER BY \"created_at\", \"username\" LIMIT $2 OFFSET $3",
	[ST_ADDR_INSERT] = "INSERT INTO \"swgr_address\" (\"domain\", \"username\", "
	    "\"partition\", \"offer\", \"enabled\", \"created_at\", \"updated_at\") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
	[ST_ADDR_UPDATE] = "UPDATE \"swgr_address\" SET \"partition\" = $3, \"offer\" = $4, "
	    "\"enabled\" = $5, \"updated_at\" = $6 WHERE \"domain\" = $1 AND \"username\" = $2",
	[ST_ADDR_DELETE] = "DELETE FROM \"swgr_address\" WHERE \"domain\" = $1 "
	    "AND \"username\" = $2",
	[ST_STATUS_UPDATE] = "UPDATE \"swgr_node_status\" SET \"weight\" = $3, "
	    "\"healthy\" = $4, \"successes\" = $5, \"failures\" = $6, \"inbound_msat\" = $7, "
	    "\"checked_ms\" = $8, \"latency_us\" = $9, \"last_error\" = $10, "
	    "\"inv_issued\" = $11, \"inv_failed\" = $12, \"inv_timeout\" = $13, "
	    "\"inv_wrong\" = $14, \"inv_since_ms\" = $15, \"inv_p50_us\" = $16, "
	    "\"inv_p99_us\" = $17 WHERE \"instance\" = $1 AND \"id\" = $2",
	[ST_STATUS_INSERT] = "INSERT INTO \"swgr_node_status\" (\"instance\", \"id\", "
	    "\"weight\", \"healthy\", \"successes\", \"failures\", \"inbound_msat\", "
	    "\"checked_ms\", \"latency_us\", \"last_error\", \"inv_issued\", "
	    "\"inv_failed\", \"inv_timeout\", \"inv_wrong\", \"inv_since_ms\", "
	    "\"inv_p50_us\", \"inv_p99_us\") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
	[ST_STATUS_LIST] = "SELECT \"id\", \"weight\", \"healthy\", \"successes\", "
	    "\"failures\", \"inbound_msat\", \"checked_ms\", \"latency_us\", \"last_error\" "
	    "FROM \"swgr_node_status\" WHERE \"instance\" = $1 ORDER BY \"id\"",
	[ST_STATUS_LIST_ALL] = "SELECT \"id\", \"weight\", \"healthy\", \"successes\", "
	    "\"failures\", \"inbound_msat\", \"checked_ms\", \"latency_us\", \"last_error\", "
	    "\"inv_issued\", \"inv_failed\", \"inv_timeout\", \"inv_wrong\", "
	    "\"inv_since_ms\", \"inv_p50_us\", \"inv_p99_us\" "
	    "FROM \"swgr_node_status\" WHERE \"instance\" = $1 ORDER BY \"id\"",
	[ST_STATUS_DELETE] = "DELETE FROM \"swgr_node_status\" WHERE \"instance\" = $1 "
	    "AND \"id\" = $2",
	[ST_BEAT_UPDATE] = "UPDATE \"swgr_monitor_heartbeat\" SET \"beat_ms\" = $2, "
	    "\"period_ms\" = $3 WHERE \"instance\" = $1",
	[ST_BEAT_INSERT] = "INSERT INTO \"swgr_monitor_heartbeat\" (\"instance\", "
	    "\"beat_ms\", \"period_ms\") VALUES ($1, $2, $3)",
	[ST_BEAT_GET] = "SELECT \"beat_ms\", \"period_ms\" FROM \"swgr_monitor_heartbeat\" "
	    "WHERE \"instance\" = $1",
	[ST_BEAT_LIST] = "SELECT \"instance\", \"beat_ms\", \"period_ms\" "
	    "FROM \"swgr_monitor_heartbeat\" ORDER BY \"instance\"",
	/* ST_INV_INSERT: made by st_schema_init, a duplicate payment hash ignored, as each dialect says it */
	[ST_INV_GET] = "SELECT " ST_INV_COLS " FROM \"swgr_invoice\" WHERE \"payment_hash\" = $1",
	/* $2, $4: 0 when any offer, any address (a NULL parameter has no type in PostgreSQL) */
	[ST_INV_PAGE] = "SELECT " ST_INV_COLS " FROM \"swgr_invoice\" WHERE \"partition\" = $1 "
	    "AND ($2 = 0 OR \"offer\" = $3) AND ($4 = 0 OR (\"domain\" = $5 AND "
	    "\"username\" = $6)) AND \"created_ms\" >= $7 AND \"created_ms\" < $8 "
	    "ORDER BY \"created_ms\", \"payment_hash\" LIMIT $9 OFFSET $10",
	[ST_INV_EXPIRE] = "DELETE FROM \"swgr_invoice\" WHERE \"created_ms\" < $1",
	[ST_MIG_HAS] = "SELECT \"version\" FROM \"seaql_migrations\" WHERE \"version\" = $1",
	[ST_MIG_ADD] = "INSERT INTO \"seaql_migrations\" (\"version\", \"applied_at\") "
	    "VALUES ($1, $2)",
};

/*
 * What differs per dialect.  The tables are the original's (sea-query's
 * rendering of its two migrations), so a database it created is used as is.
 * The migration runs under a lock so that processes starting together do
 * not race: SQLite's write lock, PostgreSQL's transaction-level advisory
 * lock (its DDL is transactional), MySQL's named lock (its DDL commits).
 */
struct st_dialect {
	const char	*begin_read;
	const char	*begin_write;
	const char	*mig_begin;	/* script, or NULL */
	const char	*mig_lock;	/* exec, or NULL */
	const char	*mig_unlock;	/* exec, or NULL */
	const char	*mig_table;
	const char	*discovery[3];	/* NULL-terminated */
	const char	*offer[3];
	const char	*address[3];	/* ours, after offer: the Lightning Addresses */
	const char	*invoice[4];	/* ours, after address: the invoice records */
	const char	*inv_insert[2];	/* how an insert ignores a duplicate: before, after
					   (NULL after: ST_INV_INSERT_UNLESS) */
	const char	*status[3];	/* ours: node status and heartbeats */
	const char	*outcomes[8];	/* ours, later: the invoice outcomes of a status row */
};

/*
 * The tables, written once over the column types a dialect names its own
 * way (sea-query's names for the original's tables; the types of our node
 * status tables that are the same everywhere are written out).  Every DDL
 * macro takes the whole list of a dialect's types (ST_TYPES_*), end being
 * what follows each table; like the statements, DDL has double-quoted
 * identifiers, backticks for MySQL when it runs (st_ddl).
 */
#define ST_DDL_MIGRATIONS(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"seaql_migrations\" ( \"version\" " VARCHAR " NOT NULL " \
	"PRIMARY KEY, \"applied_at\" " BIGINT " NOT NULL )" END
#define ST_DDL_BACKEND(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"discovery_backend\" ( \"partitions\" " JSONB " NOT NULL, " \
	"\"id\" " KEY " NOT NULL, \"name\" " VARCHAR " NULL, \"weight\" " INT " NOT NULL, " \
	"\"enabled\" " BOOL " NOT NULL, \"implementation\" " BLOB " NOT NULL, \"created_at\" " \
	TS " NOT NULL, \"updated_at\" " TS " NOT NULL, PRIMARY KEY (\"id\") )" END
#define ST_DDL_ETAG(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"discovery_backend_etag\" ( \"id\" " INT " NOT NULL, " \
	"\"value\" " BIGINT " NOT NULL, PRIMARY KEY (\"id\") )" END
#define ST_DDL_METADATA(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"offer_metadata_table\" ( \"id\" " UUID " NOT NULL, " \
	"\"partition\" " VARCHAR " NOT NULL, \"metadata\" " JSON " NOT NULL, \"created_at\" " \
	TS " NOT NULL DEFAULT CURRENT_TIMESTAMP, \"updated_at\" " TS " NOT NULL DEFAULT " \
	"CURRENT_TIMESTAMP, PRIMARY KEY (\"partition\", \"id\") )" END
#define ST_DDL_OFFER(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"offer_record_table\" ( \"id\" " UUID " NOT NULL, " \
	"\"partition\" " VARCHAR " NOT NULL, \"max_sendable\" " BIGINT " NOT NULL, " \
	"\"min_sendable\" " BIGINT " NOT NULL, \"metadata_id\" " UUID " NOT NULL, " \
	"\"timestamp\" " TS " NOT NULL, \"expires\" " TS " NULL, \"created_at\" " TS \
	" NOT NULL DEFAULT CURRENT_TIMESTAMP, \"updated_at\" " TS " NOT NULL DEFAULT " \
	"CURRENT_TIMESTAMP, PRIMARY KEY (\"partition\", \"id\"), FOREIGN KEY (\"partition\", " \
	"\"metadata_id\") REFERENCES \"offer_metadata_table\" (\"partition\", \"id\") " \
	"ON DELETE RESTRICT )" END
/*
 * Ours (VERSION_ADDRESS): a Lightning Address of an offer, keyed by its
 * canonical domain (a host name of at most 253 characters and ":65535")
 * and username (64), each column as long as its longest value.  An offer
 * an address uses is not deleted; the foreign key's own index (MySQL makes
 * one itself) keeps that delete's look cheap.
 */
#define ST_DDL_ADDRESS(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"swgr_address\" ( \"domain\" varchar(259) NOT NULL, " \
	"\"username\" varchar(64) NOT NULL, \"partition\" " VARCHAR " NOT NULL, " \
	"\"offer\" " UUID " NOT NULL, \"enabled\" " BOOL " NOT NULL, \"created_at\" " TS \
	" NOT NULL DEFAULT CURRENT_TIMESTAMP, \"updated_at\" " TS " NOT NULL DEFAULT " \
	"CURRENT_TIMESTAMP, PRIMARY KEY (\"domain\", \"username\"), FOREIGN KEY " \
	"(\"partition\", \"offer\") REFERENCES \"offer_record_table\" (\"partition\", " \
	"\"id\") ON DELETE RESTRICT )" END
#define ST_DDL_ADDRESS_INDEX \
	"CREATE INDEX IF NOT EXISTS \"swgr_address_offer\" ON \"swgr_address\" " \
	"(\"partition\", \"offer\")"
/*
 * Ours (VERSION_INVOICE): the record of each invoice swgr-lnurl handed out,
 * keyed by its payment hash (hex), the issuing node's key in hex; times in
 * milliseconds.  No foreign key: a record outlives the offer it paid.
 * IDX is MySQL's inline index (no CREATE INDEX IF NOT EXISTS there).
 */
#define ST_DDL_INVOICE(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END, IDX) \
	"CREATE TABLE IF NOT EXISTS \"swgr_invoice\" ( \"payment_hash\" varchar(64) NOT NULL, " \
	"\"bolt11\" text NOT NULL, \"partition\" " VARCHAR " NOT NULL, \"offer\" " UUID \
	" NOT NULL, \"domain\" varchar(259) NULL, \"username\" varchar(64) NULL, " \
	"\"backend\" varchar(66) NOT NULL, \"amount_msat\" bigint NOT NULL, \"comment\" text " \
	"NULL, \"payer_data\" text NULL, \"created_ms\" bigint NOT NULL, \"expires_ms\" bigint " \
	"NOT NULL, PRIMARY KEY (\"payment_hash\")" IDX " )" END
#define ST_DDL_INVOICE_INDEX \
	"CREATE INDEX IF NOT EXISTS \"swgr_invoice_created\" ON \"swgr_invoice\" " \
	"(\"partition\", \"created_ms\")"
/* the retention's delete, of every partition */
#define ST_DDL_INVOICE_AGE_INDEX \
	"CREATE INDEX IF NOT EXISTS \"swgr_invoice_age\" ON \"swgr_invoice\" (\"created_ms\")"
#define ST_INV_TABLE(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	ST_DDL_INVOICE(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END, "")
#define ST_INV_TABLE_INLINE(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	ST_DDL_INVOICE(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END, \
	", KEY \"swgr_invoice_created\" (\"partition\", \"created_ms\"), " \
	"KEY \"swgr_invoice_age\" (\"created_ms\")")
#define ST_DDL_NODE_STATUS(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"swgr_node_status\" ( \"instance\" " VARCHAR " NOT NULL, " \
	"\"id\" " KEY " NOT NULL, \"weight\" bigint NOT NULL, \"healthy\" " BOOL " NOT NULL, " \
	"\"successes\" integer NOT NULL, \"failures\" integer NOT NULL, " \
	"\"inbound_msat\" bigint NULL, \"checked_ms\" bigint NOT NULL, " \
	"\"latency_us\" bigint NOT NULL, \"last_error\" text NULL, " \
	"PRIMARY KEY (\"instance\", \"id\") )" END
#define ST_DDL_HEARTBEAT(VARCHAR, INT, BIGINT, BOOL, KEY, BLOB, JSONB, JSON, UUID, TS, END) \
	"CREATE TABLE IF NOT EXISTS \"swgr_monitor_heartbeat\" ( \"instance\" " VARCHAR " " \
	"NOT NULL, \"beat_ms\" bigint NOT NULL, \"period_ms\" bigint NOT NULL, " \
	"PRIMARY KEY (\"instance\") )" END

/*
 * The invoice outcomes of a node status row (VERSION_OUTCOMES), one column
 * a statement as SQLite wants it; ADD is "ADD COLUMN IF NOT EXISTS" where
 * DDL commits at once (MySQL) and a migration stopped half-way runs again.
 */
#define ST_DDL_OUTCOME(ADD, COL) \
	"ALTER TABLE \"swgr_node_status\" " ADD " \"" COL "\" bigint NULL"
#define ST_OUTCOMES(ADD) \
	.outcomes = { ST_DDL_OUTCOME(ADD, "inv_issued"), ST_DDL_OUTCOME(ADD, "inv_failed"), \
	    ST_DDL_OUTCOME(ADD, "inv_timeout"), ST_DDL_OUTCOME(ADD, "inv_wrong"), \
	    ST_DDL_OUTCOME(ADD, "inv_since_ms"), ST_DDL_OUTCOME(ADD, "inv_p50_us"), \
	    ST_DDL_OUTCOME(ADD, "inv_p99_us") }

/* A dialect's tables: each DDL macro over its types T. */
#define ST_TABLES(T) \
	.mig_table = T(ST_DDL_MIGRATIONS), \
	.discovery = { T(ST_DDL_BACKEND), T(ST_DDL_ETAG) }, \
	.offer = { T(ST_DDL_METADATA), T(ST_DDL_OFFER) }, \
	.status = { T(ST_DDL_NODE_STATUS), T(ST_DDL_HEARTBEAT) }

/* varchar, int, bigint, bool, key (33 bytes), blob, jsonb, json, uuid, timestamp, end */
#define ST_TYPES_SQLITE(DDL) DDL("varchar", "integer", "integer", "boolean", "blob(33)", \
	"blob", "jsonb_text", "json_text", "uuid_text", "timestamp_with_timezone_text", "")
#define ST_TYPES_POSTGRES(DDL) DDL("varchar", "integer", "bigint", "bool", "bytea", "bytea", \
	"jsonb", "json", "uuid", "timestamp with time zone", "")
/*
 * MySQL tables hold any UTF-8 and compare keys byte by byte, as the other
 * databases do (a server's default charset may be latin1, its collations
 * case-insensitive).
 */
#define ST_TYPES_MYSQL(DDL) DDL("varchar(255)", "int", "bigint", "bool", "binary(33)", "blob", \
	"json", "json", "binary(16)", "timestamp", \
	" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")

static const struct st_dialect st_sqlite = {
	.begin_read = "BEGIN",
	.begin_write = "BEGIN IMMEDIATE",
	.mig_begin = "BEGIN IMMEDIATE",
	ST_TABLES(ST_TYPES_SQLITE),
	.address = { ST_TYPES_SQLITE(ST_DDL_ADDRESS), ST_DDL_ADDRESS_INDEX },
	.invoice = { ST_TYPES_SQLITE(ST_INV_TABLE), ST_DDL_INVOICE_INDEX,
	    ST_DDL_INVOICE_AGE_INDEX },
	.inv_insert = { "INSERT", " ON CONFLICT (\"payment_hash\") DO NOTHING" },
	ST_OUTCOMES("ADD COLUMN"),
};

static const struct st_dialect st_postgres = {
	.begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ",
	.begin_write = "BEGIN",
	.mig_begin = "BEGIN",
	.mig_lock = "SELECT pg_advisory_xact_lock(7795888412190533)",
	ST_TABLES(ST_TYPES_POSTGRES),
	.address = { ST_TYPES_POSTGRES(ST_DDL_ADDRESS), ST_DDL_ADDRESS_INDEX },
	.invoice = { ST_TYPES_POSTGRES(ST_INV_TABLE), ST_DDL_INVOICE_INDEX,
	    ST_DDL_INVOICE_AGE_INDEX },
	.inv_insert = { "INSERT", " ON CONFLICT (\"payment_hash\") DO NOTHING" },
	ST_OUTCOMES("ADD COLUMN IF NOT EXISTS"),
};

static const struct st_dialect st_mysql = {
	.begin_read = "START TRANSACTION WITH CONSISTENT SNAPSHOT",
	.begin_write = "START TRANSACTION",
	.mig_lock = "SELECT GET_LOCK('swgr_migrate', 60)",
	.mig_unlock = "SELECT RELEASE_LOCK('swgr_migrate')",
	ST_TABLES(ST_TYPES_MYSQL),
	.address = { ST_TYPES_MYSQL(ST_DDL_ADDRESS) },
	.invoice = { ST_TYPES_MYSQL(ST_INV_TABLE_INLINE) },
	/*
	 * Not INSERT IGNORE (every error a warning, a truncation too), nor ON
	 * DUPLICATE KEY UPDATE (it needs the UPDATE privilege): the row only
	 * where its payment hash is not there yet.
	 */
	.inv_insert = { "INSERT", NULL },
	ST_OUTCOMES("ADD COLUMN IF NOT EXISTS"),
};

/* A copy of sql with MySQL's backticks for the double quotes; NULL when out of memory. */
static char *
st_backticks(const char *sql)
{
	char *s, *p;

	if ((s = strdup(sql)) == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if (*p == '"')
			*p = '`';
	return s;
}

/* Points st->sql at this dialect's statements (MySQL: backtick copies). */
enum swgr_rc
st_schema_init(struct sql_store *st, struct swgr_err *err)
{
	char *ins;
	size_t i;

	switch (st->dialect) {
	case SWGR_DB_SQLITE:
		st->d = &st_sqlite;
		break;
	case SWGR_DB_POSTGRES:
		st->d = &st_postgres;
		break;
	case SWGR_DB_MYSQL:
		st->d = &st_mysql;
		break;
	}
	for (i = 0; i < ST_NSQL; i++) {
		if (i == ST_INV_INSERT)
			continue;
		if (st->dialect != SWGR_DB_MYSQL) {
			st->sql[i] = st_sql_text[i];
			continue;
		}
		if ((st->owned[i] = st_backticks(st_sql_text[i])) == NULL)
			return swgr_err_set(err, SWGR_ENOMEM, "opening store: out of memory");
		st->sql[i] = st->owned[i];
	}
	/* the insert of an invoice record: its dialect's words around the common text */
	if (st->d->inv_insert[1] == NULL)
		ins = strdup(ST_INV_INSERT_UNLESS);
	else if (asprintf(&ins, "%s%s%s", st->d->inv_insert[0], ST_INV_INSERT_BODY,
	    st->d->inv_insert[1]) < 0)
		ins = NULL;
	if (ins == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "opening store: out of memory");
	if (st->dialect == SWGR_DB_MYSQL) {
		st->owned[ST_INV_INSERT] = st_backticks(ins);
		free(ins);
	} else
		st->owned[ST_INV_INSERT] = ins;
	if ((st->sql[ST_INV_INSERT] = st->owned[ST_INV_INSERT]) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "opening store: out of memory");
	return SWGR_OK;
}

void
st_schema_free(struct sql_store *st)
{
	size_t i;

	for (i = 0; i < ST_NSQL; i++)
		free(st->owned[i]);
}

const char *
st_begin_sql(const struct sql_store *st, enum st_mode mode)
{
	return mode == ST_WRITE ? st->d->begin_write : st->d->begin_read;
}

/* Sleeps a random 1..2^(attempt+1) ms, at most 128 ms. */
static void
st_backoff(int attempt)
{
	struct timespec ts;
	long cap = 2L << (attempt < 6 ? attempt : 6);

	ts.tv_sec = 0;
	ts.tv_nsec = (1 + random() % cap) * 1000000L;
	nanosleep(&ts, NULL);
}

enum swgr_rc
st_exec(struct st_tx *tx, enum st_sql q, const struct swgr_db_val *p, size_t np,
    struct swgr_db_rows *out, struct swgr_err *err)
{
	return swgr_db_get_driver(tx->st->db)->exec(tx->conn, tx->st->sql[q], p, np, out, err);
}

/*
 * The contract is in store_int.h.  A lost connection is retried only where
 * nothing can have been written: at BEGIN, or for a single (read) statement.
 */
enum swgr_rc
st_run(struct sql_store *st, enum st_mode mode, st_fn fn, void *arg, struct swgr_err *err)
{
	const struct swgr_db_driver *drv = swgr_db_get_driver(st->db);
	struct st_tx tx = { .st = st };
	enum swgr_rc rc;
	bool begun, stale_retried = false;
	int attempt;

	for (attempt = 0;; attempt++) {
		if ((rc = swgr_db_acquire(st->db, &tx.conn, err)) != SWGR_OK)
			return rc;
		begun = false;
		if (mode == ST_SINGLE || (rc = drv->script(tx.conn, st_begin_sql(st, mode),
		    err)) == SWGR_OK) {
			begun = mode != ST_SINGLE;
			rc = fn(&tx, arg, err);
			if (rc == SWGR_OK && begun)
				rc = drv->script(tx.conn, "COMMIT", err);
		}
		if (rc != SWGR_OK && mode != ST_SINGLE && !drv->broken(tx.conn))
			(void)drv->script(tx.conn, "ROLLBACK", NULL);
		swgr_db_release(st->db, tx.conn);
		swgr_db_count_error(st->db, rc);
		if (rc == SWGR_ERETRY && attempt < ST_RETRIES) {
			st_backoff(attempt);
			continue;
		}
		if (rc == SWGR_EUPSTREAM && !stale_retried && (!begun || mode == ST_SINGLE)) {
			stale_retried = true;
			continue;
		}
		return rc;
	}
}

struct swgr_db_val
st_enc_uuid(const struct sql_store *st, const struct swgr_uuid *u,
    char buf[SWGR_UUID_STRLEN + 1])
{
	if (st->dialect == SWGR_DB_POSTGRES) {
		swgr_uuid_format(u, buf);
		return swgr_db_text(buf);
	}
	return swgr_db_blob(u->b, sizeof(u->b));
}

struct swgr_db_val
st_enc_time(const struct sql_store *st, const struct swgr_time *t,
    char buf[SWGR_TIME_STRMAX])
{
	struct swgr_time whole;

	switch (st->dialect) {
	case SWGR_DB_SQLITE:
		swgr_time_format_offset(t, buf);
		break;
	case SWGR_DB_POSTGRES:
		swgr_time_format(t, buf);
		break;
	case SWGR_DB_MYSQL:
		whole.sec = t->sec;
		whole.nsec = 0;
		swgr_time_format_sql(&whole, buf);
		break;
	}
	return swgr_db_text(buf);
}

struct swgr_db_val
st_enc_bool(const struct sql_store *st, bool b)
{
	if (st->dialect == SWGR_DB_POSTGRES)
		return swgr_db_text(b ? "true" : "false");
	return swgr_db_int(b);
}

enum swgr_rc
st_bad(struct swgr_err *err, size_t col, const char *what)
{
	return swgr_err_set(err, SWGR_EINTERNAL, "reading the database: column %zu: %s",
	    col + 1, what);
}

enum swgr_rc
st_get_bytes(const struct swgr_db_rows *r, size_t row, size_t col, const char **p,
    size_t *len, struct swgr_err *err)
{
	const struct swgr_db_val *v = swgr_db_at(r, row, col);

	*p = NULL;
	*len = 0;
	if (v == NULL || v->type == SWGR_DBT_INT)
		return st_bad(err, col, "expected text or bytes");
	if (v->type == SWGR_DBT_NULL)
		return SWGR_OK;
	*p = v->p;
	*len = v->len;
	return SWGR_OK;
}

enum swgr_rc
st_get_dup(const struct swgr_db_rows *r, size_t row, size_t col, char **out,
    struct swgr_err *err)
{
	const char *p;
	size_t len;
	enum swgr_rc rc;

	*out = NULL;
	if ((rc = st_get_bytes(r, row, col, &p, &len, err)) != SWGR_OK || p == NULL)
		return rc;
	if ((*out = malloc(len + 1)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "reading the database: out of memory");
	memcpy(*out, p, len);
	(*out)[len] = '\0';
	return SWGR_OK;
}

enum swgr_rc
st_get_uuid(const struct swgr_db_rows *r, size_t row, size_t col, struct swgr_uuid *out,
    struct swgr_err *err)
{
	const struct swgr_db_val *v = swgr_db_at(r, row, col);

	if (v != NULL && v->type == SWGR_DBT_BLOB && v->len == sizeof(out->b)) {
		memcpy(out->b, v->p, sizeof(out->b));
		return SWGR_OK;
	}
	if (v != NULL && v->type == SWGR_DBT_TEXT && swgr_uuid_parse(v->p, v->len, out) == SWGR_OK)
		return SWGR_OK;
	return st_bad(err, col, "expected a UUID");
}

enum swgr_rc
st_get_time(const struct swgr_db_rows *r, size_t row, size_t col, struct swgr_time *out,
    struct swgr_err *err)
{
	const char *p;
	size_t len;

	if (st_get_bytes(r, row, col, &p, &len, err) != SWGR_OK || p == NULL ||
	    swgr_time_parse_db(p, len, out) != SWGR_OK)
		return st_bad(err, col, "expected a timestamp");
	return SWGR_OK;
}

enum swgr_rc
st_get_int(const struct swgr_db_rows *r, size_t row, size_t col, int64_t *out,
    struct swgr_err *err)
{
	if (swgr_db_get_int(r, row, col, out) != SWGR_OK)
		return st_bad(err, col, "expected an integer");
	return SWGR_OK;
}

/* Runs DDL of the tables above: as written, or for MySQL a backtick copy. */
static enum swgr_rc
st_ddl(struct st_tx *tx, const char *ddl, struct swgr_err *err)
{
	const struct swgr_db_driver *drv = swgr_db_get_driver(tx->st->db);
	enum swgr_rc rc;
	char *my;

	if (tx->st->dialect != SWGR_DB_MYSQL)
		return drv->script(tx->conn, ddl, err);
	if ((my = st_backticks(ddl)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
	rc = drv->script(tx->conn, my, err);
	free(my);
	return rc;
}

/* Runs one role's migration unless its version is recorded already. */
static enum swgr_rc
st_migrate_role(struct st_tx *tx, const char *version, const char *const *ddl,
    bool etag, struct swgr_err *err)
{
	struct swgr_db_rows r = { 0 };
	struct swgr_db_val p[2];
	enum swgr_rc rc;
	size_t i;

	p[0] = swgr_db_text(version);
	if ((rc = st_exec(tx, ST_MIG_HAS, p, 1, &r, err)) != SWGR_OK)
		return rc;
	i = r.nrows;
	swgr_db_rows_free(&r);
	if (i > 0)
		return SWGR_OK;
	for (i = 0; ddl[i] != NULL; i++)
		if ((rc = st_ddl(tx, ddl[i], err)) != SWGR_OK)
			return rc;
	if (etag) {
		if ((rc = st_exec(tx, ST_ETAG_GET, NULL, 0, &r, err)) != SWGR_OK)
			return rc;
		i = r.nrows;
		swgr_db_rows_free(&r);
		if (i == 0 && (rc = st_exec(tx, ST_ETAG_INIT, NULL, 0, NULL, err)) != SWGR_OK)
			return rc;
	}
	p[1] = swgr_db_int((int64_t)time(NULL));
	return st_exec(tx, ST_MIG_ADD, p, 2, NULL, err);
}

/* Takes the dialect's migration lock; a named lock (MySQL) answers 1 when taken. */
static enum swgr_rc
st_lock(struct st_tx *tx, struct swgr_err *err)
{
	const struct st_dialect *d = tx->st->d;
	struct swgr_db_rows r = { 0 };
	enum swgr_rc rc;
	int64_t got = 0;

	rc = swgr_db_get_driver(tx->st->db)->exec(tx->conn, d->mig_lock, NULL, 0, &r, err);
	if (rc == SWGR_OK && d->mig_unlock != NULL &&
	    (swgr_db_get_int(&r, 0, 0, &got) != SWGR_OK || got != 1))
		rc = swgr_err_set(err, SWGR_ERETRY, "timed out waiting for the migration lock");
	swgr_db_rows_free(&r);
	return rc;
}

/*
 * Creates the migration table and runs the migrations of roles under the
 * dialect's lock.  Versions of other roles are left alone.
 */
enum swgr_rc
st_schema_migrate(struct sql_store *st, unsigned roles, struct swgr_err *err)
{
	const struct swgr_db_driver *drv = swgr_db_get_driver(st->db);
	const struct st_dialect *d = st->d;
	struct st_tx tx = { .st = st };
	enum swgr_rc rc;
	bool locked = false;

	if ((rc = swgr_db_acquire(st->db, &tx.conn, err)) != SWGR_OK)
		return rc;
	if (d->mig_begin != NULL && (rc = drv->script(tx.conn, d->mig_begin, err)) != SWGR_OK)
		goto out;
	locked = true;
	if (d->mig_lock != NULL && (rc = st_lock(&tx, err)) != SWGR_OK)
		goto out;
	if ((rc = st_ddl(&tx, d->mig_table, err)) != SWGR_OK)
		goto out;
	if ((roles & SWGR_STORE_ROLE_DISCOVERY) && (rc = st_migrate_role(&tx, VERSION_DISCOVERY,
	    d->discovery, true, err)) != SWGR_OK)
		goto out;
	if ((roles & SWGR_STORE_ROLE_OFFER) && ((rc = st_migrate_role(&tx, VERSION_OFFER,
	    d->offer, false, err)) != SWGR_OK || (rc = st_migrate_role(&tx, VERSION_ADDRESS,
	    d->address, false, err)) != SWGR_OK || (rc = st_migrate_role(&tx, VERSION_INVOICE,
	    d->invoice, false, err)) != SWGR_OK))
		goto out;
	if ((roles & SWGR_STORE_ROLE_STATUS) && ((rc = st_migrate_role(&tx, VERSION_STATUS,
	    d->status, false, err)) != SWGR_OK || (rc = st_migrate_role(&tx, VERSION_OUTCOMES,
	    d->outcomes, false, err)) != SWGR_OK))
		goto out;
	if (d->mig_begin != NULL)
		rc = drv->script(tx.conn, "COMMIT", err);
out:
	if (locked && rc != SWGR_OK && d->mig_begin != NULL && !drv->broken(tx.conn))
		(void)drv->script(tx.conn, "ROLLBACK", NULL);
	if (locked && d->mig_unlock != NULL && !drv->broken(tx.conn))
		(void)drv->exec(tx.conn, d->mig_unlock, NULL, 0, NULL, NULL);
	swgr_db_release(st->db, tx.conn);
	if (rc != SWGR_OK)
		swgr_err_wrap(err, "creating the database schema");
	return rc;
}

/*
 * Opens the pool, prepares the statements, migrates the roles given DDL and
 * looks for the tables of the others.
 */
enum swgr_rc
st_sql_open(const char *uri, unsigned max_connections, unsigned roles, struct sql_store **out,
    struct swgr_err *err)
{
	struct sql_store *st = NULL;
	unsigned ddl = (roles >> 4) & ST_ROLES, used = roles & ST_ROLES;
	enum swgr_rc rc;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "opening store: out of memory");
	pthread_mutex_init(&st->look_mu, NULL);
	st->look_init = true;
	if (used & SWGR_STORE_ROLE_OFFER)
		used |= ST_ROLE_ADDRESS | ST_ROLE_INVOICE;
	if (ddl & SWGR_STORE_ROLE_OFFER)
		ddl |= ST_ROLE_ADDRESS | ST_ROLE_INVOICE;
	st->need = used & ~ddl;
	if ((rc = swgr_db_open(uri, max_connections, &st->db, err)) != SWGR_OK)
		goto out;
	st->dialect = swgr_db_dialect(st->db);
	if ((rc = st_schema_init(st, err)) != SWGR_OK ||
	    (ddl != 0 && (rc = st_schema_migrate(st, ddl, err)) != SWGR_OK))
		goto out;
	if (st->need != 0 && (rc = st_catalog_open(st, err)) != SWGR_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	st_sql_close(st);
	return rc;
}

void
st_sql_close(struct sql_store *st)
{
	if (st == NULL)
		return;
	swgr_db_close(st->db);
	st_schema_free(st);
	if (st->look_init)
		pthread_mutex_destroy(&st->look_mu);
	free(st);
}
