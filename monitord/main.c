/* swgr-monitord: every node's health and inbound liquidity into this instance's status table. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "monitor.h"
#include "core/clock.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [-c FILE] [-l LEVEL] [-h] [-V]\n"
	    "  -c, --config FILE     configuration (default " SYSCONFDIR "/swgr/config.yaml)\n"
	    "  -l, --log-level LEVEL off|error|warn|info|debug|trace (overrides the config)\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         the version\n", prog);
}

/*
 * Configuration, log and store, in that order, and the settings m keeps
 * from them.  The sections swgr-monitord needs are lnurl-service and
 * store.discover; monitor is optional.  Errors are logged.
 */
static bool
start(struct mon *m, struct swgr_config *cfg, const char *config, bool has_level,
    enum swgr_log_level level)
{
	const struct swgr_lnurl_cfg *l = &cfg->lnurl;
	struct swgr_err err = { 0 };

	swgr_log(SWGR_LOG_INFO, MON_TARGET, "loading configuration file: %s", config);
	if (swgr_config_load(config, cfg, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "%s", err.msg);
		return false;
	}
	m->cfg = cfg;
	swgr_log(SWGR_LOG_INFO, MON_TARGET, "configuration loaded successfully: %s", config);
	if (!l->present) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "lnurl service enabled but has no config");
		return false;
	}
	if (cfg->store_discover.type == SWGR_STORE_NONE) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "discover store enabled but has no config");
		return false;
	}
	if (!has_level)
		level = cfg->monitor.log.has_log_level ? cfg->monitor.log.log_level : SWGR_LOG_INFO;
	if (swgr_log_open(cfg->monitor.log.log_file, level, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "%s", err.msg);
		return false;
	}
	if (l->health_check_frequency_secs <= 0 || l->backend_update_frequency_secs <= 0) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "lnurl-service: health-check-frequency-secs "
		    "and backend-update-frequency-secs must be above 0");
		return false;
	}
	if (swgr_store_open(&cfg->store_discover, cfg->path,
	    SWGR_STORE_ROLE_DISCOVERY | SWGR_STORE_ROLE_STATUS, &m->store, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "opening the discover store: %s", err.msg);
		return false;
	}
	swgr_config_instance(cfg, m->instance, sizeof(m->instance));
	m->lnopts.timeout_secs = l->ln_client_timeout_secs;
	m->lnopts.trusted_roots = l->ln_trusted_roots;
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
run(struct mon *m, const sigset_t *set)
{
	struct timespec ts;
	int64_t next, now, step = (int64_t)(m->period * 1e6);
	int sig;

	next = mon_now_us();
	for (;;) {
		now = mon_now_us();
		if (now >= next) {
			mon_tick(m);
			next += step;
			if (next <= now)
				next = now + step;
		}
		ts.tv_sec = (next - now) / 1000000;
		ts.tv_nsec = (next - now) % 1000000 * 1000;
		if ((sig = sigtimedwait(set, NULL, &ts)) < 0)
			continue;	/* EAGAIN: time for a round; EINTR */
		if (sig == SIGHUP) {
			swgr_log_reopen();
			swgr_log(SWGR_LOG_INFO, MON_TARGET, "received signal: SIGHUP, log reopened");
			continue;
		}
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "received signal: %s, terminating",
		    sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGQUIT");
		return;
	}
}

/*
 * The life of the daemon after a good start: first reload, the database
 * thread, the rounds; then stop the database thread, let the checks in
 * flight end (each bounded by ln-client-timeout-secs) and write once more.
 */
static bool
monitor(struct mon *m, const sigset_t *set)
{
	struct swgr_err err = { 0 };

	mon_db_reload(m);
	if (mon_db_start(m, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, MON_TARGET, "%s", err.msg);
		return false;
	}
	run(m, set);
	swgr_log(SWGR_LOG_INFO, MON_TARGET, "stopping: waiting for the checks in flight");
	mon_db_stop(m);
	mon_fleet_stop(m);
	mon_db_flush(m);
	return true;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = SYSCONFDIR "/swgr/config.yaml";
	enum swgr_log_level level = SWGR_LOG_INFO;
	struct swgr_config cfg;
	struct swgr_err err = { 0 };
	struct sigaction sa;
	struct mon m;
	bool has_level = false;
	sigset_t set;
	int ch, code = 1;

	while ((ch = getopt_long(argc, argv, "c:l:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			if (!swgr_log_level_parse(optarg, &level)) {
				fprintf(stderr, "%s: unknown log level '%s'\n", argv[0], optarg);
				return 2;
			}
			has_level = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("swgr-monitord %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	/* Signals go to run() only; the threads started later inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	memset(&cfg, 0, sizeof(cfg));
	memset(&m, 0, sizeof(m));
	pthread_mutex_init(&m.mu, NULL);
	pthread_mutex_init(&m.rpc_mu, NULL);
	swgr_mono_cond_init(&m.db_cv);

	if (swgr_log_open(NULL, has_level ? level : SWGR_LOG_INFO, &err) != SWGR_OK) {
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		goto out;
	}
	swgr_log(SWGR_LOG_INFO, MON_TARGET, "starting swgr-monitord");
	if (start(&m, &cfg, config, has_level, level) && monitor(&m, &set))
		code = 0;
out:
	mon_fleet_clear(&m);
	if (m.store != NULL)
		swgr_store_close(m.store);
	if (m.cfg != NULL)
		swgr_config_free(&cfg);
	pthread_cond_destroy(&m.db_cv);
	pthread_mutex_destroy(&m.rpc_mu);
	pthread_mutex_destroy(&m.mu);
	if (code == 0)
		swgr_log(SWGR_LOG_INFO, MON_TARGET, "monitor terminated clean");
	swgr_log_close();
	return code;
}
