/* Logging: the original's line format, one write(2) per line, to stderr or an O_APPEND file. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

/* Longest message kept when memory for a longer line cannot be had. */
#define LOG_STACK_LINE	2048

static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;
static int		 log_fd = -1;		/* -1: stderr */
static char		*log_path;
/* Until configured, errors only (the original's default without RUST_LOG). */
static atomic_int	 log_level = SWGR_LOG_ERROR;

static const char *const level_names[] = {
	"OFF", "error", "warn", "info", "debug", "trace"
};
static const char *const level_tags[] = {
	"OFF  ", "ERROR", "WARN ", "INFO ", "DEBUG", "TRACE"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

bool
swgr_log_level_parse(const char *s, enum swgr_log_level *out)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum swgr_log_level)i;
			return true;
		}
	}
	return false;
}

/*
 * Opens path for appending, close-on-exec, mode 0640 when created.
 * Returns the descriptor or -1 with errno set.
 */
static int
log_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

enum swgr_rc
swgr_log_open(const char *path, enum swgr_log_level level, struct swgr_err *err)
{
	char *dup = NULL;
	int fd = -1;

	if (path != NULL) {
		if ((dup = strdup(path)) == NULL)
			return swgr_err_set(err, SWGR_ENOMEM, "opening log file %s: out of memory", path);
		if ((fd = log_open_fd(path)) == -1) {
			swgr_err_set(err, SWGR_EINTERNAL, "opening log file %s: %s", path, strerror(errno));
			free(dup);
			return SWGR_EINTERNAL;
		}
	}
	pthread_mutex_lock(&log_mtx);
	if (log_fd != -1)
		close(log_fd);
	free(log_path);
	log_fd = fd;
	log_path = dup;
	atomic_store(&log_level, (int)level);
	pthread_mutex_unlock(&log_mtx);
	return SWGR_OK;
}

void
swgr_log_reopen(void)
{
	int fd;

	pthread_mutex_lock(&log_mtx);
	/* Keep the old descriptor when the path cannot be opened: lines still go somewhere. */
	if (log_path != NULL && (fd = log_open_fd(log_path)) != -1) {
		if (log_fd != -1)
			close(log_fd);
		log_fd = fd;
	}
	pthread_mutex_unlock(&log_mtx);
}

void
swgr_log_close(void)
{
	pthread_mutex_lock(&log_mtx);
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	free(log_path);
	log_path = NULL;
	pthread_mutex_unlock(&log_mtx);
}

bool
swgr_log_enabled(enum swgr_log_level level)
{
	return level > SWGR_LOG_OFF && (int)level <= atomic_load(&log_level);
}

/*
 * Appends msg to dst (room for at least 4 bytes per byte of msg plus one)
 * with control characters escaped, so the message stays on one line.
 * Returns the number of bytes written, not counting the NUL.
 */
static size_t
log_escape(char *dst, const char *msg, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)msg[i];
		if (c >= 0x20 && c != 0x7f) {
			dst[n++] = (char)c;
			continue;
		}
		dst[n++] = '\\';
		switch (c) {
		case '\n':
			dst[n++] = 'n';
			break;
		case '\r':
			dst[n++] = 'r';
			break;
		case '\t':
			dst[n++] = 't';
			break;
		default:
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 0xf];
			break;
		}
	}
	dst[n] = '\0';
	return n;
}

/* Writes all of p to the current destination, under the lock so reopen cannot close it meanwhile. */
static void
log_write(const char *p, size_t len)
{
	ssize_t w;
	int fd;

	pthread_mutex_lock(&log_mtx);
	fd = log_fd == -1 ? STDERR_FILENO : log_fd;
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	pthread_mutex_unlock(&log_mtx);
}

/*
 * Formats and writes one line at level for target.  A message too long for
 * the memory available is truncated, never split.
 */
static void
log_vline(enum swgr_log_level level, const char *target, const char *fmt, va_list ap)
{
	char small[LOG_STACK_LINE], stamp[32], *msg = small, *line = NULL;
	char fallback[LOG_STACK_LINE * 4 + 256];
	struct tm tm;
	time_t now;
	va_list ap2;
	size_t mlen, cap, n;
	int r;

	va_copy(ap2, ap);
	r = vsnprintf(small, sizeof(small), fmt, ap);
	if (r < 0) {
		va_end(ap2);
		return;
	}
	mlen = (size_t)r;
	if (mlen >= sizeof(small)) {
		if ((msg = malloc(mlen + 1)) != NULL)
			vsnprintf(msg, mlen + 1, fmt, ap2);
		else {
			msg = small;
			mlen = sizeof(small) - 1;
		}
	}
	va_end(ap2);

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(stamp, "1970-01-01T00:00:00Z");
	if (target == NULL)
		target = "swgr";

	cap = strlen(stamp) + strlen(target) + 16 + mlen * 4;
	if (cap > sizeof(fallback) && (line = malloc(cap)) == NULL) {
		/* Out of memory: keep what fits of the message. */
		if (mlen > LOG_STACK_LINE)
			mlen = LOG_STACK_LINE;
		if (strlen(target) > 128)
			target = "swgr";
	}
	if (line == NULL)
		line = fallback;
	n = (size_t)snprintf(line, 64 + strlen(target), "[%s %s %s] ",
	    stamp, level_tags[level], target);
	n += log_escape(line + n, msg, mlen);
	line[n++] = '\n';
	log_write(line, n);

	if (line != fallback)
		free(line);
	if (msg != small)
		free(msg);
}

void
swgr_log(enum swgr_log_level level, const char *target, const char *fmt, ...)
{
	va_list ap;

	if (!swgr_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vline(level, target, fmt, ap);
	va_end(ap);
}

void
swgr_log_access(const char *service, const char *client_ip, const char *method,
    const char *request_target, const char *protocol, int status)
{
	enum swgr_log_level level;
	char target[64], stamp[40];
	struct tm tm;
	time_t now;

	if (status >= 500)
		level = SWGR_LOG_ERROR;
	else if (status >= 400)
		level = SWGR_LOG_WARN;
	else
		level = SWGR_LOG_INFO;
	if (!swgr_log_enabled(level))
		return;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(stamp, sizeof(stamp), "%02d/%s/%04d:%02d:%02d:%02d +0000",
	    tm.tm_mday, months[tm.tm_mon >= 0 && tm.tm_mon < 12 ? tm.tm_mon : 0],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	snprintf(target, sizeof(target), "clf::%s", service != NULL ? service : "-");
	swgr_log(level, target, "%s - - [%s] %s %s %s %d -",
	    client_ip != NULL && client_ip[0] != '\0' ? client_ip : "-", stamp,
	    method != NULL ? method : "-", request_target != NULL ? request_target : "-",
	    protocol != NULL ? protocol : "-", status);
}
