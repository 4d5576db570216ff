/*
 * The PostgreSQL driver of the SQL layer (db.h), on libpq.
 * long: one driver is one idea (connect, prepare, bind, fetch, errors against one
 * client library); split, its halves would only call each other.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "core/dl.h"
#include "core/uri.h"
#include "store/db.h"

/* Type OIDs of pg_type.h (stable across releases). */
#define DBPG_BOOL	16
#define DBPG_BYTEA	17
#define DBPG_INT8	20
#define DBPG_INT2	21
#define DBPG_INT4	23
#define DBPG_OID	26

#define DBPG_MAXSTMT	256	/* prepared statements kept per connection */

/* A statement prepared on the server under name, for the SQL text at key. */
struct dbpg_stmt {
	struct swgr_db_slot slot;	/* first: the cache's key and text */
	char		 name[24];
};

struct dbpg_conn {
	PGconn		*pg;
	bool		 broken;
	struct dbpg_stmt *stmts;
	size_t		 nstmts;
	unsigned	 seq;		/* names statements, picks the evicted one */
	char		 where[160];	/* user@host:port/db, no password */
};

static void	 dbpg_close(void *);

/* libpq, opened by the first connect (swgr_dlopen): the functions used. */
#define DBPG_FUNCS(X) \
	X(PQclear) X(PQresultStatus) X(PQstatus) X(PQresultErrorField) X(PQexec) \
	X(PQerrorMessage) X(PQnfields) X(PQexecPrepared) X(PQsetNoticeProcessor) \
	X(PQprepare) X(PQntuples) X(PQgetvalue) X(PQgetlength) X(PQgetisnull) \
	X(PQftype) X(PQfreemem) X(PQfinish) X(PQconninfoParse) X(PQconninfoFree) \
	X(PQconnectdbParams) X(PQcmdTuples)

static struct {
#define DBPG_PTR(f)	__typeof__(f) *f;
	DBPG_FUNCS(DBPG_PTR)
#undef DBPG_PTR
} pq;
static pthread_once_t dbpg_once = PTHREAD_ONCE_INIT;
static char	 dbpg_nolib[256];	/* why libpq is not loaded; empty once it is */

