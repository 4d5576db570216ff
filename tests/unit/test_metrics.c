/* Unit tests of the metrics segments (core/metrics.c): processes summed by a scan, dead and corrupt segments skipped, registration from many threads, a full segment, histograms. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/prom.h"
#include "kit.h"
#include "store/db.h"
#include "t.h"

static const double bounds[] = SWGR_METRICS_LATENCY_BOUNDS;
#define NBOUNDS ((int)(sizeof(bounds) / sizeof(bounds[0])))

/* What a scan saw of one name and label text, summed over the processes. */
struct seen {
	const char	*name;
	const char	*labels;
	const char	*program;	/* only this program's, or NULL: all */
	int		 hits;
	int64_t		 sum;		/* value[0] of each */
	uint64_t	 values[SWGR_METRICS_MAX_BUCKETS + 1];
	int		 nvalues;
	int		 programs;	/* a bit per program "a", "b", "c" */
};

static int
collect(void *arg, const struct swgr_metric_view *v)
{
	struct seen *s = arg;
	int i;

	if (strcmp(v->name, s->name) != 0 || strcmp(v->labels, s->labels) != 0 ||
	    (s->program != NULL && strcmp(v->program, s->program) != 0))
		return 0;
	s->hits++;
	s->sum += (int64_t)v->values[0];
	s->nvalues = v->nvalues;
	for (i = 0; i < v->nvalues && i < SWGR_METRICS_MAX_BUCKETS + 1; i++)
		s->values[i] += v->values[i];
	if (v->program[0] >= 'a' && v->program[0] <= 'c' && v->program[1] == '\0')
		s->programs |= 1 << (v->program[0] - 'a');
	return 0;
}

static struct seen
scan(const char *dir, const char *name, const char *labels)
{
	struct seen s = { .name = name, .labels = labels };
	struct swgr_err err = { 0 };

	CHECK_INT(swgr_metrics_scan(dir, collect, &s, &err), SWGR_OK);
	return s;
}

static int
count_all(void *arg, const struct swgr_metric_view *v)
{
	(void)v;
	(*(int *)arg)++;
	return 0;
}

static int
stop_at_first(void *arg, const struct swgr_metric_view *v)
{
	(void)v;
	(*(int *)arg)++;
	return 7;
}

static bool
exists(const char *dir, const char *program, long pid)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s.%ld.metrics", dir, program, pid);
	return access(path, F_OK) == 0;
}

/*
 * A child that counts n into its segment as program prog, tells the parent
 * (one byte on up), waits for a byte on down, then ends: with close (its
 * segment removed) or with _exit alone (left behind, as by a crash).
 */
static pid_t
child(const char *dir, const char *prog, int n, bool clean, int up[2], int down[2])
{
	struct swgr_metric *c, *h, *g;
	char b = 'x';
	pid_t pid;
	int i, ok;

	if ((pid = fork()) != 0)
		return pid;
	close(up[0]);
	close(down[1]);
	ok = swgr_metrics_open(dir, prog, NULL) == SWGR_OK;
	c = swgr_metric_counter("swgr_invoices_total", "backend=\"02ab\",outcome=\"issued\"");
	h = swgr_metric_histogram("swgr_invoice_duration_seconds", "backend=\"02ab\"", bounds,
	    NBOUNDS);
	g = swgr_metric_gauge("swgr_test_gauge", "");
	for (i = 0; i < n; i++) {
		swgr_metric_add(c, 1);
		swgr_metric_observe(h, 0.02);	/* the 0.025 bucket */
	}
	swgr_metric_observe(h, 30);		/* +Inf */
	swgr_metric_set(g, -(int64_t)n);
	b = ok && c != NULL && h != NULL && g != NULL ? 'y' : 'n';
	if (write(up[1], &b, 1) != 1 || read(down[0], &b, 1) != 1)
		_exit(3);
	if (clean)
		swgr_metrics_close();
	_exit(0);
}

