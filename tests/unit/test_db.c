/* Tests of the SQL layer: pool, rows, values and the drivers (SQLite always; PostgreSQL/MariaDB by env). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "kit.h"
#include "t.h"

/* The only SQL that differs between the databases in these checks. */
struct td_dialect {
	const char	*name;
	const char	*ddl;
	const char	*pid;		/* this session's id, or NULL */
	const char	*kill;		/* printf: end session %lld */
	const char	*lit;		/* '$1' as a literal, and $1 */
};

static const struct td_dialect td_sqlite = { "sqlite",
	"DROP TABLE IF EXISTS td_t; DROP TABLE IF EXISTS td_p;"
	"CREATE TABLE td_p (id integer PRIMARY KEY, name varchar UNIQUE);"
	"CREATE TABLE td_t (id integer PRIMARY KEY, i integer, t text, b blob, flag boolean,"
	" parent integer REFERENCES td_p (id) ON DELETE RESTRICT);"
	"INSERT INTO td_p VALUES (1, 'one'), (2, 'two')", NULL, NULL, "SELECT '$1', $1" };
static const struct td_dialect td_pg = { "postgres",
	"DROP TABLE IF EXISTS td_t; DROP TABLE IF EXISTS td_p;"
	"CREATE TABLE td_p (id bigint PRIMARY KEY, name varchar UNIQUE);"
	"CREATE TABLE td_t (id bigint PRIMARY KEY, i bigint, t text, b bytea, flag bool,"
	" parent bigint REFERENCES td_p (id) ON DELETE RESTRICT);"
	"INSERT INTO td_p VALUES (1, 'one'), (2, 'two')",
	"SELECT pg_backend_pid()", "SELECT pg_terminate_backend(%lld)",
	"SELECT '$1', $1::text" };
static const struct td_dialect td_my = { "mysql",
	"DROP TABLE IF EXISTS td_t; DROP TABLE IF EXISTS td_p;"
	"CREATE TABLE td_p (id bigint PRIMARY KEY, name varchar(20) UNIQUE) ENGINE=InnoDB;"
	"CREATE TABLE td_t (id bigint PRIMARY KEY, i bigint, t longtext, b longblob, flag bool,"
	" parent bigint, FOREIGN KEY (parent) REFERENCES td_p (id) ON DELETE RESTRICT)"
	" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"
	"INSERT INTO td_p VALUES (1, 'one'), (2, 'two')",
	"SELECT CONNECTION_ID()", "KILL %lld", "SELECT '$1', $1" };

static const char SQL_INS[] =
    "INSERT INTO td_t (id, i, t, b, flag, parent) VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_GET[] = "SELECT i, t, b, flag, parent FROM td_t WHERE id = $1";
static const char SQL_REPEAT[] = "SELECT id FROM td_t WHERE i = $2 AND id = $1 AND i = $2";
static const char SQL_UPD[] = "UPDATE td_t SET i = $1 WHERE id >= $2";
static const char SQL_DEL[] = "DELETE FROM td_t WHERE id = $1";
static const char SQL_COUNT[] = "SELECT COUNT(*) FROM td_t";
static const char SQL_PARENT[] = "INSERT INTO td_p (id, name) VALUES ($1, $2)";

