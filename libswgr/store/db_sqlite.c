/* The SQLite driver of the SQL layer: sqlx-style URIs, per-connection pragmas, cached statements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/db.h"

#define SQ_BUSY_MS	10000

struct sq_stmt {
	const char	*key;		/* the caller's SQL text pointer */
	sqlite3_stmt	*st;
};

struct sq_conn {
	sqlite3		*db;
	struct sq_stmt	*stmts;
	size_t		 nstmts;
	size_t		 cap;
	bool		 broken;
};

/* Maps the last error of db to a result code, marking the connection broken where it is. */
static enum swgr_rc
sq_error(struct sq_conn *c, const char *what, struct swgr_err *err)
{
	int xrc = sqlite3_extended_errcode(c->db);
	enum swgr_rc rc;

	switch (xrc) {
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		rc = SWGR_CONFLICT;
		break;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
	case SQLITE_CONSTRAINT_TRIGGER:	/* how ON DELETE RESTRICT reports */
		rc = SWGR_EREFERENCE;
		break;
	default:
		switch (xrc & 0xff) {
		case SQLITE_BUSY:
		case SQLITE_LOCKED:
			rc = SWGR_ERETRY;
			break;
		case SQLITE_IOERR:
		case SQLITE_CORRUPT:
		case SQLITE_NOTADB:
		case SQLITE_CANTOPEN:
			c->broken = true;
			rc = SWGR_EUPSTREAM;
			break;
		default:
			rc = SWGR_EINTERNAL;
			break;
		}
	}
	return swgr_err_set(err, rc, "SQLite %s: %s", what, sqlite3_errmsg(c->db));
}

/* Decodes %XX escapes of a URI path in place. */
static void
sq_unescape(char *s)
{
	char *d = s, hex[3] = { 0 };

	for (; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] != '\0' && s[2] != '\0' &&
		    strchr("0123456789abcdefABCDEF", s[1]) != NULL &&
		    strchr("0123456789abcdefABCDEF", s[2]) != NULL) {
			hex[0] = s[1];
			hex[1] = s[2];
			*d++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

/*
 * Turns a sqlx-style URI into a file name and open flags:
 * sqlite::memory:, sqlite://rel/path, sqlite:///abs/path, sqlite:path, with
 * ?mode=ro|rw|rwc|memory (default rw: a missing file is an error).
 * In-memory databases are shared by every connection of the process that
 * names the same path, so that a pool sees one database.
 */
static enum swgr_rc
sq_parse(const char *uri, char **fname, int *flags, bool *memory, struct swgr_err *err)
{
	char *rest = NULL, *q, *tok, *save, *mode = NULL;
	const char *path;
	int n;

	*fname = NULL;
	*memory = false;
	*flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (strncasecmp(uri, "sqlite:", 7) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "not a SQLite URI: '%s'", uri);
	path = uri + 7;
	if (strncmp(path, "//", 2) == 0)
		path += 2;
	if ((rest = strdup(path)) == NULL)
		goto oom;
	if ((q = strchr(rest, '?')) != NULL) {
		*q++ = '\0';
		for (tok = strtok_r(q, "&", &save); tok != NULL; tok = strtok_r(NULL, "&", &save))
			if (strncmp(tok, "mode=", 5) == 0)
				mode = tok + 5;
	}
	sq_unescape(rest);
	if (strcmp(rest, ":memory:") == 0 || (mode != NULL && strcmp(mode, "memory") == 0))
		*memory = true;
	else if (mode == NULL || strcmp(mode, "rw") == 0)
		;
	else if (strcmp(mode, "rwc") == 0)
		*flags |= SQLITE_OPEN_CREATE;
	else if (strcmp(mode, "ro") == 0)
		*flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	else {
		swgr_err_set(err, SWGR_EINTERNAL, "SQLite URI '%s': unknown mode '%s' "
		    "(expected ro, rw, rwc or memory)", uri, mode);
		free(rest);
		return SWGR_EINTERNAL;
	}
	if (*memory) {
		*flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
		    SQLITE_OPEN_NOMUTEX;
		n = asprintf(fname, "file:swgr-memory-%s?mode=memory&cache=shared",
		    strcmp(rest, ":memory:") == 0 ? "" : rest);
		free(rest);
		if (n < 0) {
			*fname = NULL;
			goto oom;
		}
		return SWGR_OK;
	}
	if (rest[0] == '\0') {
		free(rest);
		return swgr_err_set(err, SWGR_EINTERNAL, "SQLite URI '%s': no file path", uri);
	}
	*fname = rest;
	return SWGR_OK;
oom:
	free(rest);
	return swgr_err_set(err, SWGR_ENOMEM, "SQLite URI: out of memory");
}

static void
sq_close(void *conn)
{
	struct sq_conn *c = conn;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nstmts; i++)
		sqlite3_finalize(c->stmts[i].st);
	free(c->stmts);
	sqlite3_close(c->db);
	free(c);
}

