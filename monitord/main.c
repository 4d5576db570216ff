/* swgr-monitord: every node's health and inbound liquidity into this instance's status table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "daemon/daemon.h"
#include "db.h"
#include "mon.h"
#include "node.h"
#include "outcomes.h"
#include "roster.h"

/*
 * After the configuration and the log: the store, the fleet and the
 * settings m keeps.  The sections swgr-monitord needs are lnurl-service and
 * store.discover; monitor is optional.  Errors are logged.  With -n it
 * stops after the checks, the store read but not opened.
 */
static bool
start(struct mon *m, struct swgr_daemon *d)
{
	const struct swgr_config *cfg = &d->cfg;
	const struct swgr_lnurl_cfg *l = &cfg->lnurl;
	struct swgr_ln_opts lnopts = { 0 };
	struct swgr_err err = { 0 };
	char labels[200], inst[160];

	m->cfg = cfg;
	if (!swgr_daemon_need(d, l->present, "lnurl service") ||
	    !swgr_daemon_need(d, cfg->store_discover.type != SWGR_STORE_NONE, "discover store") ||
	    (!d->check && !swgr_daemon_log(d, &cfg->monitor.log)))
		return false;
	if (l->health_check_frequency_secs <= 0 || l->backend_update_frequency_secs <= 0)
		return swgr_daemon_problem(d, "configuration file '%s': lnurl-service: "
		    "health-check-frequency-secs and backend-update-frequency-secs must be above 0",
		    d->config);
	if (d->check) {		/* -n: the store read, not opened */
		if (swgr_store_check(&cfg->store_discover, &err) == SWGR_OK)
			return true;
		return swgr_daemon_problem(d, "configuration file '%s': store.discover: %s",
		    d->config, err.msg);
	}
	/* It makes the status tables it writes, never the discovery store's. */
	if (swgr_store_open(&cfg->store_discover, cfg->path, SWGR_STORE_ROLE_DISCOVERY |
	    SWGR_STORE_OWNER(SWGR_STORE_ROLE_STATUS), &m->store, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "opening the discover store: %s", err.msg);
		return false;
	}
	lnopts.timeout_secs = l->ln_client_timeout_secs;
	lnopts.trusted_roots = l->ln_trusted_roots;
	lnopts.cred_dirs.dirs = cfg->node_access.credential_directories;
	lnopts.cred_dirs.n = cfg->node_access.ncredential_directories;
	lnopts.backend_hosts = cfg->node_access.backend_hosts;
	lnopts.nbackend_hosts = cfg->node_access.nbackend_hosts;
	if (swgr_fleet_new(m->store, l->partitions, l->npartitions, &lnopts, MON_TARGET,
	    &m->fleet, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "%s", err.msg);
		return false;
	}
	swgr_config_instance(cfg, m->instance, sizeof(m->instance));
	swgr_metric_label_value(m->instance, inst, sizeof(inst));
	snprintf(labels, sizeof(labels), "monitor=\"%s\"", inst);
	m->beat_g = swgr_metric_gauge("swgr_monitor_heartbeat_timestamp_seconds", labels);
	m->period = l->health_check_frequency_secs;
	m->update = l->backend_update_frequency_secs;
	m->to_healthy = l->health_check_consecutive_success_to_healthy;
	m->to_unhealthy = l->health_check_consecutive_failure_to_unhealthy;
	m->parallel = l->parallel_health_check;
	swgr_log(SWGR_LOG_INFO, MON_TARGET, "monitoring as instance '%s': health check every "
	    "%g s (%s), backends reloaded every %g s", m->instance, m->period,
	    m->parallel ? "parallel" : "serial", m->update);
	return true;
}

/*
 * The rounds, on this thread, until a termination signal: one at once
 * (after the first reload, spec §9.4), then one every period on a fixed
 * schedule (a late round is not caught up).  SIGHUP reopens the log.
 */
static void
run(struct mon *m, struct swgr_daemon *d, struct mon_outcomes *o)
{
	int64_t next, now, step = (int64_t)(m->period * 1e6);

	next = swgr_mono_us();
	for (;;) {
		now = swgr_mono_us();
		if (now >= next) {
			mon_outcomes_round(o, m);
			mon_tick(m);
			next += step;
			if (next <= now)
				next = now + step;
		}
		if (swgr_daemon_wait(d, (double)(next - now) / 1e6))
			return;
	}
}

/*
 * The life of the daemon after a good start: first reload, the database
 * thread, the rounds; then stop the database thread, let the checks in
 * flight end (each bounded by ln-client-timeout-secs) and write once more.
 */
static bool
monitor(struct mon *m, struct swgr_daemon *d)
{
	struct swgr_err err = { 0 };
	struct mon_outcomes *o;

	mon_db_reload(m);
	if (mon_db_start(m, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "%s", err.msg);
		return false;
	}
	o = mon_outcomes_new(m);
	run(m, d, o);
	mon_outcomes_free(o);
	swgr_log(SWGR_LOG_INFO, MON_TARGET, "stopping: waiting for the checks in flight");
	mon_db_stop(m);
	mon_roster_stop(m);
	mon_db_flush(m);
	return true;
}

int
main(int argc, char *argv[])
{
	struct swgr_daemon d = { .name = "swgr-monitord", .target = MON_TARGET };
	struct mon m;
	int code = 1;

	if ((code = swgr_daemon_options(&d, argc, argv)) >= 0)
		return code;
	code = 1;
	mon_init(&m);
	if (swgr_daemon_start(&d, "starting swgr-monitord") && start(&m, &d) &&
	    (d.check || monitor(&m, &d)))
		code = d.check ? swgr_daemon_checked(&d) : 0;
	mon_roster_clear(&m);
	swgr_fleet_free(m.fleet);
	if (m.store != NULL)
		swgr_store_close(m.store);
	mon_fini(&m);
	return swgr_daemon_end(&d, code, "monitor terminated clean");
}
