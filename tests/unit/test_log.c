/* Unit tests of logging: line format, level filtering, escaping, access-log levels, reopen. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/clock.h"
#include "kit.h"
#include "t.h"

static char logpath[128];

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Starts a fresh log file at level. */
static void
fresh(enum swgr_log_level level)
{
	struct swgr_err err;

	unlink(logpath);
	if (swgr_log_open(logpath, level, &err) != SWGR_OK) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
}

/*
 * Checks that line is "[YYYY-MM-DDTHH:MM:SSZ LEVEL target] " with a time
 * within a few seconds of now, and returns the message after it (NULL if not).
 */
static const char *
parse_line(const char *line, const char *tag, const char *target)
{
	static const char shape[] = "[dddd-dd-ddTdd:dd:ddZ ";
	struct tm tm;
	time_t t;
	size_t i;
	char want[128];

	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)line[i]) : line[i] != shape[i])
			return NULL;
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(line + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return NULL;
	t = timegm(&tm);
	if (t < time(NULL) - 5 || t > time(NULL) + 1)
		return NULL;
	snprintf(want, sizeof(want), "%s %s] ", tag, target);
	if (strncmp(line + i, want, strlen(want)) != 0)
		return NULL;
	return line + i + strlen(want);
}

static void
test_levels(void)
{
	enum swgr_log_level l;

	CHECK(swgr_log_level_parse("off", &l) && l == SWGR_LOG_OFF);
	CHECK(swgr_log_level_parse("error", &l) && l == SWGR_LOG_ERROR);
	CHECK(swgr_log_level_parse("WARN", &l) && l == SWGR_LOG_WARN);
	CHECK(swgr_log_level_parse("Info", &l) && l == SWGR_LOG_INFO);
	CHECK(swgr_log_level_parse("debug", &l) && l == SWGR_LOG_DEBUG);
	CHECK(swgr_log_level_parse("trace", &l) && l == SWGR_LOG_TRACE);
	CHECK(!swgr_log_level_parse("warning", &l));
	CHECK(!swgr_log_level_parse("", &l));
	CHECK(!swgr_log_level_parse(NULL, &l));

	/* Before any configuration: errors only. */
	CHECK(swgr_log_enabled(SWGR_LOG_ERROR));
	CHECK(!swgr_log_enabled(SWGR_LOG_WARN));

	fresh(SWGR_LOG_WARN);
	CHECK(swgr_log_enabled(SWGR_LOG_ERROR));
	CHECK(swgr_log_enabled(SWGR_LOG_WARN));
	CHECK(!swgr_log_enabled(SWGR_LOG_INFO));
	CHECK(!swgr_log_enabled(SWGR_LOG_OFF));
	fresh(SWGR_LOG_OFF);
	CHECK(!swgr_log_enabled(SWGR_LOG_ERROR));
	fresh(SWGR_LOG_TRACE);
	CHECK(swgr_log_enabled(SWGR_LOG_TRACE));
}

static void
test_format(void)
{
	char *text, *line2, *line3;
	const char *msg;

	fresh(SWGR_LOG_INFO);
	swgr_log(SWGR_LOG_INFO, "clf::lnurl", "hello %s %d", "world", 42);
	swgr_log(SWGR_LOG_DEBUG, "swgr", "not written");
	swgr_log(SWGR_LOG_ERROR, "swgr::db", "failed");
	swgr_log(SWGR_LOG_WARN, NULL, "no target");
	swgr_log(SWGR_LOG_TRACE, "swgr", "not written either");
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 3);
	CHECK(strstr(text, "not written") == NULL);
	msg = parse_line(text, "INFO ", "clf::lnurl");
	CHECK(msg != NULL && strncmp(msg, "hello world 42\n", 15) == 0);
	line2 = strchr(text, '\n');
	CHECK(line2 != NULL);
	if (line2 != NULL) {
		msg = parse_line(line2 + 1, "ERROR", "swgr::db");
		CHECK(msg != NULL && strncmp(msg, "failed\n", 7) == 0);
		line3 = strchr(line2 + 1, '\n');
		msg = line3 != NULL ? parse_line(line3 + 1, "WARN ", "swgr") : NULL;
		CHECK(msg != NULL && strcmp(msg, "no target\n") == 0);
	}
	free(text);

	fresh(SWGR_LOG_TRACE);
	swgr_log(SWGR_LOG_DEBUG, "t", "d");
	swgr_log(SWGR_LOG_TRACE, "t", "t");
	text = kit_slurp(logpath);
	CHECK(parse_line(text, "DEBUG", "t") != NULL);
	line2 = strchr(text, '\n');
	CHECK(line2 != NULL && parse_line(line2 + 1, "TRACE", "t") != NULL);
	free(text);

	fresh(SWGR_LOG_OFF);
	swgr_log(SWGR_LOG_ERROR, "t", "off means off");
	text = kit_slurp(logpath);
	CHECK_STR(text, "");
	free(text);
}

