/* swgr discovery status: the node status of GET /discovery/status as a table for a person, or its JSON, and an exit code for a check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "core/json.h"

#define ENV		"DISCOVERY"
#define WIDTH_MAX	100	/* the table never grows wider, a narrower terminal cuts the error */
#define EXIT_PROBLEM	1	/* a backend not healthy, a monitor stale */

static struct {
	const char		*instance;
	const char		*json;
	struct cli_client	 client;
} o;

static const struct cli_opt status_opts[] = {
	{ "instance", 'I', "INSTANCE", false, "Only this monitor instance", &o.instance },
	{ "json", 'j', NULL, false, "Print the JSON of GET /discovery/status", &o.json },
	CLI_CLIENT_OPTS(o.client, ENV), CLI_OPT_END
};

#define STATUS_FOOTER							\
	"Exit status: 0 when every enabled backend is healthy on every monitor\n" \
	"instance that checks it and no monitor is stale, 1 otherwise, 2 when\n" \
	"the status cannot be read (usage, connection, token, unknown instance).\n" \
	"Colour only on a terminal, and not with NO_COLOR set.\n\n"	\
	CLI_CLIENT_FOOTER

/* One line of the table: a backend as one instance sees it. */
struct row {
	int		 rank;		/* 0 unhealthy, 1 stale monitor, 2 unchecked, 3 healthy, 4 disabled */
	size_t		 order;		/* the backend's place in the answer */
	const char	*state;
	const char	*instance;
	const char	*name;
	const char	*pk;
	json_object	*inbound;
	const char	*checked;
	json_object	*succ, *fail;
	const char	*error;
	json_object	*inv;		/* the invoice outcomes, or NULL */
};

static json_object *
member(json_object *o_, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o_, key, &v) ? v : NULL;
}

static const char *
str_of(json_object *o_, const char *key)
{
	json_object *v = member(o_, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool
true_of(json_object *o_, const char *key)
{
	json_object *v = member(o_, key);

	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* The rank of a line (smaller first) and whether it is a problem for the exit status. */
static int
rank_of(bool enabled, const char *state, bool stale)
{
	if (!enabled)
		return 4;
	if (strcmp(state, "unhealthy") == 0)
		return 0;
	if (stale)
		return 1;
	return strcmp(state, "healthy") == 0 ? 3 : 2;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->instance, y->instance);
}

/* s cut to w characters (ASCII ".." marks a cut), left-aligned in w. */
static void
cell(struct swgr_buf *b, const char *s, int w)
{
	int len = (int)strlen(s);

	if (len <= w)
		swgr_buf_printf(b, "%-*s", w, s);
	else
		swgr_buf_printf(b, "%.*s..", w - 2, s);
}

/* msat as satoshis in at most 9 characters: 1234 sat, 12.3k, 4.50M, 1.20G. */
static void
sats(char *out, size_t n, json_object *v)
{
	double s;

	if (!json_object_is_type(v, json_type_int)) {
		snprintf(out, n, "-");
		return;
	}
	s = (double)json_object_get_uint64(v) / 1000.0;
	if (s < 10000)
		snprintf(out, n, "%.0f", s);
	else if (s < 1e6)
		snprintf(out, n, "%.1fk", s / 1e3);
	else if (s < 1e9)
		snprintf(out, n, "%.2fM", s / 1e6);
	else
		snprintf(out, n, "%.2fG", s / 1e9);
}

/* "12/0": consecutive successes and failures. */
static void
counts(char *out, size_t n, const struct row *r)
{
	if (!json_object_is_type(r->succ, json_type_int))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%lld/%lld", (long long)json_object_get_int64(r->succ),
		    (long long)json_object_get_int64(r->fail));
}

static int
screen_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= 60 && ws.ws_col < WIDTH_MAX)
		return ws.ws_col;
	return WIDTH_MAX;
}

/*
 * The columns: STATE 10, INSTANCE 13, BACKEND 19, KEY 13, INBOUND 10,
 * CHECKED (the time of day of the last check, UTC) 9, OK/FAIL 8, INVOICES
 * (issued/not) 10, P99 (ms) the last 8: 100.  The errors follow the table.
 */
