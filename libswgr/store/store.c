/* The store interface: opens a store of the configured kind (SQL, HTTP) and dispatches every call to it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "store/db.h"
#include "store/sql_int.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define ST_LOG_TARGET	"swgr::store"
#define ST_MEMORY_FILE	"store.sqlite"	/* in the memory store's directory */

/*
 * The memory store's file: one per configuration file (FNV-1a 64 of its real
 * path) and effective user, in a directory of its own on tmpfs when there is
 * one (st_memory_prepare makes it private).
 */
void
swgr_store_memory_path(const char *config_path, char *out, size_t outlen)
{
	char *real = NULL;
	const char *s, *dir;
	struct stat sb;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (config_path != NULL)
		real = realpath(config_path, NULL);
	s = real != NULL ? real : config_path != NULL ? config_path : "";
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	free(real);
	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode))
		dir = "/dev/shm";
	else if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(out, outlen, "%s/swgr-memory-%u-%016llx/" ST_MEMORY_FILE, dir,
	    (unsigned)geteuid(), (unsigned long long)h);
}

/*
 * Whether fd (what path names) is ours: owned by the effective user, of the
 * type wanted, no permission for group or others.
 */
static enum swgr_rc
st_memory_owned(int fd, const char *path, bool dir, struct swgr_err *err)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: %s", path,
		    strerror(errno));
	if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: not a %s: refused",
		    path, dir ? "directory" : "regular file");
	if (sb.st_uid != geteuid())
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: owned by uid %u, not "
		    "by us (uid %u): refused", path, (unsigned)sb.st_uid, (unsigned)geteuid());
	if ((sb.st_mode & 077) != 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: mode %04o, expected "
		    "%s: refused", path, (unsigned)(sb.st_mode & 07777), dir ? "0700" : "0600");
	return SWGR_OK;
}

/*
 * The memory store's private directory (0700) and file (0600), made if
 * missing and refused when another user could have made or read them: not
 * a directory (or a symlink to one), not ours, open to group or others.
 * SQLite then opens the file by its path inside the directory only we can
 * enter, and gives its -wal and -shm files the file's mode.
 */
static enum swgr_rc
st_memory_prepare(const char *path, struct swgr_err *err)
{
	char dir[1024], *slash;
	int fd;
	enum swgr_rc rc;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: bad path", path);
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store: cannot create %s: %s",
		    dir, strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: %s%s", dir,
		    strerror(errno), errno == ELOOP || errno == ENOTDIR ? " (not a directory, "
		    "or a symlink): refused" : "");
	rc = st_memory_owned(fd, dir, true, err);
	close(fd);
	if (rc != SWGR_OK)
		return rc;
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600)) < 0)
		return swgr_err_set(err, SWGR_EINTERNAL, "memory store %s: %s%s", path,
		    strerror(errno), errno == ELOOP ? " (a symlink): refused" : "");
	rc = st_memory_owned(fd, path, false, err);
	close(fd);
	return rc;
}

void
swgr_store_status_default(char *out, size_t outlen)
{
	const char *d = getenv("STATE_DIRECTORY");
	size_t n;

	if (d != NULL && *d != '\0') {
		/* systemd lists one directory per StateDirectory= entry, ':'-separated */
		n = strcspn(d, ":");
		snprintf(out, outlen, "%.*s/status.db", (int)n, d);
	} else
		snprintf(out, outlen, "%s/lib/swgr/status.db", LOCALSTATEDIR);
}

/*
 * The default status database, its directory made when missing (mode 0750,
 * the parents it needs 0755, as mkdir -p).
 */
static enum swgr_rc
st_status_default_uri(char *uri, size_t urilen, struct swgr_err *err)
{
	char path[1024], dir[1024], *p, *slash;

	swgr_store_status_default(path, sizeof(path));
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		for (p = dir + 1; ; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			*p = '\0';
			if (mkdir(dir, p == slash ? 0750 : 0755) != 0 && errno != EEXIST)
				return swgr_err_set(err, SWGR_EINTERNAL, "node status database %s: "
				    "cannot create %s: %s (set store.status, or STATE_DIRECTORY)",
				    path, dir, strerror(errno));
			if (p == slash)
				break;
			*p = '/';
		}
	}
	snprintf(uri, urilen, "sqlite://%s?mode=rwc", path);
	return SWGR_OK;
}

