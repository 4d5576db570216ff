/*
 * The MySQL/MariaDB driver of the SQL layer (db.h), on MariaDB Connector/C.
 * long: one driver is one idea (connect, prepare, bind, fetch, errors against one
 * client library); split, its halves would only call each other.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysql.h>

#include "core/dl.h"
#include "core/uri.h"
#include "store/db.h"

/*
 * Threads: the library is initialised once (pthread_once) by the first
 * connect, and connect calls mysql_thread_init() for its thread.  With
 * Connector/C 3 per-thread set-up is a no-op; a connection may be used by
 * any thread, one at a time, and mysql_thread_end() (also a no-op there) is
 * not called: the library is opened with dlopen, not linked, so callers
 * outside this file cannot reach it.
 * mysql_library_end() is never called: the library lives as long as the
 * process.
 */

#define DBMY_MAXSTMT	256	/* prepared statements kept per connection */
#define DBMY_BINARY	63	/* the "binary" character set number */

/*
 * A statement prepared for the SQL text at key; pmap[k] is the $N (counted
 * from 0) bound to the k-th "?".
 */
struct dbmy_stmt {
	struct swgr_db_slot slot;	/* first: the cache's key and text */
	MYSQL_STMT	*st;
	unsigned	*pmap;
	size_t		 np;
};

struct dbmy_conn {
	MYSQL		*my;
	bool		 broken;
	struct dbmy_stmt *stmts;
	size_t		 nstmts;
	unsigned	 seq;		/* picks the statement evicted */
	char		 where[160];	/* user@host:port/db, no password */
};

/* The parts of a mysql:// URI, pointing into buf (percent-decoded). */
struct dbmy_uri {
	char		*buf;
	const char	*user, *pass, *host, *db, *socket;
	const char	*sslmode, *sslca, *sslcert, *sslkey;
	unsigned	 port;
};

static pthread_once_t dbmy_once = PTHREAD_ONCE_INIT;
static int	 dbmy_initrc;

static void	 dbmy_close(void *);

/* Connector/C, opened by the first connect (swgr_dlopen): the functions used. */
#define DBMY_FUNCS(X) \
	X(mysql_close) X(mysql_errno) X(mysql_error) X(mysql_fetch_fields) \
	X(mysql_field_count) X(mysql_free_result) X(mysql_init) X(mysql_server_init) \
	X(mysql_next_result) X(mysql_num_fields) X(mysql_optionsv) \
	X(mysql_real_connect) X(mysql_real_query) X(mysql_ssl_set) \
	X(mysql_stmt_affected_rows) X(mysql_stmt_bind_param) X(mysql_stmt_bind_result) \
	X(mysql_stmt_close) X(mysql_stmt_errno) X(mysql_stmt_error) \
	X(mysql_stmt_execute) X(mysql_stmt_fetch) X(mysql_stmt_fetch_column) \
	X(mysql_stmt_free_result) X(mysql_stmt_init) X(mysql_stmt_num_rows) \
	X(mysql_stmt_param_count) X(mysql_stmt_prepare) X(mysql_stmt_result_metadata) \
	X(mysql_stmt_store_result) X(mysql_store_result) X(mysql_thread_init)

static struct {
#define DBMY_PTR(f)	__typeof__(f) *f;
	DBMY_FUNCS(DBMY_PTR)
#undef DBMY_PTR
} myc;
static char	 dbmy_nolib[256];	/* why Connector/C is not loaded; empty once it is */