static void
dbpg_load(void)
{
	void *h;

	if ((h = swgr_dlopen("libpq.so.5", "libpq5", dbpg_nolib, sizeof(dbpg_nolib))) == NULL)
		return;
#define DBPG_SYM(f)							\
	if ((pq.f = (__typeof__(pq.f))dlsym(h, #f)) == NULL) {		\
		snprintf(dbpg_nolib, sizeof(dbpg_nolib), "libpq.so.5 has no %s", #f); \
		return;							\
	}
	DBPG_FUNCS(DBPG_SYM)
#undef DBPG_SYM
}

/* libpq prints NOTICEs (CREATE ... IF NOT EXISTS) to stderr by default. */
static void
dbpg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Copies a libpq message into buf on one line (newlines and tabs: a space). */
static const char *
dbpg_trim(const char *msg, char *buf, size_t len)
{
	size_t n = 0;
	bool sp = false;

	for (; msg != NULL && *msg != '\0' && n + 1 < len; msg++) {
		if (*msg == '\n' || *msg == '\r' || *msg == '\t') {
			sp = n > 0;
			continue;
		}
		if (sp && n + 2 < len && buf[n - 1] != ' ')
			buf[n++] = ' ';
		sp = false;
		buf[n++] = *msg;
	}
	buf[n] = '\0';
	return buf;
}

/* Whether msg shows the password of uri (libpq echoes a bad URI whole). */
static bool
dbpg_leaks(const char *msg, const char *uri)
{
	const char *auth, *end, *at = NULL, *colon, *s;
	char pw[128];

	if (strstr(msg, "password=") != NULL)
		return true;
	if ((auth = strstr(uri, "://")) == NULL)
		return false;
	auth += 3;
	end = auth + strcspn(auth, "/?");
	for (s = auth; s < end; s++)
		if (*s == '@')
			at = s;
	if (at == NULL || (colon = memchr(auth, ':', at - auth)) == NULL ||
	    colon + 1 == at)
		return false;
	if ((size_t)(at - colon - 1) >= sizeof(pw))
		return true;
	snprintf(pw, sizeof(pw), "%.*s", (int)(at - colon - 1), colon + 1);
	return strstr(msg, pw) != NULL;
}

/*
 * Reads the parsed connection options: where gets user@host:port/db, and the
 * flags say whether the URI asks to verify the server, names its roots, sets
 * a connect timeout.
 */
static void
dbpg_scan(PQconninfoOption *opts, char *where, size_t len,
    bool *verify, bool *hasroot, bool *hastimeout)
{
	const char *user = "", *host = "", *port = "", *db = "";
	PQconninfoOption *o;

	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0 && *host == '\0')
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			*verify = strncmp(o->val, "verify-", 7) == 0;
		else if (strcmp(o->keyword, "sslrootcert") == 0)
			*hasroot = true;
		else if (strcmp(o->keyword, "connect_timeout") == 0)
			*hastimeout = true;
	}
	snprintf(where, len, "%s@%s%s%s/%s", user, host, *port ? ":" : "",
	    port, db);
}

/*
 * Opens a connection for uri (postgres:// or postgresql://, handed to libpq
 * as is, with a 10 s connect timeout unless the URI sets one).  With
 * sslmode=verify-ca or verify-full and no sslrootcert, the server is checked
 * against $SSL_CERT_FILE or the system roots.  The session runs in UTC with
 * hex bytea output.  On success *out must be closed with dbpg_close.
 */
/* libpq loaded and uri parsed into *opts (PQconninfoFree); messages never show the password. */
static enum swgr_rc
dbpg_parse(const char *uri, PQconninfoOption **opts, struct swgr_err *err)
{
	char *perr = NULL, red[256], msg[256];

	*opts = NULL;
	pthread_once(&dbpg_once, dbpg_load);
	if (dbpg_nolib[0] != '\0')
		return swgr_err_set(err, SWGR_EINTERNAL, "postgres: %s", dbpg_nolib);
	if ((*opts = pq.PQconninfoParse(uri, &perr)) != NULL)
		return SWGR_OK;
	swgr_uri_redact(uri, red, sizeof(red));
	if (perr == NULL)
		snprintf(msg, sizeof(msg), "out of memory");
	else if (dbpg_leaks(perr, uri))
		snprintf(msg, sizeof(msg), "check its syntax");
	else
		dbpg_trim(perr, msg, sizeof(msg));
	pq.PQfreemem(perr);
	return swgr_err_set(err, SWGR_EINTERNAL, "postgres: invalid database URI %s: %s", red, msg);
}

static enum swgr_rc
dbpg_connect(const char *uri, void **out, struct swgr_err *err)
{
	struct dbpg_conn *c = NULL;
	PQconninfoOption *opts = NULL;
	PGresult *res = NULL;
	const char *kw[6], *val[6];
	char msg[256];
	bool verify = false, hasroot = false, hastimeout = false;
	enum swgr_rc rc;
	int n = 0;

	*out = NULL;
	if ((rc = dbpg_parse(uri, &opts, err)) != SWGR_OK)
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "postgres: out of memory");
		goto out;
	}
	dbpg_scan(opts, c->where, sizeof(c->where), &verify, &hasroot,
	    &hastimeout);

	kw[n] = "dbname", val[n++] = uri;
	kw[n] = "fallback_application_name", val[n++] = "swgr";
	kw[n] = "client_encoding", val[n++] = "UTF8";
	if (!hastimeout)
		kw[n] = "connect_timeout", val[n++] = "10";
	if (verify && !hasroot)
		kw[n] = "sslrootcert", val[n++] = swgr_db_roots();
	kw[n] = NULL, val[n] = NULL;

	c->pg = pq.PQconnectdbParams(kw, val, 1);
	if (c->pg == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "postgres: out of memory");
		goto out;
	}
	if (pq.PQstatus(c->pg) != CONNECTION_OK) {
		rc = swgr_err_set(err, SWGR_EUPSTREAM,
		    "postgres %s: cannot connect: %s", c->where,
		    dbpg_trim(pq.PQerrorMessage(c->pg), msg, sizeof(msg)));
		goto out;
	}
	pq.PQsetNoticeProcessor(c->pg, dbpg_notice, NULL);
	res = pq.PQexec(c->pg,
	    "SET TimeZone TO 'UTC'; SET bytea_output TO 'hex'");
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = swgr_err_set(err, SWGR_EUPSTREAM,
		    "postgres %s: cannot set up the session: %s", c->where,
		    dbpg_trim(pq.PQerrorMessage(c->pg), msg, sizeof(msg)));
		goto out;
	}
	*out = c;
	c = NULL;
	rc = SWGR_OK;