static void
test_escaping(void)
{
	char *text, *big;
	const char *msg;
	size_t i;

	fresh(SWGR_LOG_INFO);
	swgr_log(SWGR_LOG_INFO, "t", "a\nb\r\tc\x01\x7f\x1b[31m d\\e \xc3\xa9");
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 1);
	msg = parse_line(text, "INFO ", "t");
	CHECK(msg != NULL);
	if (msg != NULL)
		CHECK_STR(msg, "a\\nb\\r\\tc\\x01\\x7f\\x1b[31m d\\e \xc3\xa9\n");
	free(text);

	/* A long message stays whole and on one line. */
	fresh(SWGR_LOG_INFO);
	big = malloc(20001);
	for (i = 0; i < 20000; i++)
		big[i] = i % 1000 == 999 ? '\n' : (char)('a' + i % 26);
	big[20000] = '\0';
	swgr_log(SWGR_LOG_INFO, "t", "%s|end", big);
	free(big);
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 1);
	CHECK(strstr(text, "|end\n") != NULL);
	CHECK(strlen(text) > 20000 + 20);
	free(text);
}

static void
test_access(void)
{
	char *text, *p;
	const char *msg;
	char want[64];
	struct tm tm;
	time_t now;
	int lines;

	fresh(SWGR_LOG_INFO);
	swgr_log_access("lnurl", "127.0.0.1", "GET", "/health", "HTTP/1.1", 200);
	swgr_log_access("offer", "2001:db8::1", "POST", "/offers?x=1", "HTTP/2.0", 404);
	swgr_log_access("discovery", NULL, "DELETE", "/discovery/a", "HTTP/1.0", 502);
	swgr_log_access("lnurl", "", "GET", "/x\ny", "HTTP/1.1", 304);
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 4);

	msg = parse_line(text, "INFO ", "clf::lnurl");
	CHECK(msg != NULL);
	if (msg != NULL) {
		/* "127.0.0.1 - - [08/Dec/2025:10:00:00 +0000] GET /health HTTP/1.1 200 -" */
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(want, sizeof(want), "127.0.0.1 - - [%d/", &tm);
		CHECK(strncmp(msg, want, strlen(want)) == 0);
		p = strchr(msg, ']');
		CHECK(p != NULL && strncmp(p, "] GET /health HTTP/1.1 200 -\n", 29) == 0);
		CHECK(p != NULL && p - msg == 15 + 26 && strncmp(p - 6, " +0000", 6) == 0);
		CHECK(msg[17] == '/' && isupper((unsigned char)msg[18]) && msg[21] == '/' &&
		    msg[26] == ':' && msg[29] == ':' && msg[32] == ':');
	}
	p = strchr(text, '\n') + 1;
	msg = parse_line(p, "WARN ", "clf::offer");
	CHECK(msg != NULL && strncmp(msg, "2001:db8::1 - - [", 17) == 0);
	CHECK(msg != NULL && strstr(msg, "] POST /offers?x=1 HTTP/2.0 404 -\n") != NULL);
	p = strchr(p, '\n') + 1;
	msg = parse_line(p, "ERROR", "clf::discovery");
	CHECK(msg != NULL && strncmp(msg, "- - - [", 7) == 0);
	CHECK(msg != NULL && strstr(msg, "] DELETE /discovery/a HTTP/1.0 502 -\n") != NULL);
	p = strchr(p, '\n') + 1;
	msg = parse_line(p, "INFO ", "clf::lnurl");
	CHECK(msg != NULL && strstr(msg, "] GET /x\\ny HTTP/1.1 304 -\n") != NULL);
	free(text);

	/* At WARN, successful requests are not logged; 4xx and 5xx are. */
	fresh(SWGR_LOG_WARN);
	swgr_log_access("lnurl", "10.0.0.1", "GET", "/", "HTTP/1.1", 200);
	swgr_log_access("lnurl", "10.0.0.1", "GET", "/", "HTTP/1.1", 400);
	swgr_log_access("lnurl", "10.0.0.1", "GET", "/", "HTTP/1.1", 500);
	text = kit_slurp(logpath);
	lines = count_lines(text);
	CHECK_INT(lines, 2);
	CHECK(strstr(text, " 200 -") == NULL);
	CHECK(parse_line(text, "WARN ", "clf::lnurl") != NULL);
	free(text);

	fresh(SWGR_LOG_ERROR);
	swgr_log_access("lnurl", "10.0.0.1", "GET", "/", "HTTP/1.1", 499);
	swgr_log_access("lnurl", "10.0.0.1", "GET", "/", "HTTP/1.1", 503);
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 1);
	CHECK(parse_line(text, "ERROR", "clf::lnurl") != NULL);
	free(text);
}