static int
dbmy_load(void)
{
	void *h;

	if ((h = swgr_dlopen("libmariadb.so.3", "libmariadb3", dbmy_nolib,
	    sizeof(dbmy_nolib))) == NULL)
		return 0;
#define DBMY_SYM(f)							\
	if ((myc.f = (__typeof__(myc.f))dlsym(h, #f)) == NULL) {		\
		snprintf(dbmy_nolib, sizeof(dbmy_nolib), "libmariadb.so.3 has no %s", #f); \
		return 0;						\
	}
	DBMY_FUNCS(DBMY_SYM)
#undef DBMY_SYM
	return 1;
}

static void
dbmy_libinit(void)
{
	dbmy_initrc = dbmy_load() ? myc.mysql_server_init(0, NULL, NULL) : -1;
}

/* Decodes %XX escapes of s in place; returns -1 on a malformed escape. */
static int
dbmy_unescape(char *s)
{
	char *d = s, hex[3] = { 0 };

	for (; *s != '\0'; s++, d++) {
		if (*s != '%') {
			*d = *s;
			continue;
		}
		if (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2]))
			return -1;
		hex[0] = s[1];
		hex[1] = s[2];
		*d = (char)strtol(hex, NULL, 16);
		s += 2;
	}
	*d = '\0';
	return 0;
}

/* Applies one query parameter key=value of the URI to u. */
static enum swgr_rc
dbmy_param(struct dbmy_uri *u, char *kv, struct swgr_err *err)
{
	char *val;

	if ((val = strchr(kv, '=')) != NULL)
		*val++ = '\0';
	if (dbmy_unescape(kv) == -1 || (val != NULL && dbmy_unescape(val) == -1))
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "bad %%-escape in a parameter");
	if (val == NULL || *val == '\0')
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "parameter \"%s\" needs a value", kv);
	if (strcmp(kv, "ssl-mode") == 0 || strcmp(kv, "sslmode") == 0)
		u->sslmode = val;
	else if (strcmp(kv, "ssl-ca") == 0 || strcmp(kv, "sslca") == 0)
		u->sslca = val;
	else if (strcmp(kv, "ssl-cert") == 0)
		u->sslcert = val;
	else if (strcmp(kv, "ssl-key") == 0)
		u->sslkey = val;
	else if (strcmp(kv, "socket") == 0)
		u->socket = val;
	else if (strcmp(kv, "statement-cache-capacity") != 0 &&
	    strcmp(kv, "charset") != 0 && strcmp(kv, "collation") != 0)
		return swgr_err_set(err, SWGR_EINTERNAL,
		    "unknown parameter \"%s\"", kv);
	return SWGR_OK;
}

/*
 * Parses mysql://user:pass@host:port/db?ssl-mode=..&ssl-ca=..&socket=..
 * (or mariadb://) into u; user, password and database are percent-decoded.
 * On success u->buf must be freed.  Messages never show the password.
 */
static enum swgr_rc
dbmy_parse(const char *uri, struct dbmy_uri *u, struct swgr_err *err)
{
	char *s, *auth, *q, *at, *colon, *kv, *end, red[256];
	enum swgr_rc rc;
	unsigned long port;

	memset(u, 0, sizeof(*u));
	swgr_uri_redact(uri, red, sizeof(red));
	u->port = 3306;
	if (strncmp(uri, "mysql://", 8) == 0)
		uri += 8;
	else if (strncmp(uri, "mariadb://", 10) == 0)
		uri += 10;
	else
		return swgr_err_set(err, SWGR_EINTERNAL, "mysql: database URI %s "
		    "must start with mysql:// or mariadb://", red);
	if ((u->buf = strdup(uri)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "mysql: out of memory");
	auth = u->buf;
	if ((q = strchr(auth, '?')) != NULL)
		*q++ = '\0';
	if ((s = strchr(auth, '/')) != NULL) {
		*s++ = '\0';
		u->db = s;
	}
	if ((at = strrchr(auth, '@')) != NULL) {
		*at = '\0';
		u->user = auth;
		if ((colon = strchr(auth, ':')) != NULL) {
			*colon = '\0';
			u->pass = colon + 1;
		}
		auth = at + 1;
	}
	u->host = auth;
	if (*auth == '[' && strchr(auth, ']') == NULL) {
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "mysql: unclosed '[' in database URI %s", red);
		goto fail;
	}
	if (*auth == '[' && (s = strchr(auth, ']')) != NULL) {
		u->host = auth + 1;
		*s++ = '\0';
		colon = *s == ':' ? s : NULL;
	} else
		colon = strrchr(auth, ':');
	if (colon != NULL) {
		*colon = '\0';
		port = strtoul(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port == 0 ||
		    port > 65535) {
			rc = swgr_err_set(err, SWGR_EINTERNAL,
			    "mysql: bad port in database URI %s", red);
			goto fail;
		}
		u->port = (unsigned)port;
	}
	if ((u->user != NULL && dbmy_unescape((char *)u->user) == -1) ||
	    (u->pass != NULL && dbmy_unescape((char *)u->pass) == -1) ||
	    (u->db != NULL && dbmy_unescape((char *)u->db) == -1)) {
		rc = swgr_err_set(err, SWGR_EINTERNAL,
		    "mysql: bad %%-escape in database URI %s", red);
		goto fail;
	}
	while (q != NULL && (kv = strsep(&q, "&")) != NULL)
		if (*kv != '\0' && (rc = dbmy_param(u, kv, err)) != SWGR_OK) {
			swgr_err_wrap(err, "mysql: database URI %s", red);
			goto fail;
		}
	return SWGR_OK;
fail:
	free(u->buf);
	u->buf = NULL;
	return rc;
}

