/* The Prometheus text exposition of the host's metrics segments: families summed over processes, and each process's own figures from /proc. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/metrics.h"
#include "core/prom.h"

#define VALUES	(SWGR_METRICS_MAX_BUCKETS + 1)

struct entry {
	char		*name;
	char		*labels;
	enum swgr_metric_type type;
	int		 nbounds;
	double		 bounds[SWGR_METRICS_MAX_BUCKETS - 1];
	uint64_t	 values[VALUES];
};

struct proc {
	char		 program[64];
	long		 pid;
};

struct gather {
	struct entry	*e;
	size_t		 n, cap;
	struct proc	*p;
	size_t		 np, pcap;
	bool		 oom;
};

/* The HELP text of the names the suite counts; others get a plain one. */
static const struct { const char *name, *help; } helps[] = {
	{ "swgr_requests_total", "FastCGI requests answered, by service, route and status class" },
	{ "swgr_request_duration_seconds", "Time to answer a request, by service and route" },
	{ "swgr_invoices_total", "Invoice calls to a backend, by outcome "
	    "(issued, failed, timeout, wrong_invoice)" },
	{ "swgr_invoice_duration_seconds", "Time of an invoice call to a backend" },
	{ "swgr_failovers_total", "Invoice requests that went on to another node after one "
	    "failed or refused" },
	{ "swgr_backoffs_total", "Passes over the nodes again after the backoff's wait" },
	{ "swgr_bulkhead_rejections_total", "Invoice requests refused with 503 by a full "
	    "bulkhead (invoice: invoice-concurrency; node: every node at node-concurrency)" },
	{ "swgr_breaker_opens_total", "Times a node's circuit breaker opened" },
	{ "swgr_node_healthy", "1 when swgr-monitord counts the node healthy, else 0" },
	{ "swgr_node_inbound_msat", "The node's inbound capacity at its last good check, msat" },
	{ "swgr_node_check_duration_seconds", "Time of one health check of a node" },
	{ "swgr_node_check_failures_total", "Failed health checks of a node" },
	{ "swgr_node_errors_total", "Failed calls to a node by the node clients, by kind of "
	    "call and of node" },
	{ "swgr_db_errors_total", "Failed database statements and connections, by driver" },
	{ "swgr_monitor_heartbeat_timestamp_seconds", "When swgr-monitord last wrote its "
	    "heartbeat (Unix time)" },
};

static const char *
help(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].name, name) == 0)
			return helps[i].help;
	return "A metric of the swgr suite";
}

static void
add_proc(struct gather *g, const struct swgr_metric_view *v)
{
	struct proc *np;

	if (g->np > 0 && g->p[g->np - 1].pid == v->pid)
		return;		/* a segment's metrics come one after another */
	if (g->np == g->pcap) {
		if ((np = realloc(g->p, (g->pcap * 2 + 8) * sizeof(*np))) == NULL) {
			g->oom = true;
			return;
		}
		g->p = np;
		g->pcap = g->pcap * 2 + 8;
	}
	snprintf(g->p[g->np].program, sizeof(g->p[g->np].program), "%s", v->program);
	g->p[g->np++].pid = v->pid;
}

static int
gather(void *arg, const struct swgr_metric_view *v)
{
	struct gather *g = arg;
	struct entry *e, *ne;
	int i;

	add_proc(g, v);
	if (g->n == g->cap) {
		if ((ne = realloc(g->e, (g->cap * 2 + 64) * sizeof(*ne))) == NULL)
			return g->oom = true, 1;
		g->e = ne;
		g->cap = g->cap * 2 + 64;
	}
	e = &g->e[g->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(v->name)) == NULL || (e->labels = strdup(v->labels)) == NULL) {
		free(e->name);
		return g->oom = true, 1;
	}
	e->type = v->type;
	e->nbounds = v->nbounds;
	for (i = 0; i < v->nbounds; i++)
		e->bounds[i] = v->bounds[i];
	for (i = 0; i < v->nvalues && i < VALUES; i++)
		e->values[i] = v->values[i];
	g->n++;
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if (x->type != y->type)
		return (int)x->type - (int)y->type;
	return strcmp(x->labels, y->labels);
}