#define HEAD_FMT	"%-10s%-13s%-19s%-13s%-10s%-9s%-8s%-10s%s"

/* "12/3": the invoices issued and those that were not (failed, timed out, wrong). */
static void
invoices(char *out, size_t n, json_object *inv, char *p99, size_t np)
{
	json_object *v;
	unsigned long long bad = 0;
	static const char *const bads[] = { "failed", "timedOut", "wrongInvoice" };
	size_t i;

	snprintf(out, n, "-");
	snprintf(p99, np, "-");
	if (!json_object_is_type(inv, json_type_object))
		return;
	for (i = 0; i < 3; i++)
		bad += (v = member(inv, bads[i])) != NULL ? json_object_get_uint64(v) : 0;
	snprintf(out, n, "%llu/%llu", (unsigned long long)json_object_get_uint64(
	    member(inv, "issued")), bad);
	if ((v = member(inv, "latencyP99Ms")) != NULL && !json_object_is_type(v, json_type_null))
		snprintf(p99, np, "%.0f", json_object_get_double(v));
}

/* The error without its "backend <key> (<kind>): " lead, which the row already shows. */
static const char *
error_text(const char *e)
{
	const char *colon;

	if (strncmp(e, "backend ", 8) == 0 && (colon = strstr(e, ": ")) != NULL &&
	    colon - e < 150)
		return colon + 2;
	return e;
}

static void
put_row(struct swgr_buf *b, const struct row *r, bool colour)
{
	char in[16], sf[24], key[16], at[16], inv[48], p99[24];
	const char *on = "", *off = "";

	if (colour && r->rank == 0)
		on = "\033[1;31m";
	else if (colour && (r->rank == 1 || r->rank == 2))
		on = "\033[1;33m";
	else if (colour && r->rank == 4)
		on = "\033[2m";
	if (*on != '\0')
		off = "\033[0m";
	sats(in, sizeof(in), r->inbound);
	counts(sf, sizeof(sf), r);
	snprintf(key, sizeof(key), "%.10s..", r->pk);
	/* "2026-12-02T17:51:31.5Z": the time of day, to the second */
	if (r->checked != NULL && strlen(r->checked) >= 19)
		snprintf(at, sizeof(at), "%.8s", r->checked + 11);
	else
		snprintf(at, sizeof(at), "-");
	swgr_buf_puts(b, on);
	cell(b, r->rank == 1 ? "stale" : r->state, 9);
	swgr_buf_putc(b, ' ');
	cell(b, r->instance, 12);
	swgr_buf_putc(b, ' ');
	cell(b, r->name != NULL ? r->name : "-", 18);
	swgr_buf_putc(b, ' ');
	cell(b, key, 12);
	swgr_buf_putc(b, ' ');
	cell(b, in, 9);
	swgr_buf_putc(b, ' ');
	cell(b, at, 8);
	swgr_buf_putc(b, ' ');
	cell(b, sf, 7);
	swgr_buf_putc(b, ' ');
	invoices(inv, sizeof(inv), r->inv, p99, sizeof(p99));
	cell(b, inv, 9);
	swgr_buf_putc(b, ' ');
	cell(b, p99, 8);
	/* no trailing blanks */
	while (b->len > 0 && b->p[b->len - 1] == ' ')
		b->p[--b->len] = '\0';
	swgr_buf_printf(b, "%s\n", off);
}

/* Below the table, the whole error of each enabled row that has one, cut to the width. */
static void
put_errors(struct swgr_buf *b, const struct row *rows, size_t n, int width)
{
	struct swgr_buf line = { 0 };
	bool head = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rows[i].error == NULL || rows[i].rank == 4)
			continue;
		if (!head)
			swgr_buf_puts(b, "\nLast errors:\n");
		head = true;
		swgr_buf_reset(&line);
		if (rows[i].name != NULL)
			swgr_buf_printf(&line, "  %.30s", rows[i].name);
		else
			swgr_buf_printf(&line, "  %.8s..", rows[i].pk);
		swgr_buf_printf(&line, " on %.30s: %s", rows[i].instance, error_text(rows[i].error));
		if (!swgr_buf_ok(&line))
			break;
		cell(b, line.p, width);
		while (b->len > 0 && b->p[b->len - 1] == ' ')
			b->p[--b->len] = '\0';
		swgr_buf_putc(b, '\n');
	}
	swgr_buf_free(&line);
}