/*
 * Sets the TLS options for ssl-mode: disabled (the default) and preferred
 * set nothing unless ssl-ca/ssl-cert are given (then TLS is tried); required
 * enforces TLS; verify_ca and verify_identity also check the server against
 * ssl-ca, else $SSL_CERT_FILE, else the system roots (the connector always
 * checks the host name too).
 */
static enum swgr_rc
dbmy_tls(MYSQL *my, const struct dbmy_uri *u, struct swgr_err *err)
{
	const char *m = u->sslmode != NULL ? u->sslmode : "preferred";
	const char *ca = u->sslca;
	my_bool on = 1;
	bool verify;

	if (strcasecmp(m, "disabled") == 0)
		return SWGR_OK;
	verify = strcasecmp(m, "verify_ca") == 0 ||
	    strcasecmp(m, "verify-ca") == 0 ||
	    strcasecmp(m, "verify_identity") == 0 ||
	    strcasecmp(m, "verify-identity") == 0;
	if (!verify && strcasecmp(m, "required") != 0 &&
	    strcasecmp(m, "preferred") != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "mysql: unknown ssl-mode "
		    "\"%s\" (disabled, preferred, required, verify_ca, "
		    "verify_identity)", m);
	if (verify && ca == NULL)
		ca = swgr_db_roots();
	if (ca != NULL || u->sslcert != NULL || u->sslkey != NULL)
		myc.mysql_ssl_set(my, u->sslkey, u->sslcert, ca, NULL, NULL);
	if (verify || strcasecmp(m, "required") == 0)
		myc.mysql_optionsv(my, MYSQL_OPT_SSL_ENFORCE, &on);
	if (verify)
		myc.mysql_optionsv(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
	return SWGR_OK;
}

/* The URI parsed as a connect would, no connection made (swgr-* -n). */
static enum swgr_rc
dbmy_check(const char *uri, struct swgr_err *err)
{
	struct dbmy_uri u;
	enum swgr_rc rc;

	if ((rc = dbmy_parse(uri, &u, err)) == SWGR_OK)
		free(u.buf);
	return rc;
}

/*
 * Opens a connection for uri: utf8mb4, UTC, strict SQL mode, affected rows
 * counting matched rows (CLIENT_FOUND_ROWS) and multi-statement scripts.
 * On success *out must be closed with dbmy_close.
 */
static enum swgr_rc
dbmy_connect(const char *uri, void **out, struct swgr_err *err)
{
	static const char setup[] = "SET time_zone = '+00:00', "
	    "sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')";
	struct dbmy_conn *c = NULL;
	struct dbmy_uri u;
	unsigned timeout = 10, proto = MYSQL_PROTOCOL_SOCKET, off = 0;
	enum swgr_rc rc;

	*out = NULL;
	if ((rc = dbmy_parse(uri, &u, err)) != SWGR_OK)
		return rc;
	pthread_once(&dbmy_once, dbmy_libinit);
	if (dbmy_initrc != 0) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "mysql: %s", dbmy_nolib[0] != '\0' ?
		    dbmy_nolib : "cannot initialise the client library");
		goto out;
	}
	myc.mysql_thread_init();
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->my = myc.mysql_init(NULL)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "mysql: out of memory");
		goto out;
	}
	if (u.socket != NULL)
		snprintf(c->where, sizeof(c->where), "%s@%s/%s",
		    u.user ? u.user : "", u.socket, u.db ? u.db : "");
	else
		snprintf(c->where, sizeof(c->where), "%s@%s:%u/%s",
		    u.user ? u.user : "", u.host, u.port, u.db ? u.db : "");

	myc.mysql_optionsv(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	myc.mysql_optionsv(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	myc.mysql_optionsv(c->my, MYSQL_OPT_LOCAL_INFILE, &off);	/* no server reads of our files */
	if (u.socket != NULL)
		myc.mysql_optionsv(c->my, MYSQL_OPT_PROTOCOL, &proto);
	if ((rc = dbmy_tls(c->my, &u, err)) != SWGR_OK)
		goto out;
	if (myc.mysql_real_connect(c->my, u.socket != NULL || *u.host == '\0' ?
	    NULL : u.host, u.user, u.pass, u.db, u.port, u.socket,
	    CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS) == NULL) {
		rc = swgr_err_set(err, SWGR_EUPSTREAM,
		    "mysql %s: cannot connect: %s (%u)", c->where,
		    myc.mysql_error(c->my), myc.mysql_errno(c->my));
		goto out;
	}
	if (myc.mysql_real_query(c->my, setup, sizeof(setup) - 1) != 0) {
		rc = swgr_err_set(err, SWGR_EUPSTREAM,
		    "mysql %s: cannot set up the session: %s (%u)", c->where,
		    myc.mysql_error(c->my), myc.mysql_errno(c->my));
		goto out;
	}
	*out = c;
	c = NULL;
	rc = SWGR_OK;
out:
	free(u.buf);
	if (c != NULL)
		dbmy_close(c);
	return rc;
}

static void
dbmy_stmt_free(struct dbmy_stmt *s)
{
	if (s->st != NULL)
		myc.mysql_stmt_close(s->st);
	free(s->slot.sql);
	free(s->pmap);
	memset(s, 0, sizeof(*s));
}

static void
dbmy_close(void *vc)
{
	struct dbmy_conn *c = vc;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nstmts; i++)
		dbmy_stmt_free(&c->stmts[i]);
	free(c->stmts);
	if (c->my != NULL)
		myc.mysql_close(c->my);
	free(c);
}

