/*
 * Logging: the original's line format, to stderr or an O_APPEND file; one
 * write(2) per line, or, once swgr_log_buffer() is called, INFO and below
 * gathered into one write per buffer or per delay.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/clock.h"

#include <sys/uio.h>

/* Longest message kept when memory for a longer line cannot be had. */
#define LOG_STACK_LINE	2048
#define LOG_BUF_SIZE	(64 * 1024)	/* lines gathered before one write */

/* log_mtx guards the descriptor, the path and the buffer. */
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;
static int		 log_fd = -1;		/* -1: stderr */
static char		*log_path;
/* Buffered mode (swgr_log_buffer): lines not written yet, and the flusher thread. */
static char		*log_buf;
static size_t		 log_buf_len;
static unsigned		 log_delay_ms;
static pthread_cond_t	 log_cv = PTHREAD_COND_INITIALIZER;
static pthread_t	 log_flusher;
static bool		 log_stop;
/* Until configured, errors only (the original's default without RUST_LOG). */
static atomic_int	 log_level = SWGR_LOG_ERROR;

static void	 log_flush_locked(const char *line, size_t len);

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

/* A timestamp formatted once per second and thread: one line per request formats it. */
struct stamp {
	time_t		 sec;
	char		 text[40];
};
static _Thread_local struct stamp tl_iso = { -1, "" }, tl_clf = { -1, "" };