/* The monitors' lines: each instance's heartbeat, STALE flagged. */
static bool
put_monitors(struct swgr_buf *b, json_object *mons, bool colour)
{
	json_object *m, *v;
	double age, period;
	bool ok = true, st;
	size_t i, n;

	n = json_object_array_length(mons);
	if (n == 0) {
		swgr_buf_printf(b, "%sNo monitor instance has written a heartbeat: nothing is "
		    "checked%s\n", colour ? "\033[1;31m" : "", colour ? "\033[0m" : "");
		return false;
	}
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mons, i);
		age = (v = member(m, "heartbeatAgeSecs")) != NULL ? json_object_get_double(v) : 0;
		period = (v = member(m, "periodSecs")) != NULL ? json_object_get_double(v) : 0;
		st = true_of(m, "stale");
		ok = ok && !st;
		swgr_buf_printf(b, "%sMonitor %.40s: %sheartbeat %.0f s ago, every %g s%s\n",
		    st && colour ? "\033[1;33m" : "", str_of(m, "instance"), st ? "STALE: " : "",
		    age, period, st && colour ? "\033[0m" : "");
	}
	return ok;
}

/*
 * The table of the answer, problems first; *healthy tells whether the
 * exit status is 0.  An enabled backend unchecked by one instance is a
 * problem only when no instance checks it (monitors may watch different
 * partitions).  SWGR_EUPSTREAM for an answer of another shape.
 */
static enum swgr_rc
table(json_object *root, struct swgr_buf *b, bool *healthy, struct swgr_err *err)
{
	json_object *mons = member(root, "monitors"), *bes = member(root, "backends");
	json_object *be, *insts, *in;
	struct row *rows = NULL, *r;
	size_t i, k, n = 0, cap = 0, nin;
	bool colour, enabled, checked;
	int width = screen_width();
	const char *nc = getenv("NO_COLOR");

	if (!json_object_is_type(mons, json_type_array) ||
	    !json_object_is_type(bes, json_type_array))
		return swgr_err_set(err, SWGR_EUPSTREAM, "GET /discovery/status: the answer has "
		    "no monitors and backends arrays");
	colour = isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
	*healthy = put_monitors(b, mons, colour);
	for (i = 0; i < json_object_array_length(bes); i++) {
		be = json_object_array_get_idx(bes, i);
		insts = member(be, "instances");
		nin = json_object_is_type(insts, json_type_array) ?
		    json_object_array_length(insts) : 0;
		enabled = true_of(be, "enabled");
		checked = false;
		if (cap < n + nin + 1) {
			cap = (n + nin + 1) * 2;
			if ((r = realloc(rows, cap * sizeof(*rows))) == NULL) {
				free(rows);
				return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
			}
			rows = r;
		}
		for (k = 0; k < nin; k++) {
			in = json_object_array_get_idx(insts, k);
			r = &rows[n++];
			r->state = str_of(in, "state") != NULL ? str_of(in, "state") : "?";
			r->rank = rank_of(enabled, r->state, true_of(in, "stale"));
			if (!enabled)
				r->state = "disabled";
			r->order = i;
			r->instance = str_of(in, "instance") != NULL ? str_of(in, "instance") : "?";
			r->name = str_of(be, "name");
			r->pk = str_of(be, "publicKey") != NULL ? str_of(be, "publicKey") : "?";
			r->inbound = member(in, "inboundMsat");
			r->checked = str_of(in, "lastChecked");
			r->succ = member(in, "consecutiveSuccesses");
			r->fail = member(in, "consecutiveFailures");
			r->error = str_of(in, "lastError");
			r->inv = member(in, "invoices");
			if (r->rank < 2)
				*healthy = false;
			if (strcmp(r->state, "unchecked") != 0)
				checked = true;
		}
		if (enabled && !checked)
			*healthy = false;
	}
	if (n > 0)
		qsort(rows, n, sizeof(*rows), row_cmp);
	swgr_buf_putc(b, '\n');
	swgr_buf_printf(b, colour ? "\033[1m" HEAD_FMT "\033[0m\n" : HEAD_FMT "\n", "STATE",
	    "INSTANCE", "BACKEND", "KEY", "INBOUND", "CHECKED", "OK/FAIL", "INVOICES", "P99 ms");
	for (i = 0; i < n; i++)
		put_row(b, &rows[i], colour);
	if (json_object_array_length(bes) == 0)
		swgr_buf_puts(b, "(no backends)\n");
	put_errors(b, rows, n, width);
	free(rows);
	return SWGR_OK;
}