static bool
dbmy_broken(void *vc)
{
	return ((struct dbmy_conn *)vc)->broken;
}

/* Maps a server or client error number to a result code and fills err. */
static enum swgr_rc
dbmy_fail(struct dbmy_conn *c, unsigned code, const char *msg,
    const char *sql, struct swgr_err *err)
{
	enum swgr_rc rc;

	switch (code) {
	case 1022:	/* ER_DUP_KEY */
	case 1062:	/* ER_DUP_ENTRY */
	case 1586:	/* ER_DUP_ENTRY_WITH_KEY_NAME */
		rc = SWGR_CONFLICT;
		break;
	case 1216:	/* ER_NO_REFERENCED_ROW */
	case 1217:	/* ER_ROW_IS_REFERENCED */
	case 1451:	/* ER_ROW_IS_REFERENCED_2 */
	case 1452:	/* ER_NO_REFERENCED_ROW_2 */
		rc = SWGR_EREFERENCE;
		break;
	case 1264:	/* ER_WARN_DATA_OUT_OF_RANGE */
	case 1265:	/* WARN_DATA_TRUNCATED */
	case 1292:	/* ER_TRUNCATED_WRONG_VALUE */
	case 1366:	/* ER_TRUNCATED_WRONG_VALUE_FOR_FIELD */
	case 1406:	/* ER_DATA_TOO_LONG */
	case 1690:	/* ER_DATA_OUT_OF_RANGE */
		rc = SWGR_EINVAL;
		break;
	case 1205:	/* ER_LOCK_WAIT_TIMEOUT */
	case 1213:	/* ER_LOCK_DEADLOCK */
		rc = SWGR_ERETRY;
		break;
	case 1053:	/* ER_SERVER_SHUTDOWN */
	case 1927:	/* ER_CONNECTION_KILLED */
	case 2002:	/* CR_CONNECTION_ERROR */
	case 2003:	/* CR_CONN_HOST_ERROR */
	case 2006:	/* CR_SERVER_GONE_ERROR */
	case 2013:	/* CR_SERVER_LOST */
	case 2055:	/* CR_SERVER_LOST_EXTENDED */
		rc = SWGR_EUPSTREAM;
		c->broken = true;
		break;
	default:
		rc = SWGR_EINTERNAL;
		break;
	}
	return swgr_err_set(err, rc, "mysql %s: %s (%u)%s%.100s%s", c->where,
	    msg, code, rc == SWGR_EINTERNAL ? " in \"" : "",
	    rc == SWGR_EINTERNAL ? sql : "", rc == SWGR_EINTERNAL ? "\"" : "");
}

