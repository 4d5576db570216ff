/*
 * Checks of the PostgreSQL and MariaDB drivers (db_pg.c, db_mysql.c) against
 * live servers named by SWGR_TEST_PG_URI and SWGR_TEST_MYSQL_URI, as
 * scripts/test.sh starts them (tests/dbctl.sh); SWGR_TEST_MYSQL_SOCKET_URI
 * optionally adds a unix-socket connect.  A half whose URI is unset is a
 * SKIP (t.h: a failure under SWGR_TEST_REQUIRE_DBS=1); with neither set the
 * program reports itself skipped (exit 77): there is nothing to check.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "t.h"

/* The SQL that differs between the dialects. */
struct dd_sql {
	const char	*create;
	const char	*pid;		/* this session's id */
	const char	*kill;		/* printf format: end session %lld */
	const char	*nprep;		/* prepared statements so far */
	const char	*lockwait;	/* make lock waits short */
	const char	*literal;	/* '$1' literal and $1 */
	const char	*tz;		/* the session time zone */
	const char	*tzwant;
	const char	*ts;		/* a timestamp as text */
	const char	*tswant;
	const char	*upsert;	/* insert or update id $1 with t = $2 */
	int64_t		 upd_same;	/* its affected count when nothing changes */
};

static const struct dd_sql dd_pg = {
	"DROP TABLE IF EXISTS dd_t; DROP TABLE IF EXISTS dd_parent;"
	"CREATE TABLE dd_parent (id bigint PRIMARY KEY, name varchar(10) UNIQUE);"
	"CREATE TABLE dd_t (id bigint PRIMARY KEY, i bigint, t text, b bytea,"
	" flag boolean, parent bigint REFERENCES dd_parent (id), j jsonb,"
	" at timestamptz DEFAULT now());"
	"INSERT INTO dd_parent VALUES (1, 'one'), (2, 'two')",
	"SELECT pg_backend_pid()",
	"SELECT pg_terminate_backend(%lld)",
	"SELECT count(*) FROM pg_prepared_statements",
	"SET lock_timeout = '200ms'",
	"SELECT '$1;', $1::text",
	"SHOW TimeZone",
	"UTC",
	"SELECT CAST('2024-01-02 03:04:05.5+02' AS timestamptz)",
	"2024-01-02 01:04:05.5+00",
	"INSERT INTO dd_t (id, t) VALUES ($1, $2)"
	" ON CONFLICT (id) DO UPDATE SET t = excluded.t",
	1,
};

static const struct dd_sql dd_my = {
	"DROP TABLE IF EXISTS dd_t; DROP TABLE IF EXISTS dd_parent;"
	"CREATE TABLE dd_parent (id bigint PRIMARY KEY, name varchar(10) UNIQUE)"
	" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"
	"CREATE TABLE dd_t (id bigint PRIMARY KEY, i bigint, t longtext,"
	" b longblob, flag bool, parent bigint, j json,"
	" at timestamp NULL DEFAULT CURRENT_TIMESTAMP,"
	" FOREIGN KEY (parent) REFERENCES dd_parent (id))"
	" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"
	"INSERT INTO dd_parent VALUES (1, 'one'), (2, 'two')",
	"SELECT CONNECTION_ID()",
	"KILL %lld",
	"SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
	" WHERE VARIABLE_NAME = 'COM_STMT_PREPARE'",
	"SET innodb_lock_wait_timeout = 1",
	"SELECT '$1;', $1",
	"SELECT @@session.time_zone",
	"+00:00",
	"SELECT CAST('2024-01-02 03:04:05.5' AS DATETIME(1))",
	"2024-01-02 03:04:05.5",
	"INSERT INTO dd_t (id, t) VALUES ($1, $2)"
	" ON DUPLICATE KEY UPDATE t = VALUES(t)",
	1,	/* 2 when a value changed */
};

static const char dd_text[] = "it's \"quoted\"; DROP TABLE dd_t; -- \\ back\\slash"
    " $1 ? \xc3\xa9 \xe2\x98\x83 \xf0\x9d\x84\x9e";