static bool
same_bounds(const struct entry *a, const struct entry *b)
{
	return a->nbounds == b->nbounds &&
	    memcmp(a->bounds, b->bounds, (size_t)a->nbounds * sizeof(double)) == 0;
}

/* Folds b into a (same name, type and labels). */
static void
fold(struct entry *a, const struct entry *b)
{
	int i;

	switch (a->type) {
	case SWGR_METRIC_COUNTER:
		a->values[0] += b->values[0];
		break;
	case SWGR_METRIC_GAUGE:
		if ((int64_t)b->values[0] > (int64_t)a->values[0])
			a->values[0] = b->values[0];
		break;
	case SWGR_METRIC_HISTOGRAM:
		if (!same_bounds(a, b))
			break;	/* another layout of the same name: the first one's only */
		for (i = 0; i < a->nbounds + 2; i++)
			a->values[i] += b->values[i];
		break;
	}
}

static const char *
type_name(enum swgr_metric_type t)
{
	switch (t) {
	case SWGR_METRIC_COUNTER:
		return "counter";
	case SWGR_METRIC_GAUGE:
		return "gauge";
	case SWGR_METRIC_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

/* name{labels[,extra]} */
static void
series(struct swgr_buf *b, const char *name, const char *suffix, const char *labels,
    const char *extra)
{
	swgr_buf_puts(b, name);
	swgr_buf_puts(b, suffix);
	if (labels[0] == '\0' && extra == NULL)
		return;
	swgr_buf_putc(b, '{');
	swgr_buf_puts(b, labels);
	if (extra != NULL) {
		if (labels[0] != '\0')
			swgr_buf_putc(b, ',');
		swgr_buf_puts(b, extra);
	}
	swgr_buf_putc(b, '}');
}

static void
family(struct swgr_buf *b, const char *name, const char *type)
{
	swgr_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help(name), name, type);
}

static void
write_entry(struct swgr_buf *b, const struct entry *e)
{
	char le[48];
	int i;

	switch (e->type) {
	case SWGR_METRIC_COUNTER:
		series(b, e->name, "", e->labels, NULL);
		swgr_buf_printf(b, " %" PRIu64 "\n", e->values[0]);
		break;
	case SWGR_METRIC_GAUGE:
		series(b, e->name, "", e->labels, NULL);
		swgr_buf_printf(b, " %" PRId64 "\n", (int64_t)e->values[0]);
		break;
	case SWGR_METRIC_HISTOGRAM:
		for (i = 0; i <= e->nbounds; i++) {
			if (i < e->nbounds)
				snprintf(le, sizeof(le), "le=\"%.15g\"", e->bounds[i]);
			else
				snprintf(le, sizeof(le), "le=\"+Inf\"");
			series(b, e->name, "_bucket", e->labels, le);
			swgr_buf_printf(b, " %" PRIu64 "\n", e->values[i]);
		}
		series(b, e->name, "_sum", e->labels, NULL);
		swgr_buf_printf(b, " %.6f\n", (double)e->values[e->nbounds + 1] / 1e6);
		series(b, e->name, "_count", e->labels, NULL);
		swgr_buf_printf(b, " %" PRIu64 "\n", e->values[e->nbounds]);
		break;
	}
}

/* The heartbeat ages, from the heartbeat times (entries sorted, folded). */
static void
write_ages(struct swgr_buf *b, const struct entry *e, size_t n)
{
	const char *ts = "swgr_monitor_heartbeat_timestamp_seconds";
	const char *age = "swgr_monitor_heartbeat_age_seconds";
	int64_t now = (int64_t)time(NULL);
	bool head = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (e[i].type != SWGR_METRIC_GAUGE || strcmp(e[i].name, ts) != 0 ||
		    (int64_t)e[i].values[0] <= 0)
			continue;
		if (!head)
			swgr_buf_printf(b, "# HELP %s Seconds since swgr-monitord last wrote its "
			    "heartbeat (computed at scrape time)\n# TYPE %s gauge\n", age, age);
		head = true;
		series(b, age, "", e[i].labels, NULL);
		swgr_buf_printf(b, " %" PRId64 "\n", now - (int64_t)e[i].values[0]);
	}
}