/* The SQL store of a memory or database configuration. */
static enum swgr_rc
st_sql_of(enum swgr_store_type type, const char *database_uri, uint32_t max_connections,
    const char *config_path, unsigned roles, struct sql_store **out, struct swgr_err *err)
{
	char path[1024], uri[1100];
	enum swgr_rc rc;

	if (type == SWGR_STORE_MEMORY) {
		swgr_store_memory_path(config_path, path, sizeof(path));
		if ((rc = st_memory_prepare(path, err)) != SWGR_OK)
			return rc;
		snprintf(uri, sizeof(uri), "sqlite://%s?mode=rw", path);
		/*
		 * Private to this user (a 0700 directory) and to this configuration
		 * file, with no database roles: whoever opens it first makes its
		 * tables, swgr-lnurl included, as a fresh SQLite file would be.
		 */
		return st_sql_open(uri, 0, roles |
		    SWGR_STORE_DDL(roles & (SWGR_STORE_ROLE_DISCOVERY | SWGR_STORE_ROLE_OFFER |
		    SWGR_STORE_ROLE_STATUS)), out, err);
	}
	return st_sql_open(database_uri, max_connections, roles, out, err);
}

/*
 * Where node status lives when it is not the store itself: store.status, or
 * for an HTTP store the local default (swgr_store_status_default).
 */
static enum swgr_rc
st_status_open(const struct swgr_store_cfg *cfg, const char *config_path, unsigned roles,
    struct sql_store **out, struct swgr_err *err)
{
	const struct swgr_status_cfg *s = &cfg->status;
	char uri[1100];
	enum swgr_rc rc;

	if (s->type == SWGR_STORE_MEMORY || s->type == SWGR_STORE_DATABASE)
		rc = st_sql_of(s->type, s->database_uri, s->max_connections, config_path,
		    roles, out, err);
	else if ((rc = st_status_default_uri(uri, sizeof(uri), err)) == SWGR_OK &&
	    (rc = st_sql_open(uri, 0, roles, out, err)) == SWGR_OK)
		swgr_log(SWGR_LOG_INFO, ST_LOG_TARGET, "node status in the local database %s", uri);
	if (rc != SWGR_OK)
		swgr_err_wrap(err, "opening the node status database");
	return rc;
}

static void
st_sql_close_impl(void *impl)
{
	st_sql_close(impl);
}

enum swgr_rc
swgr_store_open(const struct swgr_store_cfg *cfg, const char *config_path, unsigned roles,
    struct swgr_store **out, struct swgr_err *err)
{
	struct swgr_store *st;
	struct sql_store *sql = NULL;
	unsigned status_roles;
	bool apart;
	enum swgr_rc rc;

	*out = NULL;
	if (cfg->type == SWGR_STORE_NONE)
		return swgr_err_set(err, SWGR_EINTERNAL, "no store configured");
	/* Node status apart from the store: store.status, or the store is remote. */
	apart = (roles & SWGR_STORE_ROLE_STATUS) != 0 &&
	    (cfg->status.type != SWGR_STORE_NONE || cfg->type == SWGR_STORE_HTTP);
	status_roles = roles & SWGR_STORE_OWNER(SWGR_STORE_ROLE_STATUS);
	if (apart)
		roles &= ~SWGR_STORE_OWNER(SWGR_STORE_ROLE_STATUS);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return swgr_err_set(err, SWGR_ENOMEM, "opening store: out of memory");
	if (cfg->type == SWGR_STORE_HTTP) {
		st->kind = "http";
		st->discovery = &st_http_discovery;
		st->offer = &st_http_offer;
		st->close = st_http_close;
		rc = st_http_open(cfg, (roles & SWGR_STORE_ROLE_DISCOVERY) != 0 ? "discover" :
		    "offer", &st->impl, err);
	} else {
		st->kind = "sql";
		st->discovery = &st_sql_discovery;
		st->offer = &st_sql_offer;
		st->close = st_sql_close_impl;
		rc = st_sql_of(cfg->type, cfg->database_uri, cfg->max_connections, config_path,
		    roles, &sql, err);
		st->impl = sql;
		if ((roles & SWGR_STORE_ROLE_STATUS) != 0)
			st->status = sql;
	}
	if (rc == SWGR_OK && apart &&
	    (rc = st_status_open(cfg, config_path, status_roles, &st->own_status, err)) ==
	    SWGR_OK)
		st->status = st->own_status;
	if (rc != SWGR_OK) {
		swgr_store_close(st);
		return rc;
	}
	*out = st;
	return SWGR_OK;
}