/* Runs sql and returns the INT (or integer TEXT) at row 0, column 0; -1 on error. */
static int64_t
dd_int(const struct swgr_db_driver *d, void *c, const char *sql,
    const struct swgr_db_val *p, size_t np)
{
	struct swgr_db_rows r;
	struct swgr_err err;
	int64_t v = -1;

	if (d->exec(c, sql, p, np, &r, &err) != SWGR_OK) {
		fprintf(stderr, "dd_int: %s\n", err.msg);
		return -1;
	}
	if (swgr_db_get_int(&r, 0, 0, &v) != SWGR_OK)
		v = -1;
	swgr_db_rows_free(&r);
	return v;
}

static void
dd_types(const struct swgr_db_driver *d, void *c)
{
	static const char sel[] =
	    "SELECT id, i, t, b, flag, parent, j FROM dd_t WHERE id = $1";
	static const char ins[] = "INSERT INTO dd_t (id, i, t, b, flag, parent, j)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
	static const int64_t ints[] = { INT64_MIN, INT64_MAX, 0, -1 };
	unsigned char blob[300];
	struct swgr_db_val p[7];
	struct swgr_db_rows r;
	struct swgr_err err;
	const struct swgr_db_val *v;
	size_t i;

	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(i * 7);	/* NULs included */
	for (i = 0; i < 4; i++) {
		p[0] = swgr_db_int((int64_t)i + 10);
		p[1] = swgr_db_int(ints[i]);
		p[2] = i == 3 ? swgr_db_text("") : swgr_db_text(dd_text);
		p[3] = swgr_db_blob(blob, i == 3 ? 0 : sizeof(blob));
		p[4] = swgr_db_int(i % 2);
		p[5] = i == 0 ? swgr_db_int(1) : swgr_db_null();
		p[6] = swgr_db_text("{\"a\": [1, \"x\"]}");
		CHECK_INT(d->exec(c, ins, p, 7, &r, &err), SWGR_OK);
		CHECK_INT(r.affected, 1);
		swgr_db_rows_free(&r);
	}
	for (i = 0; i < 4; i++) {
		p[0] = swgr_db_int((int64_t)i + 10);
		CHECK_INT(d->exec(c, sel, p, 1, &r, &err), SWGR_OK);
		CHECK_INT(r.nrows, 1);
		CHECK_INT(r.ncols, 7);
		if (r.nrows != 1)
			continue;
		CHECK_INT(swgr_db_at(&r, 0, 0)->type, SWGR_DBT_INT);
		v = swgr_db_at(&r, 0, 1);
		CHECK(v->type == SWGR_DBT_INT && v->i == ints[i]);
		v = swgr_db_at(&r, 0, 2);
		CHECK_INT(v->type, SWGR_DBT_TEXT);
		CHECK_STR((const char *)v->p, i == 3 ? "" : dd_text);
		CHECK_INT(v->len, i == 3 ? 0 : strlen(dd_text));
		v = swgr_db_at(&r, 0, 3);
		CHECK_INT(v->type, SWGR_DBT_BLOB);
		CHECK_INT(v->len, i == 3 ? 0 : sizeof(blob));
		CHECK(i == 3 || memcmp(v->p, blob, sizeof(blob)) == 0);
		CHECK(((const char *)v->p)[v->len] == '\0');
		v = swgr_db_at(&r, 0, 4);
		CHECK(v->type == SWGR_DBT_INT && v->i == (int64_t)(i % 2));
		CHECK(swgr_db_is_null(&r, 0, 5) == (i != 0));
		CHECK_INT(swgr_db_at(&r, 0, 6)->type, SWGR_DBT_TEXT);
		swgr_db_rows_free(&r);
	}
	/* No rows: the columns are still known. */
	p[0] = swgr_db_int(999);
	CHECK_INT(d->exec(c, sel, p, 1, &r, &err), SWGR_OK);
	CHECK_INT(r.nrows, 0);
	CHECK_INT(r.ncols, 7);
	swgr_db_rows_free(&r);
	/* Results may be ignored. */
	CHECK_INT(d->exec(c, sel, p, 1, NULL, &err), SWGR_OK);
}