/* The exposition of the two children's segments: one family per name, values summed. */
static void
expose(const char *dir, long a, long b)
{
	struct swgr_buf out = { 0 };
	struct swgr_err err = { 0 };
	char line[128];
	const char *p;
	int families = 0;

	CHECK_INT(swgr_prom_write(dir, &out, &err), SWGR_OK);
	if (out.p == NULL) {
		FAIL("empty exposition");
		return;
	}
	CHECK(kit_contains(out.p, "# HELP swgr_invoices_total Invoice calls"));
	CHECK(kit_contains(out.p, "# TYPE swgr_invoices_total counter\n"
	    "swgr_invoices_total{backend=\"02ab\",outcome=\"issued\"} 42\n"));
	CHECK(kit_contains(out.p, "# TYPE swgr_invoice_duration_seconds histogram\n"));
	CHECK(kit_contains(out.p, "swgr_invoice_duration_seconds_bucket{backend=\"02ab\","
	    "le=\"0.01\"} 0\n"
	    "swgr_invoice_duration_seconds_bucket{backend=\"02ab\",le=\"0.025\"} 42\n"));
	CHECK(kit_contains(out.p, "swgr_invoice_duration_seconds_bucket{backend=\"02ab\","
	    "le=\"10\"} 42\n"
	    "swgr_invoice_duration_seconds_bucket{backend=\"02ab\",le=\"+Inf\"} 44\n"
	    "swgr_invoice_duration_seconds_sum{backend=\"02ab\"} 60.840000\n"
	    "swgr_invoice_duration_seconds_count{backend=\"02ab\"} 44\n"));
	/* a gauge: the largest of the processes' values (-12 and -30) */
	CHECK(kit_contains(out.p, "# TYPE swgr_test_gauge gauge\nswgr_test_gauge -12\n"));
	for (p = out.p; (p = strstr(p, "# TYPE swgr_invoices_total ")) != NULL; p++)
		families++;
	CHECK_INT(families, 1);
	snprintf(line, sizeof(line), "swgr_process_threads{program=\"a\",pid=\"%ld\"} 1\n", a);
	CHECK(kit_contains(out.p, line));
	snprintf(line, sizeof(line), "swgr_process_open_fds{program=\"b\",pid=\"%ld\"} ", b);
	CHECK(kit_contains(out.p, line));
	snprintf(line, sizeof(line), "swgr_process_resident_memory_bytes{program=\"b\",pid=\"%ld\"} ",
	    b);
	CHECK(kit_contains(out.p, line));
	swgr_buf_free(&out);

	/* a directory that does not exist yet: nothing, and no error */
	CHECK_INT(swgr_prom_write("/nonexistent/swgr-metrics", &out, &err), SWGR_OK);
	CHECK(out.len == 0);
	swgr_buf_free(&out);
}