/*
 * Rewrites the $N placeholders of sql (outside quotes and comments) to "?"
 * into *out and records their numbers, in order of appearance, in *pmap.
 * Returns 0, or -1 when out of memory.
 */
static int
dbmy_rewrite(const char *sql, char **out, unsigned **pmap, size_t *np)
{
	const char *s = sql;
	char *d, q = 0;
	unsigned *map = NULL, n;
	size_t cap = 0;

	*np = 0;
	*pmap = NULL;
	if ((*out = d = malloc(strlen(sql) + 1)) == NULL)
		return -1;
	while (*s != '\0') {
		if (q != 0) {				/* inside '..', "..", `..` */
			if (*s == '\\' && q != '`' && s[1] != '\0')
				*d++ = *s++;
			else if (*s == q)
				q = 0;
			*d++ = *s++;
		} else if (*s == '\'' || *s == '"' || *s == '`') {
			q = *s;
			*d++ = *s++;
		} else if (*s == '#' || (s[0] == '-' && s[1] == '-')) {
			while (*s != '\0' && *s != '\n')
				*d++ = *s++;
		} else if (s[0] == '/' && s[1] == '*') {
			*d++ = *s++;
			*d++ = *s++;
			while (*s != '\0' && !(s[0] == '*' && s[1] == '/'))
				*d++ = *s++;
		} else if (*s == '$' && isdigit((unsigned char)s[1]) &&
		    (s == sql || !(isalnum((unsigned char)s[-1]) ||
		    s[-1] == '_' || s[-1] == '$'))) {
			for (n = 0, s++; isdigit((unsigned char)*s); s++)
				n = n * 10 + (unsigned)(*s - '0');
			if (*np == cap) {
				cap = cap ? cap * 2 : 8;
				if ((map = reallocarray(*pmap, cap,
				    sizeof(*map))) == NULL)
					goto fail;
				*pmap = map;
			}
			(*pmap)[(*np)++] = n > 0 ? n - 1 : UINT32_MAX;
			*d++ = '?';
		} else
			*d++ = *s++;
	}
	*d = '\0';
	return 0;
fail:
	free(*out);
	free(*pmap);
	*out = NULL;
	*pmap = NULL;
	return -1;
}

/* Finds the statement prepared for sql, or prepares and caches it. */
static enum swgr_rc
dbmy_prepare(struct dbmy_conn *c, const char *sql, struct dbmy_stmt **out,
    struct swgr_err *err)
{
	struct dbmy_stmt *s, *ns, tmp;
	char *text = NULL;
	enum swgr_rc rc;
	bool hit;

	s = swgr_db_slot_find(c->stmts, c->nstmts, sizeof(*s), DBMY_MAXSTMT, c->seq, sql, &hit);
	if (hit) {
		*out = s;
		return SWGR_OK;
	}
	if (s != NULL && s->slot.key != sql)
		c->seq++;	/* evicted (no slot is ever free here) */