static void
dd_params(const struct swgr_db_driver *d, void *c, const struct dd_sql *q)
{
	static const char ins[] =
	    "INSERT INTO dd_t (id, i, t) VALUES ($2, $2, $1)";
	static const char sel[] = "SELECT i, t FROM dd_t WHERE id = $1 AND i = $1";
	struct swgr_db_val p[2];
	struct swgr_db_rows r;
	struct swgr_err err;
	char buf[64];

	/* Repeated and out-of-order $N. */
	p[0] = swgr_db_text("rep");
	p[1] = swgr_db_int(77);
	CHECK_INT(d->exec(c, ins, p, 2, NULL, &err), SWGR_OK);
	p[0] = swgr_db_int(77);
	CHECK_INT(d->exec(c, sel, p, 1, &r, &err), SWGR_OK);
	CHECK_INT(r.nrows, 1);
	if (r.nrows == 1) {
		CHECK_INT(swgr_db_at(&r, 0, 0)->i, 77);
		CHECK_STR((const char *)swgr_db_at(&r, 0, 1)->p, "rep");
	}
	swgr_db_rows_free(&r);

	/* A TEXT value is bound by its length, not to a NUL. */
	p[0] = swgr_db_textn("abcdef", 3);
	CHECK_INT(d->exec(c, q->literal, p, 1, &r, &err), SWGR_OK);
	if (r.nrows == 1 && r.ncols == 2) {
		CHECK_STR((const char *)swgr_db_at(&r, 0, 1)->p, "abc");
		CHECK_INT(swgr_db_at(&r, 0, 1)->len, 3);
	} else
		CHECK(0);
	swgr_db_rows_free(&r);

	/* A $1 inside a literal is text, not a placeholder. */
	p[0] = swgr_db_text("x");
	CHECK_INT(d->exec(c, q->literal, p, 1, &r, &err), SWGR_OK);
	if (r.nrows == 1 && r.ncols == 2) {
		CHECK_STR((const char *)swgr_db_at(&r, 0, 0)->p, "$1;");
		CHECK_STR((const char *)swgr_db_at(&r, 0, 1)->p, "x");
	} else
		CHECK(0);
	swgr_db_rows_free(&r);

	/* The same address with new text is prepared again. */
	snprintf(buf, sizeof(buf), "SELECT 1");
	CHECK_INT(dd_int(d, c, buf, NULL, 0), 1);
	snprintf(buf, sizeof(buf), "SELECT 2");
	CHECK_INT(dd_int(d, c, buf, NULL, 0), 2);

	/* Too few values is our error, not a lost connection. */
	p[0] = swgr_db_int(1);
	CHECK_INT(d->exec(c, sel, p, 0, NULL, &err), SWGR_EINTERNAL);
	CHECK(!d->broken(c));

	CHECK_INT(d->exec(c, q->ts, NULL, 0, &r, &err), SWGR_OK);
	if (r.nrows == 1) {
		CHECK_INT(swgr_db_at(&r, 0, 0)->type, SWGR_DBT_TEXT);
		CHECK_STR((const char *)swgr_db_at(&r, 0, 0)->p, q->tswant);
	}
	swgr_db_rows_free(&r);

	/* The session runs in UTC. */
	CHECK_INT(d->exec(c, q->tz, NULL, 0, &r, &err), SWGR_OK);
	if (r.nrows == 1)
		CHECK_STR((const char *)swgr_db_at(&r, 0, 0)->p, q->tzwant);
	swgr_db_rows_free(&r);
}

/* More distinct statements than a connection keeps: all still run right. */
static void
dd_evict(const struct swgr_db_driver *d, void *c)
{
	static char sql[300][32];
	size_t i, bad = 0;

	for (i = 0; i < 300; i++)
		snprintf(sql[i], sizeof(sql[i]), "SELECT %zu + 0", i);
	for (i = 0; i < 600; i++)
		if (dd_int(d, c, sql[i % 300], NULL, 0) != (int64_t)(i % 300))
			bad++;
	CHECK_INT(bad, 0);
	CHECK(!d->broken(c));
}

static void
dd_cache(const struct swgr_db_driver *d, void *c, const struct dd_sql *q)
{
	static const char x[] = "SELECT count(*) FROM dd_t WHERE i > $1";
	struct swgr_db_val p = swgr_db_int(0);
	int64_t n1, n2, n3;

	(void)dd_int(d, c, q->nprep, NULL, 0);	/* prepare the counter */
	n1 = dd_int(d, c, q->nprep, NULL, 0);
	(void)dd_int(d, c, x, &p, 1);
	n2 = dd_int(d, c, q->nprep, NULL, 0);
	(void)dd_int(d, c, x, &p, 1);
	(void)dd_int(d, c, x, &p, 1);
	(void)dd_int(d, c, x, &p, 1);
	n3 = dd_int(d, c, q->nprep, NULL, 0);
	CHECK(n1 > 0);
	CHECK_INT(n2, n1 + 1);
	CHECK_INT(n3, n2);
	dd_evict(d, c);
}