/* Lines of text that contain s. */
static int
count_having(const char *text, const char *s)
{
	const char *p, *nl;
	int n = 0;

	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		const char *q = strstr(p, s);

		if (q != NULL && q < nl)
			n++;
	}
	return n;
}

/* 4xx access lines: at most SWGR_LOG_CLIENT_ERRORS_PER_SEC a second, then one count of the rest. */
static void
test_access_rate(void)
{
	struct timespec pause = { 1, 100 * 1000 * 1000 };
	char *text;
	int i;

	fresh(SWGR_LOG_INFO);
	nanosleep(&pause, NULL);	/* a second of its own, after test_access's lines */
	for (i = 0; i < 200; i++)
		swgr_log_access("lnurl", "10.0.0.9", "GET", "/nope", "HTTP/1.1", 404);
	for (i = 0; i < 5; i++) {	/* not limited: successes and server errors */
		swgr_log_access("lnurl", "10.0.0.9", "GET", "/ok", "HTTP/1.1", 200);
		swgr_log_access("lnurl", "10.0.0.9", "GET", "/bad", "HTTP/1.1", 502);
	}
	text = kit_slurp(logpath);
	CHECK_INT(count_having(text, "GET /nope HTTP/1.1 404 -"), SWGR_LOG_CLIENT_ERRORS_PER_SEC);
	CHECK_INT(count_having(text, " 200 -"), 5);
	CHECK_INT(count_having(text, " 502 -"), 5);
	CHECK_INT(count_having(text, "suppressed"), 0);
	free(text);
	/* the second is over: the next line writes the count first, then itself */
	nanosleep(&pause, NULL);
	swgr_log_access("lnurl", "10.0.0.9", "GET", "/again", "HTTP/1.1", 400);
	text = kit_slurp(logpath);
	CHECK_INT(count_having(text, "WARN  clf::lnurl] suppressed 150 client-error lines"), 1);
	CHECK_INT(count_having(text, "GET /again HTTP/1.1 400 -"), 1);
	CHECK(strstr(text, "suppressed") != NULL && strstr(text, "/again") != NULL &&
	    strstr(text, "suppressed") < strstr(text, "/again"));
	free(text);
	/* a success also writes a finished second's count */
	for (i = 0; i < 60; i++)
		swgr_log_access("lnurl", "10.0.0.9", "GET", "/nope", "HTTP/1.1", 404);
	nanosleep(&pause, NULL);
	swgr_log_access("lnurl", "10.0.0.9", "GET", "/ok", "HTTP/1.1", 200);
	text = kit_slurp(logpath);
	CHECK_INT(count_having(text, "suppressed 11 client-error lines"), 1);
	free(text);
}

static void
test_reopen(void)
{
	char moved[160], *text;
	struct swgr_err err;

	snprintf(moved, sizeof(moved), "%s.1", logpath);
	fresh(SWGR_LOG_INFO);
	swgr_log(SWGR_LOG_INFO, "t", "before rotation");
	CHECK(rename(logpath, moved) == 0);
	swgr_log(SWGR_LOG_INFO, "t", "still old file");
	swgr_log_reopen();
	swgr_log(SWGR_LOG_INFO, "t", "after rotation");
	text = kit_slurp(moved);
	CHECK(strstr(text, "before rotation") != NULL);
	CHECK(strstr(text, "still old file") != NULL);
	CHECK(strstr(text, "after rotation") == NULL);
	free(text);
	text = kit_slurp(logpath);
	CHECK(strstr(text, "after rotation") != NULL);
	CHECK_INT(count_lines(text), 1);
	free(text);
	unlink(moved);

	/* Appending, not truncating. */
	CHECK_INT(swgr_log_open(logpath, SWGR_LOG_INFO, &err), SWGR_OK);
	swgr_log(SWGR_LOG_INFO, "t", "appended");
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 2);
	free(text);

	swgr_err_clear(&err);
	CHECK(swgr_log_open("/nonexistent/dir/x.log", SWGR_LOG_INFO, &err) != SWGR_OK);
	CHECK(strstr(err.msg, "/nonexistent/dir/x.log") != NULL);
}

#define THREADS	4
#define PER_THREAD 500

static void *
writer(void *arg)
{
	int i, id = *(int *)arg;

	for (i = 0; i < PER_THREAD; i++)
		swgr_log(SWGR_LOG_INFO, "thread", "writer %d line %d %0200d", id, i, 0);
	return NULL;
}