out:
	pq.PQclear(res);
	pq.PQconninfoFree(opts);
	if (c != NULL)
		dbpg_close(c);
	return rc;
}

/* The URI parsed as libpq would, no connection made (swgr-* -n). */
static enum swgr_rc
dbpg_check(const char *uri, struct swgr_err *err)
{
	PQconninfoOption *opts;
	enum swgr_rc rc;

	if ((rc = dbpg_parse(uri, &opts, err)) == SWGR_OK)
		pq.PQconninfoFree(opts);
	return rc;
}

static void
dbpg_close(void *vc)
{
	struct dbpg_conn *c = vc;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nstmts; i++)
		free(c->stmts[i].slot.sql);
	free(c->stmts);
	pq.PQfinish(c->pg);
	free(c);
}

/* Forgets every prepared statement (they die with the server session). */
static void
dbpg_forget(struct dbpg_conn *c)
{
	size_t i;

	for (i = 0; i < c->nstmts; i++)
		free(c->stmts[i].slot.sql);
	free(c->stmts);
	c->stmts = NULL;
	c->nstmts = 0;
}

static bool
dbpg_broken(void *vc)
{
	struct dbpg_conn *c = vc;

	if (!c->broken && pq.PQstatus(c->pg) != CONNECTION_OK) {
		c->broken = true;
		dbpg_forget(c);
	}
	return c->broken;
}

/*
 * Maps a failed result (res may be NULL) to a result code and fills err.
 * A lost connection marks c broken and drops its statement cache.
 */
static enum swgr_rc
dbpg_fail(struct dbpg_conn *c, PGresult *res, const char *sql,
    struct swgr_err *err)
{
	const char *state, *prim, *detail;
	char msg[256];
	enum swgr_rc rc;

	state = res != NULL ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	prim = res != NULL ?
	    pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	detail = res != NULL ?
	    pq.PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	if (prim == NULL)
		prim = dbpg_trim(pq.PQerrorMessage(c->pg), msg, sizeof(msg));

	if (pq.PQstatus(c->pg) != CONNECTION_OK || (state != NULL &&
	    strncmp(state, "57P0", 4) == 0))
		rc = SWGR_EUPSTREAM;
	else if (state == NULL)
		rc = res == NULL ? SWGR_ENOMEM : SWGR_EINTERNAL;
	else if (strcmp(state, "23505") == 0)
		rc = SWGR_CONFLICT;
	else if (strcmp(state, "23503") == 0)
		rc = SWGR_EREFERENCE;
	else if (strncmp(state, "22", 2) == 0)
		rc = SWGR_EINVAL;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		rc = SWGR_ERETRY;
	else
		rc = SWGR_EINTERNAL;
	if (rc == SWGR_EUPSTREAM) {
		c->broken = true;
		dbpg_forget(c);
	}
	return swgr_err_set(err, rc, "postgres %s: %s%s%s%s [%s]%s%.100s%s",
	    c->where, prim, detail ? " (" : "", detail ? detail : "",
	    detail ? ")" : "", state ? state : "no SQLSTATE",
	    rc == SWGR_EINTERNAL ? " in \"" : "",
	    rc == SWGR_EINTERNAL ? sql : "", rc == SWGR_EINTERNAL ? "\"" : "");
}