enum swgr_rc
swgr_store_check(const struct swgr_store_cfg *cfg, struct swgr_err *err)
{
	void *impl = NULL;
	enum swgr_rc rc = SWGR_OK;

	if (cfg->type == SWGR_STORE_DATABASE)
		rc = swgr_db_check(cfg->database_uri, err);
	else if (cfg->type == SWGR_STORE_HTTP && (rc = st_http_open(cfg, "", &impl, err)) == SWGR_OK)
		st_http_close(impl);
	if (rc != SWGR_OK || cfg->status.type != SWGR_STORE_DATABASE)
		return rc;
	if ((rc = swgr_db_check(cfg->status.database_uri, err)) != SWGR_OK)
		swgr_err_wrap(err, "store.status");
	return rc;
}

void
swgr_store_close(struct swgr_store *st)
{
	if (st == NULL)
		return;
	if (st->impl != NULL)
		st->close(st->impl);
	st_sql_close(st->own_status);
	free(st);
}

bool
swgr_store_is_database(const struct swgr_store *st)
{
	return st != NULL && strcmp(st->kind, "sql") == 0;
}

bool
swgr_store_schema_missing(const struct swgr_store *st)
{
	const struct sql_store *q;

	if (st == NULL || !swgr_store_is_database(st) || (q = st->impl) == NULL)
		return false;
	return (atomic_load(&((struct sql_store *)q)->missing) &
	    (SWGR_STORE_ROLE_DISCOVERY | SWGR_STORE_ROLE_OFFER)) != 0;
}

/*
 * Before a discovery or offer call: a SQL store whose tables of role are
 * missing answers SWGR_EUPSTREAM "database schema missing" (a database not
 * ready to serve, as one that cannot be reached).
 */
static enum swgr_rc
st_ready(struct swgr_store *st, unsigned role, struct swgr_err *err)
{
	enum swgr_rc rc;

	if (!swgr_store_is_database(st) || st->impl == NULL)
		return SWGR_OK;
	if ((rc = st_catalog_ready(st->impl, role, err)) == SWGR_NOTFOUND)
		rc = SWGR_EUPSTREAM;
	if (err != NULL && rc != SWGR_OK)
		err->rc = rc;
	return rc;
}

enum swgr_rc
st_status_of(struct swgr_store *st, struct sql_store **out, struct swgr_err *err)
{
	if ((*out = st->status) == NULL)
		return swgr_err_set(err, SWGR_EINTERNAL, "this %s store was not opened for node "
		    "status", st->kind);
	return st_catalog_ready(*out, SWGR_STORE_ROLE_STATUS, err);
}

void
st_free_backends(void *v, size_t n)
{
	swgr_backends_free(v, n);
}

void
st_free_offers(void *v, size_t n)
{
	swgr_offers_free(v, n);
}

void
st_free_metadatas(void *v, size_t n)
{
	swgr_metadatas_free(v, n);
}

void
st_free_addresses(void *v, size_t n)
{
	swgr_addresses_free(v, n);
}

/* Discovery. */

enum swgr_rc
swgr_store_backend_etag(struct swgr_store *st, uint64_t *etag, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK)
		return rc;
	return st->discovery->etag(st->impl, etag, err);
}

enum swgr_rc
swgr_store_backend_list(struct swgr_store *st, uint64_t *etag, struct swgr_backend **out,
    size_t *n, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK) {
		*out = NULL;
		*n = 0;
		return rc;
	}
	return st->discovery->list(st->impl, etag, out, n, err);
}

enum swgr_rc
swgr_store_backend_get(struct swgr_store *st, const struct swgr_pubkey *pk,
    struct swgr_backend *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK)
		return rc;
	return st->discovery->get(st->impl, pk, out, err);
}

enum swgr_rc
swgr_store_backend_post(struct swgr_store *st, const struct swgr_backend *b, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK)
		return rc;
	return st->discovery->write(st->impl, b, false, NULL, err);
}

enum swgr_rc
swgr_store_backend_put(struct swgr_store *st, const struct swgr_backend *b, bool *created,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK)
		return rc;
	return st->discovery->write(st->impl, b, true, created, err);
}

enum swgr_rc
swgr_store_backend_patch(struct swgr_store *st, const struct swgr_pubkey *pk,
    const struct swgr_backend_patch *p, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK)
		return rc;
	return st->discovery->patch(st->impl, pk, p, err);
}

