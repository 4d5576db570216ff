/* Daemon start-up, written once for the responders and swgr-monitord: options, signals, log, configuration. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/metrics.h"
#include "daemon/daemon.h"

#ifndef PACKAGE_VERSION
#error "PACKAGE_VERSION comes from configure.ac (AC_INIT) through DEFS"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONFIG_DEFAULT	SYSCONFDIR "/swgr/config.yaml"

static void
usage(const struct swgr_daemon *d, FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [-c FILE] [-l LEVEL]", d->prog);
	for (i = 0; i < d->nopts; i++) {
		if (d->opts[i].arg != NULL)
			fprintf(f, " [-%c %s]", d->opts[i].ch, d->opts[i].arg);
		else
			fprintf(f, " [-%c]", d->opts[i].ch);
	}
	fputs(" [-n] [-h] [-V]\n"
	    "  -c, --config FILE     configuration (default " CONFIG_DEFAULT ")\n"
	    "  -l, --log-level LEVEL off|error|warn|info|debug|trace (overrides the config)\n", f);
	for (i = 0; i < d->nopts; i++)
		fputs(d->opts[i].help, f);
	fputs("  -n, --check-config    check the configuration as start-up would, without\n"
	    "                        reaching a database or a node, and exit 0 (valid) or 1\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         the version\n", f);
}

int
swgr_daemon_options(struct swgr_daemon *d, int argc, char *argv[])
{
	struct option longopts[5 + SWGR_DAEMON_OPTS_MAX + 1];
	char optstring[5 * 2 + SWGR_DAEMON_OPTS_MAX * 2 + 1];
	size_t i, k = 0, n = 0;
	int ch;

	d->prog = argv[0];
	d->config = CONFIG_DEFAULT;
	d->level = SWGR_LOG_INFO;
	d->has_level = false;
	if (d->nopts > SWGR_DAEMON_OPTS_MAX) {
		fprintf(stderr, "%s: too many options\n", d->prog);
		return 2;
	}
	longopts[n++] = (struct option){ "config", required_argument, NULL, 'c' };
	longopts[n++] = (struct option){ "log-level", required_argument, NULL, 'l' };
	memcpy(optstring, "c:l:", 4);
	k = 4;
	for (i = 0; i < d->nopts; i++) {
		longopts[n++] = (struct option){ d->opts[i].name,
		    d->opts[i].arg != NULL ? required_argument : no_argument, NULL, d->opts[i].ch };
		optstring[k++] = (char)d->opts[i].ch;
		if (d->opts[i].arg != NULL)
			optstring[k++] = ':';
	}
	longopts[n++] = (struct option){ "check-config", no_argument, NULL, 'n' };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	memcpy(optstring + k, "nhV", 4);

	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d->config = optarg;
			break;
		case 'l':
			if (!swgr_log_level_parse(optarg, &d->level)) {
				fprintf(stderr, "%s: unknown log level '%s'\n", d->prog, optarg);
				return 2;
			}
			d->has_level = true;
			break;
		case 'n':
			d->check = true;
			break;
		case 'h':
			usage(d, stdout);
			return 0;
		case 'V':
			swgr_daemon_version(d->name);
			return 0;
		default:
			for (i = 0; i < d->nopts && d->opts[i].ch != ch; i++)
				;
			if (i == d->nopts) {
				usage(d, stderr);
				return 2;
			}
			if (!d->opt(d->arg, d->prog, ch, optarg))
				return 2;
			break;
		}
	}
	if (optind != argc) {
		usage(d, stderr);
		return 2;
	}
	return -1;
}

void
swgr_daemon_version(const char *name)
{
	printf("%s (" PACKAGE_NAME ") " PACKAGE_VERSION "\n", name);
}

bool
swgr_daemon_problem(const struct swgr_daemon *d, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->check)
		fprintf(stderr, "%s: %s\n", d->name, msg);
	else
		swgr_log(SWGR_LOG_ERROR, d->target, "%s", msg);
	return false;
}

int
swgr_daemon_checked(const struct swgr_daemon *d)
{
	printf("%s: configuration %s is valid\n", d->name, d->config);
	return 0;
}

/* -n: the configuration loaded as start-up loads it, its lines silent unless -l asks. */
static bool
check_start(struct swgr_daemon *d)
{
	struct swgr_err err = { 0 };

	if (swgr_log_open(NULL, d->has_level ? d->level : SWGR_LOG_OFF, &err) != SWGR_OK) {
		fprintf(stderr, "%s: %s\n", d->name, err.msg);
		return false;
	}
	memset(&d->cfg, 0, sizeof(d->cfg));
	if (swgr_config_load(d->config, &d->cfg, &err) != SWGR_OK) {
		if (strstr(err.msg, d->config) != NULL)
			return swgr_daemon_problem(d, "%s", err.msg);
		return swgr_daemon_problem(d, "configuration file '%s': %s", d->config, err.msg);
	}
	d->cfg_loaded = true;
	if (d->cfg.unknown_key != NULL)
		return swgr_daemon_problem(d, "%s (start-up ignores it)", d->cfg.unknown_key);
	return true;
}