/*
 * Finds the statement prepared for sql or prepares it (letting the server
 * infer the parameter types).  Sets *name to its server-side name.
 */
static enum swgr_rc
dbpg_prepare(struct dbpg_conn *c, const char *sql, const char **name,
    struct swgr_err *err)
{
	struct dbpg_stmt *s, *ns;
	PGresult *res;
	char drop[48];
	enum swgr_rc rc;
	bool hit;

	s = swgr_db_slot_find(c->stmts, c->nstmts, sizeof(*s), DBPG_MAXSTMT, c->seq, sql, &hit);
	if (hit) {
		*name = s->name;
		return SWGR_OK;
	}
	if (s != NULL && s->slot.key != NULL) {
		/* In an aborted transaction this fails, harmlessly. */
		snprintf(drop, sizeof(drop), "DEALLOCATE %s", s->name);
		pq.PQclear(pq.PQexec(c->pg, drop));
		free(s->slot.sql);
		s->slot.sql = NULL;
		s->slot.key = NULL;
	} else if (s == NULL) {
		ns = reallocarray(c->stmts, c->nstmts + 1, sizeof(*ns));
		if (ns == NULL)
			return swgr_err_set(err, SWGR_ENOMEM,
			    "postgres: out of memory");
		c->stmts = ns;
		s = &c->stmts[c->nstmts];
		s->slot.sql = NULL;
		s->slot.key = NULL;
		c->nstmts++;
	}

	snprintf(s->name, sizeof(s->name), "swgr_%u", c->seq++);
	res = pq.PQprepare(c->pg, s->name, sql, 0, NULL);
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = dbpg_fail(c, res, sql, err);
		pq.PQclear(res);
		return rc;		/* the slot stays free (key NULL) */
	}
	pq.PQclear(res);
	if ((s->slot.sql = strdup(sql)) == NULL) {
		/* Not cached: prepared again under a new name next time. */
		*name = s->name;
		return SWGR_OK;
	}
	s->slot.key = sql;
	*name = s->name;
	return SWGR_OK;
}

/* Decodes bytea hex text ("\x0aff") into dst; returns the byte count or -1. */
static ssize_t
dbpg_unhex(const char *s, size_t len, unsigned char *dst)
{
	static const char hex[] = "0123456789abcdef";
	const char *hi, *lo;
	size_t i;

	if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
		return -1;
	for (i = 2; i < len; i += 2) {
		hi = strchr(hex, s[i] | 0x20);
		lo = strchr(hex, s[i + 1] | 0x20);
		if (hi == NULL || lo == NULL || s[i] == '\0' || s[i + 1] == '\0')
			return -1;
		dst[(i - 2) / 2] = (unsigned char)((hi - hex) << 4 | (lo - hex));
	}
	return (ssize_t)((len - 2) / 2);
}

static enum swgr_db_type
dbpg_coltype(Oid oid)
{
	switch (oid) {
	case DBPG_BOOL:
	case DBPG_INT2:
	case DBPG_INT4:
	case DBPG_INT8:
	case DBPG_OID:
		return SWGR_DBT_INT;
	case DBPG_BYTEA:
		return SWGR_DBT_BLOB;
	}
	return SWGR_DBT_TEXT;
}

/*
 * Converts the text-format rows of res into out (already initialised by
 * swgr_db_rows_init): bool and integers as INT, bytea decoded as BLOB.
 */
static enum swgr_rc
dbpg_rows(struct dbpg_conn *c, PGresult *res, struct swgr_db_rows *out,
    struct swgr_err *err)
{
	struct swgr_db_val v;
	unsigned char *bin = NULL, *nb;
	const char *s;
	char *end;
	size_t nrows, ncols, r, k, len, cap = 0;
	ssize_t n;
	enum swgr_rc rc = SWGR_OK;