static void
td_basics(void)
{
	struct swgr_db_rows r;
	struct swgr_db_val v;
	int64_t i;

	CHECK(swgr_db_driver_for("sqlite://x.db") == &swgr_db_sqlite);
	CHECK(swgr_db_driver_for("sqlite::memory:") == &swgr_db_sqlite);
	CHECK(swgr_db_driver_for("postgres://h/db") == &swgr_db_postgres);
	CHECK(swgr_db_driver_for("postgresql://h/db") == &swgr_db_postgres);
	CHECK(swgr_db_driver_for("mysql://h/db") == &swgr_db_mysql);
	CHECK(swgr_db_driver_for("mariadb://h/db") == &swgr_db_mysql);
	CHECK(swgr_db_driver_for("redis://h") == NULL);
	CHECK(swgr_db_driver_for(NULL) == NULL);

	swgr_db_rows_init(&r, 2);
	v = swgr_db_int(-5);
	CHECK(swgr_db_rows_push(&r, &v, NULL) == SWGR_OK);
	v = swgr_db_text("true");
	CHECK(swgr_db_rows_push(&r, &v, NULL) == SWGR_OK);
	CHECK_INT(r.nrows, 1);
	v = swgr_db_textn("42x", 2);
	CHECK(swgr_db_rows_push(&r, &v, NULL) == SWGR_OK);
	CHECK_INT(r.nrows, 1);
	v = swgr_db_null();
	CHECK(swgr_db_rows_push(&r, &v, NULL) == SWGR_OK);
	CHECK_INT(r.nrows, 2);
	CHECK(swgr_db_get_int(&r, 0, 0, &i) == SWGR_OK && i == -5);
	CHECK(swgr_db_get_int(&r, 0, 1, &i) == SWGR_OK && i == 1);
	CHECK(swgr_db_get_int(&r, 1, 0, &i) == SWGR_OK && i == 42);
	CHECK_STR(swgr_db_at(&r, 1, 0)->p, "42");
	CHECK(swgr_db_get_int(&r, 1, 1, &i) != SWGR_OK);
	CHECK(swgr_db_is_null(&r, 1, 1));
	CHECK(!swgr_db_is_null(&r, 1, 0));
	CHECK(swgr_db_at(&r, 2, 0) == NULL && swgr_db_at(&r, 0, 2) == NULL);
	swgr_db_rows_free(&r);
	swgr_db_rows_free(&r);
	CHECK(r.v == NULL && r.nrows == 0);
	CHECK(swgr_db_text(NULL).type == SWGR_DBT_NULL);
	CHECK(swgr_db_blob("", 0).type == SWGR_DBT_BLOB);
}

/* One row's values as the checks expect them back. */
static void
td_row(const struct swgr_db_driver *drv, void *c, int64_t id, int64_t i, const char *t,
    const void *b, size_t blen)
{
	struct swgr_db_val p[1] = { swgr_db_int(id) };
	struct swgr_db_rows r;
	const struct swgr_db_val *v;
	int64_t n;

	CHECK(drv->exec(c, SQL_GET, p, 1, &r, NULL) == SWGR_OK);
	CHECK_INT(r.nrows, 1);
	CHECK_INT(r.ncols, 5);
	if (r.nrows != 1) {
		swgr_db_rows_free(&r);
		return;
	}
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == i);
	v = swgr_db_at(&r, 0, 1);
	if (t == NULL)
		CHECK(v->type == SWGR_DBT_NULL);
	else
		CHECK(v->type == SWGR_DBT_TEXT && v->len == strlen(t) && memcmp(v->p, t, v->len) == 0 &&
		    ((const char *)v->p)[v->len] == '\0');
	v = swgr_db_at(&r, 0, 2);
	if (b == NULL)
		CHECK(v->type == SWGR_DBT_NULL);
	else
		CHECK(v->type == SWGR_DBT_BLOB && v->len == blen && (blen == 0 ||
		    memcmp(v->p, b, blen) == 0));
	CHECK(swgr_db_get_int(&r, 0, 3, &n) == SWGR_OK && n == (id % 2));
	swgr_db_rows_free(&r);
}

