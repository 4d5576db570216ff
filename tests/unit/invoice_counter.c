/*
 * A test tool of the integration suite: one process counting invoice
 * outcomes into a metrics segment of its own (core/metrics.h), under the
 * names swgr-lnurl uses, as stdin tells it.  Lines:
 *   count <backend hex> <issued|failed|timeout|wrong_invoice> <n>
 *   observe <backend hex> <seconds> <n>
 * each answered "ok" on stdout once counted; end of input closes the
 * segment and exits 0.  Usage: invoice_counter DIR PROGRAM
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

int
main(int argc, char **argv)
{
	static const double bounds[] = SWGR_METRICS_LATENCY_BOUNDS;
	struct swgr_err err = { 0 };
	char line[512], what[16], hex[80], arg[32], labels[200];
	struct swgr_metric *m;
	unsigned long n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: invoice_counter DIR PROGRAM\n");
		return 2;
	}
	if (swgr_metrics_open(argv[1], argv[2], &err) != SWGR_OK) {
		fprintf(stderr, "invoice_counter: %s\n", err.msg);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "%15s %79s %31s %lu", what, hex, arg, &n) != 4) {
			printf("bad line\n");
			continue;
		}
		if (strcmp(what, "count") == 0) {
			snprintf(labels, sizeof(labels), "backend=\"%s\",outcome=\"%s\"", hex, arg);
			m = swgr_metric_counter("swgr_invoices_total", labels);
			swgr_metric_add(m, n);
		} else {
			snprintf(labels, sizeof(labels), "backend=\"%s\"", hex);
			m = swgr_metric_histogram("swgr_invoice_duration_seconds", labels, bounds,
			    (int)(sizeof(bounds) / sizeof(bounds[0])));
			for (i = 0; i < n; i++)
				swgr_metric_observe(m, strtod(arg, NULL));
		}
		printf(m != NULL ? "ok\n" : "no metric\n");
	}
	swgr_metrics_close();
	return 0;
}
