/* Daemon start-up, written once for the responders and swgr-monitord: options, signals, log, configuration. */
#ifndef SWGR_DAEMON_H
#define SWGR_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/log.h"

#define SWGR_DAEMON_OPTS_MAX	8	/* options of a daemon's own, beyond the common five */

/* An option of one daemon beyond the common -c, -l, -n, -h, -V. */
struct swgr_daemon_opt {
	int		 ch;		/* its letter: 't' */
	const char	*name;		/* its long name: "threads" */
	const char	*arg;		/* its argument in the synopsis ("THREADS"), NULL if none */
	const char	*help;		/* its lines of the usage text, each ending in a newline */
};

/*
 * A daemon's start-up.  The caller fills the first block, then calls
 * swgr_daemon_options, swgr_daemon_start, its own checks (swgr_daemon_need),
 * swgr_daemon_log, its own start; swgr_daemon_wait until it returns true;
 * and swgr_daemon_end whatever happened.
 */
struct swgr_daemon {
	const char	*name;		/* the program, for -V and -n: "swgr-monitord" */
	const char	*target;	/* log target of the start-up messages: "swgr::monitor" */
	const struct swgr_daemon_opt *opts;	/* its own options, at most SWGR_DAEMON_OPTS_MAX */
	size_t		 nopts;
	/*
	 * Called with each of its own options as given: false after printing
	 * "<prog>: <why>" on stderr (a usage error, exit 2).  NULL if nopts is 0.
	 */
	bool		(*opt)(void *arg, const char *prog, int ch, const char *value);
	void		*arg;

	/* Set by swgr_daemon_options and swgr_daemon_start. */
	const char	*prog;		/* argv[0] */
	const char	*config;	/* -c FILE, else the default under SYSCONFDIR */
	bool		 has_level;	/* -l given */
	bool		 check;		/* -n: check the configuration, start nothing */
	enum swgr_log_level level;
	sigset_t	 sigs;		/* the signals swgr_daemon_wait takes */
	struct swgr_config cfg;
	bool		 cfg_loaded;
	bool		 metrics_open;	/* swgr_daemon_log opened this process's metrics segment */
};

/*
 * The command line: -c FILE, -l LEVEL, -n (check), -h (usage on stdout), -V
 * (swgr_daemon_version), and the daemon's own options.  Returns -1 to go
 * on, else the exit code: 0 after -h or -V, 2 for a usage error (usage or
 * the reason on stderr).
 */
int		 swgr_daemon_options(struct swgr_daemon *d, int argc, char *argv[]);

/* "<name> (swgr) <PACKAGE_VERSION of configure.ac>" on stdout: every program's --version. */
void		 swgr_daemon_version(const char *name);

/*
 * -n, the configuration check.  swgr_daemon_start then only loads the
 * configuration (no signals; the log on stderr at -l, else off) and refuses
 * a key no reader looked for; the daemon checks what its start would
 * (sections, stores with swgr_store_check, files) without opening its log,
 * a database or a node, reports a problem with swgr_daemon_problem and ends
 * with swgr_daemon_checked ("<name>: configuration <file> is valid" on
 * stdout, 0) or exit code 1.
 */
int		 swgr_daemon_checked(const struct swgr_daemon *d);
/*
 * A problem of start-up: with -n "<name>: <message>" on stderr, else logged
 * at ERROR.  Returns false.
 */
bool		 swgr_daemon_problem(const struct swgr_daemon *d, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * Signals first, before any thread: SIGTERM, SIGINT, SIGQUIT and SIGHUP
 * blocked (every thread started later inherits the mask; they are taken
 * by swgr_daemon_wait), SIGPIPE ignored.  Then the log on stderr (at -l,
 * else info), the line starting (INFO), and the configuration, with the
 * lines "loading configuration file: <path>" and "configuration loaded
 * successfully: <path>".  False when the log or the configuration cannot
 * be had (on stderr, or logged at ERROR): exit 1.
 */
bool		 swgr_daemon_start(struct swgr_daemon *d, const char *starting);

/*
 * Whether a section or store the daemon needs is present; if not, logs
 * "<what> enabled but has no config" (with -n: a swgr_daemon_problem naming
 * the file).
 */
bool		 swgr_daemon_need(const struct swgr_daemon *d, bool present, const char *what);

/*
 * The log as the configuration says (log->log_file, log->log_level),
 * the level of -l winning.  False (logged) when it cannot be opened.
 * Then, once, this process's metrics segment in the directory of
 * swgr_config_metrics_dir (core/metrics.h); a failure there is a WARN,
 * the daemon runs on without metrics.
 */
bool		 swgr_daemon_log(struct swgr_daemon *d, const struct swgr_log_cfg *log);

/*
 * Waits for a signal at most secs (< 0: until one comes).  SIGHUP reopens
 * the log ("received signal: SIGHUP, log reopened"); SIGTERM, SIGINT and
 * SIGQUIT are logged ("received signal: <name>, terminating") and return
 * true.  Otherwise (SIGHUP, timeout, interruption) false.
 */
bool		 swgr_daemon_wait(struct swgr_daemon *d, double secs);

/*
 * The end: removes the metrics segment (call it after every thread has
 * stopped), frees the configuration, logs clean (INFO) if code is 0, closes
 * the log.  Returns code, the process exit code.
 */
int		 swgr_daemon_end(struct swgr_daemon *d, int code, const char *clean);

#endif