/* The driver contract on one database. */
static void
td_driver(const struct td_dialect *d, const char *uri)
{
	const struct swgr_db_driver *drv = swgr_db_driver_for(uri);
	static const unsigned char blob[] = { 0, 1, 0, 0xff, '\'', 0 };
	const char *meta = "it's \"quoted\"; -- not a comment \\ 100% _x_ h\xc3\xa9llo \xf0\x9f\x98\x80";
	struct swgr_db_val p[6];
	struct swgr_db_rows r;
	struct swgr_err err = { 0 };
	void *c = NULL;
	int64_t n;
	int k;

	printf("test_db: driver %s\n", d->name);
	CHECK(drv != NULL && drv->connect(uri, &c, &err) == SWGR_OK);
	if (c == NULL) {
		fprintf(stderr, "connect: %s\n", err.msg);
		return;
	}
	CHECK(drv->script(c, d->ddl, &err) == SWGR_OK);

	/* Types, NULLs, NUL bytes, extremes. */
	p[0] = swgr_db_int(1);
	p[1] = swgr_db_int(INT64_MAX);
	p[2] = swgr_db_text(meta);
	p[3] = swgr_db_blob(blob, sizeof(blob));
	p[4] = swgr_db_int(1);
	p[5] = swgr_db_int(1);
	CHECK(drv->exec(c, SQL_INS, p, 6, NULL, &err) == SWGR_OK);
	p[0] = swgr_db_int(2);
	p[1] = swgr_db_int(INT64_MIN);
	p[2] = swgr_db_null();
	p[3] = swgr_db_null();
	p[4] = swgr_db_int(0);
	p[5] = swgr_db_null();
	CHECK(drv->exec(c, SQL_INS, p, 6, NULL, &err) == SWGR_OK);
	p[0] = swgr_db_int(4);
	p[1] = swgr_db_int(0);
	p[2] = swgr_db_text("");
	p[3] = swgr_db_blob(NULL, 0);
	p[4] = swgr_db_int(0);
	p[5] = swgr_db_int(2);
	CHECK(drv->exec(c, SQL_INS, p, 6, NULL, &err) == SWGR_OK);
	td_row(drv, c, 1, INT64_MAX, meta, blob, sizeof(blob));
	td_row(drv, c, 2, INT64_MIN, NULL, NULL, 0);
	td_row(drv, c, 4, 0, "", "", 0);

	/* A repeated placeholder, and $1 inside a literal left alone. */
	p[0] = swgr_db_int(1);
	p[1] = swgr_db_int(INT64_MAX);
	CHECK(drv->exec(c, SQL_REPEAT, p, 2, &r, &err) == SWGR_OK);
	CHECK(r.nrows == 1 && swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == 1);
	swgr_db_rows_free(&r);
	p[0] = swgr_db_text("x");
	CHECK(drv->exec(c, d->lit, p, 1, &r, &err) == SWGR_OK);
	CHECK(r.nrows == 1 && r.ncols == 2);
	if (r.nrows == 1) {
		CHECK_STR(swgr_db_at(&r, 0, 0)->p, "$1");
		CHECK_STR(swgr_db_at(&r, 0, 1)->p, "x");
	}
	swgr_db_rows_free(&r);

	/* Cached statements: the same text many times, with fresh values. */
	for (k = 0; k < 200; k++) {
		p[0] = swgr_db_int(100 + k);
		p[1] = swgr_db_int(k);
		p[2] = swgr_db_text("c");
		p[3] = swgr_db_blob(&k, sizeof(k));
		p[4] = swgr_db_int(k % 2);
		p[5] = swgr_db_null();
		if (drv->exec(c, SQL_INS, p, 6, NULL, &err) != SWGR_OK)
			break;
	}
	CHECK_INT(k, 200);
	td_row(drv, c, 150, 50, "c", &(int){ 50 }, sizeof(int));

	/* Affected rows, and out NULL. */
	p[0] = swgr_db_int(7);
	p[1] = swgr_db_int(100);
	CHECK(drv->exec(c, SQL_UPD, p, 2, &r, &err) == SWGR_OK);
	CHECK_INT(r.affected, 200);
	swgr_db_rows_free(&r);
	p[0] = swgr_db_int(100);
	CHECK(drv->exec(c, SQL_DEL, p, 1, &r, &err) == SWGR_OK);
	CHECK_INT(r.affected, 1);
	swgr_db_rows_free(&r);
	CHECK(drv->exec(c, SQL_DEL, p, 1, &r, &err) == SWGR_OK);
	CHECK_INT(r.affected, 0);
	swgr_db_rows_free(&r);

	/* Errors: primary key, unique, foreign key, syntax. */
	p[0] = swgr_db_int(1);
	p[1] = swgr_db_int(0);
	p[2] = swgr_db_null();
	p[3] = swgr_db_null();
	p[4] = swgr_db_int(1);
	p[5] = swgr_db_null();
	CHECK_INT(drv->exec(c, SQL_INS, p, 6, NULL, &err), SWGR_CONFLICT);
	p[0] = swgr_db_int(3);
	p[1] = swgr_db_text("one");
	CHECK_INT(drv->exec(c, SQL_PARENT, p, 2, NULL, &err), SWGR_CONFLICT);
	p[0] = swgr_db_int(3);
	p[1] = swgr_db_int(0);
	p[5] = swgr_db_int(99);
	CHECK_INT(drv->exec(c, SQL_INS, p, 6, NULL, &err), SWGR_EREFERENCE);
	CHECK_INT(drv->script(c, "DELETE FROM td_p WHERE id = 1", &err), SWGR_EREFERENCE);
	CHECK_INT(drv->exec(c, "DELETE FROM td_p WHERE id = 1", NULL, 0, NULL, &err),
	    SWGR_EREFERENCE);
	CHECK_INT(drv->exec(c, "SELEKT 1", NULL, 0, NULL, &err), SWGR_EINTERNAL);
	CHECK(!drv->broken(c));

	/* A rolled-back transaction leaves nothing. */
	CHECK(drv->script(c, d == &td_my ? "START TRANSACTION" : "BEGIN", &err) == SWGR_OK);
	p[0] = swgr_db_int(5);
	p[5] = swgr_db_null();
	CHECK(drv->exec(c, SQL_INS, p, 6, NULL, &err) == SWGR_OK);
	CHECK(drv->script(c, "ROLLBACK", &err) == SWGR_OK);
	CHECK(drv->exec(c, SQL_COUNT, NULL, 0, &r, &err) == SWGR_OK);
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == 202);
	swgr_db_rows_free(&r);
	drv->close(c);
}