/* THREADS threads write PER_THREAD long lines each, all at once. */
static void
run_writers(void)
{
	pthread_t th[THREADS];
	int ids[THREADS], i;

	for (i = 0; i < THREADS; i++) {
		ids[i] = i;
		pthread_create(&th[i], NULL, writer, &ids[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
}

static void
test_threads(void)
{
	int good = 0, lines = 0;
	char *text, *line, *save = NULL;
	const char *msg;

	fresh(SWGR_LOG_INFO);
	run_writers();
	text = kit_slurp(logpath);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		msg = parse_line(line, "INFO ", "thread");
		if (msg != NULL && strncmp(msg, "writer ", 7) == 0 && strlen(msg) > 200 &&
		    strchr(msg, '[') == NULL)
			good++;
	}
	CHECK_INT(lines, THREADS * PER_THREAD);
	CHECK_INT(good, THREADS * PER_THREAD);
	free(text);
}

/* Polls the log file until it holds want lines or secs pass; returns the lines seen. */
static int
wait_lines(const char *path, int want, double secs)
{
	double end = swgr_mono_now() + secs;
	char *text;
	int n;

	for (;;) {
		text = kit_slurp(path);
		n = count_lines(text);
		free(text);
		if (n >= want || swgr_mono_now() > end)
			return n;
		usleep(10000);
	}
}

/* Buffered mode: INFO lines within the delay, warnings at once and in order, whole lines. */
static void
test_buffered(void)
{
	int i, n, good = 0;
	char moved[160], *text, *line, *save = NULL, *w, *inf;
	struct swgr_err err;
	double t0;

	fresh(SWGR_LOG_INFO);
	CHECK_INT(swgr_log_buffer(1000, &err), SWGR_OK);
	CHECK_INT(swgr_log_buffer(1000, &err), SWGR_OK);	/* idempotent */
	t0 = swgr_mono_now();
	swgr_log(SWGR_LOG_INFO, "t", "buffered");
	swgr_log(SWGR_LOG_DEBUG, "t", "filtered");
	n = wait_lines(logpath, 1, 0);
	if (swgr_mono_now() - t0 < 0.9)		/* (a stall of the test itself would be no finding) */
		CHECK_INT(n, 0);
	CHECK_INT(wait_lines(logpath, 1, 5), 1);
	CHECK(swgr_mono_now() - t0 >= 0.9);

	/* A warning is written at once, after the INFO line before it. */
	swgr_log(SWGR_LOG_INFO, "t", "info first");
	swgr_log(SWGR_LOG_WARN, "t", "warning second");
	text = kit_slurp(logpath);
	CHECK_INT(count_lines(text), 3);
	inf = strstr(text, "info first");
	w = strstr(text, "warning second");
	CHECK(inf != NULL && w != NULL && inf < w);
	free(text);

	/* A full buffer is written without waiting for the delay. */
	for (i = 0; i < 1000; i++)
		swgr_log(SWGR_LOG_INFO, "t", "fill %d %0200d", i, 0);
	n = wait_lines(logpath, 0, 0);
	CHECK(n >= 3 + 250 && n < 3 + 1000);

	/* Reopen writes what is buffered to the file it was meant for. */
	CHECK_INT(wait_lines(logpath, 1003, 5), 1003);
	snprintf(moved, sizeof(moved), "%s.1", logpath);
	CHECK(rename(logpath, moved) == 0);
	swgr_log(SWGR_LOG_INFO, "t", "old file");
	swgr_log_reopen();
	swgr_log(SWGR_LOG_INFO, "t", "new file");
	text = kit_slurp(moved);
	CHECK(strstr(text, "old file") != NULL && strstr(text, "new file") == NULL);
	free(text);
	unlink(moved);

	/* Threads: every line whole; close writes the rest at once. */
	fresh(SWGR_LOG_INFO);
	run_writers();
	t0 = swgr_mono_now();
	swgr_log_close();
	CHECK(swgr_mono_now() - t0 < 0.5);
	text = kit_slurp(logpath);
	n = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		n++;
		if (parse_line(line, "INFO ", "thread") != NULL && strlen(line) > 200)
			good++;
	}
	CHECK_INT(n, THREADS * PER_THREAD);
	CHECK_INT(good, THREADS * PER_THREAD);
	free(text);
}

int
main(void)
{
	snprintf(logpath, sizeof(logpath), "%s/test.log", kit_tmpdir("log"));

	test_levels();
	test_format();
	test_escaping();
	test_access();
	test_access_rate();
	test_reopen();
	test_threads();
	test_buffered();

	swgr_log_close();
	return t_done("test_log");
}