	nrows = (size_t)pq.PQntuples(res);
	ncols = (size_t)pq.PQnfields(res);
	for (r = 0; r < nrows && rc == SWGR_OK; r++)
		for (k = 0; k < ncols && rc == SWGR_OK; k++) {
			memset(&v, 0, sizeof(v));
			if (pq.PQgetisnull(res, r, k)) {
				rc = swgr_db_rows_push(out, &v, err);
				continue;	/* SWGR_DBT_NULL */
			}
			s = pq.PQgetvalue(res, r, k);
			len = (size_t)pq.PQgetlength(res, r, k);
			v.type = dbpg_coltype(pq.PQftype(res, k));
			switch (v.type) {
			case SWGR_DBT_INT:
				if (*s == 't' || *s == 'f') {
					v.i = *s == 't';
					break;
				}
				errno = 0;
				v.i = strtoll(s, &end, 10);
				if (errno != 0 || *end != '\0')
					rc = swgr_err_set(err, SWGR_EINTERNAL,
					    "postgres %s: bad integer \"%.40s\"",
					    c->where, s);
				break;
			case SWGR_DBT_BLOB:
				if (len / 2 + 1 > cap) {
					cap = len / 2 + 1;
					if ((nb = realloc(bin, cap)) == NULL) {
						rc = swgr_err_set(err, SWGR_ENOMEM,
						    "postgres: out of memory");
						break;
					}
					bin = nb;
				}
				if ((n = dbpg_unhex(s, len, bin)) < 0)
					rc = swgr_err_set(err, SWGR_EINTERNAL,
					    "postgres %s: bad bytea text",
					    c->where);
				v.p = bin;
				v.len = (size_t)n;
				break;
			case SWGR_DBT_TEXT:
			case SWGR_DBT_NULL:
				v.p = s;
				v.len = len;
				break;
			}
			if (rc == SWGR_OK)
				rc = swgr_db_rows_push(out, &v, err);
		}
	free(bin);
	return rc;
}

/* The parameters of one PQexecPrepared call. */
struct dbpg_bind {
	const char	**vals;
	int		*lens;
	int		*fmts;
	char		*text;		/* NUL-terminated INT and TEXT values */
};

static void
dbpg_bind_free(struct dbpg_bind *b)
{
	free(b->vals);
	free(b->lens);
	free(b->fmts);
	free(b->text);
}

/*
 * Converts params for libpq: INT as decimal text, TEXT copied with a NUL
 * (libpq ignores the length of text-format values), BLOB in binary format
 * by length, NULL as NULL.  On success b must be freed with dbpg_bind_free.
 */
static enum swgr_rc
dbpg_bind(const struct swgr_db_val *params, size_t n, struct dbpg_bind *b,
    struct swgr_err *err)
{
	const struct swgr_db_val *pv;
	size_t i, size = 0;
	char *t;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < n; i++) {
		pv = &params[i];
		if ((pv->type == SWGR_DBT_TEXT || pv->type == SWGR_DBT_BLOB) &&
		    pv->len > INT_MAX / 2)
			return swgr_err_set(err, SWGR_EINVAL,
			    "postgres: parameter $%zu too long", i + 1);
		if (pv->type == SWGR_DBT_TEXT && pv->len > 0 &&
		    memchr(pv->p, '\0', pv->len) != NULL)
			return swgr_err_set(err, SWGR_EINVAL,
			    "postgres: text parameter $%zu holds a NUL byte", i + 1);
		size += pv->type == SWGR_DBT_INT ? 24 :
		    pv->type == SWGR_DBT_TEXT ? pv->len + 1 : 0;
	}
	if (n == 0)
		return SWGR_OK;
	if ((b->vals = calloc(n, sizeof(*b->vals))) == NULL ||
	    (b->lens = calloc(n, sizeof(*b->lens))) == NULL ||
	    (b->fmts = calloc(n, sizeof(*b->fmts))) == NULL ||
	    (b->text = t = malloc(size + 1)) == NULL) {
		dbpg_bind_free(b);
		return swgr_err_set(err, SWGR_ENOMEM, "postgres: out of memory");
	}
	for (i = 0; i < n; i++) {
		pv = &params[i];
		switch (pv->type) {
		case SWGR_DBT_NULL:
			break;
		case SWGR_DBT_INT:
			snprintf(t, 24, "%lld", (long long)pv->i);
			b->vals[i] = t;
			t += 24;
			break;
		case SWGR_DBT_TEXT:
			if (pv->len > 0)
				memcpy(t, pv->p, pv->len);
			t[pv->len] = '\0';
			b->vals[i] = t;
			t += pv->len + 1;
			break;
		case SWGR_DBT_BLOB:
			b->vals[i] = pv->p != NULL ? pv->p : "";
			b->lens[i] = (int)pv->len;
			b->fmts[i] = 1;
			break;
		}
	}
	return SWGR_OK;
}