struct td_pool {
	struct swgr_db	*db;
	pthread_mutex_t	 mu;
	int		 held, maxheld, fails;
};

static void *
td_pool_thread(void *arg)
{
	struct td_pool *tp = arg;
	const struct swgr_db_driver *drv = swgr_db_get_driver(tp->db);
	struct swgr_db_val p[6];
	struct swgr_err err;
	void *c;
	int k;
	static int next = 1000;
	int id;

	for (k = 0; k < 100; k++) {
		if (swgr_db_acquire(tp->db, &c, &err) != SWGR_OK) {
			__atomic_add_fetch(&tp->fails, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		pthread_mutex_lock(&tp->mu);
		if (++tp->held > tp->maxheld)
			tp->maxheld = tp->held;
		pthread_mutex_unlock(&tp->mu);
		id = __atomic_add_fetch(&next, 1, __ATOMIC_SEQ_CST);
		p[0] = swgr_db_int(id);
		p[1] = swgr_db_int(k);
		p[2] = swgr_db_text("pool");
		p[3] = swgr_db_null();
		p[4] = swgr_db_int(0);
		p[5] = swgr_db_null();
		if (drv->exec(c, SQL_INS, p, 6, NULL, &err) != SWGR_OK) {
			fprintf(stderr, "pool insert: %s\n", err.msg);
			__atomic_add_fetch(&tp->fails, 1, __ATOMIC_SEQ_CST);
		}
		pthread_mutex_lock(&tp->mu);
		tp->held--;
		pthread_mutex_unlock(&tp->mu);
		swgr_db_release(tp->db, c);
	}
	return NULL;
}

/* The server side of conn: its session id. */
static int64_t
td_session(const struct swgr_db_driver *drv, const struct td_dialect *d, void *conn)
{
	struct swgr_db_rows r;
	int64_t pid = -1;

	if (drv->exec(conn, d->pid, NULL, 0, &r, NULL) == SWGR_OK) {
		(void)swgr_db_get_int(&r, 0, 0, &pid);
		swgr_db_rows_free(&r);
	}
	return pid;
}

/*
 * As after a server restart: every session of the pool ends, two of them
 * while idle in the pool.  Only the request that meets the first dead
 * connection may fail; the idle ones must not be handed out again.
 */
static void
td_pool_restart(const struct td_dialect *d, const char *uri, struct swgr_db *db)
{
	const struct swgr_db_driver *drv = swgr_db_get_driver(db);
	struct swgr_err err = { 0 };
	void *c[3] = { NULL, NULL, NULL }, *ctl = NULL;
	int64_t pid[3];
	char kill[80];
	int k, ok = 0;

	for (k = 0; k < 3; k++) {
		CHECK(swgr_db_acquire(db, &c[k], &err) == SWGR_OK);
		pid[k] = td_session(drv, d, c[k]);
		CHECK(pid[k] > 0);
	}
	swgr_db_release(db, c[1]);
	swgr_db_release(db, c[2]);
	CHECK(drv->connect(uri, &ctl, &err) == SWGR_OK);
	for (k = 0; ctl != NULL && k < 3; k++) {
		snprintf(kill, sizeof(kill), d->kill, (long long)pid[k]);
		CHECK(drv->exec(ctl, kill, NULL, 0, NULL, &err) == SWGR_OK);
	}
	if (ctl != NULL)
		drv->close(ctl);
	usleep(200000);
	CHECK_INT(drv->exec(c[0], SQL_COUNT, NULL, 0, NULL, &err), SWGR_EUPSTREAM);
	swgr_db_release(db, c[0]);
	for (k = 0; k < 3; k++) {
		CHECK(swgr_db_acquire(db, &c[k], &err) == SWGR_OK);
		if (drv->exec(c[k], SQL_COUNT, NULL, 0, NULL, &err) == SWGR_OK)
			ok++;
	}
	CHECK_INT(ok, 3);
	for (k = 0; k < 3; k++)
		swgr_db_release(db, c[k]);
}

/* 8 threads share a pool of 3; then a killed session is replaced on the next acquire. */
static void
td_pool(const struct td_dialect *d, const char *uri)
{
	struct td_pool tp = { .mu = PTHREAD_MUTEX_INITIALIZER };
	const struct swgr_db_driver *drv;
	pthread_t th[8];
	struct swgr_db_rows r;
	struct swgr_err err = { 0 };
	char kill[80];
	void *c, *c2;
	int64_t n = 0, pid = 0;
	int k;

	CHECK(swgr_db_open(uri, 3, &tp.db, &err) == SWGR_OK);
	if (tp.db == NULL)
		return;
	drv = swgr_db_get_driver(tp.db);
	CHECK(swgr_db_acquire(tp.db, &c, &err) == SWGR_OK);
	CHECK(drv->script(c, "DELETE FROM td_t WHERE id >= 1000", &err) == SWGR_OK);
	swgr_db_release(tp.db, c);
	for (k = 0; k < 8; k++)
		pthread_create(&th[k], NULL, td_pool_thread, &tp);
	for (k = 0; k < 8; k++)
		pthread_join(th[k], NULL);
	CHECK_INT(tp.fails, 0);
	CHECK(tp.maxheld >= 1 && tp.maxheld <= 3);
	CHECK(swgr_db_acquire(tp.db, &c, &err) == SWGR_OK);
	CHECK(drv->exec(c, "SELECT COUNT(*) FROM td_t WHERE id >= 1000", NULL, 0, &r,
	    &err) == SWGR_OK);
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK);
	CHECK_INT(n, 800);
	swgr_db_rows_free(&r);
	if (d->pid != NULL) {
		CHECK(drv->exec(c, d->pid, NULL, 0, &r, &err) == SWGR_OK);
		CHECK(swgr_db_get_int(&r, 0, 0, &pid) == SWGR_OK);
		swgr_db_rows_free(&r);
		CHECK(swgr_db_acquire(tp.db, &c2, &err) == SWGR_OK);
		snprintf(kill, sizeof(kill), d->kill, (long long)pid);
		CHECK(drv->exec(c2, kill, NULL, 0, NULL, &err) == SWGR_OK);
		swgr_db_release(tp.db, c2);
		usleep(200000);
		CHECK_INT(drv->exec(c, SQL_COUNT, NULL, 0, NULL, &err), SWGR_EUPSTREAM);
		CHECK(drv->broken(c));
		CHECK(strstr(err.msg, ":swgr@") == NULL);
		swgr_db_release(tp.db, c);
		/* Every pooled connection works again, the broken one reopened. */
		CHECK(swgr_db_acquire(tp.db, &c, &err) == SWGR_OK);
		CHECK(swgr_db_acquire(tp.db, &c2, &err) == SWGR_OK);
		CHECK(drv->exec(c, SQL_COUNT, NULL, 0, NULL, &err) == SWGR_OK);
		CHECK(drv->exec(c2, SQL_COUNT, NULL, 0, NULL, &err) == SWGR_OK);
		swgr_db_release(tp.db, c2);
		swgr_db_release(tp.db, c);
		c = NULL;
		td_pool_restart(d, uri, tp.db);
	}
	swgr_db_release(tp.db, c);
	swgr_db_close(tp.db);
}

/* SQLite specifics: URIs and modes, pragmas, in-memory sharing, busy. */
static void
td_sqlite_only(const char *dir)
{
	const struct swgr_db_driver *drv = &swgr_db_sqlite;
	struct swgr_db_rows r;
	struct swgr_err err = { 0 };
	struct swgr_db *db;
	char uri[512];
	void *c = NULL, *c2 = NULL;
	int64_t n;

	snprintf(uri, sizeof(uri), "sqlite://%s/missing.db", dir);
	CHECK_INT(drv->connect(uri, &c, &err), SWGR_EUPSTREAM);
	CHECK(strstr(err.msg, "mode=rwc") != NULL);
	snprintf(uri, sizeof(uri), "sqlite://%s/a%%20b.db?mode=rwc", dir);
	CHECK(drv->connect(uri, &c, &err) == SWGR_OK);
	CHECK(drv->exec(c, "PRAGMA foreign_keys", NULL, 0, &r, &err) == SWGR_OK);
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == 1);
	swgr_db_rows_free(&r);
	CHECK(drv->exec(c, "PRAGMA journal_mode", NULL, 0, &r, &err) == SWGR_OK);
	CHECK(r.nrows == 1 && strcmp(swgr_db_at(&r, 0, 0)->p, "wal") == 0);
	swgr_db_rows_free(&r);
	CHECK(drv->exec(c, "PRAGMA synchronous", NULL, 0, &r, &err) == SWGR_OK);
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == 1);
	swgr_db_rows_free(&r);
	CHECK(drv->exec(c, "PRAGMA busy_timeout", NULL, 0, &r, &err) == SWGR_OK);
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == 10000);
	swgr_db_rows_free(&r);
	CHECK(drv->script(c, "CREATE TABLE x (a integer)", &err) == SWGR_OK);
	snprintf(uri, sizeof(uri), "sqlite:%s/a b.db", dir);
	CHECK(drv->connect(uri, &c2, &err) == SWGR_OK);
	/* Busy: a second writer without patience gets SWGR_ERETRY. */
	CHECK(drv->script(c, "BEGIN IMMEDIATE", &err) == SWGR_OK);
	CHECK(drv->script(c2, "PRAGMA busy_timeout = 0", &err) == SWGR_OK);
	CHECK_INT(drv->script(c2, "BEGIN IMMEDIATE", &err), SWGR_ERETRY);
	CHECK(drv->script(c, "COMMIT", &err) == SWGR_OK);
	drv->close(c2);
	c2 = NULL;
	snprintf(uri, sizeof(uri), "sqlite://%s/a%%20b.db?mode=ro", dir);
	CHECK(drv->connect(uri, &c2, &err) == SWGR_OK);
	CHECK(drv->script(c2, "INSERT INTO x VALUES (1)", &err) != SWGR_OK);
	drv->close(c2);
	c2 = NULL;
	CHECK_INT(drv->connect("sqlite://x?mode=bogus", &c2, &err), SWGR_EINTERNAL);
	drv->close(c);

	/* sqlite::memory: is one database for the whole pool. */
	CHECK(swgr_db_open("sqlite::memory:", 2, &db, &err) == SWGR_OK);
	CHECK(swgr_db_acquire(db, &c, &err) == SWGR_OK);
	CHECK(swgr_db_acquire(db, &c2, &err) == SWGR_OK);
	CHECK(drv->script(c, "CREATE TABLE m (a integer); INSERT INTO m VALUES (7)",
	    &err) == SWGR_OK);
	CHECK(drv->exec(c2, "SELECT a FROM m", NULL, 0, &r, &err) == SWGR_OK);
	CHECK(swgr_db_get_int(&r, 0, 0, &n) == SWGR_OK && n == 7);
	swgr_db_rows_free(&r);
	swgr_db_release(db, c);
	swgr_db_release(db, c2);
	swgr_db_close(db);
	CHECK_INT(swgr_db_open("oracle://x", 1, &db, &err), SWGR_EINTERNAL);
}