static enum swgr_rc
sq_script(void *conn, const char *sql, struct swgr_err *err)
{
	struct sq_conn *c = conn;

	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_error(c, "script", err);
	return SWGR_OK;
}

/*
 * Switches to WAL.  The switch upgrades a lock, and SQLite answers BUSY at
 * once instead of waiting when another process holds one (deadlock
 * avoidance), as happens when processes open a new file together: retry.
 */
static enum swgr_rc
sq_wal(struct sq_conn *c, struct swgr_err *err)
{
	enum swgr_rc rc;
	int i;

	for (i = 0; i < SQ_BUSY_MS / 10; i++) {
		if ((rc = sq_script(c, "PRAGMA journal_mode = WAL", err)) != SWGR_ERETRY)
			return rc;
		usleep(10000);
	}
	return rc;
}

/* The URI parsed as a connect would, the file not opened (swgr-* -n). */
static enum swgr_rc
sq_check(const char *uri, struct swgr_err *err)
{
	char *fname = NULL;
	int flags;
	bool memory;
	enum swgr_rc rc;

	rc = sq_parse(uri, &fname, &flags, &memory, err);
	free(fname);
	return rc;
}

/*
 * Opens the database with the pragmas every connection needs: busy timeout,
 * WAL (not for read-only or in-memory databases), foreign keys, NORMAL sync.
 */
static enum swgr_rc
sq_connect(const char *uri, void **conn, struct swgr_err *err)
{
	struct sq_conn *c = NULL;
	char *fname = NULL;
	bool memory;
	int flags;
	enum swgr_rc rc;

	*conn = NULL;
	if ((rc = sq_parse(uri, &fname, &flags, &memory, err)) != SWGR_OK)
		return rc;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "SQLite: out of memory");
		goto out;
	}
	if (sqlite3_open_v2(fname, &c->db, flags, NULL) != SQLITE_OK) {
		rc = swgr_err_set(err, SWGR_EUPSTREAM, "opening SQLite database '%s': %s%s",
		    fname, c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory",
		    (flags & SQLITE_OPEN_CREATE) ? "" : " (add ?mode=rwc to create it)");
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, SQ_BUSY_MS);
	if ((!memory && !(flags & SQLITE_OPEN_READONLY) &&
	    (rc = sq_wal(c, err)) != SWGR_OK) ||
	    (rc = sq_script(c, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
	    err)) != SWGR_OK) {
		swgr_err_wrap(err, "opening SQLite database '%s'", fname);
		goto out;
	}
	*conn = c;
	c = NULL;
out:
	sq_close(c);
	free(fname);
	return rc;
}

/*
 * Copies sql with $N placeholders rewritten as ?N, leaving quoted text and
 * comments alone.  Returns NULL when out of memory.
 */
static char *
sq_rewrite(const char *sql)
{
	char *out, *d, q;
	const char *s = sql;

	if ((out = malloc(strlen(sql) + 1)) == NULL)
		return NULL;
	d = out;
	while (*s != '\0') {
		if (*s == '\'' || *s == '"' || *s == '`') {
			q = *s;
			*d++ = *s++;
			while (*s != '\0' && *s != q)
				*d++ = *s++;
			if (*s != '\0')
				*d++ = *s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				*d++ = *s++;
		} else if (s[0] == '/' && s[1] == '*') {
			*d++ = *s++;
			*d++ = *s++;
			while (*s != '\0' && !(s[0] == '*' && s[1] == '/'))
				*d++ = *s++;
		} else if (s[0] == '$' && s[1] >= '0' && s[1] <= '9') {
			*d++ = '?';
			s++;
		} else
			*d++ = *s++;
	}
	*d = '\0';
	return out;
}

