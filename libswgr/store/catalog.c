/* The look in the database's catalog for the tables of roles a process uses but does not make (no DDL: swgr-lnurl). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/sql_int.h"

#define ST_LOOK_EVERY	1.0	/* s between looks while tables are missing */

/* The tables of each role, as schema.c's DDL names them, and who makes them. */
static const struct {
	unsigned	 role;
	const char	*what;		/* in messages */
	const char	*owner;
	const char	*tables[3];	/* NULL-terminated */
} st_role_tables[] = {
	{ SWGR_STORE_ROLE_DISCOVERY, "discovery", "swgr-discovery",
	    { "discovery_backend", "discovery_backend_etag" } },
	{ SWGR_STORE_ROLE_OFFER, "offer", "swgr-offer",
	    { "offer_metadata_table", "offer_record_table" } },
	{ ST_ROLE_ADDRESS, "address", "swgr-offer", { "swgr_address" } },
	{ ST_ROLE_INVOICE, "invoice record", "swgr-offer", { "swgr_invoice" } },
	{ SWGR_STORE_ROLE_STATUS, "node status", "swgr-monitord",
	    { "swgr_node_status", "swgr_monitor_heartbeat" } },
};
#define ST_NROLES	(sizeof(st_role_tables) / sizeof(st_role_tables[0]))

/*
 * One row if table $1 is there and the role may see it: information_schema
 * shows a role the tables it holds a privilege on (SELECT will do).
 */
static const char *
st_has_table_sql(enum swgr_db_dialect d)
{
	switch (d) {
	case SWGR_DB_SQLITE:
		return "SELECT \"name\" FROM \"sqlite_master\" WHERE \"type\" = 'table' AND "
		    "\"name\" = $1";
	case SWGR_DB_POSTGRES:
		return "SELECT \"table_name\" FROM \"information_schema\".\"tables\" WHERE "
		    "\"table_schema\" = current_schema() AND \"table_name\" = $1";
	case SWGR_DB_MYSQL:
		return "SELECT `table_name` FROM `information_schema`.`tables` WHERE "
		    "`table_schema` = DATABASE() AND `table_name` = $1";
	}
	return NULL;
}

struct st_look {
	unsigned	 roles;		/* in: to look for */
	unsigned	 missing;	/* out: the roles short of a table */
};

static enum swgr_rc
st_look_tx(struct st_tx *tx, void *arg, struct swgr_err *err)
{
	const struct swgr_db_driver *drv = swgr_db_get_driver(tx->st->db);
	const char *sql = st_has_table_sql(tx->st->dialect);
	struct st_look *a = arg;
	struct swgr_db_rows r = { 0 };
	struct swgr_db_val p;
	enum swgr_rc rc;
	size_t i, t;

	a->missing = 0;
	for (i = 0; i < ST_NROLES; i++) {
		if ((a->roles & st_role_tables[i].role) == 0)
			continue;
		for (t = 0; st_role_tables[i].tables[t] != NULL; t++) {
			p = swgr_db_text(st_role_tables[i].tables[t]);
			if ((rc = drv->exec(tx->conn, sql, &p, 1, &r, err)) != SWGR_OK)
				return rc;
			if (r.nrows == 0)
				a->missing |= st_role_tables[i].role;
			swgr_db_rows_free(&r);
		}
	}
	return SWGR_OK;
}

/* Looks for the tables of roles: *missing the roles short of one. */
static enum swgr_rc
st_look(struct sql_store *st, unsigned roles, unsigned *missing, struct swgr_err *err)
{
	struct st_look a = { .roles = roles };
	enum swgr_rc rc;

	*missing = 0;
	if ((rc = st_run(st, ST_SINGLE, st_look_tx, &a, err)) != SWGR_OK) {
		swgr_err_wrap(err, "looking for the database schema");
		return rc;
	}
	*missing = a.missing;
	return SWGR_OK;
}

/* SWGR_NOTFOUND "database schema missing: no offer tables (start swgr-offer, ...)". */
static enum swgr_rc
st_missing_err(unsigned missing, struct swgr_err *err)
{
	char what[160] = "", who[80] = "";
	size_t i;
	int n = 0, owners = 0;

	for (i = 0; i < ST_NROLES; i++) {
		if ((missing & st_role_tables[i].role) == 0)
			continue;
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s",
		    n > 0 ? " and " : "", st_role_tables[i].what);
		if (strstr(who, st_role_tables[i].owner) == NULL) {
			snprintf(who + strlen(who), sizeof(who) - strlen(who), "%s%s",
			    owners > 0 ? "/" : "", st_role_tables[i].owner);
			owners++;
		}
		n++;
	}
	return swgr_err_set(err, SWGR_NOTFOUND, "database schema missing: no %s tables (start "
	    "%s, which create%s them; this process runs no DDL)", what, who,
	    owners > 1 ? "" : "s");
}

enum swgr_rc
st_catalog_open(struct sql_store *st, struct swgr_err *err)
{
	struct swgr_err merr = { 0 };
	unsigned missing;
	enum swgr_rc rc;

	if ((rc = st_look(st, st->need, &missing, err)) != SWGR_OK)
		return rc;
	st->looked = swgr_mono_now();
	atomic_store(&st->missing, missing);
	if (missing != 0) {
		st_missing_err(missing, &merr);
		swgr_log(SWGR_LOG_WARN, "swgr::store", "%s; looked for again at most once a "
		    "second", merr.msg);
	}
	return SWGR_OK;
}

enum swgr_rc
st_catalog_ready(struct sql_store *st, unsigned role, struct swgr_err *err)
{
	unsigned missing = atomic_load(&st->missing), now_missing;
	struct swgr_err lerr = { 0 };
	double now;
	bool due = false;
	enum swgr_rc rc;

	if ((missing & role) == 0)
		return SWGR_OK;
	now = swgr_mono_now();
	pthread_mutex_lock(&st->look_mu);
	if (!st->looking && now - st->looked >= ST_LOOK_EVERY) {
		due = st->looking = true;
		st->looked = now;
	}
	pthread_mutex_unlock(&st->look_mu);
	if (due) {
		rc = st_look(st, missing, &now_missing, &lerr);
		pthread_mutex_lock(&st->look_mu);
		st->looking = false;
		if (rc == SWGR_OK)
			atomic_store(&st->missing, now_missing);
		pthread_mutex_unlock(&st->look_mu);
		if (rc != SWGR_OK) {
			if (err != NULL)
				*err = lerr;
			return rc;
		}
		if ((missing & ~now_missing) != 0)
			swgr_log(SWGR_LOG_INFO, "swgr::store", "database schema found: the tables "
			    "this process waited for are there now");
		missing = now_missing;
	}
	if ((missing & role) == 0)
		return SWGR_OK;
	return st_missing_err(missing & role, err);
}