/* GET /discovery/status[?instance=I]: 200 only; else the error, the service's reason if it gave one. */
static enum swgr_rc
fetch(struct swgr_http_client *h, struct swgr_http_resp *r, struct swgr_err *err)
{
	static const char *const segs[] = { "discovery", "status" };
	struct swgr_http_req q = { .method = "GET", .segs = segs, .nsegs = 2,
	    .what = "get node status" };
	struct swgr_buf qs = { 0 };
	enum swgr_rc rc;

	if (o.instance != NULL) {
		swgr_http_form_add(&qs, "instance", o.instance);
		if (!swgr_buf_ok(&qs)) {
			swgr_buf_free(&qs);
			return swgr_err_set(err, SWGR_ENOMEM, "out of memory");
		}
		q.query = qs.p;
	}
	rc = cli_http_request(h, &q, r, err);
	swgr_buf_free(&qs);
	if (rc != SWGR_OK)
		return rc;
	if (r->status == 404 && r->body.len > 0)	/* the service's reason, text/plain */
		return swgr_err_set(err, SWGR_NOTFOUND, "%s: %.*s", q.what,
		    (int)strcspn(r->body.p, "\n"), r->body.p);
	if (r->status != 200)
		return swgr_http_status_error(r, q.what, err);
	return SWGR_OK;
}

int
cli_discovery_status(int argc, char **argv, const void *ctx)
{
	static const struct cli_cmd cmd = { "swgr discovery status", NULL,
	    "Show the node status every monitor instance reports", NULL, status_opts, 0, 0,
	    STATUS_FOOTER };
	struct swgr_http_client *h = NULL;
	struct swgr_http_resp r = { 0 };
	struct swgr_buf out = { 0 };
	struct swgr_err err = { 0 };
	json_object *root = NULL;
	const char *pos[1];
	enum swgr_rc src;
	bool healthy = false;
	size_t npos;
	int rc;

	(void)ctx;
	if ((rc = cli_parse(&cmd, argc, argv, pos, &npos)) != CLI_RUN)
		return rc;
	if ((src = cli_http_open(ENV, &o.client, &h, &err)) == SWGR_OK &&
	    (src = fetch(h, &r, &err)) == SWGR_OK) {
		if ((src = swgr_json_parse(r.body.p, r.body.len, &root, &err)) != SWGR_OK ||
		    !json_object_is_type(root, json_type_object)) {
			swgr_err_set(&err, SWGR_EUPSTREAM, "GET /discovery/status: the answer is "
			    "not a JSON object");
			src = SWGR_EUPSTREAM;
		} else if (o.json != NULL) {
			/* the exit status still tells health */
			if ((src = table(root, &out, &healthy, &err)) == SWGR_OK) {
				swgr_buf_reset(&out);
				src = swgr_json_pretty(r.body.p, r.body.len, &out, &err);
			}
		} else
			src = table(root, &out, &healthy, &err);
	}
	if (src == SWGR_OK)
		src = o.json != NULL ? cli_write_json(NULL, "status", &out, &err) :
		    cli_write_buf(NULL, "status", &out, &err);
	if (src != SWGR_OK) {
		cli_fail(&err);
		rc = CLI_EXIT_USAGE;
	} else
		rc = healthy ? CLI_EXIT_OK : EXIT_PROBLEM;
	json_object_put(root);
	swgr_buf_free(&out);
	swgr_http_resp_free(&r);
	swgr_http_client_free(h);
	return rc;
}
