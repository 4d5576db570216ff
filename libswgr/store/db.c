/* The SQL layer's shared half: the connection pool, driver lookup, result rows and values. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/metrics.h"
#include "core/uri.h"
#include "store/db.h"

#define DB_MAX_DEFAULT	10	/* sqlx's default pool size */

struct swgr_db {
	const struct swgr_db_driver *drv;
	char		*uri;
	unsigned	 max;		/* connections allowed */
	unsigned	 nopen;		/* connections open or being opened */
	void	       **idle;		/* max slots */
	unsigned	 nidle;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* metrics (core/metrics.h), looked up at open; the pools of a process share them */
	struct swgr_metric *in_use;	/* swgr_db_connections_in_use{driver} */
	struct swgr_metric *errors[4];	/* swgr_db_errors_total{driver,error}: see db_error_names */
};

static const char *const db_error_names[4] = { "connect", "unavailable", "retry", "internal" };

/* Private bookkeeping of rows under construction (rows->mem). */
struct db_rows_mem {
	size_t		 nvals;
	size_t		 cap;
};

const struct swgr_db_driver *
swgr_db_driver_for(const char *uri)
{
	static const struct {
		const char *scheme;
		const struct swgr_db_driver *drv;
	} map[] = {
		{ "sqlite:", &swgr_db_sqlite },
		{ "postgres:", &swgr_db_postgres },
		{ "postgresql:", &swgr_db_postgres },
		{ "mysql:", &swgr_db_mysql },
		{ "mariadb:", &swgr_db_mysql },
	};
	size_t i;

	if (uri == NULL)
		return NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncasecmp(uri, map[i].scheme, strlen(map[i].scheme)) == 0)
			return map[i].drv;
	return NULL;
}

static void
db_metrics(struct swgr_db *db)
{
	char labels[96];
	int i;

	snprintf(labels, sizeof(labels), "driver=\"%s\"", db->drv->name);
	db->in_use = swgr_metric_gauge("swgr_db_connections_in_use", labels);
	for (i = 0; i < 4; i++) {
		snprintf(labels, sizeof(labels), "driver=\"%s\",error=\"%s\"", db->drv->name,
		    db_error_names[i]);
		db->errors[i] = swgr_metric_counter("swgr_db_errors_total", labels);
	}
}

void
swgr_db_count_error(struct swgr_db *db, enum swgr_rc rc)
{
	if (rc == SWGR_EUPSTREAM)
		swgr_metric_add(db->errors[1], 1);
	else if (rc == SWGR_ERETRY)
		swgr_metric_add(db->errors[2], 1);
	else if (rc == SWGR_EINTERNAL || rc == SWGR_ENOMEM)
		swgr_metric_add(db->errors[3], 1);
}

/*
 * Creates the pool; no connection is opened until the first acquire.
 * max 0 means the default (10).  Fails only on an unknown scheme or memory.
 */
static enum swgr_rc
db_scheme_fail(const char *uri, struct swgr_err *err)
{
	char safe[256];

	swgr_uri_redact(uri != NULL ? uri : "", safe, sizeof(safe));
	return swgr_err_set(err, SWGR_EINTERNAL, "database URI '%s': unsupported scheme "
	    "(expected sqlite:, postgres:, postgresql:, mysql: or mariadb:)", safe);
}

enum swgr_rc
swgr_db_check(const char *uri, struct swgr_err *err)
{
	const struct swgr_db_driver *drv;

	if ((drv = swgr_db_driver_for(uri)) == NULL)
		return db_scheme_fail(uri, err);
	return drv->check(uri, err);
}

enum swgr_rc
swgr_db_open(const char *uri, unsigned max, struct swgr_db **out, struct swgr_err *err)
{
	struct swgr_db *db;

	*out = NULL;
	if (swgr_db_driver_for(uri) == NULL)
		return db_scheme_fail(uri, err);
	if (max == 0)
		max = DB_MAX_DEFAULT;
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->uri = strdup(uri)) == NULL ||
	    (db->idle = calloc(max, sizeof(*db->idle))) == NULL) {
		if (db != NULL) {
			free(db->uri);
			free(db);
		}
		return swgr_err_set(err, SWGR_ENOMEM, "opening database pool: out of memory");
	}
	db->drv = swgr_db_driver_for(uri);
	db->max = max;
	db_metrics(db);
	pthread_mutex_init(&db->mu, NULL);
	pthread_cond_init(&db->cv, NULL);
	*out = db;
	return SWGR_OK;
}