/* The time now in the line format (clf false) or the access-log format. */
static const char *
stamp_now(bool clf)
{
	struct stamp *st = clf ? &tl_clf : &tl_iso;
	time_t now = time(NULL);
	struct tm tm;

	if (now == st->sec)
		return st->text;
	st->sec = now;
	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (clf)
		snprintf(st->text, sizeof(st->text), "%02d/%s/%04d:%02d:%02d:%02d +0000",
		    tm.tm_mday, months[tm.tm_mon >= 0 && tm.tm_mon < 12 ? tm.tm_mon : 0],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else if (strftime(st->text, sizeof(st->text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(st->text, "1970-01-01T00:00:00Z");
	return st->text;
}

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
	log_flush_locked(NULL, 0);
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
		log_flush_locked(NULL, 0);
		if (log_fd != -1)
			close(log_fd);
		log_fd = fd;
	}
	pthread_mutex_unlock(&log_mtx);
}

void
swgr_log_close(void)
{
	bool joined = false;

	pthread_mutex_lock(&log_mtx);
	if (log_buf != NULL) {
		log_stop = true;
		pthread_cond_signal(&log_cv);
		pthread_mutex_unlock(&log_mtx);
		pthread_join(log_flusher, NULL);
		joined = true;
		pthread_mutex_lock(&log_mtx);
	}
	log_flush_locked(NULL, 0);
	if (joined) {
		free(log_buf);
		log_buf = NULL;
	}
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

/* Writes the iovecs whole to the current destination; log_mtx held. */
static void
log_writev_locked(struct iovec *iov, int n)
{
	ssize_t w;
	int fd = log_fd == -1 ? STDERR_FILENO : log_fd;

	while (n > 0) {
		if ((w = writev(fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

/* Writes what the buffer holds, then line (NULL: nothing more), in one writev; log_mtx held. */
static void
log_flush_locked(const char *line, size_t len)
{
	struct iovec iov[2];
	int n = 0;

	if (log_buf_len > 0) {
		iov[n].iov_base = log_buf;
		iov[n++].iov_len = log_buf_len;
	}
	if (line != NULL && len > 0) {
		iov[n].iov_base = (char *)line;
		iov[n++].iov_len = len;
	}
	log_buf_len = 0;
	if (n > 0)
		log_writev_locked(iov, n);
}

/*
 * Writes one line, under the lock so that reopen cannot close the descriptor
 * meanwhile.  Buffered, a line at INFO or below joins the buffer (the flusher
 * writes it within the delay); a warning or error is written at once, after
 * the lines before it.
 */
static void
log_write(enum swgr_log_level level, const char *p, size_t len)
{
	pthread_mutex_lock(&log_mtx);
	if (log_buf == NULL || level <= SWGR_LOG_WARN || len > LOG_BUF_SIZE) {
		log_flush_locked(p, len);
	} else {
		if (log_buf_len + len > LOG_BUF_SIZE)
			log_flush_locked(NULL, 0);
		if (log_buf_len == 0)
			pthread_cond_signal(&log_cv);
		memcpy(log_buf + log_buf_len, p, len);
		log_buf_len += len;
	}
	pthread_mutex_unlock(&log_mtx);
}

/* The flusher: writes the buffer log_delay_ms after its first line. */
static void *
log_flush_main(void *arg)
{
	struct timespec deadline;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&log_mtx);
	while (!log_stop) {
		if (log_buf_len == 0) {
			pthread_cond_wait(&log_cv, &log_mtx);
			continue;
		}
		swgr_mono_after(&deadline, log_delay_ms / 1000.0);
		while (!log_stop && pthread_cond_timedwait(&log_cv, &log_mtx, &deadline) != ETIMEDOUT)
			;
		log_flush_locked(NULL, 0);
	}
	pthread_mutex_unlock(&log_mtx);
	return NULL;
}

enum swgr_rc
swgr_log_buffer(unsigned delay_ms, struct swgr_err *err)
{
	enum swgr_rc rc = SWGR_OK;
	int e;

	pthread_mutex_lock(&log_mtx);
	if (log_buf != NULL)
		goto out;
	if ((log_buf = malloc(LOG_BUF_SIZE)) == NULL) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "log buffer: out of memory");
		goto out;
	}
	log_delay_ms = delay_ms > 0 ? delay_ms : 1;
	log_stop = false;
	/* The flusher's delay on the monotonic clock; no waiter: the flusher is not running. */
	pthread_cond_destroy(&log_cv);
	swgr_mono_cond_init(&log_cv);
	if ((e = pthread_create(&log_flusher, NULL, log_flush_main, NULL)) != 0) {
		free(log_buf);
		log_buf = NULL;
		rc = swgr_err_set(err, SWGR_EINTERNAL, "log buffer: cannot start its thread: %s",
		    strerror(e));
	}
out:
	pthread_mutex_unlock(&log_mtx);
	return rc;
}

/*
 * Writes one line at level for target with the message msg (mlen bytes).  A
 * message too long for the memory available is truncated, never split.
 */
static void
log_emit(enum swgr_log_level level, const char *target, const char *msg, size_t mlen)
{
	char fallback[LOG_STACK_LINE * 4 + 256], *line = NULL;
	const char *stamp = stamp_now(false);
	size_t cap, n, slen, tlen;

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
	/* "[<stamp> <LEVEL> <target>] " */
	slen = strlen(stamp);
	tlen = strlen(target);
	line[0] = '[';
	memcpy(line + 1, stamp, slen);
	n = 1 + slen;
	line[n++] = ' ';
	memcpy(line + n, level_tags[level], 5);
	n += 5;
	line[n++] = ' ';
	memcpy(line + n, target, tlen);
	n += tlen;
	line[n++] = ']';
	line[n++] = ' ';
	n += log_escape(line + n, msg, mlen);
	line[n++] = '\n';
	log_write(level, line, n);
	if (line != fallback)
		free(line);
}

/* Formats the message, then log_emit. */
static void
log_vline(enum swgr_log_level level, const char *target, const char *fmt, va_list ap)
{
	char small[LOG_STACK_LINE], *msg = small;
	va_list ap2;
	size_t mlen;
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
	log_emit(level, target, msg, mlen);
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

/* Appends s (or "-" when NULL or empty) to the buffer at *p, which has room up to end. */
static void
put_field(char **p, const char *end, const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		s = "-";
	n = strlen(s);
	if (n > (size_t)(end - *p))
		n = (size_t)(end - *p);
	memcpy(*p, s, n);
	*p += n;
}

/*
 * The rate limit of 4xx access lines: a client's errors cost it nothing, so
 * beyond SWGR_LOG_CLIENT_ERRORS_PER_SEC a second they are counted, not
 * written, and the count is written once the second is over.  A second of
 * the monotonic clock, per process; its own lock, not log_mtx.
 */
static pthread_mutex_t	 ce_mtx = PTHREAD_MUTEX_INITIALIZER;
static int64_t		 ce_start_us = INT64_MIN;	/* when the current second began */
static unsigned		 ce_count;		/* 4xx lines in it, written or not */
static uint64_t		 ce_suppressed;		/* of them, not written */
static bool		 ce_pending;		/* ce_suppressed > 0; read unlocked */

/*
 * For an access line of a client error (client_error) or any other line
 * (to write a finished second's count): whether this line is written, and
 * *rolled the count of a second that is over, to report now.
 */
static bool
client_error_admit(bool client_error, uint64_t *rolled)
{
	int64_t now;
	bool ok = true;

	*rolled = 0;
	if (!client_error && !__atomic_load_n(&ce_pending, __ATOMIC_RELAXED))
		return true;
	now = swgr_mono_us();
	pthread_mutex_lock(&ce_mtx);
	if (ce_start_us == INT64_MIN || now - ce_start_us >= 1000000) {
		*rolled = ce_suppressed;
		ce_suppressed = 0;
		ce_count = 0;
		ce_start_us = now;
		__atomic_store_n(&ce_pending, false, __ATOMIC_RELAXED);
	}
	if (client_error && ++ce_count > SWGR_LOG_CLIENT_ERRORS_PER_SEC) {
		ce_suppressed++;
		__atomic_store_n(&ce_pending, true, __ATOMIC_RELAXED);
		ok = false;
	}
	pthread_mutex_unlock(&ce_mtx);
	return ok;
}

void
swgr_log_access(const char *service, const char *client_ip, const char *method,
    const char *request_target, const char *protocol, int status)
{
	enum swgr_log_level level;
	char target[64], small[LOG_STACK_LINE], *msg = small, *p, *end;
	char code[SWGR_U64_DEC_MAX];
	uint64_t rolled;
	size_t cap;
	bool write;

	if (status >= 500)
		level = SWGR_LOG_ERROR;
	else if (status >= 400)
		level = SWGR_LOG_WARN;
	else
		level = SWGR_LOG_INFO;
	if (!swgr_log_enabled(level) && !swgr_log_enabled(SWGR_LOG_WARN))
		return;		/* neither this line nor a count of 4xx lines */
	write = client_error_admit(level == SWGR_LOG_WARN, &rolled);
	p = target;
	put_field(&p, target + sizeof(target) - 1, "clf::");
	put_field(&p, target + sizeof(target) - 1, service);
	*p = '\0';
	if (rolled > 0)
		swgr_log(SWGR_LOG_WARN, target, "suppressed %" PRIu64 " client-error lines "
		    "(over %d a second)", rolled, SWGR_LOG_CLIENT_ERRORS_PER_SEC);
	if (!write || !swgr_log_enabled(level))
		return;
	/* "<ip> - - [<clf stamp>] <METHOD> <target> <proto> <status> -", without printf */
	cap = 96 + (client_ip ? strlen(client_ip) : 0) + (method ? strlen(method) : 0) +
	    (request_target ? strlen(request_target) : 0) + (protocol ? strlen(protocol) : 0);
	if (cap > sizeof(small) && (msg = malloc(cap)) == NULL) {
		msg = small;
		cap = sizeof(small);	/* out of memory: the fields are cut */
	}
	p = msg;
	end = msg + cap;
	put_field(&p, end, client_ip);
	put_field(&p, end, " - - [");
	put_field(&p, end, stamp_now(true));
	put_field(&p, end, "] ");
	put_field(&p, end, method);
	put_field(&p, end, " ");
	put_field(&p, end, request_target);
	put_field(&p, end, " ");
	put_field(&p, end, protocol);
	put_field(&p, end, " ");
	put_field(&p, end, swgr_u64_dec(code, status < 0 ? 0 : (uint64_t)status));
	put_field(&p, end, " -");
	log_emit(level, target, msg, (size_t)(p - msg));
	if (msg != small)
		free(msg);
}