bool
swgr_daemon_start(struct swgr_daemon *d, const char *starting)
{
	struct swgr_err err = { 0 };
	struct sigaction sa;

	if (d->check)
		return check_start(d);
	sigemptyset(&d->sigs);
	sigaddset(&d->sigs, SIGTERM);
	sigaddset(&d->sigs, SIGINT);
	sigaddset(&d->sigs, SIGQUIT);
	sigaddset(&d->sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &d->sigs, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (swgr_log_open(NULL, d->has_level ? d->level : SWGR_LOG_INFO, &err) != SWGR_OK) {
		fprintf(stderr, "%s: %s\n", d->prog, err.msg);
		return false;
	}
	swgr_log(SWGR_LOG_INFO, d->target, "%s", starting);
	swgr_log(SWGR_LOG_INFO, d->target, "loading configuration file: %s", d->config);
	memset(&d->cfg, 0, sizeof(d->cfg));
	if (swgr_config_load(d->config, &d->cfg, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, d->target, "%s", err.msg);
		return false;
	}
	d->cfg_loaded = true;
	if (d->cfg.unknown_key != NULL)
		swgr_log(SWGR_LOG_WARN, d->target, "%s, ignored", d->cfg.unknown_key);
	swgr_log(SWGR_LOG_INFO, d->target, "configuration loaded successfully: %s", d->config);
	return true;
}

bool
swgr_daemon_need(const struct swgr_daemon *d, bool present, const char *what)
{
	if (!present && d->check)
		return swgr_daemon_problem(d, "configuration file '%s': %s enabled but has no config",
		    d->config, what);
	if (!present)
		swgr_log(SWGR_LOG_ERROR, d->target, "%s enabled but has no config", what);
	return present;
}

bool
swgr_daemon_log(struct swgr_daemon *d, const struct swgr_log_cfg *log)
{
	struct swgr_err err = { 0 };
	enum swgr_log_level level = d->level;
	char dir[4096];

	if (!d->has_level)
		level = log->has_log_level ? log->log_level : SWGR_LOG_INFO;
	if (swgr_log_open(log->log_file, level, &err) != SWGR_OK) {
		swgr_log(SWGR_LOG_ERROR, d->target, "%s", err.msg);
		return false;
	}
	if (!d->metrics_open && swgr_config_metrics_dir(&d->cfg, dir, sizeof(dir))) {
		if (swgr_metrics_open(dir, d->name, &err) != SWGR_OK)
			swgr_log(SWGR_LOG_WARN, d->target, "%s; running without metrics", err.msg);
		else
			d->metrics_open = true;
	}
	return true;
}

bool
swgr_daemon_wait(struct swgr_daemon *d, double secs)
{
	struct timespec ts;
	int sig;

	if (secs < 0) {
		if (sigwait(&d->sigs, &sig) != 0)
			return false;
	} else {
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
		if (ts.tv_nsec > 999999999L)
			ts.tv_nsec = 999999999L;
		if ((sig = sigtimedwait(&d->sigs, NULL, &ts)) < 0)
			return false;	/* EAGAIN: the time is up; EINTR */
	}
	if (sig == SIGHUP) {
		swgr_log_reopen();
		swgr_log(SWGR_LOG_INFO, d->target, "received signal: SIGHUP, log reopened");
		return false;
	}
	swgr_log(SWGR_LOG_INFO, d->target, "received signal: %s, terminating",
	    sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGQUIT");
	return true;
}

int
swgr_daemon_end(struct swgr_daemon *d, int code, const char *clean)
{
	if (d->metrics_open)
		swgr_metrics_close();
	d->metrics_open = false;
	if (d->cfg_loaded)
		swgr_config_free(&d->cfg);
	d->cfg_loaded = false;
	if (code == 0 && !d->check)
		swgr_log(SWGR_LOG_INFO, d->target, "%s", clean);
	swgr_log_close();
	return code;
}