	memset(&tmp, 0, sizeof(tmp));
	if ((tmp.slot.sql = strdup(sql)) == NULL ||
	    dbmy_rewrite(sql, &text, &tmp.pmap, &tmp.np) == -1 ||
	    (tmp.st = myc.mysql_stmt_init(c->my)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "mysql: out of memory");
		goto fail;
	}
	if (myc.mysql_stmt_prepare(tmp.st, text, strlen(text)) != 0) {
		rc = dbmy_fail(c, myc.mysql_stmt_errno(tmp.st),
		    myc.mysql_stmt_error(tmp.st), sql, err);
		goto fail;
	}
	if (myc.mysql_stmt_param_count(tmp.st) != tmp.np) {
		rc = swgr_err_set(err, SWGR_EINTERNAL, "mysql %s: found %zu "
		    "placeholders, the server %lu in \"%.100s\"", c->where,
		    tmp.np, myc.mysql_stmt_param_count(tmp.st), sql);
		goto fail;
	}
	if (s == NULL) {
		ns = reallocarray(c->stmts, c->nstmts + 1, sizeof(*ns));
		if (ns == NULL) {
			rc = swgr_err_set(err, SWGR_ENOMEM,
			    "mysql: out of memory");
			goto fail;
		}
		c->stmts = ns;
		s = &c->stmts[c->nstmts++];
		memset(s, 0, sizeof(*s));
	}
	dbmy_stmt_free(s);
	*s = tmp;
	s->slot.key = sql;
	free(text);
	*out = s;
	return SWGR_OK;
fail:
	free(text);
	dbmy_stmt_free(&tmp);
	return rc;
}

static enum swgr_db_type
dbmy_coltype(const MYSQL_FIELD *f)
{
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return SWGR_DBT_INT;
	case MYSQL_TYPE_STRING:
	case MYSQL_TYPE_VAR_STRING:
	case MYSQL_TYPE_VARCHAR:
	case MYSQL_TYPE_TINY_BLOB:
	case MYSQL_TYPE_BLOB:
	case MYSQL_TYPE_MEDIUM_BLOB:
	case MYSQL_TYPE_LONG_BLOB:
		return f->charsetnr == DBMY_BINARY ? SWGR_DBT_BLOB :
		    SWGR_DBT_TEXT;
	default:
		return SWGR_DBT_TEXT;
	}
}

/*
 * Fetches the stored result of st into out (initialised by swgr_db_rows_init):
 * each row is fetched with empty buffers to learn the lengths, then every
 * TEXT or BLOB value is read with mysql_stmt_fetch_column.
 */
static enum swgr_rc
dbmy_rows(struct dbmy_conn *c, MYSQL_STMT *st, MYSQL_RES *meta,
    struct swgr_db_rows *out, struct swgr_err *err)
{
	MYSQL_FIELD *f = myc.mysql_fetch_fields(meta);
	MYSQL_BIND *b = NULL, one;
	struct swgr_db_val v;
	unsigned long *lens = NULL, got;
	my_bool *nulls = NULL;
	int64_t *ints = NULL;
	char *buf = NULL, *nbuf;
	size_t ncols, k, cap = 0;
	enum swgr_rc rc = SWGR_OK;
	int fr;