static void
dd_affected(const struct swgr_db_driver *d, void *c)
{
	static const char same[] = "UPDATE dd_t SET t = $2, i = i WHERE id = $1";
	static const char del[] = "DELETE FROM dd_t WHERE id = $1";
	struct swgr_db_val p[2];
	struct swgr_db_rows r;
	struct swgr_err err;

	p[0] = swgr_db_int(77);
	p[1] = swgr_db_text("rep");		/* the value it has */
	CHECK_INT(d->exec(c, same, p, 2, &r, &err), SWGR_OK);
	CHECK_INT(r.affected, 1);
	swgr_db_rows_free(&r);
	CHECK_INT(d->exec(c, same, p, 2, &r, &err), SWGR_OK);
	CHECK_INT(r.affected, 1);
	swgr_db_rows_free(&r);
	p[0] = swgr_db_int(12345);
	CHECK_INT(d->exec(c, same, p, 2, &r, &err), SWGR_OK);
	CHECK_INT(r.affected, 0);
	swgr_db_rows_free(&r);
	p[0] = swgr_db_int(77);
	CHECK_INT(d->exec(c, del, p, 1, &r, &err), SWGR_OK);
	CHECK_INT(r.affected, 1);
	swgr_db_rows_free(&r);
}

static void
dd_errors(const struct swgr_db_driver *d, void *c)
{
	static const char ins[] = "INSERT INTO dd_t (id, parent) VALUES ($1, $2)";
	static const char par[] = "INSERT INTO dd_parent (id, name) VALUES ($1, $2)";
	static const char delpar[] = "DELETE FROM dd_parent WHERE id = $1";
	struct swgr_db_val p[2];
	struct swgr_err err;

	p[0] = swgr_db_int(10);
	p[1] = swgr_db_null();
	CHECK_INT(d->exec(c, ins, p, 2, NULL, &err), SWGR_CONFLICT);
	p[0] = swgr_db_int(3);
	p[1] = swgr_db_text("one");
	CHECK_INT(d->exec(c, par, p, 2, NULL, &err), SWGR_CONFLICT);
	p[0] = swgr_db_int(500);
	p[1] = swgr_db_int(999);
	CHECK_INT(d->exec(c, ins, p, 2, NULL, &err), SWGR_EREFERENCE);
	p[0] = swgr_db_int(1);
	CHECK_INT(d->exec(c, delpar, p, 1, NULL, &err), SWGR_EREFERENCE);
	p[0] = swgr_db_int(4);
	p[1] = swgr_db_text("far too long for ten");
	CHECK_INT(d->exec(c, par, p, 2, NULL, &err), SWGR_EINVAL);
	CHECK_INT(d->exec(c, "SELEC 1", NULL, 0, NULL, &err), SWGR_EINTERNAL);
	CHECK(strstr(err.msg, "SELEC 1") != NULL);
	CHECK_INT(d->script(c, "SELECT nosuchcolumn FROM dd_t", &err),
	    SWGR_EINTERNAL);
	CHECK(!d->broken(c));
	CHECK_INT(dd_int(d, c, "SELECT 41 + 1", NULL, 0), 42);
}

static void
dd_upsert(const struct swgr_db_driver *d, void *c, const struct dd_sql *q)
{
	struct swgr_db_val p[2];
	struct swgr_db_rows r;
	struct swgr_err err;
	int64_t got[3];
	int i;

	p[0] = swgr_db_int(700);
	for (i = 0; i < 3; i++) {
		p[1] = swgr_db_text(i == 0 ? "a" : "b");
		got[i] = -1;
		if (d->exec(c, q->upsert, p, 2, &r, &err) == SWGR_OK)
			got[i] = r.affected;
		swgr_db_rows_free(&r);
	}
	CHECK_INT(got[0], 1);
	CHECK_INT(got[1], q == &dd_pg ? 1 : 2);
	CHECK_INT(got[2], q->upd_same);
}