/* swgr_db_check: each driver reads the URI as its connect would, and nothing is opened. */
static void
td_check(const char *dir)
{
	struct swgr_err err = { 0 };
	char uri[700], path[600];

	snprintf(path, sizeof(path), "%s/check-dir/never.db", dir);
	snprintf(uri, sizeof(uri), "sqlite://%s?mode=rwc", path);
	CHECK_INT(swgr_db_check(uri, &err), SWGR_OK);
	CHECK(access(path, F_OK) != 0);				/* not created */
	CHECK_INT(swgr_db_check("sqlite::memory:", &err), SWGR_OK);
	snprintf(uri, sizeof(uri), "sqlite://%s?mode=sideways", path);
	CHECK(swgr_db_check(uri, &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "sideways"));
	/* a port where no server listens: parsed, not dialled */
	CHECK_INT(swgr_db_check("postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable", &err),
	    SWGR_OK);
	CHECK(swgr_db_check("postgresql://u:hunter2@127.0.0.1:1/db?bogus=1", &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "invalid database URI"));
	CHECK(kit_lacks(err.msg, "hunter2"));
	CHECK_INT(swgr_db_check("mysql://u:hunter2@127.0.0.1:1/db", &err), SWGR_OK);
	CHECK_INT(swgr_db_check("mariadb://u@localhost/db?socket=/nowhere.sock", &err), SWGR_OK);
	CHECK(swgr_db_check("mysql://u:hunter2@127.0.0.1:port/db", &err) != SWGR_OK);
	CHECK(kit_lacks(err.msg, "hunter2"));
	CHECK(swgr_db_check("oracle://u:hunter2@x/db", &err) != SWGR_OK);
	CHECK(kit_contains(err.msg, "unsupported scheme"));
	CHECK(kit_lacks(err.msg, "hunter2"));
	CHECK(swgr_db_check(NULL, &err) != SWGR_OK);
}

int
main(void)
{
	const char *pg = getenv("SWGR_TEST_PG_URI"), *my = getenv("SWGR_TEST_MYSQL_URI"), *dir;
	char uri[600];

	td_basics();
	dir = kit_tmpdir("db");
	td_sqlite_only(dir);
	td_check(dir);
	snprintf(uri, sizeof(uri), "sqlite://%s/drv.db?mode=rwc", dir);
	td_driver(&td_sqlite, uri);
	td_pool(&td_sqlite, uri);
	if (pg != NULL && *pg != '\0') {
		td_driver(&td_pg, pg);
		td_pool(&td_pg, pg);
	} else
		SKIP("test_db: the postgres half (SWGR_TEST_PG_URI unset)");
	if (my != NULL && *my != '\0') {
		td_driver(&td_my, my);
		td_pool(&td_my, my);
	} else
		SKIP("test_db: the mysql half (SWGR_TEST_MYSQL_URI unset)");
	return t_done("test_db");
}
