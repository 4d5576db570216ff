/* The Prometheus text exposition (format 0.0.4) of every live metrics segment of the host. */
#ifndef SWGR_PROM_H
#define SWGR_PROM_H

#include "core/buf.h"
#include "core/err.h"

#define SWGR_PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Appends to out the exposition of the segments in dir (core/metrics.h):
 * one family per name (# HELP, # TYPE), each label set once, the values of
 * every process summed (a gauge: the largest, since ours are states such as
 * health, capacity or a time); a histogram's sum in seconds.  Then, per
 * process (labels program and pid), swgr_process_resident_memory_bytes,
 * swgr_process_threads and swgr_process_open_fds, read from /proc now (a
 * process whose /proc cannot be read is left out of them), and
 * swgr_monitor_heartbeat_age_seconds from the heartbeat time that
 * swgr-monitord sets.  A directory that does not exist yet gives the
 * process families only (none).  SWGR_ENOMEM, or dir cannot be read.
 */
enum swgr_rc	 swgr_prom_write(const char *dir, struct swgr_buf *out, struct swgr_err *err);

#endif