/* A transaction rolled back; a lock wait that times out is retryable. */
static void
dd_tx(const struct swgr_db_driver *d, void *c, void *c2,
    const struct dd_sql *q)
{
	static const char ins[] = "INSERT INTO dd_t (id) VALUES ($1)";
	static const char upd[] = "UPDATE dd_t SET i = 5 WHERE id = $1";
	static const char cnt[] = "SELECT count(*) FROM dd_t WHERE id = $1";
	struct swgr_db_val p = swgr_db_int(600);
	struct swgr_err err;

	CHECK_INT(d->script(c, "BEGIN", &err), SWGR_OK);
	CHECK_INT(d->exec(c, ins, &p, 1, NULL, &err), SWGR_OK);
	CHECK_INT(d->script(c, "ROLLBACK", &err), SWGR_OK);
	CHECK_INT(dd_int(d, c, cnt, &p, 1), 0);

	p = swgr_db_int(10);
	CHECK_INT(d->script(c2, q->lockwait, &err), SWGR_OK);
	CHECK_INT(d->script(c, "BEGIN", &err), SWGR_OK);
	CHECK_INT(d->exec(c, upd, &p, 1, NULL, &err), SWGR_OK);
	CHECK_INT(d->exec(c2, upd, &p, 1, NULL, &err), SWGR_ERETRY);
	CHECK_INT(d->script(c, "COMMIT", &err), SWGR_OK);
	(void)d->script(c2, "ROLLBACK", &err);

	/* After a failure inside a transaction, ROLLBACK makes c usable again. */
	CHECK_INT(d->script(c, "BEGIN", &err), SWGR_OK);
	CHECK(d->exec(c, ins, &p, 1, NULL, &err) == SWGR_CONFLICT);
	(void)d->exec(c, "SELECT 3 + 0", NULL, 0, NULL, &err);
	CHECK_INT(d->script(c, "ROLLBACK", &err), SWGR_OK);
	CHECK_INT(dd_int(d, c, "SELECT 3 + 0", NULL, 0), 3);

	/* Upserts: created and updated rows both count (MySQL: 1 new, 2 changed). */
	dd_upsert(d, c, q);

	/*
	 * A multi-statement script stops at its failing statement (PostgreSQL
	 * also rolls back the ones before: one implicit transaction).
	 */
	CHECK_INT(d->script(c, "INSERT INTO dd_t (id) VALUES (601);"
	    "INSERT INTO dd_t (id) VALUES (601); INSERT INTO dd_t (id) "
	    "VALUES (602)", &err), SWGR_CONFLICT);
	p = swgr_db_int(601);
	CHECK_INT(dd_int(d, c, cnt, &p, 1), q == &dd_pg ? 0 : 1);
	p = swgr_db_int(602);
	CHECK_INT(dd_int(d, c, cnt, &p, 1), 0);
}

/* The server ends the session of c: the next exec reports it and c is broken. */
static void
dd_kill(const struct swgr_db_driver *d, void *c, void *c2,
    const struct dd_sql *q)
{
	struct swgr_err err;
	char sql[64];
	int64_t id;

	CHECK(!d->broken(c));
	CHECK((id = dd_int(d, c, q->pid, NULL, 0)) > 0);
	snprintf(sql, sizeof(sql), q->kill, (long long)id);
	CHECK_INT(d->script(c2, sql, &err), SWGR_OK);
	CHECK_INT(d->exec(c, "SELECT 41 + 1", NULL, 0, NULL, &err),
	    SWGR_EUPSTREAM);
	fprintf(stderr, "  (killed: %s)\n", err.msg);
	CHECK(d->broken(c));
	CHECK_INT(d->exec(c, "SELECT 41 + 1", NULL, 0, NULL, &err),
	    SWGR_EUPSTREAM);
	CHECK_INT(d->script(c, "SELECT 1", &err), SWGR_EUPSTREAM);
	CHECK(!d->broken(c2));
}