/* The cached statement for the text at sql, prepared on first use. */
static enum swgr_rc
sq_prepare(struct sq_conn *c, const char *sql, sqlite3_stmt **st, struct swgr_err *err)
{
	struct sq_stmt *nv;
	size_t i, cap;
	char *text;
	int rc;

	for (i = 0; i < c->nstmts; i++)
		if (c->stmts[i].key == sql) {
			*st = c->stmts[i].st;
			return SWGR_OK;
		}
	if (c->nstmts == c->cap) {
		cap = c->cap == 0 ? 32 : c->cap * 2;
		if ((nv = reallocarray(c->stmts, cap, sizeof(*nv))) == NULL)
			return swgr_err_set(err, SWGR_ENOMEM, "SQLite: out of memory");
		c->stmts = nv;
		c->cap = cap;
	}
	if ((text = sq_rewrite(sql)) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "SQLite: out of memory");
	rc = sqlite3_prepare_v3(c->db, text, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	free(text);
	if (rc != SQLITE_OK)
		return sq_error(c, "prepare", err);
	c->stmts[c->nstmts].key = sql;
	c->stmts[c->nstmts].st = *st;
	c->nstmts++;
	return SWGR_OK;
}

static int
sq_bind(sqlite3_stmt *st, int idx, const struct swgr_db_val *v)
{
	switch (v->type) {
	case SWGR_DBT_NULL:
		return sqlite3_bind_null(st, idx);
	case SWGR_DBT_INT:
		return sqlite3_bind_int64(st, idx, v->i);
	case SWGR_DBT_TEXT:
		return sqlite3_bind_text64(st, idx, v->len > 0 ? v->p : "", v->len,
		    SQLITE_STATIC, SQLITE_UTF8);
	case SWGR_DBT_BLOB:
		if (v->len == 0)
			return sqlite3_bind_zeroblob(st, idx, 0);
		return sqlite3_bind_blob64(st, idx, v->p, v->len, SQLITE_STATIC);
	}
	return SQLITE_MISUSE;
}

/* Appends the current row of st to out. */
static enum swgr_rc
sq_fetch(sqlite3_stmt *st, struct swgr_db_rows *out, struct swgr_err *err)
{
	struct swgr_db_val v;
	char num[32];
	int i, n = sqlite3_column_count(st);
	enum swgr_rc rc;

	for (i = 0; i < n; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = swgr_db_int(sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			snprintf(num, sizeof(num), "%.17g", sqlite3_column_double(st, i));
			v = swgr_db_text(num);
			break;
		case SQLITE_TEXT:
			v = swgr_db_textn((const char *)sqlite3_column_text(st, i),
			    sqlite3_column_bytes(st, i));
			break;
		case SQLITE_BLOB:
			v = swgr_db_blob(sqlite3_column_blob(st, i), sqlite3_column_bytes(st, i));
			break;
		default:
			v = swgr_db_null();
			break;
		}
		if ((rc = swgr_db_rows_push(out, &v, err)) != SWGR_OK)
			return rc;
	}
	return SWGR_OK;
}

static enum swgr_rc
sq_exec(void *conn, const char *sql, const struct swgr_db_val *params, size_t nparams,
    struct swgr_db_rows *out, struct swgr_err *err)
{
	struct sq_conn *c = conn;
	sqlite3_stmt *st;
	enum swgr_rc rc;
	size_t i;
	int src;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((rc = sq_prepare(c, sql, &st, err)) != SWGR_OK)
		return rc;
	if (out != NULL)
		swgr_db_rows_init(out, sqlite3_column_count(st));
	for (i = 0; i < nparams; i++)
		if (sq_bind(st, (int)i + 1, &params[i]) != SQLITE_OK) {
			rc = sq_error(c, "bind", err);
			goto out;
		}
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		if (out != NULL && (rc = sq_fetch(st, out, err)) != SWGR_OK)
			goto out;
	if (src != SQLITE_DONE) {
		rc = sq_error(c, "statement", err);
		goto out;
	}
	if (out != NULL && !sqlite3_stmt_readonly(st))
		out->affected = sqlite3_changes64(c->db);
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SWGR_OK && out != NULL)
		swgr_db_rows_free(out);
	return rc;
}

static bool
sq_broken(void *conn)
{
	return ((struct sq_conn *)conn)->broken;
}

const struct swgr_db_driver swgr_db_sqlite = {
	.name = "sqlite",
	.dialect = SWGR_DB_SQLITE,
	.connect = sq_connect,
	.check = sq_check,
	.close = sq_close,
	.exec = sq_exec,
	.script = sq_script,
	.broken = sq_broken,
};