	ncols = myc.mysql_num_fields(meta);
	if ((b = calloc(ncols, sizeof(*b))) == NULL ||
	    (lens = calloc(ncols, sizeof(*lens))) == NULL ||
	    (nulls = calloc(ncols, sizeof(*nulls))) == NULL ||
	    (ints = calloc(ncols, sizeof(*ints))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "mysql: out of memory");
		goto out;
	}
	for (k = 0; k < ncols; k++) {
		b[k].length = &lens[k];
		b[k].is_null = &nulls[k];
		if (dbmy_coltype(&f[k]) == SWGR_DBT_INT) {
			b[k].buffer_type = MYSQL_TYPE_LONGLONG;
			b[k].buffer = &ints[k];
			b[k].is_unsigned = (f[k].flags & UNSIGNED_FLAG) != 0;
		} else
			b[k].buffer_type = MYSQL_TYPE_STRING;
	}
	if (myc.mysql_stmt_bind_result(st, b) != 0)
		goto stmterr;
	while ((fr = myc.mysql_stmt_fetch(st)) == 0 || fr == MYSQL_DATA_TRUNCATED) {
		for (k = 0; k < ncols && rc == SWGR_OK; k++) {
			memset(&v, 0, sizeof(v));
			if (nulls[k]) {
				rc = swgr_db_rows_push(out, &v, err);
				continue;	/* SWGR_DBT_NULL */
			}
			v.type = dbmy_coltype(&f[k]);
			if (v.type == SWGR_DBT_INT) {
				v.i = ints[k];
				rc = swgr_db_rows_push(out, &v, err);
				continue;
			}
			if (lens[k] >= cap) {
				cap = lens[k] + 1;
				if ((nbuf = realloc(buf, cap)) == NULL) {
					rc = swgr_err_set(err, SWGR_ENOMEM,
					    "mysql: out of memory");
					break;
				}
				buf = nbuf;
			}
			memset(&one, 0, sizeof(one));
			one.buffer_type = MYSQL_TYPE_STRING;
			one.buffer = buf;
			one.buffer_length = lens[k];
			one.length = &got;
			if (lens[k] > 0 &&
			    myc.mysql_stmt_fetch_column(st, &one, (unsigned)k, 0) != 0)
				goto stmterr;
			v.p = buf;
			v.len = lens[k];
			rc = swgr_db_rows_push(out, &v, err);
		}
		if (rc != SWGR_OK)
			goto out;
	}
	if (fr == MYSQL_NO_DATA)
		goto out;
stmterr:
	rc = dbmy_fail(c, myc.mysql_stmt_errno(st), myc.mysql_stmt_error(st), "fetch",
	    err);
out:
	free(buf);
	free(b);
	free(lens);
	free(nulls);
	free(ints);
	return rc;
}

/* Binds params in the order of the statement's placeholders. */
static enum swgr_rc
dbmy_bind(struct dbmy_conn *c, struct dbmy_stmt *s,
    const struct swgr_db_val *params, size_t nparams, MYSQL_BIND *b,
    unsigned long *lens, struct swgr_err *err)
{
	const struct swgr_db_val *pv;
	size_t k;

	for (k = 0; k < s->np; k++) {
		if (s->pmap[k] >= nparams)
			return swgr_err_set(err, SWGR_EINTERNAL,
			    "mysql %s: placeholder $%u without a value (%zu "
			    "given) in \"%.100s\"", c->where, s->pmap[k] + 1,
			    nparams, s->slot.sql);
		pv = &params[s->pmap[k]];
		switch (pv->type) {
		case SWGR_DBT_NULL:
			b[k].buffer_type = MYSQL_TYPE_NULL;
			break;
		case SWGR_DBT_INT:
			b[k].buffer_type = MYSQL_TYPE_LONGLONG;
			b[k].buffer = (void *)&pv->i;
			break;
		case SWGR_DBT_TEXT:
		case SWGR_DBT_BLOB:
			b[k].buffer_type = pv->type == SWGR_DBT_TEXT ?
			    MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
			b[k].buffer = (void *)(pv->p != NULL ? pv->p : "");
			b[k].buffer_length = lens[k] = pv->len;
			b[k].length = &lens[k];
			break;
		}
	}
	if (s->np > 0 && myc.mysql_stmt_bind_param(s->st, b) != 0)
		return dbmy_fail(c, myc.mysql_stmt_errno(s->st),
		    myc.mysql_stmt_error(s->st), s->slot.sql, err);
	return SWGR_OK;
}

/*
 * Runs the statement for sql with params (a $N used twice is bound twice)
 * and fetches its rows.  affected counts the rows matched by UPDATE
 * (CLIENT_FOUND_ROWS).  On success *out (if given) must be freed with
 * swgr_db_rows_free; on error it holds nothing.
 */