/* A wrong password or a bad URI gives a clear message without the password. */
static void
dd_badauth(const struct swgr_db_driver *d, const char *uri)
{
	struct swgr_err err;
	char bad[512];
	const char *at, *colon;
	void *c = NULL;

	at = strrchr(uri, '@');
	colon = at != NULL ? memchr(uri + 10, ':', at - uri - 10) : NULL;
	if (colon == NULL) {
		CHECK(0);
		return;
	}
	snprintf(bad, sizeof(bad), "%.*sWr0ngS3cret%s", (int)(colon + 1 - uri),
	    uri, at);
	memset(&err, 0, sizeof(err));
	if (d->connect(bad, &c, &err) == SWGR_OK) {
		/*
		 * The refusal this checks cannot be provoked: the server lets
		 * the URI's user in without its password (a trust or peer rule
		 * for TCP connections from 127.0.0.1, or a user without one).
		 * That is a failure of the test set-up, not a pass.
		 */
		snprintf(bad, sizeof(bad), "%s: the server accepted a wrong "
		    "password, so the wrong-password refusal cannot be checked: "
		    "the test server must require the password of TCP clients "
		    "(see tests/dbctl.sh)", d->name);
		FAIL(bad);
		d->close(c);
		c = NULL;
	} else {
		CHECK_INT(err.rc, SWGR_EUPSTREAM);
		CHECK(c == NULL);
		CHECK(err.msg[0] != '\0');
		CHECK(strstr(err.msg, "Wr0ngS3cret") == NULL);
		fprintf(stderr, "  (wrong password: %s)\n", err.msg);
	}

	snprintf(bad, sizeof(bad), "%.*sWr0ngS3cret@127.0.0.1:x/db?%%zz",
	    (int)(colon + 1 - uri), uri);
	CHECK(d->connect(bad, &c, &err) != SWGR_OK);
	CHECK(strstr(err.msg, "Wr0ngS3cret") == NULL);
	fprintf(stderr, "  (bad URI: %s)\n", err.msg);

	snprintf(bad, sizeof(bad), "%.*sWr0ngS3cret@[::1/db?x=1",
	    (int)(colon + 1 - uri), uri);
	CHECK(d->connect(bad, &c, &err) != SWGR_OK);
	CHECK(strstr(err.msg, "Wr0ngS3cret") == NULL);
	fprintf(stderr, "  (bad URI: %s)\n", err.msg);

	snprintf(bad, sizeof(bad), "%.*sWr0ngS3cret@127.0.0.1:1/db",
	    (int)(colon + 1 - uri), uri);
	CHECK_INT(d->connect(bad, &c, &err), SWGR_EUPSTREAM);
	CHECK(strstr(err.msg, "Wr0ngS3cret") == NULL);
	fprintf(stderr, "  (refused: %s)\n", err.msg);
}

/* The other scheme spelling, and a percent-encoded user and password. */
static void
dd_uris(const struct swgr_db_driver *d, const char *uri)
{
	const char *alt = d == &swgr_db_postgres ? "postgresql" : "mariadb";
	const char *rest, *at, *colon;
	struct swgr_err err;
	char buf[512], enc[256];
	size_t i, n;
	void *c = NULL;

	rest = strstr(uri, "://");
	at = rest != NULL ? strrchr(rest, '@') : NULL;
	colon = at != NULL ? memchr(rest + 3, ':', at - rest - 3) : NULL;
	if (colon == NULL) {
		CHECK(0);
		return;
	}
	snprintf(buf, sizeof(buf), "%s%s", alt, rest);
	CHECK_INT(d->connect(buf, &c, &err), SWGR_OK);
	if (c != NULL)
		CHECK_INT(dd_int(d, c, "SELECT 7", NULL, 0), 7);
	d->close(c);
	c = NULL;

	for (n = 0, i = 3; rest + i < at && n + 4 < sizeof(enc); i++)
		n += (size_t)snprintf(enc + n, sizeof(enc) - n, rest + i == colon ?
		    ":" : "%%%02x", (unsigned char)rest[i]);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(rest + 3 - uri), uri, enc,
	    at);
	CHECK_INT(d->connect(buf, &c, &err), SWGR_OK);
	if (c != NULL)
		CHECK_INT(dd_int(d, c, "SELECT 8", NULL, 0), 8);
	d->close(c);
}

struct dd_pool {
	struct swgr_db	*db;
	int		 bad;
	int		 id;
};

