/* Logging: one destination per process, the original's line format (spec §13). */
#ifndef SWGR_LOG_H
#define SWGR_LOG_H

#include <stdbool.h>

#include "core/err.h"

enum swgr_log_level {
	SWGR_LOG_OFF = 0,
	SWGR_LOG_ERROR,
	SWGR_LOG_WARN,
	SWGR_LOG_INFO,
	SWGR_LOG_DEBUG,
	SWGR_LOG_TRACE
};

/* "off|error|warn|info|debug|trace", any case.  Returns false if unknown. */
bool	 swgr_log_level_parse(const char *s, enum swgr_log_level *out);

/*
 * Sends log lines to path (appending; created 0640) or to stderr when path is
 * NULL, keeping lines at or above level.  May be called again (e.g. after
 * reading the configuration); the previous file is closed.  Thread-safe.
 */
enum swgr_rc swgr_log_open(const char *path, enum swgr_log_level level, struct swgr_err *err);
/* Re-opens the same path (log rotation on SIGHUP).  Safe from a normal thread, not a signal handler. */
void	 swgr_log_reopen(void);
/* Writes what is buffered, stops the flusher, closes the file.  Call once the other threads are done. */
void	 swgr_log_close(void);
/*
 * From now on, lines at INFO and below (the access log of every 2xx/3xx
 * answer) are gathered in a 64 KiB buffer, written when it is full or
 * delay_ms after its first line, by a thread of the log's own: one write(2)
 * for hundreds of requests under load.  A warning or an error is written at
 * once, after the lines before it, so lines stay in order.  Lines never
 * split.  What a crash loses: at most delay_ms of INFO lines.  Idempotent.
 */
enum swgr_rc swgr_log_buffer(unsigned delay_ms, struct swgr_err *err);
bool	 swgr_log_enabled(enum swgr_log_level level);

/*
 * Writes "[<UTC RFC3339 seconds>Z <LEVEL padded to 5> <target>] <message>\n"
 * in one write(2) (or into the buffer, see swgr_log_buffer).  Newlines and control characters in the message are escaped
 * so one call is one line.
 */
void	 swgr_log(enum swgr_log_level level, const char *target, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * The access-log line of spec §13: target "clf::<service>", message
 * "<ip> - - [dd/Mon/YYYY:HH:MM:SS +0000] <METHOD> <target> <proto> <status> -",
 * level by status (ERROR 5xx, WARN 4xx, INFO otherwise).  4xx lines are
 * limited to SWGR_LOG_CLIENT_ERRORS_PER_SEC a second per process; those over
 * it are counted, and the next access line after that second writes one WARN
 * "suppressed <n> client-error lines (over 50 a second)".
 */
#define SWGR_LOG_CLIENT_ERRORS_PER_SEC	50
void	 swgr_log_access(const char *service, const char *client_ip, const char *method,
	    const char *request_target, const char *protocol, int status);

#endif