enum swgr_rc
swgr_store_backend_delete(struct swgr_store *st, const struct swgr_pubkey *pk,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_DISCOVERY, err)) != SWGR_OK)
		return rc;
	return st->discovery->del(st->impl, pk, err);
}

/* Offers, metadata and Lightning Addresses (the offer role; addresses looked for apart). */

enum swgr_rc
swgr_store_offer_get(struct swgr_store *st, const char *partition, const struct swgr_uuid *id,
    bool with_metadata, struct swgr_offer *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->offer_get(st->impl, partition, id, with_metadata, out, err);
}

enum swgr_rc
swgr_store_offer_page(struct swgr_store *st, const char *partition, uint64_t start,
    uint64_t count, struct swgr_offer **out, size_t *n, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK) {
		*out = NULL;
		*n = 0;
		return rc;
	}
	return st->offer->offer_page(st->impl, partition, start, count, out, n, err);
}

enum swgr_rc
swgr_store_offer_post(struct swgr_store *st, const struct swgr_offer *o, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->offer_write(st->impl, o, false, NULL, err);
}

enum swgr_rc
swgr_store_offer_put(struct swgr_store *st, const struct swgr_offer *o, bool *created,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->offer_write(st->impl, o, true, created, err);
}

enum swgr_rc
swgr_store_offer_delete(struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->offer_delete(st->impl, partition, id, err);
}

enum swgr_rc
swgr_store_metadata_get(struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct swgr_metadata *out, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->metadata_get(st->impl, partition, id, out, err);
}

enum swgr_rc
swgr_store_metadata_page(struct swgr_store *st, const char *partition, uint64_t start,
    uint64_t count, struct swgr_metadata **out, size_t *n, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK) {
		*out = NULL;
		*n = 0;
		return rc;
	}
	return st->offer->metadata_page(st->impl, partition, start, count, out, n, err);
}

enum swgr_rc
swgr_store_metadata_post(struct swgr_store *st, const struct swgr_metadata *m,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->metadata_write(st->impl, m, false, NULL, err);
}

enum swgr_rc
swgr_store_metadata_put(struct swgr_store *st, const struct swgr_metadata *m, bool *created,
    struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->metadata_write(st->impl, m, true, created, err);
}

enum swgr_rc
swgr_store_metadata_delete(struct swgr_store *st, const char *partition,
    const struct swgr_uuid *id, struct swgr_err *err)
{
	enum swgr_rc rc;

	if ((rc = st_ready(st, SWGR_STORE_ROLE_OFFER, err)) != SWGR_OK)
		return rc;
	return st->offer->metadata_delete(st->impl, partition, id, err);
}

enum swgr_rc
swgr_store_address_get(struct swgr_store *st, const char *domain, const char *username,
    struct swgr_address *out, struct swgr_err *err)
{
	enum swgr_rc rc = st_ready(st, ST_ROLE_ADDRESS, err);

	return rc != SWGR_OK ? rc : st->offer->address_get(st->impl, domain, username, out, err);
}

enum swgr_rc
swgr_store_address_page(struct swgr_store *st, const char *domain, uint64_t start,
    uint64_t count, struct swgr_address **out, size_t *n, struct swgr_err *err)
{
	enum swgr_rc rc = st_ready(st, ST_ROLE_ADDRESS, err);

	*out = NULL;
	*n = 0;
	return rc != SWGR_OK ? rc : st->offer->address_page(st->impl, domain, start, count, out,
	    n, err);
}

enum swgr_rc
swgr_store_address_post(struct swgr_store *st, const struct swgr_address *a,
    struct swgr_err *err)
{
	enum swgr_rc rc = st_ready(st, ST_ROLE_ADDRESS, err);

	return rc != SWGR_OK ? rc : st->offer->address_write(st->impl, a, false, NULL, err);
}

enum swgr_rc
swgr_store_address_put(struct swgr_store *st, const struct swgr_address *a, bool *created,
    struct swgr_err *err)
{
	enum swgr_rc rc = st_ready(st, ST_ROLE_ADDRESS, err);

	return rc != SWGR_OK ? rc : st->offer->address_write(st->impl, a, true, created, err);
}

enum swgr_rc
swgr_store_address_delete(struct swgr_store *st, const char *domain, const char *username,
    struct swgr_err *err)
{
	enum swgr_rc rc = st_ready(st, ST_ROLE_ADDRESS, err);

	return rc != SWGR_OK ? rc : st->offer->address_delete(st->impl, domain, username, err);
}