/*
 * Runs the statement for sql (prepared once per connection) with params and
 * fetches the rows in text format.  On success *out (if given) must be freed
 * with swgr_db_rows_free; on error it holds nothing.
 */
static enum swgr_rc
dbpg_exec(void *vc, const char *sql, const struct swgr_db_val *params,
    size_t nparams, struct swgr_db_rows *out, struct swgr_err *err)
{
	struct dbpg_conn *c = vc;
	struct dbpg_bind b;
	PGresult *res = NULL;
	const char *name = NULL;
	enum swgr_rc rc;
	ExecStatusType st;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (dbpg_broken(c))
		return swgr_db_lost(err, "postgres", c->where);
	if (nparams > INT_MAX)
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "postgres: too many parameters");
	if ((rc = dbpg_prepare(c, sql, &name, err)) != SWGR_OK)
		return rc;
	if ((rc = dbpg_bind(params, nparams, &b, err)) != SWGR_OK)
		return rc;

	res = pq.PQexecPrepared(c->pg, name, (int)nparams, b.vals, b.lens, b.fmts,
	    0);
	st = pq.PQresultStatus(res);
	if (res == NULL || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_EMPTY_QUERY)) {
		rc = dbpg_fail(c, res, sql, err);
		goto out;
	}
	if (out == NULL)
		goto out;
	swgr_db_rows_init(out, (size_t)pq.PQnfields(res));
	if ((rc = dbpg_rows(c, res, out, err)) != SWGR_OK) {
		swgr_db_rows_free(out);
		goto out;
	}
	out->affected = strtoll(pq.PQcmdTuples(res), NULL, 10);
out:
	pq.PQclear(res);
	dbpg_bind_free(&b);
	return rc;
}

/*
 * Runs constant SQL without parameters.  Several statements run as one
 * implicit transaction (all or nothing) unless the text has BEGIN/COMMIT.
 */
static enum swgr_rc
dbpg_script(void *vc, const char *sql, struct swgr_err *err)
{
	struct dbpg_conn *c = vc;
	PGresult *res;
	ExecStatusType st;
	enum swgr_rc rc = SWGR_OK;

	if (dbpg_broken(c))
		return swgr_db_lost(err, "postgres", c->where);
	res = pq.PQexec(c->pg, sql);
	st = pq.PQresultStatus(res);
	if (res == NULL || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_EMPTY_QUERY))
		rc = dbpg_fail(c, res, sql, err);
	pq.PQclear(res);
	return rc;
}

const struct swgr_db_driver swgr_db_postgres = {
	.name = "postgres",
	.dialect = SWGR_DB_POSTGRES,
	.connect = dbpg_connect,
	.check = dbpg_check,
	.close = dbpg_close,
	.exec = dbpg_exec,
	.script = dbpg_script,
	.broken = dbpg_broken,
};