/* One thread of dd_threads: 100 inserts and reads through the pool. */
static void *
dd_worker(void *arg)
{
	static const char ins[] = "INSERT INTO dd_t (id, i) VALUES ($1, $2)";
	static const char sel[] = "SELECT i FROM dd_t WHERE id = $1";
	struct dd_pool *w = arg;
	const struct swgr_db_driver *d = swgr_db_get_driver(w->db);
	struct swgr_db_val p[2];
	struct swgr_err err;
	void *c;
	int k;

	for (k = 0; k < 100; k++) {
		if (swgr_db_acquire(w->db, &c, &err) != SWGR_OK) {
			w->bad++;
			continue;
		}
		p[0] = swgr_db_int(10000 + w->id * 1000 + k);
		p[1] = swgr_db_int(k);
		if (d->exec(c, ins, p, 2, NULL, &err) != SWGR_OK ||
		    dd_int(d, c, sel, p, 1) != k)
			w->bad++;
		swgr_db_release(w->db, c);
	}
	return NULL;
}

/* Four threads share a pool of two connections. */
static void
dd_threads(const char *uri)
{
	struct dd_pool w[4];
	pthread_t th[4];
	struct swgr_db *db;
	struct swgr_err err;
	int i, bad = 0;

	if (swgr_db_open(uri, 2, &db, &err) != SWGR_OK) {
		CHECK(0);
		return;
	}
	for (i = 0; i < 4; i++) {
		w[i].db = db;
		w[i].bad = 0;
		w[i].id = i;
		pthread_create(&th[i], NULL, dd_worker, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += w[i].bad;
	}
	CHECK_INT(bad, 0);
	swgr_db_close(db);
}

static void
dd_run(const struct swgr_db_driver *d, const char *env, const struct dd_sql *q)
{
	const char *uri = getenv(env);
	struct swgr_err err;
	void *c = NULL, *c2 = NULL;
	int before = t_fail;
	char why[128];

	if (uri == NULL || *uri == '\0') {
		snprintf(why, sizeof(why), "test_dbdrv: the %s half (%s unset)",
		    d->name, env);
		SKIP(why);
		return;
	}
	if (d->connect(uri, &c, &err) != SWGR_OK ||
	    d->connect(uri, &c2, &err) != SWGR_OK) {
		fprintf(stderr, "%s: %s\n", d->name, err.msg);
		CHECK(0);
		goto out;
	}
	CHECK_INT(d->script(c, q->create, &err), SWGR_OK);
	dd_types(d, c);
	dd_params(d, c, q);
	dd_cache(d, c, q);
	dd_affected(d, c);
	dd_errors(d, c);
	dd_tx(d, c, c2, q);
	dd_threads(uri);
	dd_kill(d, c, c2, q);
	dd_badauth(d, uri);
	dd_uris(d, uri);
	CHECK_INT(d->script(c2, "DROP TABLE dd_t; DROP TABLE dd_parent", &err),
	    SWGR_OK);
out:
	printf("%s: %s\n", d->name, t_fail == before ? "ok" : "FAILED");
	if (c != NULL)
		d->close(c);
	if (c2 != NULL)
		d->close(c2);
}

/* Optional: SWGR_TEST_MYSQL_SOCKET_URI, e.g. mysql://root@/swgr?socket=/tmp/my-drv/sock. */
static void
dd_socket(void)
{
	const char *uri = getenv("SWGR_TEST_MYSQL_SOCKET_URI");
	struct swgr_err err;
	void *c = NULL;

	if (uri == NULL || *uri == '\0')
		return;
	if (swgr_db_mysql.connect(uri, &c, &err) != SWGR_OK) {
		fprintf(stderr, "socket: %s\n", err.msg);
		CHECK(0);
		return;
	}
	CHECK_INT(dd_int(&swgr_db_mysql, c, "SELECT 9", NULL, 0), 9);
	swgr_db_mysql.close(c);
}

int
main(void)
{
	int pass0;

	pass0 = t_pass;
	dd_run(&swgr_db_postgres, "SWGR_TEST_PG_URI", &dd_pg);
	printf("postgres checks: %d\n", t_pass - pass0);
	pass0 = t_pass;
	dd_run(&swgr_db_mysql, "SWGR_TEST_MYSQL_URI", &dd_my);
	dd_socket();
	printf("mysql checks: %d\n", t_pass - pass0);
	return t_done("test_dbdrv");
}