static enum swgr_rc
dbmy_exec(void *vc, const char *sql, const struct swgr_db_val *params,
    size_t nparams, struct swgr_db_rows *out, struct swgr_err *err)
{
	struct dbmy_conn *c = vc;
	struct dbmy_stmt *s = NULL;
	MYSQL_BIND *b = NULL;
	MYSQL_RES *meta = NULL;
	unsigned long *lens = NULL;
	int64_t affected = 0;
	enum swgr_rc rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (c->broken)
		return swgr_db_lost(err, "mysql", c->where);
	if ((rc = dbmy_prepare(c, sql, &s, err)) != SWGR_OK)
		return rc;
	if (s->np > 0 && ((b = calloc(s->np, sizeof(*b))) == NULL ||
	    (lens = calloc(s->np, sizeof(*lens))) == NULL)) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "mysql: out of memory");
		goto out;
	}
	if ((rc = dbmy_bind(c, s, params, nparams, b, lens, err)) != SWGR_OK)
		goto out;
	if (myc.mysql_stmt_execute(s->st) != 0) {
		rc = dbmy_fail(c, myc.mysql_stmt_errno(s->st),
		    myc.mysql_stmt_error(s->st), sql, err);
		goto out;
	}
	if ((meta = myc.mysql_stmt_result_metadata(s->st)) == NULL) {
		affected = (int64_t)myc.mysql_stmt_affected_rows(s->st);
		if (out != NULL)
			swgr_db_rows_init(out, 0);
		rc = SWGR_OK;
		goto out;
	}
	if (myc.mysql_stmt_store_result(s->st) != 0) {
		rc = dbmy_fail(c, myc.mysql_stmt_errno(s->st),
		    myc.mysql_stmt_error(s->st), sql, err);
		goto out;
	}
	affected = (int64_t)myc.mysql_stmt_num_rows(s->st);
	if (out != NULL) {
		swgr_db_rows_init(out, myc.mysql_num_fields(meta));
		if ((rc = dbmy_rows(c, s->st, meta, out, err)) != SWGR_OK)
			swgr_db_rows_free(out);
	}
out:
	if (meta != NULL) {
		myc.mysql_free_result(meta);
		myc.mysql_stmt_free_result(s->st);
	}
	free(b);
	free(lens);
	if (rc == SWGR_OK && out != NULL)
		out->affected = affected;
	return rc;
}

/*
 * Runs constant SQL, possibly several statements separated by ';' (the
 * connection has CLIENT_MULTI_STATEMENTS: the server splits them, so ';'
 * inside literals is fine).  Stops at the first failing statement.
 */
static enum swgr_rc
dbmy_script(void *vc, const char *sql, struct swgr_err *err)
{
	struct dbmy_conn *c = vc;
	MYSQL_RES *res;
	int st;

	if (c->broken)
		return swgr_db_lost(err, "mysql", c->where);
	if (myc.mysql_real_query(c->my, sql, strlen(sql)) != 0)
		return dbmy_fail(c, myc.mysql_errno(c->my), myc.mysql_error(c->my),
		    sql, err);
	do {
		if ((res = myc.mysql_store_result(c->my)) != NULL)
			myc.mysql_free_result(res);
		else if (myc.mysql_field_count(c->my) != 0)
			return dbmy_fail(c, myc.mysql_errno(c->my),
			    myc.mysql_error(c->my), sql, err);
	} while ((st = myc.mysql_next_result(c->my)) == 0);
	if (st > 0)
		return dbmy_fail(c, myc.mysql_errno(c->my), myc.mysql_error(c->my),
		    sql, err);
	return SWGR_OK;
}

const struct swgr_db_driver swgr_db_mysql = {
	.name = "mysql",
	.dialect = SWGR_DB_MYSQL,
	.connect = dbmy_connect,
	.check = dbmy_check,
	.close = dbmy_close,
	.exec = dbmy_exec,
	.script = dbmy_script,
	.broken = dbmy_broken,
};