/* RSS (bytes) and threads of pid from /proc/<pid>/status; false if it cannot be read. */
static bool
proc_status(long pid, uint64_t *rss, uint64_t *threads)
{
	char path[64], line[256];
	unsigned long long v;
	bool got_rss = false, got_thr = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %llu kB", &v) == 1) {
			*rss = (uint64_t)v * 1024;
			got_rss = true;
		} else if (sscanf(line, "Threads: %llu", &v) == 1) {
			*threads = (uint64_t)v;
			got_thr = true;
		}
	}
	fclose(f);
	return got_rss && got_thr;
}

/* The open descriptors of pid; -1 when /proc/<pid>/fd cannot be read (another user's). */
static long
proc_fds(long pid)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
write_procs(struct swgr_buf *b, const struct proc *p, size_t np)
{
	static const char *const fam[3][2] = {
		{ "swgr_process_resident_memory_bytes", "Resident memory of the process (VmRSS)" },
		{ "swgr_process_threads", "Threads of the process" },
		{ "swgr_process_open_fds", "Open file descriptors of the process (connections "
		    "and sockets included)" },
	};
	uint64_t rss, thr;
	char labels[160], prog[130];
	long fds;
	size_t i;
	int k;

	if (np == 0)
		return;
	for (k = 0; k < 3; k++) {
		swgr_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", fam[k][0], fam[k][1],
		    fam[k][0]);
		for (i = 0; i < np; i++) {
			rss = thr = 0;
			if (k < 2 && !proc_status(p[i].pid, &rss, &thr))
				continue;
			fds = k == 2 ? proc_fds(p[i].pid) : 0;
			if (fds < 0)
				continue;
			swgr_metric_label_value(p[i].program, prog, sizeof(prog));
			snprintf(labels, sizeof(labels), "program=\"%s\",pid=\"%ld\"", prog, p[i].pid);
			series(b, fam[k][0], "", labels, NULL);
			swgr_buf_printf(b, " %" PRIu64 "\n", k == 0 ? rss : k == 1 ? thr :
			    (uint64_t)fds);
		}
	}
}

enum swgr_rc
swgr_prom_write(const char *dir, struct swgr_buf *out, struct swgr_err *err)
{
	struct gather g = { 0 };
	struct swgr_err e2 = { 0 };
	enum swgr_rc rc;
	size_t i, j, m = 0;

	rc = swgr_metrics_scan(dir, gather, &g, &e2);
	if (rc == SWGR_NOTFOUND)
		rc = SWGR_OK;
	else if (rc != SWGR_OK) {
		if (err != NULL)
			*err = e2;
		goto out;
	}
	if (g.oom) {
		rc = swgr_err_set(err, SWGR_ENOMEM, "metrics: out of memory");
		goto out;
	}
	if (g.n > 0)
		qsort(g.e, g.n, sizeof(*g.e), cmp_entry);
	/* fold equal series in place: e[0..m) */
	for (i = 0; i < g.n; i++) {
		if (m > 0 && cmp_entry(&g.e[m - 1], &g.e[i]) == 0) {
			fold(&g.e[m - 1], &g.e[i]);
			free(g.e[i].name);
			free(g.e[i].labels);
			continue;
		}
		g.e[m++] = g.e[i];
	}
	g.n = m;
	for (i = 0; i < m; i = j) {
		/* one family per name: a second type under the same name is left out */
		family(out, g.e[i].name, type_name(g.e[i].type));
		for (j = i; j < m && strcmp(g.e[j].name, g.e[i].name) == 0; j++)
			if (g.e[j].type == g.e[i].type)
				write_entry(out, &g.e[j]);
	}
	write_ages(out, g.e, m);
	write_procs(out, g.p, g.np);
	if (!swgr_buf_ok(out))
		rc = swgr_err_set(err, SWGR_ENOMEM, "metrics: out of memory");
out:
	for (i = 0; i < g.n; i++) {
		free(g.e[i].name);
		free(g.e[i].labels);
	}
	free(g.e);
	free(g.p);
	return rc;
}