static void
test_processes(const char *dir)
{
	int up[2], down[2], st;
	pid_t a, b;
	char r1 = 0, r2 = 0, go[2] = { 'g', 'g' };
	struct seen s;
	int i;

	if (pipe(up) != 0 || pipe(down) != 0) {
		FAIL("pipe");
		return;
	}
	a = child(dir, "a", 30, false, up, down);
	b = child(dir, "b", 12, true, up, down);
	close(up[1]);
	CHECK(read(up[0], &r1, 1) == 1 && read(up[0], &r2, 1) == 1);
	CHECK(r1 == 'y' && r2 == 'y');
	CHECK(exists(dir, "a", (long)a) && exists(dir, "b", (long)b));

	s = scan(dir, "swgr_invoices_total", "backend=\"02ab\",outcome=\"issued\"");
	CHECK_INT(s.hits, 2);
	CHECK_INT(s.sum, 42);
	CHECK_INT(s.programs, 3);
	s = scan(dir, "swgr_invoice_duration_seconds", "backend=\"02ab\"");
	CHECK_INT(s.hits, 2);
	CHECK_INT(s.nvalues, NBOUNDS + 2);
	CHECK_INT(s.values[0], 0);		/* le 0.005 */
	CHECK_INT(s.values[1], 0);		/* le 0.01 */
	CHECK_INT(s.values[2], 42);		/* le 0.025: cumulative from here */
	CHECK_INT(s.values[NBOUNDS - 1], 42);	/* le 10 */
	CHECK_INT(s.values[NBOUNDS], 44);	/* +Inf: the count */
	CHECK_INT(s.values[NBOUNDS + 1], 42 * 20000 + 2 * 30000000);	/* sum, microseconds */
	s = scan(dir, "swgr_test_gauge", "");
	CHECK_INT(s.sum, -42);
	expose(dir, (long)a, (long)b);

	/* a ends without removing its segment: skipped, then removed by the scan */
	CHECK(write(down[1], go, 2) == 2);
	CHECK(waitpid(a, &st, 0) == a && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(waitpid(b, &st, 0) == b && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(exists(dir, "a", (long)a));
	CHECK(!exists(dir, "b", (long)b));	/* b's close removed its own */
	s = scan(dir, "swgr_invoices_total", "backend=\"02ab\",outcome=\"issued\"");
	CHECK_INT(s.hits, 0);
	CHECK(!exists(dir, "a", (long)a));
	i = 0;
	CHECK_INT(swgr_metrics_scan(dir, count_all, &i, NULL), SWGR_OK);
	CHECK_INT(i, 0);
	close(up[0]);
	close(down[0]);
	close(down[1]);
}

/* Copies src to dst, at most n bytes, then overwrites len bytes at the first "find" with fill. */
static void
copy_file(const char *src, const char *dst, size_t n, const char *find, char fill, size_t len)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	char *buf = malloc(n), *at;
	size_t got = 0;

	if (in == NULL || out == NULL || buf == NULL) {
		FAIL("copy_file");
		goto out;
	}
	got = fread(buf, 1, n, in);
	if (find != NULL && (at = memmem(buf, got, find, strlen(find))) != NULL &&
	    (size_t)(at - buf) + len <= got)
		memset(at, fill, len);
	else if (find != NULL)
		FAIL("copy_file: string not found");
	CHECK(fwrite(buf, 1, got, out) == got);
out:
	if (in != NULL)
		fclose(in);
	if (out != NULL)
		fclose(out);
	free(buf);
}

/* This process's own segment, and copies of it made corrupt: only the original counts. */
static void
test_corrupt(const char *dir)
{
	char own[1024], path[1024];
	struct swgr_metric *m;
	struct stat st;
	struct seen s;
	long me = (long)getpid();

	CHECK_INT(swgr_metrics_open(dir, "c", NULL), SWGR_OK);
	m = swgr_metric_counter("swgr_corrupt_total", "k=\"v\"");
	CHECK(m != NULL);
	swgr_metric_add(m, 5);
	snprintf(own, sizeof(own), "%s/c.%ld.metrics", dir, me);
	CHECK(stat(own, &st) == 0 && (st.st_mode & 0777) == 0640);

	/* a whole copy under another program name counts: the copies below differ from it only as said */
	snprintf(path, sizeof(path), "%s/whole.%ld.metrics", dir, me);
	copy_file(own, path, (size_t)st.st_size, NULL, 0, 0);
	s = scan(dir, "swgr_corrupt_total", "k=\"v\"");
	CHECK_INT(s.hits, 2);
	CHECK_INT(s.sum, 10);
	unlink(path);

	snprintf(path, sizeof(path), "%s/torn.%ld.metrics", dir, me);
	copy_file(own, path, (size_t)st.st_size / 2, NULL, 0, 0);
	snprintf(path, sizeof(path), "%s/noname.%ld.metrics", dir, me);
	copy_file(own, path, (size_t)st.st_size, "swgr_corrupt_total", 'A', 400);
	snprintf(path, sizeof(path), "%s/magic.%ld.metrics", dir, me);
	copy_file(own, path, (size_t)st.st_size, "SWGRMET", 'X', 3);
	snprintf(path, sizeof(path), "%s/otherpid.%ld.metrics", dir, me + 1);	/* header says me */
	copy_file(own, path, (size_t)st.st_size, NULL, 0, 0);
	snprintf(path, sizeof(path), "%s/junk.%ld.metrics", dir, me);
	kit_write(path, "not a segment at all", 0640);
	snprintf(path, sizeof(path), "%s/empty.%ld.metrics", dir, me);
	kit_write(path, "", 0640);
	snprintf(path, sizeof(path), "%s/noext.%ld", dir, me);
	copy_file(own, path, (size_t)st.st_size, NULL, 0, 0);
	snprintf(path, sizeof(path), "%s/sub.%ld.metrics", dir, me);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof(path), "%s/.c.%ld.metrics", dir, me);
	copy_file(own, path, (size_t)st.st_size, NULL, 0, 0);

	s = scan(dir, "swgr_corrupt_total", "k=\"v\"");
	CHECK_INT(s.hits, 1);
	CHECK_INT(s.sum, 5);
	swgr_metrics_close();
	CHECK(access(own, F_OK) != 0);
}

struct reg {
	int	 round;
	int	 bad;
};

#define REG_THREADS	8
#define REG_NAMES	50

static void *
register_main(void *arg)
{
	struct reg *r = arg;
	char labels[32];
	struct swgr_metric *m;
	int i;

	for (i = 0; i < REG_NAMES; i++) {
		snprintf(labels, sizeof(labels), "i=\"%d\"", (i * 7 + r->round) % REG_NAMES);
		if ((m = swgr_metric_counter("swgr_threads_total", labels)) == NULL)
			r->bad++;
		swgr_metric_add(m, 1);
	}
	return NULL;
}