/* Closes every idle connection and frees the pool; all connections must be released. */
void
swgr_db_close(struct swgr_db *db)
{
	unsigned i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nidle; i++)
		db->drv->close(db->idle[i]);
	pthread_cond_destroy(&db->cv);
	pthread_mutex_destroy(&db->mu);
	free(db->idle);
	free(db->uri);
	free(db);
}

enum swgr_db_dialect
swgr_db_dialect(const struct swgr_db *db)
{
	return db->drv->dialect;
}

const struct swgr_db_driver *
swgr_db_get_driver(const struct swgr_db *db)
{
	return db->drv;
}

/*
 * Hands out an idle connection, or opens a new one while fewer than max are
 * open, or waits for a release.  The connect itself runs without the lock.
 */
enum swgr_rc
swgr_db_acquire(struct swgr_db *db, void **conn, struct swgr_err *err)
{
	enum swgr_rc rc;

	*conn = NULL;
	pthread_mutex_lock(&db->mu);
	while (db->nidle == 0 && db->nopen >= db->max)
		pthread_cond_wait(&db->cv, &db->mu);
	if (db->nidle > 0) {
		*conn = db->idle[--db->nidle];
		pthread_mutex_unlock(&db->mu);
		swgr_metric_gauge_add(db->in_use, 1);
		return SWGR_OK;
	}
	db->nopen++;
	pthread_mutex_unlock(&db->mu);

	if ((rc = db->drv->connect(db->uri, conn, err)) == SWGR_OK) {
		swgr_metric_gauge_add(db->in_use, 1);
		return SWGR_OK;
	}
	swgr_metric_add(db->errors[0], 1);
	*conn = NULL;
	pthread_mutex_lock(&db->mu);
	db->nopen--;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
	return rc;
}

/*
 * Returns conn to the pool; a broken one is closed so that the next acquire
 * reopens.  The connections idle in the pool were opened before whatever
 * broke this one (most often a server restart, which ends them all), so they
 * are closed too: otherwise each would fail one request before being noticed.
 */
void
swgr_db_release(struct swgr_db *db, void *conn)
{
	void **stale = NULL;
	size_t nstale = 0, i;
	bool broken;

	if (conn == NULL)
		return;
	swgr_metric_gauge_add(db->in_use, -1);
	if ((broken = db->drv->broken(conn)))
		db->drv->close(conn);
	pthread_mutex_lock(&db->mu);
	if (broken) {
		db->nopen--;
		if (db->nidle > 0 && (stale = malloc(db->nidle * sizeof(*stale))) != NULL) {
			nstale = db->nidle;
			memcpy(stale, db->idle, nstale * sizeof(*stale));
			db->nidle = 0;
			db->nopen -= nstale;
		}
	} else
		db->idle[db->nidle++] = conn;
	pthread_cond_broadcast(&db->cv);
	pthread_mutex_unlock(&db->mu);
	for (i = 0; i < nstale; i++)
		db->drv->close(stale[i]);
	free(stale);
}

void
swgr_db_rows_init(struct swgr_db_rows *r, size_t ncols)
{
	memset(r, 0, sizeof(*r));
	r->ncols = ncols;
}

/* Appends one value, copying its bytes; the arrays grow by doubling. */
enum swgr_rc
swgr_db_rows_push(struct swgr_db_rows *r, const struct swgr_db_val *v, struct swgr_err *err)
{
	struct db_rows_mem *m = r->mem;
	struct swgr_db_val *nv, *dst;
	size_t cap;
	char *p;

	if (m == NULL) {
		if ((m = calloc(1, sizeof(*m))) == NULL)
			goto oom;
		r->mem = m;
	}
	if (m->nvals == m->cap) {
		cap = m->cap == 0 ? 16 : m->cap * 2;
		if ((nv = reallocarray(r->v, cap, sizeof(*nv))) == NULL)
			goto oom;
		r->v = nv;
		m->cap = cap;
	}
	dst = &r->v[m->nvals];
	*dst = *v;
	if (v->type == SWGR_DBT_TEXT || v->type == SWGR_DBT_BLOB) {
		if ((p = malloc(v->len + 1)) == NULL)
			goto oom;
		if (v->len > 0)
			memcpy(p, v->p, v->len);
		p[v->len] = '\0';
		dst->p = p;
	} else
		dst->p = NULL;
	m->nvals++;
	if (r->ncols > 0)
		r->nrows = m->nvals / r->ncols;
	return SWGR_OK;
oom:
	return swgr_err_set(err, SWGR_ENOMEM, "reading database rows: out of memory");
}