static int
check_threads(void *arg, const struct swgr_metric_view *v)
{
	int *counts = arg, i;

	if (strcmp(v->name, "swgr_threads_total") != 0 || sscanf(v->labels, "i=\"%d\"", &i) != 1 ||
	    i < 0 || i >= REG_NAMES)
		return 0;
	counts[i * 2]++;
	counts[i * 2 + 1] += (int)v->values[0];
	return 0;
}

static void
test_threads(const char *dir)
{
	pthread_t th[REG_THREADS];
	struct reg r[REG_THREADS];
	int counts[REG_NAMES * 2] = { 0 }, i, once = 1, total = 1;

	CHECK_INT(swgr_metrics_open(dir, "c", NULL), SWGR_OK);
	for (i = 0; i < REG_THREADS; i++) {
		r[i].round = i;
		r[i].bad = 0;
		pthread_create(&th[i], NULL, register_main, &r[i]);
	}
	for (i = 0; i < REG_THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(r[i].bad, 0);
	}
	CHECK_INT(swgr_metrics_scan(dir, check_threads, counts, NULL), SWGR_OK);
	for (i = 0; i < REG_NAMES; i++) {
		once &= counts[i * 2] == 1;
		total &= counts[i * 2 + 1] == REG_THREADS;
	}
	CHECK(once);
	CHECK(total);
	i = 0;
	CHECK_INT(swgr_metrics_scan(dir, stop_at_first, &i, NULL), SWGR_OK);
	CHECK_INT(i, 1);
	swgr_metrics_close();
}

static void
test_full(const char *dir)
{
	struct swgr_metric *first;
	char labels[32];
	int i, made = 0, n = 0;

	CHECK_INT(swgr_metrics_open(dir, "c", NULL), SWGR_OK);
	first = swgr_metric_counter("swgr_full_total", "i=\"0\"");
	for (i = 1; i < SWGR_METRICS_SLOTS; i++) {
		snprintf(labels, sizeof(labels), "i=\"%d\"", i);
		made += swgr_metric_counter("swgr_full_total", labels) != NULL;
	}
	CHECK(first != NULL);
	CHECK_INT(made, SWGR_METRICS_SLOTS - 1);
	CHECK(swgr_metric_counter("swgr_full_total", "i=\"new\"") == NULL);
	CHECK(swgr_metric_gauge("swgr_full_gauge", "") == NULL);
	CHECK(swgr_metric_counter("swgr_full_total", "i=\"0\"") == first);	/* still found */
	CHECK_INT(swgr_metrics_scan(dir, count_all, &n, NULL), SWGR_OK);
	CHECK_INT(n, SWGR_METRICS_SLOTS);
	swgr_metrics_close();
}

/* Edges: the bucket of a value on a bound, bad arguments, a closed segment. */
static void
test_edges(const char *dir)
{
	const double two[] = { 1.0, 2.0 }, bad[] = { 2.0, 1.0 };
	struct swgr_metric *h, *g;
	struct swgr_err err = { 0 };
	char name[200];
	struct seen s;

	CHECK(swgr_metric_counter("x_total", "") == NULL);	/* not open */
	swgr_metric_add(NULL, 1);
	swgr_metric_observe(NULL, 1);
	swgr_metric_set(NULL, 1);
	CHECK_INT(swgr_metrics_scan("/nonexistent/swgr-metrics", count_all, NULL, &err),
	    SWGR_NOTFOUND);
	CHECK(swgr_metrics_open(dir, "a/b", &err) == SWGR_EINVAL);
	CHECK(swgr_metrics_open("", "c", &err) == SWGR_EINVAL);

	CHECK_INT(swgr_metrics_open(dir, "c", NULL), SWGR_OK);
	CHECK(swgr_metric_histogram("h_seconds", "", bad, 2) == NULL);
	CHECK(swgr_metric_histogram("h_seconds", "", two, 0) == NULL);
	CHECK(swgr_metric_histogram("h_seconds", "", bounds, SWGR_METRICS_MAX_BUCKETS) == NULL);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(swgr_metric_counter(name, "") == NULL);
	h = swgr_metric_histogram("h_seconds", "", two, 2);
	swgr_metric_observe(h, 1.0);	/* le 1 */
	swgr_metric_observe(h, 1.5);	/* le 2 */
	swgr_metric_observe(h, 2.0);	/* le 2 */
	swgr_metric_observe(h, 0.0);	/* le 1 */
	g = swgr_metric_gauge("g", "");
	swgr_metric_set(g, 10);
	swgr_metric_gauge_add(g, -3);
	CHECK(swgr_metric_counter("g", "") != g);	/* a counter of that name is another slot */
	swgr_metric_label_value("a\"b\\c\nd", name, sizeof(name));
	CHECK_STR(name, "a\\\"b\\\\c\\nd");
	swgr_metric_label_value("ab\"", name, 4);	/* no room for the escape: cut before it */
	CHECK_STR(name, "ab");
	s = scan(dir, "h_seconds", "");
	CHECK_INT(s.nvalues, 4);
	CHECK_INT(s.values[0], 2);
	CHECK_INT(s.values[1], 4);
	CHECK_INT(s.values[2], 4);
	CHECK_INT(s.values[3], 4500000);
	s = scan(dir, "g", "");
	CHECK_INT(s.hits, 2);		/* the gauge and the counter */
	CHECK_INT(s.sum, 7);
	swgr_metrics_close();
	CHECK(swgr_metric_counter("x_total", "") == NULL);	/* closed again */
}

/* The database pool's counts: a failed connect, an error by code, the connections in use. */
static void
test_db(const char *dir)
{
	struct swgr_db *db = NULL, *ok = NULL;
	struct swgr_err err = { 0 };
	char uri[1200];
	void *conn = NULL;
	struct seen s;

	CHECK_INT(swgr_metrics_open(dir, "c", NULL), SWGR_OK);
	CHECK_INT(swgr_db_open("sqlite:///nonexistent/swgr/x.db", 1, &db, &err), SWGR_OK);
	CHECK(swgr_db_acquire(db, &conn, &err) != SWGR_OK);
	swgr_db_count_error(db, SWGR_ERETRY);
	swgr_db_count_error(db, SWGR_NOTFOUND);		/* an answer, not an error */
	s = scan(dir, "swgr_db_errors_total", "driver=\"sqlite\",error=\"connect\"");
	CHECK_INT(s.sum, 1);
	s = scan(dir, "swgr_db_errors_total", "driver=\"sqlite\",error=\"retry\"");
	CHECK_INT(s.sum, 1);
	s = scan(dir, "swgr_db_errors_total", "driver=\"sqlite\",error=\"unavailable\"");
	CHECK_INT(s.sum, 0);
	snprintf(uri, sizeof(uri), "sqlite://%s/../db.sqlite?mode=rwc", dir);
	CHECK_INT(swgr_db_open(uri, 2, &ok, &err), SWGR_OK);
	conn = NULL;
	CHECK_INT(swgr_db_acquire(ok, &conn, &err), SWGR_OK);
	s = scan(dir, "swgr_db_connections_in_use", "driver=\"sqlite\"");
	CHECK_INT(s.sum, 1);
	swgr_db_release(ok, conn);
	s = scan(dir, "swgr_db_connections_in_use", "driver=\"sqlite\"");
	CHECK_INT(s.sum, 0);
	swgr_db_close(ok);
	swgr_db_close(db);
	swgr_metrics_close();
}

static void
test_config_dir(void)
{
	struct swgr_config cfg;
	char out[256];

	memset(&cfg, 0, sizeof(cfg));
	unsetenv("RUNTIME_DIRECTORY");
	CHECK(swgr_config_metrics_dir(&cfg, out, sizeof(out)));
	CHECK_STR(out, SWGR_METRICS_DIR_DEFAULT);
	setenv("RUNTIME_DIRECTORY", "/run/swgr-lnurl:/run/other", 1);
	CHECK(swgr_config_metrics_dir(&cfg, out, sizeof(out)));
	CHECK_STR(out, "/run/swgr-lnurl/metrics");
	cfg.metrics.has_dir = true;
	cfg.metrics.dir = "/var/tmp/m";
	CHECK(swgr_config_metrics_dir(&cfg, out, sizeof(out)));
	CHECK_STR(out, "/var/tmp/m");
	cfg.metrics.dir = "";
	CHECK(!swgr_config_metrics_dir(&cfg, out, sizeof(out)));
	unsetenv("RUNTIME_DIRECTORY");
}

int
main(void)
{
	const char *tmp = kit_tmpdir("metrics");
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/run/metrics", tmp);	/* made by the first open */
	test_processes(dir);
	test_corrupt(dir);
	test_threads(dir);
	test_full(dir);
	test_edges(dir);
	test_db(dir);
	test_config_dir();
	return t_done("test_metrics");
}