void
swgr_db_rows_free(struct swgr_db_rows *r)
{
	struct db_rows_mem *m;
	size_t i, n;

	if (r == NULL)
		return;
	m = r->mem;
	n = m != NULL ? m->nvals : r->nrows * r->ncols;
	for (i = 0; r->v != NULL && i < n; i++)
		if (r->v[i].type == SWGR_DBT_TEXT || r->v[i].type == SWGR_DBT_BLOB)
			free((void *)r->v[i].p);
	free(r->v);
	free(r->mem);
	memset(r, 0, sizeof(*r));
}

const struct swgr_db_val *
swgr_db_at(const struct swgr_db_rows *r, size_t row, size_t col)
{
	if (r == NULL || row >= r->nrows || col >= r->ncols)
		return NULL;
	return &r->v[row * r->ncols + col];
}

bool
swgr_db_is_null(const struct swgr_db_rows *r, size_t row, size_t col)
{
	const struct swgr_db_val *v = swgr_db_at(r, row, col);

	return v == NULL || v->type == SWGR_DBT_NULL;
}

/* INT as is; TEXT as a decimal integer or a boolean word; anything else is an error. */
enum swgr_rc
swgr_db_get_int(const struct swgr_db_rows *r, size_t row, size_t col, int64_t *out)
{
	const struct swgr_db_val *v = swgr_db_at(r, row, col);
	const char *s;
	char *end;
	long long ll;

	if (v == NULL)
		return SWGR_EINTERNAL;
	if (v->type == SWGR_DBT_INT) {
		*out = v->i;
		return SWGR_OK;
	}
	if (v->type != SWGR_DBT_TEXT || v->len == 0)
		return SWGR_EINTERNAL;
	s = v->p;
	if (strcmp(s, "t") == 0 || strcmp(s, "true") == 0) {
		*out = 1;
		return SWGR_OK;
	}
	if (strcmp(s, "f") == 0 || strcmp(s, "false") == 0) {
		*out = 0;
		return SWGR_OK;
	}
	errno = 0;
	ll = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end != s + v->len)
		return SWGR_EINTERNAL;
	*out = ll;
	return SWGR_OK;
}

void *
swgr_db_slot_find(void *slots, size_t n, size_t size, size_t max, unsigned victim,
    const char *sql, bool *hit)
{
	struct swgr_db_slot *s = NULL, *e;
	size_t i;

	*hit = false;
	for (i = 0; i < n; i++) {
		e = (struct swgr_db_slot *)((char *)slots + i * size);
		if (e->key == NULL && s == NULL)
			s = e;		/* a free slot */
		if (e->key != sql)
			continue;
		s = e;
		*hit = strcmp(s->sql, sql) == 0;
		return s;	/* on a miss: same address, new text, replace it */
	}
	if (s == NULL && n == max)
		s = (struct swgr_db_slot *)((char *)slots + victim % max * size);
	return s;
}

enum swgr_rc
swgr_db_lost(struct swgr_err *err, const char *driver, const char *where)
{
	return swgr_err_set(err, SWGR_EUPSTREAM, "%s %s: connection lost", driver, where);
}

const char *
swgr_db_roots(void)
{
	const char *f = getenv("SSL_CERT_FILE");

	return f != NULL && *f != '\0' ? f : "/etc/ssl/certs/ca-certificates.crt";
}

struct swgr_db_val
swgr_db_int(int64_t i)
{
	return (struct swgr_db_val){ .type = SWGR_DBT_INT, .i = i };
}

struct swgr_db_val
swgr_db_text(const char *s)
{
	if (s == NULL)
		return swgr_db_null();
	return swgr_db_textn(s, strlen(s));
}

struct swgr_db_val
swgr_db_textn(const char *s, size_t len)
{
	return (struct swgr_db_val){ .type = SWGR_DBT_TEXT, .p = s, .len = len };
}

struct swgr_db_val
swgr_db_blob(const void *p, size_t len)
{
	return (struct swgr_db_val){ .type = SWGR_DBT_BLOB, .p = p, .len = len };
}

struct swgr_db_val
swgr_db_null(void)
{
	return (struct swgr_db_val){ .type = SWGR_DBT_NULL };
}
